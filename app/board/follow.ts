/**
 * "Volg de voorzitter" (issue 13): what a follower does with the
 * facilitator's FollowState, and what the facilitator's page sends. The
 * board page (app/components/meeting/), the presenter view and the 50-follower
 * bench (tests/bench/meeting-follow.ts) run these same functions.
 *
 *   receiveFollow(state, msg)   apply-or-ignore by seq; what to change on the page
 *   sanitizeQuery(query)        only the board's filter params (FILTER_PARAMS)
 *   mergeQuery(search, query)   the page's search params with the filters replaced
 *   toFraction / fromFraction   scroll offsets as fractions of what can be scrolled
 *   isScrollIntent / userScrolled   a person scrolling by hand, not our own scrollTo
 *   throttleDelay               ~10 sends a second with a trailing send
 *
 * Pure: no React, no IO.
 */
import { FILTER_PARAMS, parseCardList } from "./filters";
import { EMPTY_VIEW, MEETING_LIMITS, type FollowState, type SavedView, type ScrollPosition } from "./meeting";

export const TOP: ScrollPosition = { x: 0, y: 0 };

/** Sends of the facilitator's scroll position at most this often (ms): about 10 a second. */
export const FOCUS_INTERVAL_MS = 100;

// ---------------------------------------------------------------- query

/** As long as an agenda item's saved view may be (MEETING_LIMITS.queryMax): a `kaarten=` list of 100 ids fits. */
const MAX_QUERY = MEETING_LIMITS.queryMax;

/**
 * Keep only the board's filter and swimlane parameters, in FILTER_PARAMS
 * order, each once; everything else (a card link, a `nieuw`, junk from a
 * stored view) goes. The same input always gives the same string.
 */
export function sanitizeQuery(query: string): string {
  const params = new URLSearchParams(query.length > MAX_QUERY ? query.slice(0, MAX_QUERY) : query);
  const out = new URLSearchParams();
  for (const name of FILTER_PARAMS) {
    const value = params.get(name);
    if (value === null || value === "") continue;
    // A list of cards is checked id by id and capped by count (a cut at 200 characters kept 5 of 100 ids and half of the sixth).
    if (name === "kaarten") {
      const ids = parseCardList(value);
      if (ids) out.set(name, ids.join(","));
    } else out.set(name, value.slice(0, 200));
  }
  return out.toString();
}

/** The filter part of a page's search string, sanitised (what the facilitator sends). */
export function filterQueryOf(search: string): string {
  return sanitizeQuery(search.startsWith("?") ? search.slice(1) : search);
}

/**
 * The page's search params with the filter params replaced by `query`'s
 * (other params are kept). Null when nothing would change, so a follower does
 * not navigate for an event that only scrolled.
 */
export function mergeQuery(search: string, query: string): string | null {
  const current = new URLSearchParams(search.startsWith("?") ? search.slice(1) : search);
  const next = new URLSearchParams(current);
  for (const name of FILTER_PARAMS) next.delete(name);
  for (const [k, v] of new URLSearchParams(sanitizeQuery(query))) next.set(k, v);
  if (filterQueryOf(next.toString()) === filterQueryOf(current.toString())) return null;
  return next.toString();
}

// ---------------------------------------------------------------- scroll

/** An offset as a fraction (0..1) of what can be scrolled; 0 when nothing can. */
export function toFraction(offset: number, scrollSize: number, clientSize: number): number {
  const max = scrollSize - clientSize;
  if (!(max > 0) || !Number.isFinite(offset)) return 0;
  return clamp01(Math.round((offset / max) * 10_000) / 10_000);
}

/** The offset (whole pixels) a fraction stands for on this screen. */
export function fromFraction(fraction: number, scrollSize: number, clientSize: number): number {
  const max = scrollSize - clientSize;
  if (!(max > 0)) return 0;
  return Math.round(clamp01(fraction) * max);
}

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

/** A scroll position from anyone (the wire): two fractions in 0..1. */
export function cleanScroll(s: unknown): ScrollPosition {
  const o = (s && typeof s === "object" ? s : {}) as Record<string, unknown>;
  return { x: clamp01(Number(o.x)), y: clamp01(Number(o.y)) };
}

