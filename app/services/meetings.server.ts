/**
 * The alliance meeting (issue 13): plan, start, run (agenda items, the
 * current item and its time, decisions, actions, who was there), end. The
 * same functions serve the JSON API, the pages and socket.io; each
 * operation owns its broadcast (`meeting:changed` to the board's channel,
 * `inbox:changed` to an organisation that got or lost an open action).
 *
 * Access: a meeting of another alliance is unknown (404) like an id that
 * does not exist; writes are a coordinator's (403 otherwise), except marking
 * an action done, which the action's own organisation may do too; an
 * archived board takes no change (409 `board_archived`).
 */
import { randomUUID } from "node:crypto";
import { apiError } from "./api.server";
import { getBoard, listOrganisations } from "../../db/accounts";
import {
  addPresentAttendees,
  allianceUsers,
  boardActionRows,
  deleteDecisionRow,
  deleteItemRow,
  endMeetingRow,
  getActionRow,
  getDecisionRow,
  getItemRow,
  getMeetingWithBoard,
  insertAction,
  insertDecision,
  insertItem,
  insertMeeting,
  listActionRows,
  listAttendeeRows,
  listDecisionRows,
  listItemRows,
  listMeetingRows,
  replaceAttendees,
  requestOnBoard,
  runningMeetingRow,
  setActionDone,
  setCurrentItemRow,
  startMeetingRow,
  updateActionRow,
  updateItemRow,
  updateMeetingRow,
  type ActionRow,
  type AttendeeRow,
  type MeetingItemRow,
  type MeetingRow,
} from "../../db/meetings";
import {
  checkActionInput,
  checkAttendeesInput,
  checkDecisionInput,
  checkItemInput,
  checkMeetingInput,
  isMeetingId,
  MEETING_EVENTS,
  MEETING_LIMITS,
  type AgendaItem,
  type AgendaKind,
  type Attendee,
  type MeetingAction,
  type MeetingRecord,
  type MeetingSummary,
  type SavedView,
} from "../board/meeting";
import { keyBetween, placeAt } from "../board/order";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { proposeAgendaFor } from "./agenda.server";
import { takeMoment } from "./moments.server";
import { lastMeetingEndMoment } from "../../db/summary";
import { DEFAULT_LOCALE, isLocale, translator, type Translate } from "../i18n";
import { EVENTS as OWNERSHIP_EVENTS } from "./ownership.server";
import { notifyMeetingAction } from "./notifications.server";
import { readBoard } from "../board/domain";
import { dayOf, minutesMarkdown } from "../board/minutes";

export type MeetingError =
  | "not_found"
  | "forbidden"
  | "board_archived"
  | "meeting_running"
  | "meeting_not_planned"
  | "meeting_not_running"
  | "invalid";

export type MeetingResult<T = object> =
  | ({ ok: true } & T)
  | { ok: false; status: number; error: MeetingError; message: string; errors?: Record<string, string> };

/** English messages for the API; the UI translates the error code. */
const MESSAGES: Record<MeetingError, string> = {
  not_found: "No such meeting.",
  forbidden: "Only a coordinator may do this.",
  board_archived: "This board is archived: it can be read, not changed.",
  meeting_running: "Another meeting of this board is running.",
  meeting_not_planned: "This meeting is not planned (any more): it runs or has ended.",
  meeting_not_running: "This meeting is not running.",
  invalid: "The input is not valid.",
};
const STATUS: Record<MeetingError, number> = {
  not_found: 404,
  forbidden: 403,
  board_archived: 409,
  meeting_running: 409,
  meeting_not_planned: 409,
  meeting_not_running: 409,
  invalid: 422,
};

function fail(error: MeetingError, errors?: Record<string, string>): MeetingResult<never> {
  return { ok: false, status: STATUS[error], error, message: MESSAGES[error], ...(errors ? { errors } : {}) };
}

/** A refused meeting operation as the JSON API answers it. */
export function meetingErrorResponse(res: { status: number; error: string; message: string; errors?: Record<string, string> }): Response {
  return apiError(res.status, res.error, res.message, res.errors ? { errors: res.errors } : {});
}

const hasErrors = (e: Record<string, unknown>) => Object.keys(e).length > 0;

// ---------------------------------------------------------------- access

