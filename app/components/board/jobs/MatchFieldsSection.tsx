/**
 * A request's Dutch level and the times the person can come (issue 15, group
 * matching): what the suggestions for a volunteer job weigh ("B1 of meer",
 * "za-ochtend"). Checked by the same rule as the API (validateMatchFields)
 * and written to the shared card with updateCard; the sync check applies the
 * field rules again on the server.
 */
import { SaveRow } from "../SaveRow";
import { useState } from "react";
import type * as Y from "yjs";
import { updateCard } from "~/board/domain";
import { validateMatchFields } from "~/board/jobs";
import { LANGUAGE_LEVELS, type CardView, type LanguageLevel } from "~/board/types";
import { DAY_PARTS, DAYS } from "~/board/validate";
import { fieldError, translator, type Locale } from "~/i18n";
import { LEVEL_KEYS } from "./labels";

export function MatchFieldsSection({ card, doc, editable, locale }: { card: CardView; doc: Y.Doc | null; editable: boolean; locale: Locale }) {
  const t = translator(locale);
  const [level, setLevel] = useState<LanguageLevel | "">(card.languageLevel);
  const [slots, setSlots] = useState(() => new Set(card.availability.split(" ").filter(Boolean)));
  const [error, setError] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const id = `match-${card.id}`;
  if (!editable) {
    if (!card.languageLevel && !card.availability) return null;
    return (
      <section className="match-fields" aria-labelledby={`${id}-h`}>
        <h3 className="small-heading" id={`${id}-h`}>
          {t("match.fields.heading")}
        </h3>
        <p className="small">
          {card.languageLevel ? `${t("job.field.languageLevel")}: ${t(LEVEL_KEYS[card.languageLevel])}` : null}
          {card.languageLevel && card.availability ? " · " : null}
          {card.availability ? card.availability.split(" ").map((s) => slotLabel(t, s)).join(", ") : null}
        </p>
      </section>
    );
  }
  const toggle = (slot: string) => {
    setSaved(false);
    setSlots((prev) => {
      const next = new Set(prev);
      if (next.has(slot)) next.delete(slot);
      else next.add(slot);
      return next;
    });
  };
  const save = () => {
    const checked = validateMatchFields({ languageLevel: level, availability: [...slots] });
    if (!checked.ok) {
      setError(fieldError(t, checked.errors.languageLevel ?? checked.errors.availability));
      return;
    }
    setError(undefined);
    if (doc) updateCard(doc, card.id, checked.value, Date.now());
    setSaved(true);
  };
  return (
    <section className="match-fields" aria-labelledby={`${id}-h`} data-testid="match-fields">
      <h3 className="small-heading" id={`${id}-h`}>
        {t("match.fields.heading")}
      </h3>
      <p className="hint">{t("match.fields.help")}</p>
      <label htmlFor={`${id}-level`}>{t("job.field.languageLevel")}</label>
      <select
        id={`${id}-level`}
        value={level}
        onChange={(e) => {
          setLevel(e.target.value as LanguageLevel | "");
          setSaved(false);
        }}
      >
        <option value="">{t("match.fields.levelUnknown")}</option>
        {LANGUAGE_LEVELS.map((l) => (
          <option key={l} value={l}>
            {t(LEVEL_KEYS[l])}
          </option>
        ))}
      </select>
      <table className="availability-grid">
        <caption>{t("match.fields.availability")}</caption>
        <thead>
          <tr>
            <td />
            {DAY_PARTS.map((p) => (
              <th key={p} scope="col">
                {t(`daypart.${p}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {DAYS.map((d) => (
            <tr key={d}>
              <th scope="row">{t(`day.${d}`)}</th>
              {DAY_PARTS.map((p) => {
                const slot = `${d}-${p}`;
                return (
                  <td key={p}>
                    <input
                      type="checkbox"
                      checked={slots.has(slot)}
                      onChange={() => toggle(slot)}
                      aria-label={`${t(`day.${d}`)} ${t(`daypart.${p}`)}`}
                    />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {error ? <span className="field-error">{error}</span> : null}
      <SaveRow label={t("match.fields.save")} savedText={t("match.fields.saved")} saved={saved} onSave={save} disabled={!doc} />
    </section>
  );
}

function slotLabel(t: ReturnType<typeof translator>, slot: string): string {
  const [d, p] = slot.split("-");
  return (DAYS as readonly string[]).includes(d) && (DAY_PARTS as readonly string[]).includes(p)
    ? `${t(`day.${d as (typeof DAYS)[number]}`)} ${t(`daypart.${p as (typeof DAY_PARTS)[number]}`)}`
    : slot;
}
