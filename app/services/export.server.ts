/**
 * Leaving with the data: the whole alliance as one JSON file for a
 * coordinator, and a board as CSV that Excel opens and the import reads back.
 *
 * What is left out: password hashes, sessions, login devices, invitation and
 * reset tokens, the alliance's match secret and the reference keys (keyed
 * hashes). References are shown by the rule of the board
 * (`maySeeReference`): only to the organisation that entered the request or
 * holds it, the coordinator's own organisation included, nobody else's.
 * Meetings come whole (agenda, decisions, actions, who was there); of the
 * board's stored moments only the list (id, when, why): each is the whole
 * Yjs document in Yjs's binary encoding, which nothing outside the app reads,
 * and the board as it is now is in `boards[].cards`. Decisions and actions
 * name a card by its request id, which `requests` explains. Sealed contact
 * details never leave: each request says only whether it has them
 * (`contact: { stored, consent, updatedAt }` or null); they are read one by
 * one on the card, by the organisation that holds the request, and logged.
 */
import { listOrganisations } from "../../db/accounts";
import { requestsWithContact } from "../../db/contacts";
import { listTeams, teamMode } from "../../db/teams";
import {
  exportAlliance,
  exportAudit,
  exportBoards,
  exportComments,
  exportDuplicateDecisions,
  exportMeetingActions,
  exportMeetingAttendees,
  exportMeetingDecisions,
  exportMeetingItems,
  exportMeetings,
  exportMoments,
  exportOffers,
  exportOrganisations,
  exportPeople,
  exportReferenceChecks,
  exportReferrals,
  exportRequests,
  requestsForBoard,
} from "../../db/export";
import { readBoard } from "../board/domain";
import { csvCell } from "../board/import-map";
import { slugify } from "../board/validate";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { maySeeReference } from "./requests.server";