/** The board, if the person may open it; null for an unknown board and another alliance's alike. */
async function openBoard(svc: AppServices, user: SessionUser, boardId: string) {
  const board = isMeetingId(boardId) ? await getBoard(svc.async, boardId) : null;
  return board && board.allianceId === user.allianceId ? board : null;
}

/** The meeting, if it is on a board of the person's alliance. */
async function openMeeting(svc: AppServices, user: SessionUser, meetingId: string) {
  if (!isMeetingId(meetingId)) return null;
  const found = await getMeetingWithBoard(svc.async, meetingId);
  return found && found.allianceId === user.allianceId ? found : null;
}

/** A meeting a coordinator may change: 404, 403 or 409 otherwise. */
async function writableMeeting(svc: AppServices, user: SessionUser, meetingId: string): Promise<MeetingResult<{ meeting: MeetingRow }>> {
  const found = await openMeeting(svc, user, meetingId);
  if (!found) return fail("not_found");
  if (user.role !== "coordinator") return fail("forbidden");
  if (found.archivedAt !== null) return fail("board_archived");
  return { ok: true, meeting: found.meeting };
}

/** An agenda item and its meeting (the one named, when `inMeeting` is given), writable by a coordinator. */
async function writableItem(svc: AppServices, user: SessionUser, itemId: string, inMeeting?: string): Promise<MeetingResult<{ meeting: MeetingRow; item: MeetingItemRow }>> {
  const item = isMeetingId(itemId) ? await getItemRow(svc.async, itemId) : null;
  if (!item || (inMeeting !== undefined && item.meetingId !== inMeeting)) return fail("not_found");
  const m = await writableMeeting(svc, user, item.meetingId);
  return m.ok ? { ok: true, meeting: m.meeting, item } : m;
}

// ---------------------------------------------------------------- views

function summaryOf(m: MeetingRow): MeetingSummary {
  return { id: m.id, boardId: m.boardId, title: m.title, at: m.scheduledAt, status: m.status, startedAt: m.startedAt, endedAt: m.endedAt };
}

function viewOf(v: unknown): SavedView {
  const o = v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  return {
    query: typeof o.query === "string" ? o.query : "",
    cardId: typeof o.cardId === "string" ? o.cardId : null,
    columnId: typeof o.columnId === "string" ? o.columnId : null,
  };
}

function itemOf(i: MeetingItemRow): AgendaItem {
  return { id: i.id, kind: i.kind as AgendaKind, title: i.title, view: viewOf(i.view), notes: i.notes, spentMs: i.spentMs, currentSince: i.currentSince };
}

export function actionOf(a: ActionRow): MeetingAction {
  return {
    id: a.id,
    meetingId: a.meetingId,
    boardId: a.boardId,
    itemId: a.itemId,
    requestId: a.requestId,
    orgId: a.orgId,
    orgName: a.orgName,
    text: a.text,
    due: a.due,
    doneAt: a.doneAt,
    createdAt: a.createdAt,
  };
}

function attendeeOf(a: AttendeeRow): Attendee {
  return { id: a.id, userId: a.userId, name: a.name, orgId: a.orgId, orgName: a.orgName, source: a.source };
}

async function recordOf(svc: AppServices, m: MeetingRow): Promise<MeetingRecord> {
  const agenda = await listItemRows(svc.async, m.id);
  const decisions = await listDecisionRows(svc.async, m.id);
  const actions = await listActionRows(svc.async, m.id);
  const present = await listAttendeeRows(svc.async, m.id);
  return {
    ...summaryOf(m),
    summary: m.summary,
    facilitatorUserId: m.facilitatorUserId,
    currentItemId: m.currentItemId,
    sinceMomentId: m.sinceMomentId,
    startMomentId: m.startMomentId,
    endMomentId: m.endMomentId,
    agenda: agenda.map(itemOf),
    decisions: decisions.map((d) => ({
      id: d.id,
      itemId: d.itemId,
      requestId: d.requestId,
      text: d.text,
      createdAt: d.createdAt,
      createdBy: d.createdByUserId,
    })),
    actions: actions.map(actionOf),
    present: present.map(attendeeOf),
  };
}

/** Tell the board's pages that a meeting changed (they fetch the record again). */
async function changed(svc: AppServices, m: { id: string; boardId: string }, status?: string): Promise<void> {
  const row = status ? null : await getMeetingWithBoard(svc.async, m.id);
  svc.realtime.toBoard(m.boardId, MEETING_EVENTS.changed, { boardId: m.boardId, meetingId: m.id, status: status ?? row?.meeting.status ?? "planned" });
}

