/** Texts of the personal-data check (issue 14, "Keep it out"): the warning in forms, the import preview, the activity line. */
export const personalDataNl = {
  "pd.warning.title": "Persoonsgegevens gevonden",
  "pd.warning.intro":
    "Op het bord horen geen gegevens waarmee iemand te herkennen is: iedereen van de alliantie leest mee. Haal ze weg, of sla bewust toch op; dat wordt vastgelegd (zonder de tekst zelf).",
  "pd.warning.item": "{field}: {kind}",
  "pd.remove": "Weghalen",
  "pd.removed": "Weggehaald. Kijk de tekst na en sla op.",
  "pd.saveAnyway": "Toch opslaan",
  "pd.sendAnyway": "Toch plaatsen",
  "pd.field.title": "Titel",
  "pd.field.description": "Omschrijving",
  "pd.field.area": "Wijk / gebied",
  "pd.field.reference": "Pseudonieme verwijzing",
  "pd.field.body": "Opmerking",
  "pd.kind.email": "e-mailadres",
  "pd.kind.phone": "telefoonnummer",
  "pd.kind.bsn": "BSN",
  "pd.kind.rrn": "rijksregisternummer",
  "pd.kind.iban": "IBAN (rekeningnummer)",
  "pd.kind.birthdate": "geboortedatum",
  "pd.kind.address": "adres",
  "pd.act.acknowledged": "{who} bewaarde bij {card} persoonsgegevens na de waarschuwing ({kinds})",
  "pd.import.heading": "Persoonsgegevens in {count} rijen",
  "pd.import.row": "Rij {row}: {items}",
  "pd.import.advice":
    "Haal ze liefst uit het bestand en kies het opnieuw. Wie ze toch wil importeren, vinkt dat bewust aan; dat wordt per aanvraag vastgelegd.",
  "pd.import.acknowledge": "Toch importeren, met de persoonsgegevens in deze rijen",
  "import.error.personal_data": "Er staan persoonsgegevens in rijen die je wilt importeren: haal ze uit het bestand, of vink bewust 'Toch importeren' aan.",
  "pd.import.note": "Persoonsgegevens: {items}",
} as const;

export type PersonalDataKey = keyof typeof personalDataNl;

export const personalDataEn: Record<PersonalDataKey, string> = {
  "pd.warning.title": "Personal data found",
  "pd.warning.intro":
    "The board is no place for details that identify someone: everyone in the alliance reads it. Remove them, or deliberately save anyway; that is recorded (without the text itself).",
  "pd.warning.item": "{field}: {kind}",
  "pd.remove": "Remove",
  "pd.removed": "Removed. Check the text and save.",
  "pd.saveAnyway": "Save anyway",
  "pd.sendAnyway": "Post anyway",
  "pd.field.title": "Title",
  "pd.field.description": "Description",
  "pd.field.area": "Area / neighbourhood",
  "pd.field.reference": "Pseudonymous reference",
  "pd.field.body": "Comment",
  "pd.kind.email": "e-mail address",
  "pd.kind.phone": "phone number",
  "pd.kind.bsn": "BSN (Dutch citizen service number)",
  "pd.kind.rrn": "Belgian national register number",
  "pd.kind.iban": "IBAN (bank account)",
  "pd.kind.birthdate": "date of birth",
  "pd.kind.address": "address",
  "pd.act.acknowledged": "{who} kept personal data in {card} after the warning ({kinds})",
  "pd.import.heading": "Personal data in {count} rows",
  "pd.import.row": "Row {row}: {items}",
  "pd.import.advice":
    "Best remove it from the file and choose it again. To import it anyway, tick the box deliberately; that is recorded for each request.",
  "pd.import.acknowledge": "Import anyway, with the personal data in these rows",
  "import.error.personal_data": "Rows you are importing hold personal data: remove it from the file, or deliberately tick 'Import anyway'.",
  "pd.import.note": "Personal data: {items}",
};
