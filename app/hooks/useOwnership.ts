/**
 * Who holds which request, the referrals waiting and this organisation's
 * inbox ("Voor ons"), as the server decided them.
 *
 * Starts from the board loader's `ownership` (so the server-rendered page
 * already shows the owners), then follows socket.io: `request:owner` updates
 * one card, `inbox:changed` / `claim:expired` and every (re)connect refetch
 * /api/boards/<id>/inbox. Cards read their own entry with
 * `useCardOwnership(id)`: one owner change re-renders one card's badge.
 *
 * The browser never decides: every action goes to the server, whose
 * acknowledgement (ok, or an error code) is what the UI shows.
 */
import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import type { MeetingAction } from "~/board/meeting";
import type { OrgInfo } from "~/components/board/Card";
import type { Ack, BoardRealtime, OwnerChange } from "~/lib/sync-client";
import { useRealtime, useRealtimeConnected } from "./useRealtime";

// ---------------------------------------------------------------- types (the JSON of boardOwnershipState)

export interface OrgRef {
  id: string;
  name: string;
}

export interface PendingReferral {
  id: string;
  requestId: string;
  fromOrgId: string;
  toOrgId: string;
  /** Only known from live events and the recipient's inbox. */
  note?: string;
  createdAt: number;
}

export interface InboxItem {
  id: string;
  requestId: string;
  boardId: string;
  fromOrgId: string;
  fromOrgName: string | null;
  note: string;
  createdAt: number;
}

export interface ExpiredClaim {
  id: number | string;
  boardId: string | null;
  requestId: string | null;
  createdAt: number;
}

export interface OwnershipSnapshot {
  owners: Record<string, { id: string; name: string; claimedAt: number | null }>;
  pendingReferrals: PendingReferral[];
  inbox: InboxItem[];
  expiredClaims: ExpiredClaim[];
  /** This organisation's open meeting actions on the board. */
  actions?: MeetingAction[];
}

export interface CardOwnership {
  owner: OrgRef | null;
  claimedAt: number | null;
  pending: PendingReferral | null;
}

export interface InboxState {
  inbox: InboxItem[];
  expired: ExpiredClaim[];
  actions: MeetingAction[];
}

const NONE: CardOwnership = Object.freeze({ owner: null, claimedAt: null, pending: null }) as CardOwnership;
const EMPTY_SNAPSHOT: OwnershipSnapshot = { owners: {}, pendingReferrals: [], inbox: [], expiredClaims: [] };

function samePending(a: PendingReferral | null, b: PendingReferral | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.id === b.id && a.toOrgId === b.toOrgId && a.fromOrgId === b.fromOrgId && (a.note ?? "") === (b.note ?? "");
}