// ---------------------------------------------------------------- meetings

/** A board's meetings, newest first; null when the board is unknown here. */
export async function listMeetings(svc: AppServices, user: SessionUser, boardId: string): Promise<MeetingSummary[] | null> {
  if (!(await openBoard(svc, user, boardId))) return null;
  return (await listMeetingRows(svc.async, boardId)).map(summaryOf);
}

/** The whole record of a meeting, or null (unknown, or another alliance's). */
export async function getMeeting(svc: AppServices, user: SessionUser, meetingId: string): Promise<MeetingRecord | null> {
  const found = await openMeeting(svc, user, meetingId);
  return found ? recordOf(svc, found.meeting) : null;
}

/** The board's running meeting (its record), or null. */
export async function runningMeeting(svc: AppServices, user: SessionUser, boardId: string): Promise<MeetingRecord | null> {
  if (!(await openBoard(svc, user, boardId))) return null;
  const m = await runningMeetingRow(svc.async, boardId);
  return m ? recordOf(svc, m) : null;
}

/**
 * Plan a meeting (coordinator): title and date; "since the last meeting"
 * counts from the end moment of the board's last ended meeting; the agenda
 * starts as proposed from the board.
 */
export async function createMeeting(
  svc: AppServices,
  user: SessionUser,
  boardId: string,
  input: { title: unknown; at: unknown },
  t?: Translate,
): Promise<MeetingResult<{ id: string }>> {
  const board = await openBoard(svc, user, boardId);
  if (!board) return fail("not_found");
  if (user.role !== "coordinator") return fail("forbidden");
  if (board.archivedAt !== null) return fail("board_archived");
  const checked = checkMeetingInput(input);
  if (hasErrors(checked.errors)) return fail("invalid", checked.errors as Record<string, string>);
  // Titles in the planner's language unless the page passes its own.
  const proposed = await proposeAgendaFor(svc, user, boardId, t ?? translator(isLocale(user.locale) ? user.locale : DEFAULT_LOCALE));
  const id = randomUUID();
  const at = svc.now();
  let order: string | null = null;
  const items = proposed.map((p) => {
    order = keyBetween(order, null);
    return { id: randomUUID(), meetingId: id, order, kind: p.kind, title: p.title.slice(0, 120), view: { ...p.view }, notes: "", createdAt: at };
  });
  const sinceMomentId = await lastMeetingEndMoment(svc.async, boardId);
  await insertMeeting(
    svc.async,
    {
      id,
      boardId,
      title: checked.value.title!,
      scheduledAt: checked.value.at!,
      status: "planned",
      sinceMomentId,
      createdByUserId: user.id,
      createdAt: at,
    },
    items,
  );
  await changed(svc, { id, boardId }, "planned");
  return { ok: true, id };
}

/** Change a meeting's title, date or summary (coordinator). The date only while planned: a started meeting keeps its own. */
export async function updateMeeting(
  svc: AppServices,
  user: SessionUser,
  meetingId: string,
  input: { title?: unknown; at?: unknown; summary?: unknown },
): Promise<MeetingResult<{ meeting: MeetingRecord }>> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  if (input.at !== undefined && w.meeting.status !== "planned") return fail("meeting_not_planned");
  const checked = checkMeetingInput(input, true);
  if (hasErrors(checked.errors)) return fail("invalid", checked.errors as Record<string, string>);
  const v = checked.value;
  await updateMeetingRow(svc.async, meetingId, {
    ...(v.title !== undefined ? { title: v.title } : {}),
    ...(v.at !== undefined ? { scheduledAt: v.at } : {}),
    ...(v.summary !== undefined ? { summary: v.summary } : {}),
  });
  await changed(svc, w.meeting);
  return { ok: true, meeting: (await getMeeting(svc, user, meetingId))! };
}

/** Store the board as it is now, for the meeting's start or end. */
async function meetingMoment(svc: AppServices, user: SessionUser, boardId: string, meetingId: string, reason: "meeting_start" | "meeting_end", at: number): Promise<string> {
  return (await takeMoment(svc, boardId, reason, { meetingId, userId: user.id, at })).id;
}

