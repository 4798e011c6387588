/**
 * A front-door card's original text and the staff's translation (issue 15):
 * the person wrote in their own language; a colleague who reads it enters a
 * Dutch or English rendering for the others. Nothing goes to a translation
 * service. The translation is a field of the shared document (setTranslation),
 * checked by the same rules as the description, and by the personal-data check
 * before it is written.
 */
import { SaveRow } from "./SaveRow";
import { useState } from "react";
import type * as Y from "yjs";
import { setTranslation } from "~/board/domain";
import { findPersonalData } from "~/board/personal-data";
import type { CardView } from "~/board/types";
import { cleanText, LIMITS, RECORD_FIELDS } from "~/board/validate";
import { fieldError, translator, type Locale } from "~/i18n";
import { languageName } from "./language-name";

export function TranslationSection({ card, doc, editable, locale }: { card: CardView; doc: Y.Doc | null; editable: boolean; locale: Locale }) {
  const t = translator(locale);
  const [text, setText] = useState(card.translation);
  const [error, setError] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const language = card.language ? languageName(card.language, locale) : "?";
  const save = () => {
    setSaved(false);
    const value = cleanText(text, true);
    // The rule the sync check applies to this key: one definition for both.
    const checked = RECORD_FIELDS.cards.translation.rule(value);
    if (checked) return setError(fieldError(t, checked) ?? checked);
    if (findPersonalData(value).length) return setError(t("frontDoor.translation.personalData"));
    setError(undefined);
    if (doc) setTranslation(doc, card.id, value, Date.now());
    setSaved(true);
  };
  return (
    <section className="front-door-translation" aria-labelledby={`fd-tr-${card.id}`} data-testid="front-door-translation">
      <h3 className="small-heading" id={`fd-tr-${card.id}`}>
        {t("frontDoor.original", { language })}
      </h3>
      <p className="card-description" lang={card.language || undefined} dir="auto">
        {card.description}
      </p>
      {editable ? (
        <div className="field">
          <label htmlFor={`fd-tr-input-${card.id}`}>{t("frontDoor.translation.label")}</label>
          <span className="hint" id={`fd-tr-hint-${card.id}`}>
            {t("frontDoor.translation.hint")}
          </span>
          <textarea
            id={`fd-tr-input-${card.id}`}
            value={text}
            maxLength={LIMITS.descriptionMax}
            onChange={(e) => {
              setText(e.target.value);
              setSaved(false);
            }}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `fd-tr-hint-${card.id} fd-tr-e-${card.id}` : `fd-tr-hint-${card.id}`}
          />
          {error ? (
            <span className="field-error" id={`fd-tr-e-${card.id}`}>
              {error}
            </span>
          ) : null}
          <SaveRow label={t("frontDoor.translation.save")} savedText={t("frontDoor.translation.saved")} saved={saved} onSave={save} disabled={!doc} />
        </div>
      ) : card.translation ? (
        <>
          <h3 className="small-heading">{t("frontDoor.translation.label")}</h3>
          <p className="card-description">{card.translation}</p>
        </>
      ) : (
        <p className="muted small">{t("frontDoor.translation.none")}</p>
      )}
    </section>
  );
}
