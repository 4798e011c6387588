/**
 * The browser's one module that knows the wire protocols: the y-websocket
 * provider for the board document, y-indexeddb for the offline copy.
 * (socket.io for claims and presence joins it in the next issue.)
 *
 * Everything else in the UI sees a Y.Doc and a connection state.
 */
import * as Y from "yjs";
import * as decoding from "lib0/decoding";
import { WebsocketProvider } from "y-websocket";
import { IndexeddbPersistence } from "y-indexeddb";
import { io, type Socket } from "socket.io-client";
import { BOARD_REBUILT_CLOSE, isTerminalClose, reconnectDelay } from "./backoff";
import type { ActivityRow } from "../../db/activity";
import type { FollowState, MeetingRecord, MeetingStatus } from "../board/meeting";
import { MEETING_EVENTS } from "../board/meeting";

/**
 * `refused`: the server closed the connection for good (access removed, or an
 * edit it will not take). Reconnecting would resend the same; the way out is
 * to drop this browser's copy of the board and load the server's.
 */
export type ConnectionState = "connecting" | "connected" | "offline" | "refused";

/** What the server says it changed after accepting one of our edits (see server/sync/room.ts `compensate`). */
export type SyncNotice = "compensated";

export interface BoardConnection {
  doc: Y.Doc;
  /** Presence (Yjs awareness). The server stamps who you are; set only what you are doing. */
  awareness: WebsocketProvider["awareness"];
  /** Current state; `subscribe` tells about changes. */
  getState(): ConnectionState;
  /** True once the document has been synced with the server at least once this session. */
  isSynced(): boolean;
  /** True once the offline copy has been loaded (the board can be shown before the server answers). */
  isLocalLoaded(): boolean;
  subscribe(listener: () => void): () => void;
  /** Ask the provider to reconnect now (the button next to the state). */
  reconnect(): void;
  /** The last note from the server about one of our edits, with a counter that changes with each note. */
  /** The server's latest note about an edit of ours it repaired; `notes` as the server wrote them (e.g. "held-by:<org>:<request>"). */
  getNotice(): { kind: SyncNotice; seq: number; notes: string[] } | null;
  /** Drop this browser's offline copy of the board (after a refusal), then load the page again. */
  resetLocal(): Promise<void>;
  destroy(): void;
}

export const LOCAL_DB_PREFIX = "alliantiebord:";

/**
 * The offline copy's IndexedDB name. Generation 0 keeps the name copies had
 * before generations existed; a rebuilt board's copy is named after its
 * generation, so a copy of an older build is never loaded into a newer one.
 */
export function localDbName(userId: string, boardId: string, generation = 0): string {
  const base = `${LOCAL_DB_PREFIX}${userId}:${boardId}`;
  return generation > 0 ? `${base}:g${generation}` : base;
}

/** Whether `name` is an offline copy of this board for this person of another generation than `generation`. */
export function isOlderCopy(name: string, userId: string, boardId: string, generation: number): boolean {
  const base = localDbName(userId, boardId);
  return name !== localDbName(userId, boardId, generation) && (name === base || name.startsWith(`${base}:g`));
}

/** Session storage key: set just before the page reloads because the board was rebuilt (the page then says so). */
export function rebuiltMarkKey(boardId: string): string {
  return `${LOCAL_DB_PREFIX}rebuilt:${boardId}`;
}

/** A reload for a rebuild within this long of the previous one is not repeated (the button is offered instead). */
const REBUILT_RELOAD_GUARD_MS = 10_000;

/**
 * Whether the page was just loaded again because the board was rebuilt;
 * reading it clears the mark. Browser only.
 */
export function takeRebuiltMark(boardId: string): boolean {
  try {
    const raw = window.sessionStorage.getItem(rebuiltMarkKey(boardId));
    if (raw === null) return false;
    // The time stays as the loop guard; the mark is "shown" from now on.
    window.sessionStorage.setItem(rebuiltMarkKey(boardId), `${raw.split("|")[0]}|shown`);
    return !raw.endsWith("|shown");
  } catch {
    return false;
  }
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}

/** Delete this person's offline copies of the board from other generations (a rebuild left them behind). */
async function eraseOlderCopies(userId: string, boardId: string, generation: number): Promise<void> {
  if (typeof indexedDB === "undefined" || typeof indexedDB.databases !== "function") return;
  const dbs = await indexedDB.databases();
  await Promise.all(dbs.filter((d) => d.name && isOlderCopy(d.name, userId, boardId, generation)).map((d) => deleteDatabase(d.name!)));
}