/**
 * Start a planned meeting (coordinator): the starter facilitates, the
 * people on the board now (presence, unless hidden) are recorded as
 * present, the first item becomes current, a moment of the board is
 * stored. Of two starts at once on one board exactly one wins (the
 * partial unique index, on both engines); the other gets 409 `meeting_running`.
 */
export async function startMeeting(svc: AppServices, user: SessionUser, meetingId: string): Promise<MeetingResult<{ meeting: MeetingRecord }>> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  if (w.meeting.status !== "planned") return fail("meeting_not_planned");
  // One time for the start and its moment.
  const at = svc.now();
  const started = await startMeetingRow(svc.async, meetingId, user.id, at);
  if (started === "running") return fail("meeting_running");
  if (started === "not_planned") return fail("meeting_not_planned");
  const boardId = w.meeting.boardId;
  await recordPresence(svc, meetingId, [user, ...svc.rooms.presentUsers(boardId).filter((p) => p.id !== user.id)]);
  await updateMeetingRow(svc.async, meetingId, { startMomentId: await meetingMoment(svc, user, boardId, meetingId, "meeting_start", at) });
  await changed(svc, w.meeting, "running");
  return { ok: true, meeting: (await getMeeting(svc, user, meetingId))! };
}

/** End a running meeting (coordinator): the current item's time is closed, a moment of the board stored. */
export async function endMeeting(svc: AppServices, user: SessionUser, meetingId: string): Promise<MeetingResult<{ meeting: MeetingRecord }>> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  const at = svc.now();
  if (w.meeting.status !== "running" || !(await endMeetingRow(svc.async, meetingId, at))) return fail("meeting_not_running");
  await updateMeetingRow(svc.async, meetingId, { endMomentId: await meetingMoment(svc, user, w.meeting.boardId, meetingId, "meeting_end", at) });
  await changed(svc, w.meeting, "ended");
  return { ok: true, meeting: (await getMeeting(svc, user, meetingId))! };
}

/** Another coordinator becomes the facilitator of a running meeting. */
export async function takeOver(svc: AppServices, user: SessionUser, meetingId: string): Promise<MeetingResult<{ meeting: MeetingRecord }>> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  if (w.meeting.status !== "running") return fail("meeting_not_running");
  await updateMeetingRow(svc.async, meetingId, { facilitatorUserId: user.id });
  await recordPresence(svc, meetingId, [user]);
  await changed(svc, w.meeting, "running");
  return { ok: true, meeting: (await getMeeting(svc, user, meetingId))! };
}

// ---------------------------------------------------------------- agenda items

/** Add an item at the end of the agenda (coordinator), up to MEETING_LIMITS.itemsMax (422 `{ title: "agendaFull" }`). */
export async function addItem(
  svc: AppServices,
  user: SessionUser,
  meetingId: string,
  input: { title?: unknown; view?: unknown; kind?: unknown; notes?: unknown },
): Promise<MeetingResult<{ item: AgendaItem }>> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  const checked = checkItemInput(input);
  if (hasErrors(checked.errors)) return fail("invalid", checked.errors as Record<string, string>);
  const items = await listItemRows(svc.async, meetingId);
  // A full agenda takes no more (10,000 items made every page's refetch megabytes; each add read them all).
  if (items.length >= MEETING_LIMITS.itemsMax) return fail("invalid", { title: "agendaFull" });
  const last = items.length ? items[items.length - 1].order : null;
  const id = randomUUID();
  await insertItem(svc.async, {
    id,
    meetingId,
    order: keyBetween(last, null),
    kind: checked.value.kind ?? "free",
    title: checked.value.title!,
    view: { ...checked.value.view! },
    notes: checked.value.notes ?? "",
    createdAt: svc.now(),
  });
  await changed(svc, w.meeting);
  return { ok: true, item: itemOf((await getItemRow(svc.async, id))!) };
}