export const EXPORT_FORMAT = "alliantiebord-export";
export const EXPORT_VERSION = 1;

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `attachment` with an ASCII file name and the UTF-8 one (RFC 6266). */
export function attachment(base: string, ext: string, at: number): string {
  const name = `${slugify(base) || "export"}-${day(at)}.${ext}`;
  return `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Map.groupBy is Node 21+; the server runs on 20. */
function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of list) {
    const k = key(t);
    const bucket = out.get(k);
    if (bucket) bucket.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/** A meeting's rows without the meetingId each carries (they sit under their meeting). */
function own<T extends { meetingId: string }>(list: T[] | undefined): Array<Omit<T, "meetingId">> {
  return (list ?? []).map(({ meetingId: _, ...rest }) => rest);
}

export type AllianceExport = Awaited<ReturnType<typeof allianceExport>>;

/** Everything of the coordinator's alliance, as one object (null for anyone but a coordinator). */
export async function allianceExport(svc: AppServices, user: SessionUser) {
  if (user.role !== "coordinator") return null;
  const alliance = await exportAlliance(svc.async, user.allianceId);
  if (!alliance) return null;
  const boardRows = await exportBoards(svc.async, user.allianceId);
  const ids = boardRows.map((b) => b.id);
  const boards = [];
  for (const b of boardRows) {
    const snapshot = await svc.rooms.withDoc(b.id, (doc) => readBoard(doc));
    boards.push({ ...b, columns: snapshot.columns, categories: snapshot.categories, cards: snapshot.cards });
  }
  const referrals = groupBy(await exportReferrals(svc.async, ids), (r) => r.requestId);
  const comments = groupBy(await exportComments(svc.async, ids), (c) => c.requestId);
  const audit = groupBy(await exportAudit(svc.async, ids), (a) => a.requestId ?? "");
  const requestRows = await exportRequests(svc.async, ids);
  const contacts = new Map((await requestsWithContact(svc.async, requestRows.map((r) => r.id))).map((c) => [c.requestId, c]));
  const requests = requestRows.map((r) => {
    const visible = maySeeReference(user, r);
    const contact = contacts.get(r.id);
    return {
      id: r.id,
      boardId: r.boardId,
      createdByUserId: r.createdByUserId,
      createdByOrgId: r.createdByOrgId,
      ownerOrgId: r.ownerOrgId,
      claimedAt: r.claimedAt,
      mergedInto: r.mergedInto,
      importId: r.importId,
      lastActivityAt: r.lastActivityAt,
      createdAt: r.createdAt,
      /** Shown only to the organisation that entered or holds the request; otherwise null with referenceHidden true. */
      reference: visible ? r.reference : null,
      referenceHidden: !visible && r.reference !== null,
      /** That sealed contact details exist, never what they say. */
      contact: contact ? { stored: true, consent: contact.consent, updatedAt: contact.updatedAt } : null,
      referrals: referrals.get(r.id) ?? [],
      comments: comments.get(r.id) ?? [],
      audit: audit.get(r.id) ?? [],
    };
  });
  const items = groupBy(await exportMeetingItems(svc.async, ids), (i) => i.meetingId);
  const decisions = groupBy(await exportMeetingDecisions(svc.async, ids), (d) => d.meetingId);
  const actions = groupBy(await exportMeetingActions(svc.async, ids), (a) => a.meetingId);
  const attendees = groupBy(await exportMeetingAttendees(svc.async, ids), (a) => a.meetingId);
  const meetings = (await exportMeetings(svc.async, ids)).map((m) => {
    return {
      ...m,
      agenda: own(items.get(m.id)),
      decisions: own(decisions.get(m.id)),
      actions: own(actions.get(m.id)),
      attendees: own(attendees.get(m.id)),
    };
  });
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date(svc.now()).toISOString(),
    exportedBy: { id: user.id, name: user.name, organisationId: user.organisationId },
    alliance,
    organisations: await exportOrganisations(svc.async, user.allianceId),
    people: await exportPeople(svc.async, user.allianceId),
    boards,
    requests,
    /** Audit rows about a board rather than one request. */
    boardAudit: audit.get("") ?? [],
    offers: await exportOffers(svc.async, user.allianceId),
    /** Local teams (issue 15): how they work, and each team with its area, organisations and own organisation. */
    teams: { mode: await teamMode(svc.async, user.allianceId), list: await listTeams(svc.async, user.allianceId) },
    duplicateDecisions: await exportDuplicateDecisions(svc.async, ids),
    referenceChecks: await exportReferenceChecks(svc.async, ids),
    /** Each board's meetings, planned first to last, with their agenda, decisions, actions (requestId: the card) and attendees. */
    meetings,
    /** The board's stored moments as a list (the documents themselves are not exported; see above). */
    moments: await exportMoments(svc.async, ids),
  };
}

/** The columns of a board's CSV; the import recognises the first seven (Titel ... Kolom). */
export const CSV_HEADERS = [
  "Titel",
  "Categorie",
  "Omschrijving",
  "Wijk",
  "Urgentie",
  "Referentie",
  "Kolom",
  "Organisatie",
  "Houder",
  "Aangemaakt",
  "Gearchiveerd",
  "Id",
] as const;

const BOM = "\uFEFF";

/**
 * A board as CSV: `;` separated, CRLF, UTF-8 with a BOM (so Excel reads it
 * as UTF-8), every cell that starts with = + - @ made text with a leading '
 * (formula injection). Anyone who may open the board may export it; the
 * reference column is filled only where the person may see the reference.
 */
export async function boardCsv(svc: AppServices, user: SessionUser, board: BoardRow): Promise<string> {
  const snapshot = await svc.rooms.withDoc(board.id, (doc) => readBoard(doc));
  const rows = new Map((await requestsForBoard(svc.async, board.id)).map((r) => [r.id, r]));
  const orgs = new Map((await listOrganisations(svc.async, user.allianceId)).map((o) => [o.id, o.shortName]));
  const columns = new Map(snapshot.columns.map((c) => [c.id, c.name]));
  const labels = new Map(snapshot.categories.map((c) => [c.id, c.label]));
  const order = new Map(snapshot.columns.map((c, i) => [c.id, i]));
  const cards = [...snapshot.cards].sort((a, b) => (order.get(a.column) ?? 99) - (order.get(b.column) ?? 99));
  const lines = [CSV_HEADERS.join(";")];
  for (const c of cards) {
    const r = rows.get(c.id);
    if (r?.mergedInto) continue;
    const reference = r && maySeeReference(user, r) ? (r.reference ?? "") : "";
    const cells = [
      c.title,
      labels.get(c.category) ?? c.category,
      c.description,
      c.area,
      c.urgency,
      reference,
      columns.get(c.column) ?? c.column,
      orgs.get(c.createdByOrg) ?? "",
      r?.ownerOrgId ? (orgs.get(r.ownerOrgId) ?? "") : "",
      c.createdAt ? new Date(c.createdAt).toISOString() : "",
      c.archived ? "ja" : "nee",
      c.id,
    ];
    lines.push(cells.map((v) => csvCell(v)).join(";"));
  }
  return BOM + lines.join("\r\n") + "\r\n";
}