export function syncUrl(location: Location): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/yjs`;
}

/**
 * `generation`: the build of the board's document the page was loaded with
 * (boards.doc_generation). The server refuses a copy of another build with
 * 4410; then this browser's copy is dropped and the page loaded again.
 */
export function connectBoard(boardId: string, userId: string, generation = 0): BoardConnection {
  const doc = new Y.Doc();
  const listeners = new Set<() => void>();
  const emit = () => listeners.forEach((l) => l());

  let state: ConnectionState = "connecting";
  let notice: { kind: SyncNotice; seq: number; notes: string[] } | null = null;
  let synced = false;
  let localLoaded = false;

  const local = new IndexeddbPersistence(localDbName(userId, boardId, generation), doc);
  void eraseOlderCopies(userId, boardId, generation).catch(() => {});
  local.once("synced", () => {
    localLoaded = true;
    emit();
  });

  const provider = new WebsocketProvider(syncUrl(window.location), boardId, doc, {
    // Same-tab only: every update goes through the server, which checks who may write.
    disableBc: true,
    maxBackoffTime: 5000,
    resyncInterval: 30_000,
    // Reconnecting after a close by the server is ours (below): with jitter,
    // and not after a refusal.
    shouldReconnect: () => false,
    params: { gen: String(generation) },
  });

  // Message type 2 (y-websocket's "permission denied") carries the server's
  // notes about an edit it accepted and then repaired.
  provider.messageHandlers[2] = (_encoder, decoder) => {
    decoding.readVarUint(decoder);
    const reason = decoding.readVarString(decoder);
    if (reason.startsWith("compensated")) {
      const notes = reason.slice("compensated".length).trim().split(/\s+/).filter(Boolean).slice(0, 50);
      notice = { kind: "compensated", seq: (notice?.seq ?? 0) + 1, notes };
      emit();
    }
  };

  let retry: ReturnType<typeof setTimeout> | null = null;
  const onClosed = ({ code }: { code: number }) => {
    if (retry) clearTimeout(retry);
    retry = null;
    if (code === BOARD_REBUILT_CLOSE) return void onRebuilt();
    if (isTerminalClose(code)) {
      state = "refused";
      emit();
      return;
    }
    retry = setTimeout(() => {
      retry = null;
      provider.connect();
    }, reconnectDelay(provider.wsUnsuccessfulReconnects));
  };
  provider.on("closed", onClosed);

  /**
   * The board was rebuilt (someone was erased from it, or old requests
   * anonymised): this copy may hold what is gone. Drop it and load the page
   * again, which brings the new generation; the page then says why. Not
   * twice within a few seconds (a loop): then the reload button is offered.
   */
  const onRebuilt = async () => {
    state = "refused";
    emit();
    provider.disconnect();
    try {
      await local.clearData();
    } catch {
      // The copy could not be cleared; the new page uses another name anyway.
    }
    let last = 0;
    try {
      last = Number(window.sessionStorage.getItem(rebuiltMarkKey(boardId))?.split("|")[0] ?? 0);
      window.sessionStorage.setItem(rebuiltMarkKey(boardId), String(Date.now()));
    } catch {
      // No session storage: reload all the same.
    }
    if (Date.now() - last > REBUILT_RELOAD_GUARD_MS) window.location.reload();
  };

  const computeState = (status?: string): ConnectionState => {
    if (typeof navigator !== "undefined" && navigator.onLine === false) return "offline";
    if (status === "connected" || provider.wsconnected) return "connected";
    // Once we have failed to reach the server a few times, we are offline in all but name.
    return provider.wsUnsuccessfulReconnects > 1 ? "offline" : "connecting";
  };

  const onStatus = ({ status }: { status: string }) => {
    if (state === "refused" && status !== "connected") return;
    state = computeState(status);
    emit();
  };
  const onSync = (isSynced: boolean) => {
    if (isSynced) synced = true;
    emit();
  };
  const onNetwork = () => {
    state = computeState();
    if (navigator.onLine && !provider.wsconnected) provider.connect();
    // The network is gone: so is the socket, whatever it still says. Closing
    // it now drops the others' presence here at once (y-websocket clears the
    // remote states on close) instead of after its 30 s message timeout; the
    // "online" event connects again.
    else if (!navigator.onLine && provider.ws) provider.ws.close();
    emit();
  };
  provider.on("status", onStatus);
  provider.on("sync", onSync);
  window.addEventListener("online", onNetwork);
  window.addEventListener("offline", onNetwork);

  return {
    doc,
    awareness: provider.awareness,
    getState: () => state,
    isSynced: () => synced,
    isLocalLoaded: () => localLoaded,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getNotice: () => notice,
    async resetLocal() {
      if (retry) clearTimeout(retry);
      provider.disconnect();
      await local.clearData();
      window.location.reload();
    },
    reconnect() {
      if (retry) clearTimeout(retry);
      retry = null;
      provider.disconnect();
      provider.connect();
    },
    destroy() {
      if (retry) clearTimeout(retry);
      provider.off("closed", onClosed);
      window.removeEventListener("online", onNetwork);
      window.removeEventListener("offline", onNetwork);
      provider.off("status", onStatus);
      provider.off("sync", onSync);
      provider.destroy();
      void local.destroy();
      doc.destroy();
      listeners.clear();
    },
  };
}

/**
 * Erase every offline copy of boards in this browser (at logout): the cards
 * concern vulnerable people and must not linger on a shared computer.
 */
export async function eraseLocalBoards(): Promise<void> {
  if (typeof indexedDB === "undefined" || typeof indexedDB.databases !== "function") return;
  const dbs = await indexedDB.databases();
  await Promise.all(
    dbs
      .filter((d) => d.name?.startsWith(LOCAL_DB_PREFIX))
      .map((d) => deleteDatabase(d.name!)),
  );
}

// ---------------------------------------------------------------- socket.io: server-decided events


/** What the server acknowledges: `ok: true` with the result, or an error code and, for claims, who holds it. */
export type Ack<T = Record<string, unknown>> =
  | ({ ok: true } & T)
  | { ok: false; error: string; message?: string; owner?: { id: string; name: string } | null };

export interface OwnerChange {
  requestId: string;
  ownerOrgId: string | null;
  owner: { id: string; name: string } | null;
  claimedAt: number | null;
  pendingReferral: {
    id: string;
    requestId: string;
    fromOrgId: string;
    toOrgId: string;
    note: string;
    status: string;
    createdAt: number;
  } | null;
}

/** One row of the activity feed, as the server sends it (type only: no server code reaches the browser). */
export type ActivityEntry = ActivityRow;

export interface CommentEntry {
  id: string;
  requestId: string;
  body: string;
  createdAt: number;
  userId: string | null;
  userName: string | null;
  orgId: string;
  orgName: string | null;
}

/** Server → browser events, by name (the same names the server emits). */
export interface BoardEvents {
  "request:owner": OwnerChange;
  "activity:new": ActivityEntry[];
  "comment:new": CommentEntry;
  "inbox:changed": { boardId: string };
  "claim:expired": { boardId: string; requestId: string };
  "duplicates:changed": { boardId: string };
  /** A coordinator renamed, archived or put back the board: the page loads its state again. */
  "board:changed": { boardId: string };
  /** A meeting on this board was planned, started or ended, or its record changed (app/board/meeting.ts). */
  "meeting:changed": { boardId: string; meetingId: string; status: MeetingStatus };
  /** Where the facilitator is: followers apply it. */
  "meeting:follow": FollowState;
}

/** The board as the server saw it when the socket joined (or joined again). */
export interface JoinedBoard {
  name: string;
  archived: boolean;
}

export interface BoardRealtime {
  on<E extends keyof BoardEvents>(event: E, fn: (payload: BoardEvents[E]) => void): () => void;
  claim(requestId: string): Promise<Ack<{ owner: { id: string; name: string } | null }>>;
  unclaim(requestId: string): Promise<Ack>;
  reassign(requestId: string, to: string): Promise<Ack>;
  refer(requestId: string, to: string, note: string): Promise<Ack>;
  accept(requestId: string): Promise<Ack>;
  decline(requestId: string, reason: string): Promise<Ack>;
  revoke(requestId: string): Promise<Ack>;
  /** Refused with error "personal_data" (and `found`) when the text holds personal data, unless `acknowledgePersonalData`. */
  comment(requestId: string, body: string, acknowledgePersonalData?: boolean): Promise<Ack<{ comment: CommentEntry }>>;
  /** The facilitator says where they are (only the running meeting's facilitator is accepted). */
  meetingFocus(state: Pick<FollowState, "meetingId" | "itemId" | "view" | "scroll">): Promise<Ack<{ seq: number }>>;
  /** The board's running meeting and the facilitator's last focus, for a page that joins late. */
  meetingCurrent(): Promise<Ack<{ meeting: MeetingRecord | null; follow: FollowState | null }>>;
  /**
   * Connect again now when not connected: between two attempts of
   * socket.io's back-off (up to 5 s), or after the server ended the
   * connection (a role changed, a refusal), which socket.io never retries
   * by itself; the server judges the session anew. An attempt under way is
   * left to finish.
   */
  reconnect(): void;
  destroy(): void;
}

const ACK_TIMEOUT_MS = 10_000;
/**
 * How long a request made before the board's first join waits for it. The
 * page says "Verbonden" once its document is in sync, which can be a moment
 * before socket.io has joined; a claim pressed right then should go, not be
 * refused as "no connection".
 */
export const FIRST_JOIN_WAIT_MS = 5_000;

/**
 * The board's socket.io connection: joins the board (again after every
 * reconnect, where the server checks the session anew) and sends
 * claims, referrals and comments with an acknowledgement. `onStatus` hears
 * each join with the board's name and read-only state at that moment, so a
 * page can tell a `board:changed` it missed before joining.
 */
export function connectRealtime(boardId: string, onStatus?: (connected: boolean, board?: JoinedBoard) => void): BoardRealtime {
  const socket: Socket = io({ path: "/socket.io", transports: ["websocket"], withCredentials: true });
  /** The server has answered this connection's join (it refuses requests before it). */
  let joined = false;
  /** The page is done with it (destroy): never connected again. */
  let destroyed = false;
  let everJoined = false;
  const joinWaiters = new Set<() => void>();
  const join = () =>
    socket.emit("board:join", { boardId }, (reply: Ack<{ board?: JoinedBoard }> | undefined) => {
      joined = socket.connected;
      everJoined = true;
      onStatus?.(true, reply?.ok && reply.board ? { name: String(reply.board.name), archived: reply.board.archived === true } : undefined);
      for (const wake of [...joinWaiters]) wake();
    });
  socket.on("connect", join);
  socket.on("disconnect", () => {
    joined = false;
    onStatus?.(false);
  });

  /**
   * Joined now; or, before the first join, within FIRST_JOIN_WAIT_MS. Once
   * it has joined, a lost connection answers false at once: nothing is sent
   * later behind the person's back.
   */
  const ready = (): Promise<boolean> => {
    if (joined && socket.connected) return Promise.resolve(true);
    if (everJoined || !socket.active) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        joinWaiters.delete(wake);
        resolve(joined && socket.connected);
      };
      const timer = setTimeout(wake, FIRST_JOIN_WAIT_MS);
      joinWaiters.add(wake);
    });
  };

  const send = async <T>(event: string, payload: Record<string, unknown>): Promise<Ack<T>> => {
    if (!(await ready())) return { ok: false, error: "offline" };
    return new Promise((resolve) => {
      socket.timeout(ACK_TIMEOUT_MS).emit(event, { boardId, ...payload }, (err: Error | null, reply: Ack<T>) => {
        resolve(err ? { ok: false, error: "timeout" } : reply);
      });
    });
  };

  return {
    on(event, fn) {
      socket.on(event as string, fn as (p: unknown) => void);
      return () => socket.off(event as string, fn as (p: unknown) => void);
    },
    claim: (requestId) => send("request:claim", { requestId }),
    unclaim: (requestId) => send("request:unclaim", { requestId }),
    reassign: (requestId, to) => send("request:reassign", { requestId, to }),
    refer: (requestId, to, note) => send("request:refer", { requestId, to, note }),
    accept: (requestId) => send("referral:accept", { requestId }),
    decline: (requestId, reason) => send("referral:decline", { requestId, reason }),
    revoke: (requestId) => send("referral:revoke", { requestId }),
    comment: (requestId, body, acknowledgePersonalData) =>
      send("comment:add", { requestId, body, ...(acknowledgePersonalData ? { acknowledgePersonalData: true } : {}) }),
    meetingFocus: (state) => send(MEETING_EVENTS.focus, { ...state }),
    meetingCurrent: () => send(MEETING_EVENTS.current, {}),
    reconnect: () => {
      if (destroyed || socket.connected) return;
      // Ended by the server: socket.io does not come back by itself.
      if (!socket.active) return void socket.connect();
      // Its transport is open and the board's namespace is being joined: left to finish.
      if (socket.io._readyState === "open") return;
      // Between two attempts of its back-off, or in one that hangs (a WebSocket closed before
      // engine.io's handshake is waited for until the 20 s timeout): close, then open anew.
      socket.disconnect().connect();
    },
    destroy: () => {
      destroyed = true;
      socket.removeAllListeners();
      socket.disconnect();
      // What waited for a first join answers "offline" now.
      for (const wake of [...joinWaiters]) wake();
    },
  };
}