/** Change an item's title, view or notes (coordinator). */
export async function updateItem(
  svc: AppServices,
  user: SessionUser,
  itemId: string,
  input: { title?: unknown; view?: unknown; notes?: unknown },
  inMeeting?: string,
): Promise<MeetingResult<{ item: AgendaItem }>> {
  const w = await writableItem(svc, user, itemId, inMeeting);
  if (!w.ok) return w;
  const checked = checkItemInput({ title: input.title, view: input.view, notes: input.notes }, true);
  if (hasErrors(checked.errors)) return fail("invalid", checked.errors as Record<string, string>);
  const v = checked.value;
  await updateItemRow(svc.async, itemId, {
    ...(v.title !== undefined ? { title: v.title } : {}),
    ...(v.view !== undefined ? { view: { ...v.view } } : {}),
    ...(v.notes !== undefined ? { notes: v.notes } : {}),
  });
  await changed(svc, w.meeting);
  return { ok: true, item: itemOf((await getItemRow(svc.async, itemId))!) };
}

/** Remove an item (coordinator); its decisions and actions stay in the record. */
export async function removeItem(svc: AppServices, user: SessionUser, itemId: string, inMeeting?: string): Promise<MeetingResult> {
  const w = await writableItem(svc, user, itemId, inMeeting);
  if (!w.ok) return w;
  await deleteItemRow(svc.async, w.meeting.id, itemId);
  await changed(svc, w.meeting);
  return { ok: true };
}

/** Move an item before another of the same meeting, or to the end (`before: null`). */
export async function moveItem(
  svc: AppServices,
  user: SessionUser,
  itemId: string,
  input: { before?: unknown },
  inMeeting?: string,
): Promise<MeetingResult<{ item: AgendaItem }>> {
  const w = await writableItem(svc, user, itemId, inMeeting);
  if (!w.ok) return w;
  const before = input.before ?? null;
  const others = (await listItemRows(svc.async, w.meeting.id)).filter((i) => i.id !== itemId);
  let index = others.length;
  if (before !== null) {
    index = typeof before === "string" ? others.findIndex((i) => i.id === before) : -1;
    if (index < 0) return fail("invalid", { before: "unknown" });
  }
  const { key, rekey } = placeAt(others, index);
  // Two items that share a key (should not happen on the server): every item gets a fresh one.
  if (rekey) for (const [id, order] of rekey) await updateItemRow(svc.async, id, { order });
  await updateItemRow(svc.async, itemId, { order: key });
  await changed(svc, w.meeting);
  return { ok: true, item: itemOf((await getItemRow(svc.async, itemId))!) };
}

/**
 * Make an item (or none) the current one of a running meeting (coordinator):
 * the previous item's stretch is added to its time.
 */
export async function setCurrentItem(svc: AppServices, user: SessionUser, meetingId: string, itemId: string | null): Promise<MeetingResult<{ meeting: MeetingRecord }>> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  if (w.meeting.status !== "running") return fail("meeting_not_running");
  if (itemId !== null) {
    const item = isMeetingId(itemId) ? await getItemRow(svc.async, itemId) : null;
    if (!item || item.meetingId !== meetingId) return fail("invalid", { itemId: "unknown" });
  }
  if (w.meeting.currentItemId === itemId) return { ok: true, meeting: (await getMeeting(svc, user, meetingId))! };
  if (!(await setCurrentItemRow(svc.async, meetingId, itemId, svc.now()))) return fail("meeting_not_running");
  await changed(svc, w.meeting, "running");
  return { ok: true, meeting: (await getMeeting(svc, user, meetingId))! };
}

// ---------------------------------------------------------------- decisions

/** Record a decision (coordinator), perhaps for an item of this meeting and a request of this board. */
export async function addDecision(
  svc: AppServices,
  user: SessionUser,
  meetingId: string,
  input: { text?: unknown; itemId?: unknown; requestId?: unknown },
): Promise<MeetingResult<{ id: string }>> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  const checked = checkDecisionInput(input);
  const errors: Record<string, string> = { ...(checked.errors as Record<string, string>) };
  const v = checked.value;
  if (!errors.itemId && v.itemId && (await getItemRow(svc.async, v.itemId))?.meetingId !== meetingId) errors.itemId = "unknown";
  if (!errors.requestId && v.requestId && !(await requestOnBoard(svc.async, w.meeting.boardId, v.requestId))) errors.requestId = "unknown";
  if (hasErrors(errors)) return fail("invalid", errors);
  const id = randomUUID();
  await insertDecision(svc.async, { id, meetingId, itemId: v.itemId, requestId: v.requestId, text: v.text, createdByUserId: user.id, createdAt: svc.now() });
  await changed(svc, w.meeting);
  return { ok: true, id };
}

