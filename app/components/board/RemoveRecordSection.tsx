/**
 * Remove a column or a category, the way the board's rules allow: never the
 * last one (for a column: never the last of its stage), and one that still
 * holds requests only after choosing where they go (moved in the same
 * change; for a column only to columns whose stage they fit). Two steps, so
 * one click never removes.
 */
import { useId, useState } from "react";
import type { Translate } from "~/i18n";

export interface RemoveTarget {
  kind: "column" | "category";
  id: string;
  label: string;
  /** How many requests it holds now. */
  held: number;
  /** The others it could hand its requests to. */
  others: Array<{ id: string; label: string }>;
  /** Of `others`, the ids its requests may go to (all when absent). */
  fits?: string[];
  /** Why it may not be removed at all, in words (for example the last column of a stage). */
  blocked?: string;
}

export function RemoveRecordSection({
  target,
  onRemove,
  onCancel,
  t,
}: {
  target: RemoveTarget;
  /** Remove it (moving its requests to `moveTo` first); throws when the board refused. */
  onRemove: (moveTo: string | undefined) => void;
  onCancel?: () => void;
  t: Translate;
}) {
  const headingId = useId();
  const [confirming, setConfirming] = useState(false);
  const targets = target.fits ? target.others.filter((o) => target.fits!.includes(o.id)) : target.others;
  const narrowed = targets.length < target.others.length;
  const [moveTo, setMoveTo] = useState(targets[0]?.id ?? "");
  const [error, setError] = useState<string | null>(null);
  const { kind, label, held } = target;
  const last = target.others.length === 0;
  const nowhere = held > 0 && targets.length === 0;

  const remove = () => {
    setError(null);
    try {
      onRemove(held > 0 ? moveTo : undefined);
    } catch {
      setError(t("remove.failed"));
    }
  };

  return (
    <section className="subform remove-record" aria-labelledby={headingId} data-testid={`remove-${kind}`}>
      <h3 id={headingId} className="small-heading">
        {t(kind === "column" ? "remove.column.title" : "remove.category.title")}
      </h3>
      {error ? (
        <p className="alert error" role="alert">
          {error}
        </p>
      ) : null}
      {last ? (
        <p className="alert info">{t(kind === "column" ? "remove.last.column" : "remove.last.category")}</p>
      ) : target.blocked ? (
        <p className="alert info" data-testid="remove-blocked">
          {target.blocked}
        </p>
      ) : nowhere ? (
        <p className="alert info" data-testid="remove-blocked">
          {t("remove.noFit")}
        </p>
      ) : !confirming ? (
        <button type="button" className="button secondary" onClick={() => setConfirming(true)}>
          {t("remove.start")}
        </button>
      ) : (
        <>
          {held > 0 ? (
            <>
              <p>{t(kind === "column" ? "remove.held.column" : "remove.held.category", { count: held })}</p>
              <label className="field">
                <span className="field-label">{t("remove.moveTo")}</span>
                <select value={moveTo} onChange={(e) => setMoveTo(e.target.value)} name="moveTo">
                  {targets.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.label}
                    </option>
                  ))}
                </select>
              </label>
              {narrowed ? <p className="hint">{t("remove.fitHelp")}</p> : null}
            </>
          ) : null}
          <div className="modal-actions">
            <button type="button" className="button danger" onClick={remove}>
              {held > 0
                ? t("remove.confirmMove", { count: held, name: label })
                : t(kind === "column" ? "remove.confirm.column" : "remove.confirm.category", { name: label })}
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                setConfirming(false);
                onCancel?.();
              }}
            >
              {t("remove.cancel")}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
