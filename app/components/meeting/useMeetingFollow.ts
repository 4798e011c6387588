/**
 * The board page's side of a running meeting: which meeting runs (asked
 * with meetingCurrent on every join, again on `meeting:changed`), where the
 * facilitator is (`meeting:follow`), and
 *
 *   - for the facilitator: every change of theirs on the board (filters in
 *     the URL, the card dialog, the phone's column tab, the scroll position)
 *     sent with meetingFocus, views at once and scrolls ~10/s with a trailing send;
 *   - for a follower: each newer state applied (app/board/follow.ts decides),
 *     and following stopped by the person's own filter, card or scroll.
 *
 * Talks socket.io only through the board's realtime connection (app/lib/sync-client.ts).
 * Never moves the keyboard focus: following only scrolls and highlights.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useSearchParams } from "@remix-run/react";
import {
  FOCUS_INTERVAL_MS,
  INITIAL_FOLLOWER,
  cleanFollowState,
  filterQueryOf,
  fromFraction,
  focusPayload,
  isScrollIntent,
  itemView,
  mergeQuery,
  receiveFollow,
  sameScroll,
  startFollowing,
  stopFollowing,
  throttleDelay,
  toFraction,
  userScrolled,
  viewChanged,
  type FollowChange,
  type FollowerState,
} from "~/board/follow";
import type { FollowState, MeetingRecord, SavedView, ScrollPosition } from "~/board/meeting";
import { useRealtime, useRealtimeConnected } from "~/hooks/useRealtime";
import { SHOW_CARD_EVENT, cardElement, type ShowCardDetail } from "~/components/board/feedback/useNewRequestReveal";
import { COLUMN_SELECTED_EVENT } from "~/components/board/ColumnTabs";
import { setMeetingFocusCard } from "./focusStore";

/** The board's horizontal strips (one per swimlane) and the page's vertical scroll. */
function strips(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>(".board-page .board-columns")];
}

export function readScroll(): ScrollPosition {
  const page = document.scrollingElement ?? document.documentElement;
  const strip = strips().find((s) => s.scrollWidth > s.clientWidth);
  return {
    x: strip ? toFraction(strip.scrollLeft, strip.scrollWidth, strip.clientWidth) : 0,
    y: toFraction(page.scrollTop, page.scrollHeight, page.clientHeight),
  };
}

function writeScroll(s: ScrollPosition) {
  const page = document.scrollingElement ?? document.documentElement;
  for (const strip of strips()) strip.scrollLeft = fromFraction(s.x, strip.scrollWidth, strip.clientWidth);
  page.scrollTop = fromFraction(s.y, page.scrollHeight, page.clientHeight);
}

function inField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || !!target.closest("input, textarea, select, [role=slider], [role=listbox], [role=menu], dialog[open]");
}

const FOLLOW_KEY = "alliantiebord:follow:";
/** How long a follower waits for the card under discussion to render (ms) before it gives up scrolling to it. */
const REVEAL_MS = 1500;

export interface MeetingFollow {
  meeting: MeetingRecord | null;
  /** The facilitator's newest state (for everyone: the item and the card under discussion). */
  latest: FollowState | null;
  isFacilitator: boolean;
  following: boolean;
  /** Was following and looks around now ("Je kijkt zelf rond — Weer volgen"). */
  away: boolean;
  follow: () => void;
  unfollow: () => void;
  /** The facilitator: make this agenda item the current one and show its saved view. */
  chooseItem: (itemId: string) => void;
  /** The agenda item shown now. */
  itemId: string | null;
  /** When the current item became current (ms, this page's clock), for the timer when the record does not know it yet. */
  itemSince: number | null;
  /** A polite message for screen readers (item changes and the card in focus only). */
  announcement: string;
  sendError: string | null;
}