/** Remove a decision of this meeting (coordinator). */
export async function removeDecision(svc: AppServices, user: SessionUser, meetingId: string, decisionId: string): Promise<MeetingResult> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  const d = isMeetingId(decisionId) ? await getDecisionRow(svc.async, decisionId) : null;
  if (!d || d.meetingId !== meetingId) return fail("not_found");
  await deleteDecisionRow(svc.async, decisionId);
  await changed(svc, w.meeting);
  return { ok: true };
}

// ---------------------------------------------------------------- actions

async function orgIdsOf(svc: AppServices, allianceId: string): Promise<Set<string>> {
  return new Set((await listOrganisations(svc.async, allianceId)).map((o) => o.id));
}

/** Tell an organisation's open boards that its inbox changed ("Voor ons" lists its open actions). */
function inboxChanged(svc: AppServices, boardId: string, ...orgIds: string[]): void {
  for (const org of new Set(orgIds)) svc.realtime.toOrganisation(org, OWNERSHIP_EVENTS.inbox, { boardId });
}

/** Take an action (coordinator): text, organisation, due day; perhaps a request of this board and an item of this meeting. */
export async function addAction(
  svc: AppServices,
  user: SessionUser,
  meetingId: string,
  input: { text?: unknown; orgId?: unknown; due?: unknown; requestId?: unknown; itemId?: unknown },
): Promise<MeetingResult<{ action: MeetingAction }>> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  const orgs = await orgIdsOf(svc, user.allianceId);
  const fields = { text: input.text, orgId: input.orgId, due: input.due, requestId: input.requestId, itemId: input.itemId };
  // The check asks synchronously: first which request and item it would ask about, then again with the answers read meanwhile.
  const asked: { request?: string; item?: string } = {};
  checkActionInput(fields, { isOrganisation: () => true, isRequest: (id) => !!(asked.request = id), isItem: (id) => !!(asked.item = id) });
  const requestKnown = asked.request !== undefined && (await requestOnBoard(svc.async, w.meeting.boardId, asked.request));
  const itemKnown = asked.item !== undefined && (await getItemRow(svc.async, asked.item))?.meetingId === meetingId;
  const checked = checkActionInput(fields, {
    isOrganisation: (id) => orgs.has(id),
    isRequest: (id) => requestKnown && id === asked.request,
    isItem: (id) => itemKnown && id === asked.item,
  });
  if (hasErrors(checked.errors)) return fail("invalid", checked.errors as Record<string, string>);
  const v = checked.value;
  const id = randomUUID();
  await insertAction(svc.async, {
    id,
    meetingId,
    boardId: w.meeting.boardId,
    itemId: v.itemId ?? null,
    requestId: v.requestId ?? null,
    orgId: v.orgId!,
    text: v.text!,
    due: v.due!,
    createdByUserId: user.id,
    createdAt: svc.now(),
  });
  await changed(svc, w.meeting);
  inboxChanged(svc, w.meeting.boardId, v.orgId!);
  await notifyMeetingAction(svc, user, { id, meetingId, boardId: w.meeting.boardId, orgId: v.orgId!, due: v.due!, requestId: v.requestId ?? null });
  return { ok: true, action: actionOf((await getActionRow(svc.async, id))!) };
}

/**
 * Change an action: `done` (true/false) by a coordinator or a member (not a
 * viewer) of the action's organisation; text, due day and organisation by a coordinator.
 */
