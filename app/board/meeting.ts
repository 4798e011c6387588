/**
 * The alliance meeting (issue 13), as browser, server and tests share it:
 * what an agenda item shows (a saved view of the board), what "follow the
 * facilitator" sends, and the meeting's record as the API returns it.
 *
 * Pure: no React, no IO. The rules that check input live here too, so the
 * forms, the JSON API and the socket events judge the same way.
 */

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
