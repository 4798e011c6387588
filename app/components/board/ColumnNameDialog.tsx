/**
 * Add a column or edit one (written to the live document): its name, its
 * stage (what it means for the requests in it), where a new one goes
 * (before the first done column unless chosen) and, when editing, its
 * removal. Stages that the board's rules would refuse (`stageChangeProblem`)
 * are disabled, with the reason in words.
 */
import { useId, useState, type FormEvent } from "react";
import type * as Y from "yjs";
import {
  addColumn,
  columnsMap,
  listColumns,
  removeColumn,
  renameColumn,
  requestsInColumn,
  setColumnStage,
  stageChangeProblem,
} from "~/board/domain";
import { carriesOver, columnsOf, isStage, newColumnIndex, STAGES } from "~/board/stages";
import type { ColumnView, Stage } from "~/board/types";
import { LIMITS, slugify, validateColumnName } from "~/board/validate";
import { fieldError, type Translate } from "~/i18n";
import { Field } from "./Field";
import { Modal } from "./Modal";
import { RemoveRecordSection, type RemoveTarget } from "./RemoveRecordSection";
import { columnLabel } from "./labels";
import { stageHelp, stageLabel } from "./stageLabels";

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

/** Why each stage is refused for an existing column (null: allowed). */
function stageProblems(doc: Y.Doc, id: string): Record<Stage, string | null> {
  return Object.fromEntries(STAGES.map((s) => [s, stageChangeProblem(doc, id, s)])) as Record<Stage, string | null>;
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
  const stageId = useId();
  const stageNoteId = useId();
  const [error, setError] = useState<string | undefined>();
  const full = state.mode === "add" && columnCount >= LIMITS.maxColumns;
  const current = state.mode === "rename" ? columnLabel(t, state.column) : "";
  const columns = doc ? listColumns(doc) : [];
  const live = state.mode === "rename" ? columns.find((c) => c.id === state.column.id) ?? state.column : null;
  const [stage, setStage] = useState<Stage>(live?.stage ?? "open");
  const [position, setPosition] = useState(String(newColumnIndex(columns)));
  const problems = live && doc ? stageProblems(doc, live.id) : null;
  const stageNote = live && problems ? stageNoteText(t, live, problems) : null;

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
        const index = Number(position);
        addColumn(doc, {
          id: freeColumnId(doc, result.value),
          name: result.value,
          stage,
          index: Number.isInteger(index) ? index : undefined,
        });
        onNotice(t("column.added", { name: result.value }));
      } else {
        if (result.value !== current) {
          // Unchanged (possibly translated) default name: keep the stored name as it is.
          renameColumn(doc, state.column.id, result.value);
          onNotice(t("column.renamed", { name: result.value }));
        }
        if (live && stage !== live.stage) {
          setColumnStage(doc, state.column.id, stage);
          onNotice(t("column.stageChanged", { name: result.value, stage: stageLabel(t, stage) }));
        }
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
          <>
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
            <div className="field column-stage-field">
              <label htmlFor={stageId}>{t("column.stage")}</label>
              <span className="hint">{t("column.stageHelp")}</span>
              <select
                id={stageId}
                name="stage"
                value={stage}
                onChange={(e) => isStage(e.target.value) && setStage(e.target.value)}
                aria-describedby={stageNote ? stageNoteId : undefined}
                data-testid="column-stage"
              >
                {STAGES.map((s) => (
                  <option key={s} value={s} disabled={!!problems?.[s]}>
                    {stageLabel(t, s)}
                  </option>
                ))}
              </select>
              <span className="hint" data-testid="column-stage-help">
                {stageHelp(t, stage)}
              </span>
              {stageNote ? (
                <p className="alert info" id={stageNoteId} data-testid="column-stage-note">
                  {stageNote}
                </p>
              ) : null}
            </div>
            {state.mode === "add" ? (
              <Field label={t("column.position")}>
                <select name="position" value={position} onChange={(e) => setPosition(e.target.value)} data-testid="column-position">
                  {columns.map((c, i) => (
                    <option key={c.id} value={String(i)}>
                      {t("column.positionBefore", { name: columnLabel(t, c) })}
                    </option>
                  ))}
                  <option value={String(columns.length)}>{t("column.positionEnd")}</option>
                </select>
              </Field>
            ) : null}
          </>
        )}
        {state.mode === "rename" && doc && live ? (
          <RemoveRecordSection
            target={removeTarget(doc, live, columns, t)}
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

/** The reason some stages are disabled for this column, in words (null when every stage is open to it). */
function stageNoteText(t: Translate, column: ColumnView, problems: Record<Stage, string | null>): string | null {
  const refused = STAGES.filter((s) => problems[s]);
  if (refused.length === 0) return null;
  if (refused.some((s) => problems[s] === "column.lastOfStage")) {
    return t("column.stageLast", { stage: stageLabel(t, column.stage) });
  }
  const allowed = STAGES.filter((s) => !problems[s]).map((s) => stageLabel(t, s));
  return t("column.stageHolds", { stages: allowed.join(", ") });
}

/**
 * What removing this column may do: never the last column of its stage;
 * its requests only to columns they fit without a claim changing.
 */
function removeTarget(doc: Y.Doc, column: ColumnView, columns: ColumnView[], t: Translate): RemoveTarget {
  const label = columnLabel(t, column);
  const held = requestsInColumn(doc, column.id);
  const lastOfStage = columnsOf(columns, column.stage).length <= 1;
  return {
    kind: "column",
    id: column.id,
    label,
    held,
    others: columns.filter((c) => c.id !== column.id).map((c) => ({ id: c.id, label: columnLabel(t, c) })),
    fits: columns.filter((c) => c.id !== column.id && carriesOver(column.stage, c.stage)).map((c) => c.id),
    blocked: lastOfStage ? t("remove.lastOfStage", { stage: stageLabel(t, column.stage) }) : undefined,
  };
}
