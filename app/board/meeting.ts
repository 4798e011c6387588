/**
 * The alliance meeting (issue 13), as browser, server and tests share it:
 * what an agenda item shows (a saved view of the board), what "follow the
 * facilitator" sends, and the meeting's record as the API returns it.
 *
 * Pure: no React, no IO. The rules that check input live here too, so the
 * forms, the JSON API and the socket events judge the same way.
 */
import { cleanText } from "./validate";

/** What kind of agenda item: proposed from the board, carried over, or typed in. */
export const AGENDA_KINDS = [
  /** "Sinds de vorige vergadering": the counts since the last meeting's end moment. */
  "since",
  /** Actions of earlier meetings that are not done yet (the agenda starts with them). */
  "actions",
  /** Requests nobody picked up for more than N days. */
  "unclaimed",
  /** Possible duplicates waiting for a decision. */
  "duplicates",
  /** Referrals without an answer. */
  "referrals",
  /** One category's open requests (view.query holds `categorie=<id>`). */
  "category",
  /** Typed in by the coordinator. */
  "free",
] as const;
export type AgendaKind = (typeof AGENDA_KINDS)[number];

/**
 * A view of the board an agenda item (or the facilitator) shows: the
 * board's filter and swimlane parameters as a query string (only the names in
 * app/hooks/useBoardView.ts FILTER_PARAMS, e.g. "categorie=taal&banen=organisatie"),
 * the card in focus (opened for the facilitator, highlighted for everyone)
 * and the column in focus (on a phone: the column tab shown).
 */
export interface SavedView {
  query: string;
  cardId: string | null;
  columnId: string | null;
}

export const EMPTY_VIEW: SavedView = { query: "", cardId: null, columnId: null };

/** Where the facilitator is on the board, as fractions (0..1) so screens of any size follow. */
export interface ScrollPosition {
  /** The board's horizontal scroll, as a fraction of what can be scrolled. */
  x: number;
  /** The page's (or the focused column's) vertical scroll, as a fraction. */
  y: number;
}

/**
 * What followers apply: sent by the facilitator (socket.io `meeting:focus`),
 * stamped by the server with `seq` (increasing per meeting) and `at`, and
 * broadcast to the board (`meeting:follow`). A follower ignores a state
 * whose seq is not newer than the last it applied.
 */
export interface FollowState {
  boardId: string;
  meetingId: string;
  itemId: string | null;
  view: SavedView;
  scroll: ScrollPosition;
  seq: number;
  at: number;
}

export interface AgendaItem {
  id: string;
  kind: AgendaKind;
  title: string;
  view: SavedView;
  notes: string;
  /** Time spent on the item so far (ms), not counting the current stretch. */
  spentMs: number;
  /** When it became the current item (ms since epoch), or null. */
  currentSince: number | null;
}

export interface Decision {
  id: string;
  itemId: string | null;
  requestId: string | null;
  text: string;
  createdAt: number;
  createdBy: string | null;
}

export interface MeetingAction {
  id: string;
  meetingId: string;
  boardId: string;
  itemId: string | null;
  requestId: string | null;
  orgId: string;
  orgName: string;
  text: string;
  /** Calendar day YYYY-MM-DD. */
  due: string;
  doneAt: number | null;
  createdAt: number;
}

export interface Attendee {
  id: string;
  userId: string | null;
  name: string;
  orgId: string | null;
  orgName: string | null;
  source: "presence" | "manual";
}

export type MeetingStatus = "planned" | "running" | "ended";

/** One meeting in a board's list. */
export interface MeetingSummary {
  id: string;
  boardId: string;
  title: string;
  /** Planned for (ms since epoch). */
  at: number;
  status: MeetingStatus;
  startedAt: number | null;
  endedAt: number | null;
}

/** `GET /api/meetings/<meetingId>`: the whole record. */
export interface MeetingRecord extends MeetingSummary {
  summary: string;
  facilitatorUserId: string | null;
  currentItemId: string | null;
  /** The moment "since the last meeting" counts from (previous meeting's end), or null. */
  sinceMomentId: string | null;
  startMomentId: string | null;
  endMomentId: string | null;
  agenda: AgendaItem[];
  decisions: Decision[];
  actions: MeetingAction[];
  present: Attendee[];
}

