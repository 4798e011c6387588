/**
 * "Persoonsgegevens gevonden": what the check (app/board/personal-data.ts,
 * the same one the server runs) found in a form's text, field by field with
 * the found text quoted and marked, a button that removes it
 * (removePersonalData) and a separate, deliberate "Toch opslaan".
 *
 * Used by the new-request form, the card dialog and the comment form. The
 * "Toch" button is whatever the form needs (a submit button carrying
 * `acknowledgePersonalData=1`, or a click handler), given as `saveAnyway`.
 */
import { useEffect, useId, useRef, type ReactNode } from "react";
import { checkFields, removePersonalData, type Finding, type PersonalDataKind } from "~/board/personal-data";
import type { MessageKey, Translate } from "~/i18n";

export type PersonalDataFields = Record<string, string>;

/** What is found in these fields now (spans included), as the server would find it. */
export function findInFields(fields: PersonalDataFields) {
  return checkFields(fields);
}

/** The fields with their findings removed (only fields that changed are returned). */
export function removeFromFields(fields: PersonalDataFields): PersonalDataFields {
  const { spans } = checkFields(fields);
  const out: PersonalDataFields = {};
  for (const [field, found] of Object.entries(spans)) out[field] = removePersonalData(fields[field], found);
  return out;
}

/**
 * "Weghalen" in an uncontrolled form: the named fields as they are now, with
 * what the check finds removed; returns the first field it changed (to move
 * the focus there), or null.
 */
export function removeFromForm(form: HTMLFormElement, names: readonly string[]): HTMLElement | null {
  const el = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | null;
  const now: PersonalDataFields = {};
  for (const name of names) {
    const field = el(name);
    if (field && !field.readOnly) now[name] = field.value;
  }
  let first: HTMLElement | null = null;
  for (const [name, value] of Object.entries(removeFromFields(now))) {
    const field = el(name)!;
    field.value = value;
    first ??= field;
  }
  return first;
}

export const kindLabel = (t: Translate, kind: PersonalDataKind) => t(`pd.kind.${kind}` as MessageKey);
export const fieldLabel = (t: Translate, field: string) => {
  const key = `pd.field.${field}` as MessageKey;
  const s = t(key);
  return s === key ? field : s;
};

/** A short piece of the text around the finding, the finding itself marked. */
function Quote({ text, f }: { text: string; f: Finding }) {
  const before = text.slice(Math.max(0, f.start - 24), f.start);
  const after = text.slice(f.end, f.end + 24);
  return (
    <q className="pd-quote">
      {f.start > 24 ? "…" : ""}
      {before}
      <mark>{text.slice(f.start, f.end)}</mark>
      {after}
      {f.end + 24 < text.length ? "…" : ""}
    </q>
  );
}

export function PersonalDataWarning({
  t,
  fields,
  onRemove,
  saveAnyway,
  focusOnShow = true,
}: {
  t: Translate;
  /** The texts as they were checked, by field name (only those with findings are listed). */
  fields: PersonalDataFields;
  onRemove: () => void;
  saveAnyway: ReactNode;
  focusOnShow?: boolean;
}) {
  const headingId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const { spans } = checkFields(fields);
  const entries = Object.entries(spans);
  const shown = entries.length > 0;
  // Moved to once it appears, so a keyboard or screen-reader user lands on the choice.
  useEffect(() => {
    if (shown && focusOnShow) ref.current?.focus();
  }, [shown, focusOnShow]);
  if (!shown) return null;
  return (
    <div className="pd-warning" role="alert" aria-labelledby={headingId} tabIndex={-1} ref={ref} data-testid="personal-data-warning">
      <p className="pd-warning-title" id={headingId}>
        {t("pd.warning.title")}
      </p>
      <p className="small">{t("pd.warning.intro")}</p>
      <ul>
        {entries.flatMap(([field, found]) =>
          found.map((f, i) => (
            <li key={`${field}-${i}`} data-field={field} data-kind={f.kind}>
              <strong>{t("pd.warning.item", { field: fieldLabel(t, field), kind: kindLabel(t, f.kind) })}</strong>{" "}
              <Quote text={fields[field]} f={f} />
            </li>
          )),
        )}
      </ul>
      <div className="pd-warning-actions">
        <button type="button" className="button" onClick={onRemove} data-testid="pd-remove">
          {t("pd.remove")}
        </button>
        {saveAnyway}
      </div>
    </div>
  );
}