export function useMeetingFollow(opts: {
  boardId: string;
  userId: string | null | undefined;
  openCardId: string | null;
  onOpenCard: (id: string) => void;
  onCloseCard: () => void;
  cardTitle: (id: string) => string | null;
  cardColumn: (id: string) => string | null;
  announce: { item: (title: string) => string; card: (title: string) => string };
}): MeetingFollow {
  const { boardId, userId, openCardId } = opts;
  const realtime = useRealtime();
  const connected = useRealtimeConnected();
  const [searchParams, setSearchParams] = useSearchParams();
  const search = searchParams.toString();
  const searchRef = useRef(search);
  searchRef.current = search;
  const optsRef = useRef(opts);
  optsRef.current = opts;

  const [meeting, setMeeting] = useState<MeetingRecord | null>(null);
  const meetingRef = useRef<MeetingRecord | null>(null);
  meetingRef.current = meeting;
  const [latest, setLatest] = useState<FollowState | null>(null);
  const [following, setFollowing] = useState(false);
  const [away, setAway] = useState(false);
  const [itemId, setItemId] = useState<string | null>(null);
  const [itemSince, setItemSince] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [sendError, setSendError] = useState<string | null>(null);
  const follower = useRef<FollowerState>(INITIAL_FOLLOWER);
  const isFacilitator = !!meeting && !!userId && meeting.status === "running" && meeting.facilitatorUserId === userId;
  const facilitatorRef = useRef(isFacilitator);
  facilitatorRef.current = isFacilitator;

  // What the follower applied itself: a filter, scroll or card that is not this is the person's own.
  const appliedQuery = useRef<string | null>(null);
  const lastApplied = useRef<number | null>(null);
  const lastIntent = useRef<number | null>(null);

  const setCurrentItem = useCallback((id: string | null) => {
    setItemId((before) => {
      if (before !== id) setItemSince(Date.now());
      return id;
    });
  }, []);

  const say = useCallback((msg: string) => {
    // The same text twice is not read again by every screen reader: alternate a trailing space.
    setAnnouncement((before) => (before === msg ? `${msg} ` : msg));
  }, []);

  /** Make the page show a follow change (no DOM focus moves). */
  const apply = useCallback(
    (change: FollowChange, state: FollowState) => {
      const o = optsRef.current;
      appliedQuery.current = filterQueryOf(state.view.query);
      if (change.search !== null) setSearchParams(new URLSearchParams(change.search), { replace: true, preventScrollReset: true });
      // The column in focus, else the card's own (a phone shows one column: its tab).
      const column = change.columnId ?? (change.cardChanged && change.cardId ? o.cardColumn(change.cardId) : null);
      if (column) {
        window.dispatchEvent(new CustomEvent<ShowCardDetail>(SHOW_CARD_EVENT, { detail: { cardId: change.cardId ?? "", columnId: column } }));
      }
      // After the filters and the column have rendered: scroll, then the card into view.
      // After the filters and the column have rendered (a navigation, a moment on a busy machine): scroll,
      // then the card under discussion into view, whatever the facilitator's screen scrolled to (a phone is longer).
      const seq = state.seq;
      const until = Date.now() + REVEAL_MS;
      const step = () => {
        if (follower.current.applied?.seq !== seq) return; // a newer state took over
        lastApplied.current = Date.now();
        writeScroll(change.scroll);
        const el = change.cardId ? cardElement(change.cardId) : null;
        if (el && el.getClientRects().length > 0) el.scrollIntoView({ block: "nearest", inline: "nearest" });
        else if (change.cardId && Date.now() < until) window.setTimeout(step, 50);
        lastApplied.current = Date.now();
      };
      requestAnimationFrame(() => requestAnimationFrame(step));
      if (change.itemChanged) {
        const title = meetingRef.current?.agenda.find((i) => i.id === state.itemId)?.title;
        if (title) say(o.announce.item(title));
      } else if (change.cardChanged && change.cardId) {
        const title = o.cardTitle(change.cardId);
        if (title) say(o.announce.card(title));
      }
    },
    [setSearchParams, say],
  );

  /** A state from the facilitator (an event, or the answer to meetingCurrent). */
  const receive = useCallback(
    (raw: unknown) => {
      const state = cleanFollowState(raw);
      if (!state || state.boardId !== boardId) return;
      const m = meetingRef.current;
      if (m && m.id !== state.meetingId) return;
      if (facilitatorRef.current) return;
      const r = receiveFollow(follower.current, state, searchRef.current);
      if (r.state === follower.current) return;
      follower.current = r.state;
      setLatest(state);
      setCurrentItem(state.itemId);
      if (r.change) apply(r.change, state);
    },
    [boardId, apply, setCurrentItem],
  );

  const load = useCallback(async () => {
    if (!realtime) return;
    const ack = await realtime.meetingCurrent();
    if (!ack.ok) return;
    const m = ack.meeting && ack.meeting.status === "running" ? ack.meeting : null;
    const before = meetingRef.current;
    meetingRef.current = m;
    setMeeting(m);
    if (!m) {
      follower.current = INITIAL_FOLLOWER;
      setLatest(null);
      setFollowing(false);
      setAway(false);
      setCurrentItem(null);
      return;
    }
    if (!before || before.id !== m.id) {
      follower.current = INITIAL_FOLLOWER;
      setAway(false);
      // A reload or a reconnect keeps following this meeting.
      let keep = false;
      try {
        keep = sessionStorage.getItem(FOLLOW_KEY + m.id) === "1";
      } catch {
        // storage off: start not following
      }
      if (keep && m.facilitatorUserId !== userId) {
        follower.current = { ...INITIAL_FOLLOWER, following: true };
        setFollowing(true);
      }
      setCurrentItem(ack.follow?.itemId ?? m.currentItemId);
    }
    if (ack.follow) receive(ack.follow);
    else if (!follower.current.latest) setCurrentItem(m.currentItemId);
  }, [realtime, receive, setCurrentItem, userId]);

  // Every (re)join asks where the meeting is; `meeting:changed` asks again.
  useEffect(() => {
    if (realtime && connected) void load();
  }, [realtime, connected, load]);
  useEffect(() => {
    if (!realtime) return;
    const offs = [
      realtime.on("meeting:changed", (p) => {
        if (p.boardId === boardId) void load();
      }),
      realtime.on("meeting:follow", receive),
    ];
    return () => offs.forEach((off) => off());
  }, [realtime, boardId, load, receive]);

  // The card under discussion, highlighted for everyone.
  const focusCard = meeting ? (isFacilitator ? openCardId : latest?.view.cardId ?? null) : null;
  useEffect(() => setMeetingFocusCard(focusCard), [focusCard]);
  useEffect(() => () => setMeetingFocusCard(null), []);

  const remember = (id: string, on: boolean) => {
    try {
      if (on) sessionStorage.setItem(FOLLOW_KEY + id, "1");
      else sessionStorage.removeItem(FOLLOW_KEY + id);
    } catch {
      // storage off
    }
  };

  const follow = useCallback(() => {
    // Following again is the person's own choice: a wheel or key before it (its
    // scroll may still be running) no longer counts as looking around.
    lastIntent.current = null;
    const r = startFollowing(follower.current, searchRef.current);
    follower.current = r.state;
    setFollowing(true);
    setAway(false);
    if (meetingRef.current) remember(meetingRef.current.id, true);
    if (r.change && r.state.latest) apply(r.change, r.state.latest);
    // Fetch the facilitator's newest state too (an event may have been missed while away).
    void load();
  }, [apply, load]);

  const unfollow = useCallback(() => {
    if (!follower.current.following) return;
    follower.current = stopFollowing(follower.current);
    appliedQuery.current = null;
    setFollowing(false);
    setAway(true);
    if (meetingRef.current) remember(meetingRef.current.id, false);
  }, []);

  // ---------------------------------------------------------------- a follower's own moves stop following

  // Only a change of the filters or the card counts (not starting to follow while they differ: applying follows).
  const followingRef = useRef(following);
  followingRef.current = following;
  useEffect(() => {
    if (!followingRef.current) return;
    if (appliedQuery.current !== null && filterQueryOf(search) !== appliedQuery.current) unfollow();
  }, [search, unfollow]);
  useEffect(() => {
    if (followingRef.current && openCardId) unfollow();
  }, [openCardId, unfollow]);
  useEffect(() => {
    if (!following) return;
    const onIntent = (e: Event) => {
      if (isScrollIntent({ type: e.type, key: (e as KeyboardEvent).key, inField: inField(e.target) })) lastIntent.current = Date.now();
    };
    const onScroll = () => {
      if (userScrolled(Date.now(), lastIntent.current, lastApplied.current)) unfollow();
    };
    const opts = { capture: true, passive: true } as const;
    window.addEventListener("wheel", onIntent, opts);
    window.addEventListener("touchmove", onIntent, opts);
    window.addEventListener("keydown", onIntent, opts);
    document.addEventListener("scroll", onScroll, opts);
    return () => {
      window.removeEventListener("wheel", onIntent, opts);
      window.removeEventListener("touchmove", onIntent, opts);
      window.removeEventListener("keydown", onIntent, opts);
      document.removeEventListener("scroll", onScroll, opts);
    };
  }, [following, unfollow]);

  // ---------------------------------------------------------------- the facilitator sends

  const [columnId, setColumnId] = useState<string | null>(null);
  useEffect(() => {
    const onColumn = (e: Event) => setColumnId((e as CustomEvent<{ columnId: string }>).detail?.columnId ?? null);
    window.addEventListener(COLUMN_SELECTED_EVENT, onColumn);
    return () => window.removeEventListener(COLUMN_SELECTED_EVENT, onColumn);
  }, []);

  const lastSent = useRef<{ itemId: string | null; view: SavedView; scroll: ScrollPosition } | null>(null);
  const lastSentAt = useRef<number | null>(null);
  const trailing = useRef<number | null>(null);
  const sendNow = useCallback(() => {
    const m = meetingRef.current;
    if (!realtime || !m || !facilitatorRef.current) return;
    if (trailing.current !== null) window.clearTimeout(trailing.current);
    trailing.current = null;
    const payload = focusPayload({
      meetingId: m.id,
      itemId: itemIdRef.current,
      search: searchRef.current,
      cardId: optsRef.current.openCardId,
      columnId: columnIdRef.current,
      scroll: readScroll(),
    });
    const before = lastSent.current;
    if (before && !viewChanged(before, payload) && sameScroll(before.scroll, payload.scroll)) return;
    lastSent.current = payload;
    lastSentAt.current = Date.now();
    void realtime.meetingFocus(payload).then((ack) => setSendError(ack.ok ? null : ack.error));
  }, [realtime]);
  const itemIdRef = useRef(itemId);
  itemIdRef.current = itemId;
  const columnIdRef = useRef(columnId);
  columnIdRef.current = columnId;

  /** Scrolls: at most one send per interval, and the last one always goes. */
  const sendThrottled = useCallback(() => {
    const wait = throttleDelay(lastSentAt.current, Date.now(), FOCUS_INTERVAL_MS);
    if (wait === 0) return sendNow();
    if (trailing.current === null) trailing.current = window.setTimeout(sendNow, wait);
  }, [sendNow]);

  // View changes (filters, card, column, item) go at once.
  const viewKey = `${itemId}|${filterQueryOf(search)}|${openCardId}|${columnId}`;
  useEffect(() => {
    if (!isFacilitator) return;
    // After the page rendered the new view (the scroll it has then belongs to it).
    const frame = requestAnimationFrame(sendNow);
    return () => cancelAnimationFrame(frame);
  }, [isFacilitator, viewKey, sendNow]);
  useEffect(() => {
    if (!isFacilitator) return;
    const onScroll = () => sendThrottled();
    const opts = { capture: true, passive: true } as const;
    document.addEventListener("scroll", onScroll, opts);
    return () => {
      document.removeEventListener("scroll", onScroll, opts);
      if (trailing.current !== null) window.clearTimeout(trailing.current);
      trailing.current = null;
    };
  }, [isFacilitator, sendThrottled]);
  // A new meeting, or the facilitator's page joining again: send where it is.
  useEffect(() => {
    lastSent.current = null;
  }, [meeting?.id, connected]);

  const chooseItem = useCallback(
    (id: string) => {
      const m = meetingRef.current;
      const item = m?.agenda.find((i) => i.id === id);
      if (!m || !item) return;
      const view = itemView(item.view);
      setCurrentItem(id);
      const next = mergeQuery(searchRef.current, view.query);
      if (next !== null) setSearchParams(new URLSearchParams(next), { replace: true, preventScrollReset: true });
      if (view.cardId) optsRef.current.onOpenCard(view.cardId);
      else if (optsRef.current.openCardId) optsRef.current.onCloseCard();
      if (view.columnId) {
        setColumnId(view.columnId);
        window.dispatchEvent(new CustomEvent<ShowCardDetail>(SHOW_CARD_EVENT, { detail: { cardId: view.cardId ?? "", columnId: view.columnId } }));
      }
      say(optsRef.current.announce.item(item.title));
    },
    [setCurrentItem, setSearchParams, say],
  );

  return {
    meeting,
    latest,
    isFacilitator,
    following,
    away,
    follow,
    unfollow,
    chooseItem,
    itemId,
    itemSince,
    announcement,
    sendError,
  };
}