/** Whether two scroll positions are the same to the eye (within 0.2 %). */
export function sameScroll(a: ScrollPosition, b: ScrollPosition): boolean {
  return Math.abs(a.x - b.x) < 0.002 && Math.abs(a.y - b.y) < 0.002;
}

const SCROLL_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown", "Home", "End", " "]);

export interface InputLike {
  type: string;
  key?: string;
  /** The event's target takes text or keys itself (input, textarea, select, contenteditable, a slider). */
  inField?: boolean;
}

/**
 * Whether an input event is a person scrolling: a wheel, a finger moving, or
 * a scroll key outside a form field. Tab, a click and our own `scrollTo` are
 * not: a keyboard user moving through the page keeps following.
 */
export function isScrollIntent(e: InputLike): boolean {
  if (e.type === "wheel" || e.type === "touchmove") return true;
  if (e.type === "keydown") return !e.inField && !!e.key && SCROLL_KEYS.has(e.key);
  return false;
}

/** How long after a scroll intent the scroll events it causes still count as the person's (ms). */
export const INTENT_WINDOW_MS = 800;

/**
 * A scroll event happened at `now`: was it the person's? Yes when their last
 * scroll intent (isScrollIntent) came after the last scroll we applied
 * ourselves and is recent; a scroll with no intent before it is ours (or the
 * layout's) and changes nothing.
 */
export function userScrolled(now: number, lastIntentAt: number | null, lastAppliedAt: number | null): boolean {
  if (lastIntentAt === null) return false;
  if (lastAppliedAt !== null && lastIntentAt < lastAppliedAt) return false;
  return now - lastIntentAt <= INTENT_WINDOW_MS;
}

// ---------------------------------------------------------------- throttle

/**
 * Throttle with a trailing send: 0 = send now; otherwise wait this long (ms)
 * and send the latest then.
 */
export function throttleDelay(lastSentAt: number | null, now: number, interval = FOCUS_INTERVAL_MS): number {
  if (lastSentAt === null) return 0;
  const wait = lastSentAt + interval - now;
  return wait > 0 ? wait : 0;
}

// ---------------------------------------------------------------- the follower

/** A follower's page, as far as following goes. */
export interface FollowerState {
  following: boolean;
  /** The newest seq seen (applied or not): older events are never applied after it. */
  seq: number;
  /** The facilitator's newest state (kept while looking around, for "Weer volgen"). */
  latest: FollowState | null;
  /** What this page shows because of following: the last state applied. */
  applied: FollowState | null;
}

export const INITIAL_FOLLOWER: FollowerState = { following: false, seq: 0, latest: null, applied: null };

/** What a page changes to apply one state; null parts stay as they are. */
export interface FollowChange {
  /** The new search string (filters replaced), or null: filters unchanged. */
  search: string | null;
  /** The agenda item changed (said aloud). */
  itemChanged: boolean;
  /** The card in focus changed (said aloud; scrolled into view); `cardId` is the new one (null: none). */
  cardChanged: boolean;
  cardId: string | null;
  /** The column to show (a phone's tab), or null: leave it. */
  columnId: string | null;
  scroll: ScrollPosition;
}

/** Shape-check a state from the wire (the server checks too; a page never trusts a message blindly). */
export function cleanFollowState(raw: unknown): FollowState | null {
  if (!raw || typeof raw !== "object") return null;
  const o = raw as Record<string, unknown>;
  const seq = Number(o.seq);
  if (typeof o.boardId !== "string" || typeof o.meetingId !== "string" || !Number.isSafeInteger(seq) || seq < 0) return null;
  const v = (o.view && typeof o.view === "object" ? o.view : {}) as Record<string, unknown>;
  const view: SavedView = {
    query: typeof v.query === "string" ? sanitizeQuery(v.query) : "",
    cardId: typeof v.cardId === "string" && v.cardId ? v.cardId : null,
    columnId: typeof v.columnId === "string" && v.columnId ? v.columnId : null,
  };
  return {
    boardId: o.boardId,
    meetingId: o.meetingId,
    itemId: typeof o.itemId === "string" && o.itemId ? o.itemId : null,
    view,
    scroll: cleanScroll(o.scroll),
    seq,
    at: Number.isFinite(Number(o.at)) ? Number(o.at) : 0,
  };
}

