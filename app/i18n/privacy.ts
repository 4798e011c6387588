/** Texts of retention (beheer, the activity line of the sweep) and the privacy page (app/routes/privacy.tsx). */
export const privacyNl = {
  "retention.title": "Bewaartermijn",
  "retention.help":
    "Hoe lang een afgeronde of gearchiveerde aanvraag blijft zoals ze is ingevoerd. Daarna maakt de dagelijkse opschoning haar anoniem: de titel wordt de categorie, omschrijving, wijk, referentie, contactgegevens en reacties verdwijnen. Tellingen in het overzicht en het rapport blijven kloppen.",
  "retention.label": "{board}: bewaartermijn in maanden",
  "retention.range": "Kies een heel aantal maanden van {min} tot en met {max}.",
  "retention.saved": "Bewaartermijn opgeslagen.",
  "act.retentionSweep": "De bewaartermijn ({months} maanden) verstreek voor {count} aanvragen: ze zijn anoniem gemaakt",
  "act.retentionSweep.one": "De bewaartermijn ({months} maanden) verstreek voor 1 aanvraag: die is anoniem gemaakt",
};

export type PrivacyKey = keyof typeof privacyNl;

export const privacyEn: Record<PrivacyKey, string> = {
  "retention.title": "Retention",
  "retention.help":
    "How long a finished or archived request stays as it was entered. After that the daily clean-up anonymises it: its title becomes its category; description, area, reference, contact details and comments go. Counts in the overview and the report stay right.",
  "retention.label": "{board}: retention in months",
  "retention.range": "Choose a whole number of months from {min} to {max}.",
  "retention.saved": "Retention saved.",
  "act.retentionSweep": "The retention ({months} months) ran out for {count} requests: they were anonymised",
  "act.retentionSweep.one": "The retention ({months} months) ran out for 1 request: it was anonymised",
};