/** socket.io event names of the meeting (server → board channel, browser → server). */
export const MEETING_EVENTS = {
  /** server → board: a meeting was planned, started, ended or its agenda/record changed: `{ boardId, meetingId, status }`. */
  changed: "meeting:changed",
  /** server → board: the facilitator's FollowState. */
  follow: "meeting:follow",
  /** browser → server (the facilitator): `{ boardId, meetingId, itemId, view, scroll }`, ack `{ ok, seq }`. */
  focus: "meeting:focus",
  /** browser → server: `{ boardId }`, ack `{ ok, meeting: MeetingRecord | null, follow: FollowState | null }` (the running meeting and where it is). */
  current: "meeting:current",
} as const;

// ---------------------------------------------------------------- input rules (forms, API, sockets)

/**
 * The query parameters a saved view may hold: the board's filters and
 * swimlanes (app/hooks/useBoardView.ts FILTER_PARAMS) and `kaarten` (a list
 * of card ids, "each count one click from its cards"). Anything else is refused.
 */
export const VIEW_PARAMS = ["categorie", "organisatie", "ons", "open", "ouderDan", "q", "banen", "kaarten"] as const;

export const MEETING_LIMITS = {
  titleMax: 120,
  summaryMax: 10_000,
  notesMax: 10_000,
  queryMax: 4000,
  decisionMax: 1000,
  actionMax: 500,
  nameMax: 120,
  attendeesMax: 200,
  /** Agenda items per meeting: the proposal makes at most ~30; every open meeting page fetches the whole record on each change. */
  itemsMax: 100,
} as const;

/** Error codes per field, as app/board/validate.ts: the UI translates them. */
export type FieldErrors<K extends string> = Partial<Record<K, string>>;

/** A required text of 1..max characters once cleaned: the value, or an error code. */
function text(value: unknown, max: number, multiline = false, min = 1): { value: string; error?: string } {
  if (value !== undefined && value !== null && typeof value !== "string") return { value: "", error: "type" };
  const v = cleanText(value, multiline);
  if (v.length < min) return { value: v, error: "required" };
  if (v.length > max) return { value: v, error: "tooLong" };
  return { value: v };
}

/** Ids of cards, columns, items, organisations (UUIDs and the board's short ids). */
export function isMeetingId(v: unknown): v is string {
  return typeof v === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(v);
}

/** An optional id: absent/null/"" is null, a well-formed id is itself, anything else is an error. */
function optionalId(v: unknown): { value: string | null; error?: string } {
  if (v === undefined || v === null || v === "") return { value: null };
  return isMeetingId(v) ? { value: v } : { value: null, error: "pattern" };
}

const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_TIME = Date.UTC(2100, 0, 1);

/** A moment as ms since the epoch: a number, or an ISO date(-time) string. Null when it is neither. */
export function parseMeetingTime(v: unknown): number | null {
  let ms: number;
  if (typeof v === "number") ms = v;
  else if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v.trim())) ms = Date.parse(v.trim());
  else return null;
  return Number.isFinite(ms) && ms >= MIN_TIME && ms < MAX_TIME ? Math.round(ms) : null;
}