/** The change that takes a page from `before` (null: nothing applied yet) to `next`, given its search string. */
export function changeFor(before: FollowState | null, next: FollowState, search: string): FollowChange {
  const cardId = next.view.cardId;
  return {
    search: mergeQuery(search, next.view.query),
    itemChanged: !before || before.itemId !== next.itemId || before.meetingId !== next.meetingId,
    cardChanged: !before || (before.view.cardId ?? null) !== cardId,
    cardId,
    columnId: next.view.columnId,
    scroll: next.scroll,
  };
}

/**
 * A `meeting:follow` (or a late joiner's meetingCurrent) arrives. Returns the
 * follower's next state, and the change to make on the page when it is to be
 * applied now: only when following and its seq is newer than any seen. An
 * older or repeated seq changes nothing (events may cross a reconnect's
 * meetingCurrent answer).
 */
export function receiveFollow(
  state: FollowerState,
  msg: FollowState,
  search: string,
): { state: FollowerState; change: FollowChange | null } {
  if (msg.seq <= state.seq && state.latest && state.latest.meetingId === msg.meetingId) return { state, change: null };
  const next: FollowerState = { ...state, seq: msg.seq, latest: msg };
  if (!state.following) return { state: next, change: null };
  const change = changeFor(state.applied, msg, search);
  return { state: { ...next, applied: msg }, change };
}

/** The person starts (again) to follow: the facilitator's newest state is applied at once. */
export function startFollowing(state: FollowerState, search: string): { state: FollowerState; change: FollowChange | null } {
  const next: FollowerState = { ...state, following: true };
  if (!state.latest) return { state: next, change: null };
  return { state: { ...next, applied: state.latest }, change: changeFor(null, state.latest, search) };
}

/** The person looks around on their own: nothing is applied until they follow again. */
export function stopFollowing(state: FollowerState): FollowerState {
  return state.following ? { ...state, following: false, applied: null } : state;
}

/** The meeting ended (or another one started): forget what was followed. */
export function resetFollower(): FollowerState {
  return INITIAL_FOLLOWER;
}

// ---------------------------------------------------------------- the facilitator

export interface FocusInput {
  meetingId: string;
  itemId: string | null;
  search: string;
  cardId: string | null;
  columnId: string | null;
  scroll: ScrollPosition;
}

/** What the facilitator's page sends with meetingFocus. */
export function focusPayload(p: FocusInput): { meetingId: string; itemId: string | null; view: SavedView; scroll: ScrollPosition } {
  return {
    meetingId: p.meetingId,
    itemId: p.itemId,
    view: { query: filterQueryOf(p.search), cardId: p.cardId, columnId: p.columnId },
    scroll: cleanScroll(p.scroll),
  };
}

/** Whether two focus payloads differ in anything but the scroll (those go at once; scrolls are throttled). */
export function viewChanged(
  a: { itemId: string | null; view: SavedView } | null,
  b: { itemId: string | null; view: SavedView },
): boolean {
  if (!a) return true;
  return a.itemId !== b.itemId || a.view.query !== b.view.query || a.view.cardId !== b.view.cardId || a.view.columnId !== b.view.columnId;
}

/** An agenda item's saved view, made safe to apply (query sanitised). */
export function itemView(view: SavedView | null | undefined): SavedView {
  if (!view) return EMPTY_VIEW;
  return { query: sanitizeQuery(view.query ?? ""), cardId: view.cardId ?? null, columnId: view.columnId ?? null };
}

// ---------------------------------------------------------------- timer

/** Time spent on an agenda item (ms): what was spent before plus the current stretch. */
export function itemElapsed(item: { spentMs: number; currentSince: number | null }, now: number): number {
  const running = item.currentSince !== null ? Math.max(0, now - item.currentSince) : 0;
  return Math.max(0, item.spentMs) + running;
}

/** mm:ss (h:mm:ss past an hour). */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}