function sameOwnership(a: CardOwnership, b: CardOwnership): boolean {
  return (
    (a.owner?.id ?? null) === (b.owner?.id ?? null) &&
    (a.owner?.name ?? null) === (b.owner?.name ?? null) &&
    a.claimedAt === b.claimedAt &&
    samePending(a.pending, b.pending)
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// ---------------------------------------------------------------- the store

export class OwnershipStore {
  private cards = new Map<string, CardOwnership>();
  private inboxState: InboxState = { inbox: [], expired: [], actions: [] };
  private readonly listeners = new Set<() => void>();
  /** Owner events that arrived while a refetch was under way: applied again on top of its answer. */
  private pendingLog: OwnerChange[] | null = null;

  constructor(initial: OwnershipSnapshot | null | undefined) {
    this.replace(initial ?? EMPTY_SNAPSHOT, false);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private changes = 0;
  /** A number that changes whenever anything in the store does (for board-wide readers). */
  version = (): number => this.changes;

  private emit() {
    this.changes++;
    this.listeners.forEach((l) => l());
  }

  get = (requestId: string): CardOwnership => this.cards.get(requestId) ?? NONE;

  getInbox = (): InboxState => this.inboxState;

  private set(requestId: string, next: CardOwnership): boolean {
    const before = this.get(requestId);
    if (sameOwnership(before, next)) return false;
    if (!next.owner && !next.pending) this.cards.delete(requestId);
    else this.cards.set(requestId, next);
    return true;
  }

  /** Replace everything with a fresh answer of the server, keeping unchanged entries (and their identity). */
  replace(snapshot: OwnershipSnapshot, notify = true) {
    const next = new Map<string, CardOwnership>();
    for (const [requestId, o] of Object.entries(snapshot.owners ?? {})) {
      next.set(requestId, { owner: { id: o.id, name: o.name }, claimedAt: o.claimedAt ?? null, pending: null });
    }
    const notes = new Map((snapshot.inbox ?? []).map((i) => [i.requestId, i.note]));
    for (const p of snapshot.pendingReferrals ?? []) {
      const prevNote = this.cards.get(p.requestId)?.pending;
      const note = notes.get(p.requestId) ?? (prevNote?.id === p.id ? prevNote.note : undefined);
      const entry = next.get(p.requestId) ?? { owner: null, claimedAt: null, pending: null };
      next.set(p.requestId, { ...entry, pending: { ...p, ...(note !== undefined ? { note } : {}) } });
    }
    let changed = next.size !== this.cards.size;
    const merged = new Map<string, CardOwnership>();
    for (const [id, entry] of next) {
      const before = this.cards.get(id);
      if (before && sameOwnership(before, entry)) merged.set(id, before);
      else {
        merged.set(id, entry);
        changed = true;
      }
    }
    this.cards = merged;
    const inbox = { inbox: snapshot.inbox ?? [], expired: snapshot.expiredClaims ?? [], actions: snapshot.actions ?? [] };
    if (!sameJson(inbox, this.inboxState)) {
      this.inboxState = inbox;
      changed = true;
    }
    if (changed && notify) this.emit();
  }

  /** A `request:owner` event. */
  applyOwnerChange(change: OwnerChange) {
    this.pendingLog?.push(change);
    const p = change.pendingReferral;
    const next: CardOwnership = {
      owner: change.owner ?? (change.ownerOrgId ? { id: change.ownerOrgId, name: "?" } : null),
      claimedAt: change.claimedAt ?? null,
      pending: p
        ? { id: p.id, requestId: p.requestId, fromOrgId: p.fromOrgId, toOrgId: p.toOrgId, note: p.note, createdAt: p.createdAt }
        : null,
    };
    let changed = this.set(change.requestId, next);
    // A referral that is no longer pending has left the recipient's inbox.
    const inbox = this.inboxState.inbox.filter((i) => i.requestId !== change.requestId || (!!p && i.id === p.id));
    if (inbox.length !== this.inboxState.inbox.length) {
      this.inboxState = { ...this.inboxState, inbox };
      changed = true;
    }
    if (changed) this.emit();
  }

  /** What an acknowledgement told us about the owner (for example "already held by Taalhuis"). */
  applyOwner(requestId: string, owner: OrgRef | null | undefined) {
    if (owner === undefined) return;
    const before = this.get(requestId);
    if ((before.owner?.id ?? null) === (owner?.id ?? null)) return;
    // A change of hands ends any pending referral (accepted, or cancelled by the server).
    if (this.set(requestId, { owner, claimedAt: owner ? Date.now() : null, pending: null })) this.emit();
  }

  /** A referral to us that was just answered leaves the inbox (the server's `inbox:changed` confirms). */
  dropInbox(requestId: string) {
    const inbox = this.inboxState.inbox.filter((i) => i.requestId !== requestId);
    if (inbox.length === this.inboxState.inbox.length) return;
    this.inboxState = { ...this.inboxState, inbox };
    this.emit();
  }

  /** An action of ours just marked done leaves the inbox (the server's `inbox:changed` confirms). */
  dropAction(actionId: string) {
    const actions = this.inboxState.actions.filter((a) => a.id !== actionId);
    if (actions.length === this.inboxState.actions.length) return;
    this.inboxState = { ...this.inboxState, actions };
    this.emit();
  }

  /** Fetch the server's view (after a reconnect, `inbox:changed`, `claim:expired`). */
  async refresh(boardId: string, signal?: AbortSignal): Promise<void> {
    const log: OwnerChange[] = [];
    this.pendingLog = log;
    try {
      const res = await fetch(`/api/boards/${encodeURIComponent(boardId)}/inbox`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal,
      });
      if (!res.ok) return;
      const body = (await res.json()) as OwnershipSnapshot;
      if (signal?.aborted) return;
      if (this.pendingLog === log) this.pendingLog = null;
      this.replace(body);
      for (const change of log) this.applyOwnerChange(change);
    } catch {
      /* offline: the next reconnect refreshes again */
    } finally {
      if (this.pendingLog === log) this.pendingLog = null;
    }
  }
}

// ---------------------------------------------------------------- context

interface OwnershipContextValue {
  store: OwnershipStore;
  boardId: string;
  organisations: OrgInfo[];
  orgById: ReadonlyMap<string, OrgInfo>;
  realtime: BoardRealtime | null;
  /** An archived board: everyone sees the holders, nobody is offered a change. */
  readOnly: boolean;
}

const OwnershipContext = createContext<OwnershipContextValue | null>(null);

/**
 * Provide the ownership state of one board. Must sit inside <RealtimeProvider>.
 */
export function OwnershipProvider({
  boardId,
  initial,
  organisations,
  readOnly = false,
  children,
}: {
  boardId: string;
  initial: OwnershipSnapshot | null | undefined;
  organisations: OrgInfo[];
  readOnly?: boolean;
  children?: ReactNode;
}) {
  const realtime = useRealtime();
  const connected = useRealtimeConnected();
  const [store] = useState(() => new OwnershipStore(initial));

  // Live owner changes.
  useEffect(() => {
    if (!realtime) return;
    const offOwner = realtime.on("request:owner", (change) => store.applyOwnerChange(change));
    return offOwner;
  }, [realtime, store]);

  // Refetch on every (re)connect (events may have been missed) and when the server says the inbox changed.
  const abortRef = useRef<AbortController | null>(null);
  const refresh = useCallback(() => {
    abortRef.current?.abort();
    const abort = new AbortController();
    abortRef.current = abort;
    void store.refresh(boardId, abort.signal);
  }, [store, boardId]);
  useEffect(() => () => abortRef.current?.abort(), []);

  useEffect(() => {
    if (connected) refresh();
  }, [connected, refresh]);

  useEffect(() => {
    if (!realtime) return;
    const forUs = (p: { boardId?: string } | undefined) => {
      if (!p?.boardId || p.boardId === boardId) refresh();
    };
    const offInbox = realtime.on("inbox:changed", forUs);
    const offExpired = realtime.on("claim:expired", forUs);
    return () => {
      offInbox();
      offExpired();
    };
  }, [realtime, boardId, refresh]);

  // Keyed on the contents: a revalidated loader returns equal but new objects.
  const orgKey = JSON.stringify(organisations);
  const value = useMemo<OwnershipContextValue>(() => {
    const orgs = JSON.parse(orgKey) as OrgInfo[];
    return { store, boardId, organisations: orgs, orgById: new Map(orgs.map((o) => [o.id, o])), realtime, readOnly };
  }, [store, boardId, orgKey, realtime, readOnly]);

  return createElement(OwnershipContext.Provider, { value }, children);
}

/** The board's ownership context, or null outside an <OwnershipProvider>. */
export function useOwnershipContext(): OwnershipContextValue | null {
  return useContext(OwnershipContext);
}

const noop = () => () => {};
const none = () => NONE;
const noInbox: InboxState = { inbox: [], expired: [], actions: [] };

/** One card's owner and pending referral; re-renders only when that card's entry changes. */
export function useCardOwnership(requestId: string): CardOwnership {
  const ctx = useContext(OwnershipContext);
  const store = ctx?.store;
  const get = useCallback(() => (store ? store.get(requestId) : NONE), [store, requestId]);
  return useSyncExternalStore(store ? store.subscribe : noop, store ? get : none, store ? get : none);
}

/** The organisation's inbox on this board: referrals waiting for it, and its expired claims. */
export function useInbox(): InboxState {
  const store = useContext(OwnershipContext)?.store;
  const get = useCallback(() => (store ? store.getInbox() : noInbox), [store]);
  return useSyncExternalStore(store ? store.subscribe : noop, get, get);
}

export type OwnershipAction =
  | { type: "claim" }
  | { type: "unclaim" }
  | { type: "reassign"; to: string }
  | { type: "refer"; to: string; note: string }
  | { type: "accept" }
  | { type: "decline"; reason: string }
  | { type: "revoke" };

/**
 * Send an action to the server. Resolves with its acknowledgement (never
 * rejects); `offline` when there is no connection (pressed before the
 * board's first join, it waits a moment for that join). What the acknowledgement
 * says about the owner is applied to the store at once.
 */
export function useOwnershipActions() {
  const ctx = useContext(OwnershipContext);
  const realtime = ctx?.realtime ?? null;
  const store = ctx?.store;
  return useCallback(
    async (requestId: string, action: OwnershipAction): Promise<Ack> => {
      // Sent only once joined (the server refuses actions before the join); see connectRealtime.
      if (!realtime) return { ok: false, error: "offline" };
      let ack: Ack;
      switch (action.type) {
        case "claim":
          ack = await realtime.claim(requestId);
          break;
        case "unclaim":
          ack = await realtime.unclaim(requestId);
          break;
        case "reassign":
          ack = await realtime.reassign(requestId, action.to);
          break;
        case "refer":
          ack = await realtime.refer(requestId, action.to, action.note);
          break;
        case "accept":
          ack = await realtime.accept(requestId);
          break;
        case "decline":
          ack = await realtime.decline(requestId, action.reason);
          break;
        case "revoke":
          ack = await realtime.revoke(requestId);
          break;
      }
      const owner = (ack as { owner?: OrgRef | null }).owner;
      if (store && (ack.ok || ack.error === "already_claimed")) {
        // The broadcast follows; this only makes the answer visible without waiting for it.
        if (ack.ok && action.type !== "refer" && action.type !== "decline" && action.type !== "revoke") store.applyOwner(requestId, owner);
        if (!ack.ok) store.applyOwner(requestId, owner);
      }
      if (store && ack.ok && (action.type === "accept" || action.type === "decline")) store.dropInbox(requestId);
      return ack;
    },
    [realtime, store],
  );
}