export async function updateAction(
  svc: AppServices,
  user: SessionUser,
  actionId: string,
  input: { done?: unknown; text?: unknown; due?: unknown; orgId?: unknown },
): Promise<MeetingResult<{ action: MeetingAction }>> {
  const a = isMeetingId(actionId) ? await getActionRow(svc.async, actionId) : null;
  const found = a ? await openMeeting(svc, user, a.meetingId) : null;
  if (!a || !found) return fail("not_found");
  const onlyDone = input.text === undefined && input.due === undefined && input.orgId === undefined;
  // A viewer reads only, also of its own organisation's actions.
  if (user.role !== "coordinator" && !(onlyDone && user.role === "member" && a.orgId === user.organisationId)) return fail("forbidden");
  if (found.archivedAt !== null) return fail("board_archived");
  const orgs = await orgIdsOf(svc, user.allianceId);
  const checked = checkActionInput(
    { done: input.done, text: input.text, due: input.due, orgId: input.orgId },
    { isOrganisation: (id) => orgs.has(id), isRequest: () => false },
    true,
  );
  if (hasErrors(checked.errors)) return fail("invalid", checked.errors as Record<string, string>);
  const v = checked.value;
  const fields: Parameters<typeof updateActionRow>[2] = {};
  if (v.text !== undefined) fields.text = v.text;
  if (v.due !== undefined) fields.due = v.due;
  if (v.orgId !== undefined) fields.orgId = v.orgId;
  await updateActionRow(svc.async, actionId, fields);
  // Done or open again only if it is not so already (one conditional UPDATE): of two at once the first one's time and person stay.
  if (v.done === true && a.doneAt === null) await setActionDone(svc.async, actionId, { doneAt: svc.now(), doneByUserId: user.id });
  if (v.done === false && a.doneAt !== null) await setActionDone(svc.async, actionId, null);
  svc.realtime.toBoard(a.boardId, MEETING_EVENTS.changed, { boardId: a.boardId, meetingId: a.meetingId, status: found.meeting.status });
  inboxChanged(svc, a.boardId, a.orgId, v.orgId ?? a.orgId);
  const now = (await getActionRow(svc.async, actionId))!;
  // Given to another organisation: that one hears of it as of a new action.
  if (v.orgId !== undefined && v.orgId !== a.orgId) await notifyMeetingAction(svc, user, { id: now.id, meetingId: now.meetingId, boardId: now.boardId, orgId: now.orgId, due: now.due, requestId: now.requestId });
  return { ok: true, action: actionOf(now) };
}

/** The open actions of the person's organisation on a board (its inbox, "Voor ons"). Null when the board is unknown here. */
export async function actionsForOrganisation(svc: AppServices, user: SessionUser, boardId: string): Promise<MeetingAction[] | null> {
  if (!(await openBoard(svc, user, boardId))) return null;
  return (await boardActionRows(svc.async, boardId, { open: true, orgId: user.organisationId })).map(actionOf);
}

/** Every action (open and done) taken for one request of a board (shown on its card). */
export async function actionsForRequest(svc: AppServices, user: SessionUser, boardId: string, requestId: string): Promise<MeetingAction[] | null> {
  if (!(await openBoard(svc, user, boardId)) || !isMeetingId(requestId)) return null;
  return (await boardActionRows(svc.async, boardId, { requestId })).map(actionOf);
}

/** A board's open actions (all organisations); `all`: done ones too. */
export async function openActions(svc: AppServices, user: SessionUser, boardId: string, opts: { all?: boolean } = {}): Promise<MeetingAction[] | null> {
  if (!(await openBoard(svc, user, boardId))) return null;
  return (await boardActionRows(svc.async, boardId, { open: !opts.all })).map(actionOf);
}

// ---------------------------------------------------------------- attendees

/** Record people as present (from the presence); the board hears of it when someone was added. */
function recordPresence(svc: AppServices, meetingId: string, people: Array<{ id: string; name: string; organisationId: string }>): Promise<number> {
  return addPresentAttendees(
    svc.async,
    meetingId,
    people.map((p) => ({ id: randomUUID(), userId: p.id, name: p.name, orgId: p.organisationId })),
    svc.now(),
  );
}

/**
 * Someone became visible on a board (their presence, not hidden): while a
 * meeting runs there, they are added to who was there. Called by the sync
 * server for each newly visible person.
 */
export async function presenceJoined(svc: AppServices, boardId: string, person: { id: string; name: string; organisationId: string }): Promise<void> {
  const m = await runningMeetingRow(svc.async, boardId);
  if (!m) return;
  if ((await recordPresence(svc, m.id, [person])) > 0) changedSoon(svc, m);
}

/** Arrivals told to the board at most once per this long: fifty people joining make one refetch per page, not fifty. */
const ARRIVALS_COALESCE_MS = 500;
const arrivalTimers = new Map<string, ReturnType<typeof setTimeout>>();

function changedSoon(svc: AppServices, m: MeetingRow): void {
  if (arrivalTimers.has(m.id)) return;
  const timer = setTimeout(() => {
    arrivalTimers.delete(m.id);
    changed(svc, m).catch(() => {
      // The server closed meanwhile: nobody is left to tell.
    });
  }, ARRIVALS_COALESCE_MS);
  (timer as { unref?: () => void }).unref?.();
  arrivalTimers.set(m.id, timer);
}

