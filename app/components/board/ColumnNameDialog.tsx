/** Add a column or rename one (written to the live document). */
import { useId, useState, type FormEvent } from "react";
import type * as Y from "yjs";
import { addColumn, columnsMap, listColumns, removeColumn, renameColumn, requestsInColumn } from "~/board/domain";
import type { ColumnView } from "~/board/types";
import { LIMITS, slugify, validateColumnName } from "~/board/validate";
import { fieldError, type Translate } from "~/i18n";
import { Field } from "./Field";
import { Modal } from "./Modal";
import { RemoveRecordSection } from "./RemoveRecordSection";
import { columnLabel } from "./labels";

export type ColumnDialogState = { mode: "add" } | { mode: "rename"; column: ColumnView } | null;

/** A column id derived from its name that is not used yet on this board. */
function freeColumnId(doc: Y.Doc, name: string): string {
  const cols = columnsMap(doc);
  let base = slugify(name);
  if (base === "categorie" && !/categorie/i.test(name)) base = "kolom";
  let id = base;
  for (let i = 2; cols.has(id); i++) id = `${base}-${i}`;
  return id;
}

export function ColumnNameDialog({
  state,
  onClose,
  doc,
  columnCount,
  t,
  onNotice,
}: {
  state: ColumnDialogState;
  onClose: () => void;
  doc: Y.Doc | null;
  columnCount: number;
  t: Translate;
  onNotice: (message: string) => void;
}) {
  const titleId = useId();
  return (
    <Modal open={!!state} onClose={onClose} labelledBy={titleId} testId="dialog-column">
      {state ? (
        <ColumnNameForm
          key={state.mode === "rename" ? state.column.id : "add"}
          state={state}
          titleId={titleId}
          onClose={onClose}
          doc={doc}
          columnCount={columnCount}
          t={t}
          onNotice={onNotice}
        />
      ) : null}
    </Modal>
  );
}

function ColumnNameForm({
  state,
  titleId,
  onClose,
  doc,
  columnCount,
  t,
  onNotice,
}: {
  state: NonNullable<ColumnDialogState>;
  titleId: string;
  onClose: () => void;
  doc: Y.Doc | null;
  columnCount: number;
  t: Translate;
  onNotice: (message: string) => void;
}) {
  const [error, setError] = useState<string | undefined>();
  const full = state.mode === "add" && columnCount >= LIMITS.maxColumns;
  const current = state.mode === "rename" ? columnLabel(t, state.column) : "";

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!doc || full) return;
    const result = validateColumnName(new FormData(e.currentTarget).get("name"));
    if (!result.ok) {
      setError(fieldError(t, result.errors.name));
      return;
    }
    try {
      if (state.mode === "add") {
        addColumn(doc, { id: freeColumnId(doc, result.value), name: result.value });
        onNotice(t("column.added", { name: result.value }));
      } else if (result.value !== current) {
        // Unchanged (possibly translated) default name: keep the stored name as it is.
        renameColumn(doc, state.column.id, result.value);
        onNotice(t("column.renamed", { name: result.value }));
      }
      onClose();
    } catch {
      setError(t("column.saveFailed"));
    }
  };

  return (
    <form className="modal-form" onSubmit={onSubmit} noValidate>
      <div className="modal-head">
        <h2 id={titleId}>{state.mode === "add" ? t("column.addTitle") : t("column.renameTitle", { name: current })}</h2>
      </div>
      <div className="modal-body">
        {full ? (
          <p className="alert info">{t("column.full", { max: LIMITS.maxColumns })}</p>
        ) : (
          <Field label={t("column.name")} error={error}>
            <input
              type="text"
              name="name"
              maxLength={LIMITS.columnNameMax}
              defaultValue={current}
              autoComplete="off"
              required
              data-autofocus
            />
          </Field>
        )}
        {state.mode === "rename" && doc ? (
          <RemoveRecordSection
            target={{
              kind: "column",
              id: state.column.id,
              label: current,
              held: requestsInColumn(doc, state.column.id),
              others: listColumns(doc)
                .filter((c) => c.id !== state.column.id)
                .map((c) => ({ id: c.id, label: columnLabel(t, c) })),
            }}
            onRemove={(moveTo) => {
              removeColumn(doc, state.column.id, { moveTo, now: Date.now() });
              onNotice(t("remove.done.column", { name: current }));
              onClose();
            }}
            t={t}
          />
        ) : null}
      </div>
      <div className="modal-actions">
        {full ? null : (
          <button type="submit" className="button">
            {state.mode === "add" ? t("column.addSubmit") : t("board.save")}
          </button>
        )}
        <button type="button" className="button secondary" onClick={onClose}>
          {t("board.cancel")}
        </button>
      </div>
    </form>
  );
}
