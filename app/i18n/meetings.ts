/** Texts of vergaderingen (app/routes/boards.$boardId_.vergaderingen*.tsx), their record and minutes. */
export const meetingsNl = {
  "mtg.md.board": "Bord: {board}",
  "mtg.md.date": "Datum",
  "mtg.md.planned": "Gepland, nog niet gehouden.",
  "mtg.md.running": "Loopt nog.",
  "mtg.md.present": "Aanwezig",
  "mtg.md.nobody": "niemand vastgelegd",
  "mtg.md.summary": "Samenvatting",
  "mtg.md.since": "Sinds de vorige vergadering",
  "mtg.md.agenda": "Agenda",
  "mtg.md.none": "Geen agendapunten.",
  "mtg.md.spent": "{minutes} min besproken",
  "mtg.md.decisions": "Besluiten",
  "mtg.md.actions": "Acties",
  "mtg.md.other": "Buiten de agendapunten",
  "mtg.md.carried": "Openstaande acties van eerdere vergaderingen",
  "mtg.md.due": "uiterlijk {due}",
  "mtg.md.card": "kaart: {title}",
};

export type MeetingsKey = keyof typeof meetingsNl;

export const meetingsEn: Record<MeetingsKey, string> = {
  "mtg.md.board": "Board: {board}",
  "mtg.md.date": "Date",
  "mtg.md.planned": "Planned, not held yet.",
  "mtg.md.running": "Still running.",
  "mtg.md.present": "Present",
  "mtg.md.nobody": "nobody recorded",
  "mtg.md.summary": "Summary",
  "mtg.md.since": "Since the last meeting",
  "mtg.md.agenda": "Agenda",
  "mtg.md.none": "No agenda items.",
  "mtg.md.spent": "{minutes} min discussed",
  "mtg.md.decisions": "Decisions",
  "mtg.md.actions": "Actions",
  "mtg.md.other": "Outside the agenda items",
  "mtg.md.carried": "Open actions from earlier meetings",
  "mtg.md.due": "due {due}",
  "mtg.md.card": "card: {title}",
};