/** Replace who was there (coordinator): people of the alliance by id, or names typed in, each perhaps with an organisation. */
export async function setAttendees(svc: AppServices, user: SessionUser, meetingId: string, input: unknown): Promise<MeetingResult<{ present: Attendee[] }>> {
  const w = await writableMeeting(svc, user, meetingId);
  if (!w.ok) return w;
  const orgs = await orgIdsOf(svc, user.allianceId);
  const ids = Array.isArray(input)
    ? input.map((a) => (a && typeof a === "object" ? (a as Record<string, unknown>).userId : null)).filter((x): x is string => isMeetingId(x))
    : [];
  const people = new Map((await allianceUsers(svc.async, user.allianceId, ids)).map((p) => [p.id, p]));
  const checked = checkAttendeesInput(input, { isUser: (id) => people.has(id), isOrganisation: (id) => orgs.has(id) });
  if (hasErrors(checked.errors)) return fail("invalid", checked.errors as Record<string, string>);
  await replaceAttendees(
    svc.async,
    meetingId,
    checked.value.map((a) => {
      const p = a.userId ? people.get(a.userId)! : null;
      return { id: randomUUID(), userId: a.userId, name: a.name || p?.name || "", orgId: a.orgId ?? p?.orgId ?? null };
    }),
    svc.now(),
  );
  await changed(svc, w.meeting);
  return { ok: true, present: (await listAttendeeRows(svc.async, meetingId)).map(attendeeOf) };
}

// ---------------------------------------------------------------- minutes

/**
 * The minutes as Markdown in `locale`, and the file name to download them
 * as (`notulen-<day>.md`, the day it was held or is planned, Amsterdam time).
 * Card titles come from the live board; a card no longer there is left out.
 * Null when the meeting is unknown here.
 */
export async function meetingMinutes(svc: AppServices, user: SessionUser, meetingId: string, locale: string): Promise<{ markdown: string; filename: string } | null> {
  const found = await openMeeting(svc, user, meetingId);
  if (!found) return null;
  const record = await recordOf(svc, found.meeting);
  const board = (await getBoard(svc.async, record.boardId))!;
  const titles = await svc.rooms.readDoc(board.id, (doc) => new Map(readBoard(doc).cards.map((c) => [c.id, c.title])));
  const orgs = new Map((await listOrganisations(svc.async, user.allianceId)).map((o) => [o.id, o.shortName]));
  const carriedOver = (await boardActionRows(svc.async, board.id, { open: true, notMeetingId: record.id })).map(actionOf);
  const lang = isLocale(locale) ? locale : DEFAULT_LOCALE;
  const markdown = minutesMarkdown(record, {
    boardName: board.name,
    t: translator(lang),
    locale: lang,
    orgName: (id) => orgs.get(id) ?? null,
    cardTitle: (id) => titles.get(id) ?? null,
    carriedOver,
  });
  const filename = `notulen-${dayOf(record.startedAt ?? record.at)}.md`;
  return { markdown, filename };
}

// ---------------------------------------------------------------- follow the facilitator

/**
 * The facilitator's focus (socket.io `meeting:focus`, already checked by
 * checkFocusInput): only the running meeting's facilitator, while a
 * coordinator, may send it; a
 * changed item becomes the current item (its time accounted). The socket
 * server stamps, keeps and relays the state (server/realtime.ts).
 */
export async function acceptFocus(
  svc: AppServices,
  user: SessionUser,
  input: { boardId: string; meetingId: string; itemId: string | null },
): Promise<MeetingResult<{ meeting: MeetingRow }>> {
  const found = await openMeeting(svc, user, input.meetingId);
  if (!found || found.meeting.boardId !== input.boardId) return fail("not_found");
  const m = found.meeting;
  if (m.status !== "running") return fail("meeting_not_running");
  // The facilitator, and still a coordinator (one who became a member meanwhile leads no more).
  if (m.facilitatorUserId !== user.id || user.role !== "coordinator") return fail("forbidden");
  if (found.archivedAt !== null) return fail("board_archived");
  if (input.itemId !== m.currentItemId) {
    const res = await setCurrentItem(svc, user, m.id, input.itemId);
    if (!res.ok) return res;
  }
  return { ok: true, meeting: m };
}