/** A calendar day YYYY-MM-DD that exists (no 2026-02-30). */
export function isCalendarDay(v: unknown): v is string {
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const [y, m, d] = v.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 2000 && y < 2100 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** A meeting's title and date. `partial`: only what is given is checked (a change). */
export function checkMeetingInput(
  input: { title?: unknown; at?: unknown; summary?: unknown },
  partial = false,
): { value: { title?: string; at?: number; summary?: string }; errors: FieldErrors<"title" | "at" | "summary"> } {
  const value: { title?: string; at?: number; summary?: string } = {};
  const errors: FieldErrors<"title" | "at" | "summary"> = {};
  if (!partial || input.title !== undefined) {
    const t = text(input.title, MEETING_LIMITS.titleMax);
    if (t.error) errors.title = t.error;
    else value.title = t.value;
  }
  if (!partial || input.at !== undefined) {
    if (input.at === undefined || input.at === null || input.at === "") errors.at = "required";
    else {
      const at = parseMeetingTime(input.at);
      if (at === null) errors.at = "invalid";
      else value.at = at;
    }
  }
  if (input.summary !== undefined) {
    const s = text(input.summary, MEETING_LIMITS.summaryMax, true, 0);
    if (s.error) errors.summary = s.error;
    else value.summary = s.value;
  }
  return { value, errors };
}

/**
 * A saved view: `query` holds only VIEW_PARAMS (each at most once), at most
 * MEETING_LIMITS.queryMax characters; the card and column in focus are ids or null.
 */
export function checkSavedView(input: unknown): { value: SavedView; errors: FieldErrors<"query" | "cardId" | "columnId" | "view"> } {
  if (input === undefined || input === null) return { value: EMPTY_VIEW, errors: {} };
  if (typeof input !== "object" || Array.isArray(input)) return { value: EMPTY_VIEW, errors: { view: "type" } };
  const v = input as Record<string, unknown>;
  const errors: FieldErrors<"query" | "cardId" | "columnId" | "view"> = {};
  let query = "";
  if (v.query !== undefined && v.query !== null) {
    if (typeof v.query !== "string") errors.query = "type";
    else if (v.query.length > MEETING_LIMITS.queryMax) errors.query = "tooLong";
    else {
      const raw = v.query.startsWith("?") ? v.query.slice(1) : v.query;
      const params = new URLSearchParams(raw);
      const seen = new Set<string>();
      for (const [k] of params) {
        if (!(VIEW_PARAMS as readonly string[]).includes(k) || seen.has(k)) {
          errors.query = "param";
          break;
        }
        seen.add(k);
      }
      if (!errors.query) query = params.toString();
    }
  }
  const card = optionalId(v.cardId);
  if (card.error) errors.cardId = card.error;
  const column = optionalId(v.columnId);
  if (column.error) errors.columnId = column.error;
  return { value: { query, cardId: card.value, columnId: column.value }, errors };
}

/** An agenda item: title (1..120), a saved view, its kind (default "free"), notes. `partial`: only what is given. */
export function checkItemInput(
  input: { title?: unknown; view?: unknown; kind?: unknown; notes?: unknown },
  partial = false,
): { value: { title?: string; view?: SavedView; kind?: AgendaKind; notes?: string }; errors: FieldErrors<"title" | "view" | "kind" | "notes"> } {
  const value: { title?: string; view?: SavedView; kind?: AgendaKind; notes?: string } = {};
  const errors: FieldErrors<"title" | "view" | "kind" | "notes"> = {};
  if (!partial || input.title !== undefined) {
    const t = text(input.title, MEETING_LIMITS.titleMax);
    if (t.error) errors.title = t.error;
    else value.title = t.value;
  }
  if (!partial || input.view !== undefined) {
    const v = checkSavedView(input.view);
    const first = Object.values(v.errors)[0];
    if (first) errors.view = first;
    else value.view = v.value;
  }
  if (input.kind !== undefined) {
    if (typeof input.kind === "string" && (AGENDA_KINDS as readonly string[]).includes(input.kind)) value.kind = input.kind as AgendaKind;
    else errors.kind = "invalid";
  } else if (!partial) value.kind = "free";
  if (input.notes !== undefined) {
    const n = text(input.notes, MEETING_LIMITS.notesMax, true, 0);
    if (n.error) errors.notes = n.error;
    else value.notes = n.value;
  }
  return { value, errors };
}

/** A decision: its text (1..1000), perhaps for an agenda item and a request (whether they exist is the caller's question). */
export function checkDecisionInput(input: { text?: unknown; itemId?: unknown; requestId?: unknown }): {
  value: { text: string; itemId: string | null; requestId: string | null };
  errors: FieldErrors<"text" | "itemId" | "requestId">;
} {
  const errors: FieldErrors<"text" | "itemId" | "requestId"> = {};
  const t = text(input.text, MEETING_LIMITS.decisionMax, true);
  if (t.error) errors.text = t.error;
  const item = optionalId(input.itemId);
  if (item.error) errors.itemId = item.error;
  const request = optionalId(input.requestId);
  if (request.error) errors.requestId = request.error;
  return { value: { text: t.value, itemId: item.value, requestId: request.value }, errors };
}

/**
 * An action: text (1..500), an organisation of the alliance, a due day
 * (YYYY-MM-DD), perhaps a request of this board and an agenda item. What
 * exists is asked of `known` (the caller reads it); `partial`: a change, only
 * what is given (`done` a boolean).
 */
export function checkActionInput(
  input: { text?: unknown; orgId?: unknown; due?: unknown; requestId?: unknown; itemId?: unknown; done?: unknown },
  known: { isOrganisation: (id: string) => boolean; isRequest: (id: string) => boolean; isItem?: (id: string) => boolean },
  partial = false,
): {
  value: { text?: string; orgId?: string; due?: string; requestId?: string | null; itemId?: string | null; done?: boolean };
  errors: FieldErrors<"text" | "orgId" | "due" | "requestId" | "itemId" | "done">;
} {
  const value: ReturnType<typeof checkActionInput>["value"] = {};
  const errors: ReturnType<typeof checkActionInput>["errors"] = {};
  if (!partial || input.text !== undefined) {
    const t = text(input.text, MEETING_LIMITS.actionMax, true);
    if (t.error) errors.text = t.error;
    else value.text = t.value;
  }
  if (!partial || input.orgId !== undefined) {
    if (input.orgId === undefined || input.orgId === null || input.orgId === "") errors.orgId = "required";
    else if (!isMeetingId(input.orgId) || !known.isOrganisation(input.orgId)) errors.orgId = "unknown";
    else value.orgId = input.orgId;
  }
  if (!partial || input.due !== undefined) {
    if (input.due === undefined || input.due === null || input.due === "") errors.due = "required";
    else if (!isCalendarDay(input.due)) errors.due = "invalid";
    else value.due = input.due;
  }
  if (!partial || input.requestId !== undefined) {
    const r = optionalId(input.requestId);
    if (r.error || (r.value !== null && !known.isRequest(r.value))) errors.requestId = "unknown";
    else value.requestId = r.value;
  }
  if (!partial || input.itemId !== undefined) {
    const i = optionalId(input.itemId);
    if (i.error || (i.value !== null && known.isItem && !known.isItem(i.value))) errors.itemId = "unknown";
    else value.itemId = i.value;
  }
  if (input.done !== undefined) {
    if (typeof input.done !== "boolean") errors.done = "type";
    else value.done = input.done;
  }
  return { value, errors };
}

/** Who was there, as a coordinator edits the list: a person of the alliance (userId) or a name typed in, perhaps with an organisation. */
export function checkAttendeesInput(
  input: unknown,
  known: { isUser: (id: string) => boolean; isOrganisation: (id: string) => boolean },
): { value: Array<{ userId: string | null; name: string; orgId: string | null }>; errors: FieldErrors<"attendees"> } {
  if (!Array.isArray(input)) return { value: [], errors: { attendees: "type" } };
  if (input.length > MEETING_LIMITS.attendeesMax) return { value: [], errors: { attendees: "tooMany" } };
  const value: Array<{ userId: string | null; name: string; orgId: string | null }> = [];
  const users = new Set<string>();
  for (const raw of input) {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) return { value: [], errors: { attendees: "type" } };
    const a = raw as Record<string, unknown>;
    const user = optionalId(a.userId);
    if (user.error || (user.value !== null && !known.isUser(user.value))) return { value: [], errors: { attendees: "unknownUser" } };
    const org = optionalId(a.orgId);
    if (org.error || (org.value !== null && !known.isOrganisation(org.value))) return { value: [], errors: { attendees: "unknownOrganisation" } };
    const name = text(a.name, MEETING_LIMITS.nameMax, false, user.value ? 0 : 1);
    if (name.error) return { value: [], errors: { attendees: name.error === "required" ? "nameRequired" : "nameTooLong" } };
    if (user.value) {
      if (users.has(user.value)) continue;
      users.add(user.value);
    }
    value.push({ userId: user.value, name: name.value, orgId: org.value });
  }
  return { value, errors: {} };
}

/** The facilitator's focus as `meeting:focus` sends it: ids, a saved view, scroll fractions 0..1. */
export function checkFocusInput(input: Record<string, unknown>): {
  value: { boardId: string; meetingId: string; itemId: string | null; view: SavedView; scroll: ScrollPosition } | null;
  error?: string;
} {
  if (!isMeetingId(input.boardId) || !isMeetingId(input.meetingId)) return { value: null, error: "bad_request" };
  const item = optionalId(input.itemId);
  if (item.error) return { value: null, error: "bad_request" };
  const view = checkSavedView(input.view);
  if (Object.keys(view.errors).length) return { value: null, error: "bad_request" };
  const s = input.scroll;
  const fraction = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 1;
  let scroll: ScrollPosition = { x: 0, y: 0 };
  if (s !== undefined && s !== null) {
    if (typeof s !== "object" || !fraction((s as ScrollPosition).x) || !fraction((s as ScrollPosition).y)) return { value: null, error: "bad_request" };
    scroll = { x: (s as ScrollPosition).x, y: (s as ScrollPosition).y };
  }
  return { value: { boardId: input.boardId, meetingId: input.meetingId, itemId: item.value, view: view.value, scroll } };
}
