/**
 * One live board document: its connections, its awareness, and the rule that
 * an update is committed to storage before any other client sees it.
 */
import { createHash } from "node:crypto";
import * as Y from "yjs";
import * as awarenessProtocol from "y-protocols/awareness";
import { cardsMap, effectiveColumn, initBoard, listColumns, readCard } from "../../app/board/domain";
import { stageOfColumn, type Actor } from "../../app/board/stages";
import type { ActivityInput } from "../../db/board-store";
import type { SessionUser } from "../../db/accounts";
import { checkUpdate, compensate, MISSING_DEPENDENCIES, REFUSAL, type Compensation } from "./check-update";
import {
  decidedHolders,
  decideHolders,
  holdersToReadAgain,
  judgeRequests,
  noneDecided,
  pendingHolders,
  settleHolders,
  undoRequests,
  type AsyncHolders,
  type Decided,
  type Holders,
  type RequestVerdict,
} from "./request-rules";
import {
  decodeClientMessage,
  encodeAwareness,
  encodePermissionDenied,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  mergeAll,
  ProtocolError,
} from "./protocol";
import { decodeAwareness, encodeAwarenessEntries, NO_PRESENCE, stampState } from "./presence";
import { outgoing, type Logger, type Outgoing, type SyncConnection } from "./types";
import { within } from "../within";

/** Close codes the browser provider sees. 4000–4999 are ours. */
/** How long a lost claim's move waits for the winner's move from another server (BoardRoom.applyDecided). */
const WINNER_WAIT_MS = 2_000;

/** Whether the request's card stands in a held column of this copy. */
function inHeldColumn(doc: Y.Doc, id: string): boolean {
  const m = cardsMap(doc).get(id);
  if (!m) return true; // nothing to wait for
  const columns = listColumns(doc);
  return stageOfColumn(columns, effectiveColumn(readCard(m), columns)) === "held";
}

/** Resolves once every one of these cards stands in a held column, or after `maxMs`. */
function untilInHeldColumns(doc: Y.Doc, ids: readonly string[], maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!ids.every((id) => inHeldColumn(doc, id))) return;
      done();
    };
    const timer = setTimeout(() => done(), maxMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      doc.off("update", check);
      resolve();
    };
    doc.on("update", check);
  });
}

export const CLOSE = {
  malformed: REFUSAL.malformed,
  forbidden: REFUSAL.forbidden,
  invalid: REFUSAL.invalid,
  tooFast: 4429,
  serverError: 1011,
  slowConsumer: 4408,
  removed: 4401,
  /**
   * The board's document was rebuilt under a new generation (an erasure, the
   * retention sweep): the client must drop its copy and load the board again
   * (app/lib/backoff.ts BOARD_REBUILT_CLOSE). Also the answer to a client
   * that connects with an older generation, before any of its frames is read.
   */
  rebuilt: 4410,
} as const;

/**
 * The origin of what another server committed and relayed here
 * (server/cluster/relay.ts): applied to the live document and sent to this
 * server's clients, but never stored or published again (its origin did both).
 */
export const REMOTE = "remote";

/**
 * Who owns a presence id, as it may travel between servers: a hash of the
 * session, never the session id itself.
 */
export function presenceOwner(session: string): string {
  return createHash("sha256").update(session).digest("base64url").slice(0, 22);
}

/**
 * The owner of a server's own presence id (its copy's Yjs client id), as the
 * servers tell each other: never a session's (presenceOwner is 22
 * characters). A client that speaks for it, on any server, is refused.
 */
export const SERVER_OWNER = "server";

interface Pending {
  update: Uint8Array;
  origin: unknown;
}

interface ConnEntry {
  clientIds: Set<number>;
  tokens: number;
  refillAt: number;
  owner: string;
  answered: boolean;
  held: Uint8Array[];
  heldBytes: number;
  /**
   * Asynchronous holders: an update of this connection waits for its claims
   * or releases (decided in SQL); until it is applied or undone, the
   * connection's later frames (and held updates) wait here, in order.
   */
  waiting: Promise<void> | null;
  queue: Array<{ frame: Uint8Array } | { update: Uint8Array }>;
}

/**
 * Who holds which request, decided in SQL (exactly one winner), as the room
 * needs it to judge a client's edit of a request. Without it (a room tested
 * on its own) every participant's edit passes the holder rules. Two
 * flavours, as the storage: synchronous (SQLite: read and decided inside
 * the room's step) and asynchronous (`async: true`, PostgreSQL).
 */
export type RequestHolders = SyncRequestHolders | AsyncRequestHolders;

export interface SyncRequestHolders {
  readonly async?: false;
  holderOf(boardId: string, requestId: string): string | null;
  /** Whether the organisation ever held the request (its offline edits from then are repaired, not refused). */
  everHeld(requestId: string, orgId: string): boolean;
  /** Claim for the person's organisation; the holder afterwards and whether this claim won. */
  claim(boardId: string, requestId: string, user: SessionUser): { won: boolean; holder: string | null };
  /** Let go of the request (its holder, or a coordinator for anyone). */
  release(boardId: string, requestId: string, user: SessionUser): boolean;
  /** After the document changed: tell every browser and inbox who holds the request now. */
  announce(boardId: string, requestId: string, user: SessionUser): Promise<void> | void;
}

/**
 * The asynchronous flavour (PostgreSQL, decision 001): the holders of a
 * loaded board are kept in memory (loaded with the board, refreshed on
 * every ownership change), so reading them stays synchronous; claims and
 * releases are awaited, and the client's update waits for them (its
 * connection's later frames queue behind it).
 */
export interface AsyncRequestHolders {
  readonly async: true;
  /** Read the board's holders into memory (before its room judges anything). */
  load(boardId: string): Promise<void>;
  /** The board's room is gone: forget its holders. */
  unload(boardId: string): void;
  /** Read these requests' holders again (every request of the board without `requestIds`), if the board is in memory. */
  refresh(boardId: string, requestIds?: readonly string[]): Promise<void>;
  holderOf(boardId: string, requestId: string): string | null;
  everHeld(boardId: string, requestId: string, orgId: string): boolean;
  claim(boardId: string, requestId: string, user: SessionUser): Promise<{ won: boolean; holder: string | null }>;
  release(boardId: string, requestId: string, user: SessionUser): Promise<boolean>;
  announce(boardId: string, requestId: string, user: SessionUser): Promise<void> | void;
}

/** A request's holder is read again for a judgement at most this often (BoardRoom.notReadLately). */
const READ_AGAIN_MS = 500;

/** Updates whose check needs a scratch copy of the document (check-update.ts `settleMultiChains`): at most this many per connection per minute. */
const COSTLY_PER_WINDOW = 10;
const COSTLY_WINDOW_MS = 60_000;

const NO_VERDICT: RequestVerdict = { claims: [], releases: [], reverts: [], unfit: [] };

export interface RoomHost {
  /** Who holds which request (SQL); absent in a room tested on its own. */
  readonly requests?: RequestHolders;
  /** Ask the host to commit this room's pending updates at the end of the tick. */
  markDirty(room: BoardRoom): void;
  /** Commit everything pending now (before answering a sync request). */
  flushNow(): void;
  /**
   * An asynchronous storage's commit is not done when flushNow returns: run
   * `fn` once what was applied so far is stored. Absent: flushNow stored it.
   */
  readonly whenStored?: (fn: () => void) => void;
  /** The last client left. */
  roomEmpty(room: BoardRoom): void;
  /** A person's presence appeared on the board (not hidden): a running meeting records them. */
  presenceJoined?(boardId: string, user: SessionUser): void;
  /** Presence of this server's connections changed (sent to the other servers; absent on one server). */
  presenceChanged?(room: BoardRoom, update: Uint8Array, owners: Record<number, string>, removed: readonly number[]): void;
  /**
   * A relayed update needs changes this server has not seen: catch up from
   * storage. A promise when that is asynchronous: the room holds what comes
   * meanwhile until it resolves (`applyRemote`).
   */
  remoteGap?(room: BoardRoom): void | Promise<void>;
  log: Logger;
}

/** Refusals are logged once per person per this long, with a count of the ones left out. */
const REFUSAL_LOG_MS = 60_000;
const refusalLog = new Map<string, { until: number; suppressed: number }>();

/** Token bucket: a client may send this many frames per second, with a burst. */
const RATE_PER_S = 200;
const RATE_BURST = 400;
/**
 * A client that edits while it (re)connects sends its update before its
 * answer to the server's sync step 1, which carries what the update builds
 * on. Until that answer (its first step 2) such updates are held, at most
 * this many and bytes, and judged after it; what still lacks anything then is
 * refused (4400), as every such update after it is at once.
 */
const MAX_HELD = 100;
const MAX_HELD_BYTES = 1024 * 1024;
/** A client that cannot keep up with this many queued bytes is disconnected (it will resync). */
const MAX_BUFFERED = 16 * 1024 * 1024;
/**
 * At most this many updates merged per tick for authors' own frames (the
 * others' updates of the tick, per author); past it authors get the tick's
 * whole frame, their own updates included.
 */
const AUTHOR_MERGE_BUDGET = 64;
/** Presence changes are gathered this long and sent as one message (a drag moves many times a second). */
export const AWARENESS_COALESCE_MS = 30;

/**
 * What the room answers often, encoded once per version of the document:
 * its state vector (sync step 1), the whole document (step 2 for a new
 * client) and the delete set alone (step 2 for a client that has every
 * change already). A reconnect storm then costs one encoding, not one per client.
 */
interface SyncCache {
  version: number;
  stateVector?: Uint8Array;
  clocks?: Map<number, number>;
  step1?: Outgoing;
  full?: Outgoing;
  upToDate?: Outgoing;
}

export class BoardRoom {
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  private readonly conns = new Map<
    SyncConnection,
    ConnEntry
  >();
  private pending: Pending[] = [];
  private pendingActivity: ActivityInput[] = [];
  /**
   * Which session introduced each awareness client id (presenceOwner: a
   * hash of it): nobody else may speak for it, for the life of the room
   * (also after that person disconnected: when they come back, their
   * presence is still theirs). Ids relayed from other servers carry their
   * owner too, so a person may move to this server and keep theirs.
   */
  private readonly awarenessOwner = new Map<number, string>();
  /** Presence ids whose last change came from another server (never published back). */
  private readonly remoteIds = new Set<number>();
  /** The person behind each shown (not hidden) presence state: who is on the board now. */
  private readonly visible = new Map<number, SessionUser>();
  /** Presence ids changed since the last presence message, and the timer that will send it. */
  private readonly awarenessDirty = new Set<number>();
  private awarenessTimer: NodeJS.Timeout | null = null;
  /** Bumped on every change of the document; keys the sync cache. */
  private version = 0;
  private cache: SyncCache = { version: -1 };
  /** Updates stored since the last compaction (log length beyond the snapshot). */
  logLength: number;
  lastUpdateId: number;
  /** The document generation this room was loaded with (set by the host when servers share the board). */
  generation = 0;
  destroyed = false;

  constructor(
    readonly boardId: string,
    stored: { snapshot: Uint8Array | null; updates: Uint8Array[]; lastUpdateId: number },
    private readonly host: RoomHost,
  ) {
    this.doc = new Y.Doc({ gc: true });
    Y.transact(this.doc, () => {
      if (stored.snapshot) Y.applyUpdate(this.doc, stored.snapshot);
      for (const u of stored.updates) Y.applyUpdate(this.doc, u);
    }, "storage");
    this.logLength = stored.updates.length;
    this.lastUpdateId = stored.lastUpdateId;
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      this.version++;
      if (origin === "storage") return;
      // Committed elsewhere: this server's clients see it (with the rest of the relay's read), nothing is stored.
      if (origin === REMOTE) return this.queueRemote(update);
      this.pending.push({ update, origin });
      this.host.markDirty(this);
    });
    this.observeActivity();
    // A board that was never written gets its default columns and categories.
    initBoard(this.doc, "server");

    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.awareness.setLocalState(null);
    this.awareness.on(
      "update",
      ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
        const changed = [...added, ...updated, ...removed];
        const conn = origin as SyncConnection;
        const entry = this.conns.get(conn);
        this.trackVisible(entry ? conn.user : null, [...added, ...updated], removed);
        if (entry) {
          // `updated` too: a client that reconnects with the same id is "updated", not "added",
          // and its state must still be removed when this connection ends.
          for (const id of [...added, ...updated]) entry.clientIds.add(id);
          for (const id of removed) entry.clientIds.delete(id);
        }
        if (origin === REMOTE) for (const id of changed) this.remoteIds.add(id);
        else if (entry) for (const id of changed) this.remoteIds.delete(id);
        if (changed.length === 0) return;
        for (const id of changed) this.awarenessDirty.add(id);
        this.awarenessTimer ??= setTimeout(() => this.flushAwareness(), AWARENESS_COALESCE_MS);
      },
    );
  }

  /**
   * Keep `visible` (who shows their presence) up to date and tell the host of
   * each person who became visible (not on every cursor move: only a person
   * who had no shown state before).
   */
  private trackVisible(user: SessionUser | null, changed: number[], removed: number[]): void {
    for (const id of removed) this.visible.delete(id);
    const appeared: SessionUser[] = [];
    for (const id of changed) {
      const state = this.awareness.getStates().get(id);
      const shown = !!user && !!state && state.hidden !== true && !!state.user;
      if (!shown) {
        this.visible.delete(id);
        continue;
      }
      if (this.visible.has(id)) continue;
      const before = [...this.visible.values()].some((u) => u.id === user.id);
      this.visible.set(id, user);
      if (!before) appeared.push(user);
    }
    for (const u of appeared) this.host.presenceJoined?.(this.boardId, u);
  }

  /**
   * The people who show their presence on this board now, each once: this
   * server's connections, and those of the other servers (their relayed
   * presence carries the identity their server stamped on it).
   */
  presentUsers(): Array<{ id: string; name: string; organisationId: string }> {
    const seen = new Map<string, { id: string; name: string; organisationId: string }>();
    for (const u of this.visible.values()) if (!seen.has(u.id)) seen.set(u.id, { id: u.id, name: u.name, organisationId: u.organisationId });
    for (const id of this.remoteIds) {
      const state = this.awareness.getStates().get(id) as { hidden?: boolean; user?: { id?: unknown; name?: unknown; orgId?: unknown } } | undefined;
      const u = state && state.hidden !== true ? state.user : undefined;
      if (u && typeof u.id === "string" && typeof u.name === "string" && typeof u.orgId === "string" && !seen.has(u.id)) {
        seen.set(u.id, { id: u.id, name: u.name, organisationId: u.orgId });
      }
    }
    return [...seen.values()];
  }

  /** Send every presence change of the last few milliseconds as one message, encoded once. */
  private flushAwareness(): void {
    this.awarenessTimer = null;
    if (this.destroyed || this.awarenessDirty.size === 0) return;
    const ids = [...this.awarenessDirty];
    this.awarenessDirty.clear();
    const msg = outgoing(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)));
    this.sendToAll(msg);
    if (!this.host.presenceChanged) return;
    // This server's own presence goes to the other servers; what came from them does not go back.
    const local = ids.filter((id) => !this.remoteIds.has(id) && this.awareness.meta.has(id));
    if (local.length === 0) return;
    // This server's own id goes along each time: the other servers (and the registry) keep it as a server's.
    const owners: Record<number, string> = { [this.doc.clientID]: SERVER_OWNER };
    for (const id of local) {
      const owner = this.awarenessOwner.get(id);
      if (owner) owners[id] = owner;
    }
    const states = this.awareness.getStates();
    const removed = local.filter((id) => !states.has(id));
    this.host.presenceChanged(this, awarenessProtocol.encodeAwarenessUpdate(this.awareness, local), owners, removed);
  }

  private sendToAll(msg: Outgoing): void {
    for (const c of this.conns.keys()) this.sendTo(c, msg);
  }

  /**
   * An update another server committed (in the order of its stream): applied
   * to the document and sent to this server's clients (the "update" handler,
   * origin REMOTE). What this room has already changes nothing and is not
   * sent. Should it need a change not seen here yet, storage has it (every
   * relayed update was stored first): the host catches up from there.
   *
   * On an asynchronous storage that catch-up takes a while, and until it has
   * merged the document holds another server's pending structs. Nothing may
   * be judged against such a document (a client's update that leaves pending
   * structs is refused: it would be blamed for them), so the room holds
   * everything that would apply to it meanwhile: its clients' frames wait in
   * their connections' queues (as behind a claim being decided: `receive`,
   * `resume`), an update whose claim was decided waits before it applies
   * (`applyDecided`), server-side writes wait (RoomManager.withDoc), and
   * further relayed updates wait here, in order. Chosen over checking each
   * relayed update's dependencies before applying it: a missing dependency
   * may be an origin, a parent or a deletion of another client's item, which
   * Y.parseUpdateMeta's clock ranges do not show; Yjs's own integration
   * finds every kind, and the queues that keep each connection's order
   * behind a claim keep it behind the catch-up too. A relayed update held
   * here is applied after the catch-up: should it need more, that is a new
   * gap with a new read of storage (which has it: its deps were stored
   * before it was published, so before that read).
   */
  applyRemote(update: Uint8Array): void {
    if (this.destroyed) return;
    if (this.catchingUp) {
      this.remoteHeld.push(update);
      return;
    }
    Y.applyUpdate(this.doc, update, REMOTE);
    const store = this.doc.store as unknown as { pendingStructs: unknown; pendingDs: unknown };
    if (!store.pendingStructs && !store.pendingDs) return;
    const catchUp = this.host.remoteGap?.(this);
    if (!catchUp) return; // merged already (a synchronous storage)
    const gap: Promise<void> = catchUp.then(() => {
      if (this.catchingUp !== gap) return;
      this.catchingUp = null;
      this.caughtUpNow();
    });
    this.catchingUp = gap;
  }

  /** Relayed updates that arrived during a catch-up from storage, applied after it in their order. */
  private remoteHeld: Uint8Array[] = [];
  /** A catch-up from storage under way after a gap in relayed updates (asynchronous storage): see applyRemote. */
  private catchingUp: Promise<void> | null = null;

  /**
   * Tell the other servers this copy's own presence id (with Redis; the
   * relay's owner registry keeps it): a client there that speaks for it is
   * refused as here. Renewed with each presence message this room sends.
   */
  announceOwnId(): void {
    this.host.presenceChanged?.(this, NO_PRESENCE, { [this.doc.clientID]: SERVER_OWNER }, []);
  }

  /**
   * Until `ready` settles (or `maxMs` pass), presence from this server's
   * clients waits: a newly loaded board until the relay has positioned it,
   * which replays the other servers' recent presence with who owns each id,
   * so that an id another server's person owns is known as theirs before
   * anyone here may speak for it. Documents are not held: the relay's
   * positioning keeps them whole (RoomRelay.loaded).
   */
  holdPresenceUntil(ready: Promise<unknown>, maxMs: number): void {
    const gate: Promise<void> = within(ready, maxMs, undefined)
      .catch(() => undefined)
      .then(() => {
        if (this.presenceWait === gate) this.presenceWait = null;
      });
    this.presenceWait = gate;
  }

  /** Presence of this server's clients waits for this (holdPresenceUntil); null: applied at once. */
  private presenceWait: Promise<void> | null = null;

  /** Whether the room holds what would apply to it until a catch-up from storage has merged. */
  get holding(): boolean {
    return this.catchingUp !== null;
  }

  /** Resolves once no catch-up from storage is under way (nor one that the held relayed updates started). */
  async caughtUp(): Promise<void> {
    while (this.catchingUp) await this.catchingUp;
  }

  /** The catch-up merged: the held relayed updates, then each connection's held frames, in order. */
  private caughtUpNow(): void {
    if (this.destroyed) return;
    while (this.remoteHeld.length && !this.catchingUp) {
      try {
        this.applyRemote(this.remoteHeld.shift()!);
      } catch (e) {
        // As in the relay's read (where it would end the read and the entry be skipped): logged, the others go on.
        this.host.log.error("relayed update could not be applied", { board: this.boardId, error: (e as Error).message });
      }
    }
    if (this.catchingUp) return; // a new gap: everything waits for that catch-up too
    for (const [conn, entry] of [...this.conns]) if (!entry.waiting) this.runQueue(conn, entry);
  }

  /** What was stored (by any server) merged into the live document, sent to this server's clients, not stored again. */
  mergeStored(stored: { snapshot: Uint8Array | null; updates: Uint8Array[] }): void {
    if (this.destroyed) return;
    Y.transact(this.doc, () => {
      if (stored.snapshot) Y.applyUpdate(this.doc, stored.snapshot, REMOTE);
      for (const u of stored.updates) Y.applyUpdate(this.doc, u, REMOTE);
    }, REMOTE);
  }

  /**
   * Presence relayed from another server: each id keeps its owner (a session
   * hash) so that nobody here may speak for it, and the person may move to
   * this server with it. An id owned by someone else here is left out.
   * `owners` may name ids without an entry in `update` (the relay's owner
   * registry, read when the board is positioned): they are known as theirs
   * all the same.
   */
  applyRemotePresence(update: Uint8Array, owners: Record<string, string>): void {
    if (this.destroyed) return;
    let entries;
    try {
      entries = decodeAwareness(update, Infinity);
    } catch (e) {
      this.host.log.warn("malformed relayed presence", { board: this.boardId, error: (e as Error).message });
      return;
    }
    for (const [key, claimed] of Object.entries(owners)) {
      const id = Number(key);
      if (!Number.isSafeInteger(id) || id === this.doc.clientID || typeof claimed !== "string" || !claimed) continue;
      // Another server's own id is that server's, whoever used it here before this was known.
      if (claimed === SERVER_OWNER || !this.awarenessOwner.has(id)) this.awarenessOwner.set(id, claimed);
    }
    const keep = entries.filter((e) => {
      const claimed = owners[String(e.clientId)];
      return e.clientId !== this.doc.clientID && !!claimed && this.awarenessOwner.get(e.clientId) === claimed;
    });
    if (keep.length === 0) return;
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(keep), REMOTE);
  }

  private syncCache(): SyncCache {
    if (this.cache.version !== this.version) this.cache = { version: this.version };
    return this.cache;
  }

  /** The room's state vector, encoded once per version. */
  private stateVector(c: SyncCache): Uint8Array {
    return (c.stateVector ??= Y.encodeStateVector(this.doc));
  }

  /** Sync step 1 of this room: its state vector. */
  private step1(): Outgoing {
    const c = this.syncCache();
    return (c.step1 ??= outgoing(encodeSyncStep1(this.stateVector(c))));
  }

  /**
   * The answer to a client's sync step 1: everything it lacks. New clients
   * and clients that lack nothing (they still get the delete set) get a
   * cached answer; only a client that is partly behind costs an encoding.
   */
  private step2For(stateVector: Uint8Array): Outgoing {
    const c = this.syncCache();
    const theirs = Y.decodeStateVector(stateVector);
    if (theirs.size === 0) return (c.full ??= outgoing(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc))));
    const ours = (c.clocks ??= Y.decodeStateVector(this.stateVector(c)));
    const behind = [...ours].some(([client, clock]) => (theirs.get(client) ?? 0) < clock);
    if (behind) return outgoing(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector)));
    return (c.upToDate ??= outgoing(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, this.stateVector(c)))));
  }

  get size(): number {
    return this.conns.size;
  }

  connections(): SyncConnection[] {
    return [...this.conns.keys()];
  }

  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Take the updates (and the activity they carry) waiting to be committed. */
  takePending(): { updates: Pending[]; activity: ActivityInput[] } {
    const out = { updates: this.pending, activity: this.pendingActivity };
    this.pending = [];
    this.pendingActivity = [];
    return out;
  }

  /**
   * Who moved or edited which card, derived on the server from the changes a
   * connection made, with the identity of that connection's session (never
   * from anything the client claims). Changes made by the server itself are
   * recorded by the service that made them.
   */
  private observeActivity(): void {
    const cards = cardsMap(this.doc);
    const TEXT_FIELDS = new Set(["title", "category", "description", "area", "urgency"]);
    cards.observeDeep((events, tr) => {
      const conn = tr.origin as SyncConnection;
      if (!this.conns.has(conn)) return;
      const who = { userId: conn.user.id, orgId: conn.user.organisationId };
      let stagesNow: ReturnType<typeof listColumns> | undefined;
      for (const ev of events) {
        if (ev.target.parent !== cards) continue;
        const card = ev.target as Y.Map<unknown>;
        const requestId = typeof card.get("id") === "string" ? (card.get("id") as string) : null;
        const keys = ev.changes.keys;
        // A move writes the card's updatedAt; neighbours renumbered to make room do not, and are not "moved".
        if (keys.has("column") || (keys.has("order") && keys.has("updatedAt"))) {
          const from = keys.get("column")?.oldValue ?? card.get("column");
          const to = card.get("column");
          // The stages as they were at the move: the report counts by them even after a column goes.
          const columns = (stagesNow ??= listColumns(this.doc));
          const stageOf = (id: unknown) => columns.find((c) => c.id === id)?.stage;
          this.pendingActivity.push({ ...who, requestId, type: "moved", data: { from, to, fromStage: stageOf(from), toStage: stageOf(to) } });
        }
        if (keys.has("archived")) {
          this.pendingActivity.push({ ...who, requestId, type: card.get("archived") === true ? "archived" : "restored", data: {} });
        }
        for (const [field, change] of keys) {
          if (!TEXT_FIELDS.has(field)) continue;
          this.pendingActivity.push({
            ...who,
            requestId,
            type: "edited",
            data: { field, from: change.oldValue ?? "", to: card.get(field) ?? "" },
          });
        }
      }
    });
  }

  /**
   * After the host committed `committed`: let every other client see them,
   * in ONE frame per connection and tick: the tick's updates merged into
   * one update (`merged`, when the host has it already: the relay publishes
   * the same), encoded once for everyone who gets all of them. An author
   * gets the merge of the others' updates only, encoded for it alone
   * (authors of one tick are few), unless that would merge more than
   * AUTHOR_MERGE_BUDGET updates in the tick; an author of everything gets nothing.
   */
  broadcast(committed: Pending[], merged?: Uint8Array): void {
    if (committed.length === 0) return;
    const origins = new Set(committed.map((p) => p.origin));
    let all: Outgoing | null = null;
    const forAuthor = new Map<unknown, Outgoing | null>();
    // Merging is not free (tens of µs per update): when many authors share a
    // busy tick, each would cost a merge of nearly the whole tick, so an
    // author who is not the only one then gets the whole frame too (Yjs
    // skips what it already has).
    let authorMerges = 0;
    for (const o of origins) if (this.conns.has(o as SyncConnection)) authorMerges += committed.filter((p) => p.origin !== o).length;
    const exact = authorMerges <= AUTHOR_MERGE_BUDGET;
    for (const c of this.conns.keys()) {
      if (!origins.has(c) || (!exact && origins.size > 1)) {
        all ??= outgoing(encodeSyncUpdate(merged ?? mergeAll(committed.map((p) => p.update))));
        this.sendTo(c, all);
        continue;
      }
      let mine = forAuthor.get(c);
      if (mine === undefined) {
        const others = committed.filter((p) => p.origin !== c).map((p) => p.update);
        mine = others.length ? outgoing(encodeSyncUpdate(mergeAll(others))) : null;
        forAuthor.set(c, mine);
      }
      if (mine) this.sendTo(c, mine);
    }
  }

  /** Relayed updates waiting for the end of the relay's read (one frame per connection for all of them). */
  private remoteOut: Uint8Array[] = [];

  /**
   * Updates another server committed arrive one per stream entry, a read's
   * entries in one synchronous run (relay.ts deliver): they are gathered and
   * sent as one merged frame at the end of that run (a microtask, so before
   * any local commit of this tick, which waits for setImmediate), in order.
   */
  private queueRemote(update: Uint8Array): void {
    this.remoteOut.push(update);
    if (this.remoteOut.length === 1) queueMicrotask(() => this.flushRemote());
  }

  private flushRemote(): void {
    const updates = this.remoteOut;
    this.remoteOut = [];
    if (this.destroyed || updates.length === 0) return;
    this.sendToAll(outgoing(encodeSyncUpdate(mergeAll(updates))));
  }

  join(conn: SyncConnection): void {
    this.conns.set(conn, {
      clientIds: new Set(),
      tokens: RATE_BURST,
      refillAt: Date.now(),
      owner: presenceOwner(conn.session),
      answered: false,
      held: [],
      heldBytes: 0,
      waiting: null,
      queue: [],
    });
    // Anything applied but not yet committed must be durable before it is sent.
    this.host.flushNow();
    this.sendTo(conn, this.step1());
    const states = [...this.awareness.getStates().keys()];
    if (states.length) {
      this.sendTo(conn, outgoing(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, states))));
    }
  }

  leave(conn: SyncConnection): void {
    const entry = this.conns.get(conn);
    if (!entry) return;
    this.conns.delete(conn);
    if (entry.clientIds.size) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...entry.clientIds], null);
    }
    if (this.conns.size === 0) this.host.roomEmpty(this);
  }

  /** Handle one frame from a client. A bad frame closes that connection, nothing else. */
  receive(conn: SyncConnection, data: Uint8Array): void {
    const entry = this.conns.get(conn);
    if (!entry) return;
    const now = Date.now();
    entry.tokens = Math.min(RATE_BURST, entry.tokens + ((now - entry.refillAt) / 1000) * RATE_PER_S);
    entry.refillAt = now;
    if (entry.tokens < 1) return this.reject(conn, CLOSE.tooFast, "too many messages");
    entry.tokens -= 1;
    if (entry.waiting || this.catchingUp) {
      // Behind an update whose claim is being decided, or a catch-up from storage: in order, after it.
      if (entry.queue.length >= MAX_HELD) return this.reject(conn, CLOSE.tooFast, "too many messages while a claim is decided or the board catches up");
      entry.queue.push({ frame: data });
      return;
    }
    this.handle(conn, entry, data);
  }

  /** One frame, in its turn (after whatever of the connection waited before it). */
  private handle(conn: SyncConnection, entry: ConnEntry, data: Uint8Array): void {
    let msg;
    try {
      msg = decodeClientMessage(data);
    } catch (e) {
      return this.reject(conn, CLOSE.malformed, (e as ProtocolError).message);
    }
    switch (msg.type) {
      case "sync-step1": {
        this.host.flushNow();
        let answer: Outgoing;
        try {
          answer = this.step2For(msg.stateVector);
        } catch {
          return this.reject(conn, CLOSE.malformed, "malformed state vector");
        }
        // The answer holds every update applied so far: not sent before they are stored.
        if (this.host.whenStored) this.host.whenStored(() => !this.destroyed && this.conns.has(conn) && this.sendTo(conn, answer));
        else this.sendTo(conn, answer);
        return;
      }
      case "sync-step2": {
        const first = !entry.answered;
        entry.answered = true;
        this.applyClientUpdate(conn, msg.update);
        if (!first || entry.held.length === 0) return;
        // What arrived before this answer, judged now that it is in.
        const held = entry.held;
        entry.held = [];
        entry.heldBytes = 0;
        for (const [i, update] of held.entries()) {
          if (!this.conns.has(conn)) return;
          if (entry.waiting) {
            // A claim being decided: the rest waits behind it, before any later frame.
            entry.queue.unshift(...held.slice(i).map((u) => ({ update: u })));
            return;
          }
          this.applyClientUpdate(conn, update);
        }
        return;
      }
      case "sync-update":
        return this.applyClientUpdate(conn, msg.update);
      case "awareness":
        return this.applyPresence(conn, entry.owner, msg.update);
      case "query-awareness": {
        const states = [...this.awareness.getStates().keys()];
        this.sendTo(conn, outgoing(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, states))));
        return;
      }
      case "auth":
        return;
    }
  }

  private applyPresence(conn: SyncConnection, session: string, update: Uint8Array): void {
    if (this.presenceWait) {
      // In order: each waiting frame's turn comes after the gate's own (which clears it).
      void this.presenceWait.then(() => {
        if (this.conns.has(conn) && !this.destroyed) this.applyPresence(conn, session, update);
      });
      return;
    }
    let entries;
    try {
      entries = decodeAwareness(update);
    } catch (e) {
      return this.reject(conn, CLOSE.malformed, `malformed awareness update: ${(e as Error).message}`);
    }
    const changes: typeof entries = [];
    for (const e of entries) {
      if (e.clientId === this.doc.clientID) return this.reject(conn, CLOSE.forbidden, "presence of the server");
      const owner = this.awarenessOwner.get(e.clientId);
      const known = this.awareness.meta.get(e.clientId);
      const current = known?.clock ?? 0;
      // The same test as applyAwarenessUpdate: would this entry change anything?
      const changing = e.clock > current || (e.clock === current && e.state === null && this.awareness.states.has(e.clientId));
      if (!changing) {
        // y-websocket clients send every awareness update they apply back to
        // the server, other people's included: such an echo (or a stale
        // entry) changes nothing and is dropped, without taking ownership of
        // an id the server already knows.
        if (!owner && !known) this.awarenessOwner.set(e.clientId, session);
        continue;
      }
      if (owner === SERVER_OWNER) return this.reject(conn, CLOSE.forbidden, "presence of another server");
      if (owner && owner !== session) return this.reject(conn, CLOSE.forbidden, "presence of another session");
      changes.push(e);
    }
    if (changes.length === 0) return;
    for (const e of changes) {
      this.awarenessOwner.set(e.clientId, session);
      e.state = stampState(e.state, conn.user);
    }
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(changes), conn);
    } catch {
      return this.reject(conn, CLOSE.malformed, "malformed awareness update");
    }
  }

  /**
   * A client's update: checked whole before any of it touches the document
   * (check-update.ts), then applied, then whatever the server must repair
   * for an offline edit that crossed a coordinator's change is repaired.
   */
  private applyClientUpdate(conn: SyncConnection, update: Uint8Array, decided?: Decided): void {
    const check = checkUpdate(update, this.doc, conn.readOnly ? "viewer" : conn.user.role);
    if (!check.ok) {
      // Edited while (re)connecting (a drain's 1012, a network blip): held until the client's first step 2.
      const entry = this.conns.get(conn);
      const hold =
        entry &&
        !entry.answered &&
        check.code === REFUSAL.malformed &&
        MISSING_DEPENDENCIES.test(check.reason) &&
        entry.held.length < MAX_HELD &&
        entry.heldBytes + update.byteLength <= MAX_HELD_BYTES;
      if (hold) {
        entry.held.push(update);
        entry.heldBytes += update.byteLength;
        return;
      }
      return this.reject(conn, check.code, check.reason);
    }
    if (check.empty) return; // nothing the server does not have already
    if (check.costly && !this.allowCostly(conn)) return this.reject(conn, CLOSE.tooFast, "too many updates that need a scratch integration");
    // Who may change which request: judged before anything applies (request-rules.ts).
    const actor: Actor = { role: conn.readOnly ? "viewer" : conn.user.role, orgId: conn.user.organisationId };
    const later = this.asyncHoldersFor(conn);
    const holders = later ? decidedHolders(later, decided ?? noneDecided()) : this.holdersFor(conn);
    const verdict = holders ? judgeRequests(this.doc, actor, check.cards, holders) : NO_VERDICT;
    if (later && holders && !decided) {
      // Memory perhaps behind SQL (another server's claim on its way): read those holders again, then
      // judge the update again, in its turn (this connection's later frames wait behind it).
      const again = this.notReadLately(holdersToReadAgain(actor, check.cards, verdict));
      if (again.length) {
        const read = () => later.refresh(again).catch((e: Error) => this.host.log.warn("could not read holders again; judged with memory", { board: this.boardId, error: e.message }));
        return this.inTurn(conn, update, noneDecided(), read);
      }
    }
    if (typeof verdict === "string") return this.reject(conn, CLOSE.forbidden, verdict);
    const pending = later ? pendingHolders(verdict, decided ?? noneDecided()) : null;
    if (later && pending) {
      // Claims or releases to decide in SQL first (awaited): then this update is judged again, in
      // the document as it is then, with those answers, and applied or undone; nothing of this
      // connection overtakes it.
      // Decided and applied one update after the other, in the order they came, as the synchronous
      // path does (of this server's clients the first mover claims first; a loser's move is undone
      // after the winner's is in). Between servers SQL decides.
      const d = decided ?? noneDecided();
      return this.inTurn(conn, update, d, () => decideHolders(pending, later, d));
    }
    if (holders) settleHolders(this.doc, actor, verdict, holders);
    try {
      Y.applyUpdate(this.doc, update, conn);
    } catch (e) {
      return this.reject(conn, CLOSE.malformed, `update failed: ${(e as Error).message}`);
    }
    // Nothing else's pending structs are here (relayed updates' gaps are caught up before anything else applies: applyRemote).
    const store = this.doc.store as unknown as { pendingStructs: unknown; pendingDs: unknown };
    if (store.pendingStructs || store.pendingDs) {
      // The check simulates integration so this cannot happen; should it
      // anyway, nothing that waits for changes never seen stays behind.
      this.host.log.error("update left pending structs after its check", { board: this.boardId, user: conn.user.id });
      store.pendingStructs = null;
      store.pendingDs = null;
      return this.reject(conn, CLOSE.malformed, "update with missing dependencies");
    }
    if (check.compensation) this.compensate(conn, check.compensation);
    this.finishRequests(conn, verdict);
  }

  /**
   * When each request's holder was last read again for a judgement (holdersToReadAgain): once per
   * READ_AGAIN_MS at most, so that a member's moves that keep being undone (the connection stays
   * open) cost one SQL read per request now and then, not one each, and do not hold up the room's
   * claims behind them. The memory is fresh after a read; what changes later reaches it as
   * holdersChanged.
   */
  private readonly readAgainAt = new Map<string, number>();
  private notReadLately(ids: string[]): string[] {
    if (ids.length === 0) return ids;
    const now = Date.now();
    if (this.readAgainAt.size > 10_000) this.readAgainAt.clear();
    const due = ids.filter((id) => now - (this.readAgainAt.get(id) ?? -Infinity) >= READ_AGAIN_MS);
    for (const id of due) this.readAgainAt.set(id, now);
    return due;
  }

  /** Checks that integrated an update into a scratch copy, per connection: a few per minute are honest (reconnects). */
  private readonly costly = new WeakMap<SyncConnection, { since: number; count: number }>();
  private allowCostly(conn: SyncConnection): boolean {
    const now = Date.now();
    const c = this.costly.get(conn);
    if (!c || now - c.since > COSTLY_WINDOW_MS) {
      this.costly.set(conn, { since: now, count: 1 });
      return true;
    }
    return ++c.count <= COSTLY_PER_WINDOW;
  }

  /** The last update that waited for its claims: the next one applies after it (asynchronous holders). */
  private decidedTurn: Promise<unknown> = Promise.resolve();

  /** Resolves once every update waiting for its claims so far is applied or undone. */
  async whenDecided(): Promise<void> {
    for (let turn = this.decidedTurn; ; turn = this.decidedTurn) {
      await turn;
      if (turn === this.decidedTurn) return;
    }
  }

  /** An update whose claims were decided: applied (or undone) now, unless the room is gone; after a catch-up from storage under way. */
  private applyDecided(conn: SyncConnection, update: Uint8Array, decided: Decided, waited = false): void | Promise<void> {
    if (this.catchingUp) return this.caughtUp().then(() => this.applyDecided(conn, update, decided, waited));
    if (!waited) {
      // A claim lost to an organisation whose move has not reached this copy (made on another server,
      // on its way through the relay): wait for it a while, so that this move is undone back to the
      // winner's column. Undone before it, the undo would put back the open column as a write
      // concurrent with the winner's move, which Yjs may let win: a held request in an open column.
      const lost = [...decided.claims].filter(([id, r]) => !r.won && r.holder !== null && !inHeldColumn(this.doc, id)).map(([id]) => id);
      if (lost.length) return untilInHeldColumns(this.doc, lost, WINNER_WAIT_MS).then(() => this.applyDecided(conn, update, decided, true));
    }
    if (this.destroyed) {
      this.host.log.warn("room closed while an update waited for its holders (a claim decided, or read again); the update is not applied", { board: this.boardId, user: conn.user.id });
      return;
    }
    this.applyClientUpdate(conn, update, decided);
  }

  /**
   * `first` (claims decided, or holders read again) in the room's turn of such work, then the
   * update judged again and applied with `decided`; the connection's later frames wait for it.
   */
  private inTurn(conn: SyncConnection, update: Uint8Array, decided: Decided, first: () => Promise<unknown>): void {
    const turn = this.decidedTurn.then(first).then(() => this.applyDecided(conn, update, decided));
    this.decidedTurn = turn.catch(() => undefined);
    this.waitFor(conn, turn);
  }

  /** The connection waits for `work` (a claim decided, then its update applied); then its queued frames run, in order. */
  private waitFor(conn: SyncConnection, work: Promise<void>): void {
    const entry = this.conns.get(conn);
    const done: Promise<void> = work.then(
      () => this.resume(conn, entry, done),
      (e: Error) => {
        this.host.log.error("deciding a claim failed", { board: this.boardId, user: conn.user.id, error: e.message });
        if (entry?.waiting === done) entry.waiting = null;
        this.reject(conn, CLOSE.serverError, "claim failed");
      },
    );
    if (entry) entry.waiting = done;
  }

  private resume(conn: SyncConnection, entry: ConnEntry | undefined, done: Promise<void>): void {
    // A later update of the same frame may wait again: then that one resumes the queue.
    if (!entry || entry.waiting !== done) return;
    entry.waiting = null;
    this.runQueue(conn, entry);
  }

  /** The connection's queued frames, in order, until one waits again (or the room waits for a catch-up: it resumes them). */
  private runQueue(conn: SyncConnection, entry: ConnEntry): void {
    while (!entry.waiting && !this.catchingUp && entry.queue.length && this.conns.has(conn) && !this.destroyed) {
      const next = entry.queue.shift()!;
      if ("frame" in next) this.handle(conn, entry, next.frame);
      else this.applyClientUpdate(conn, next.update);
    }
  }

  /** The asynchronous holders' view for this connection's person on this board (null: synchronous or none). */
  private asyncHoldersFor(conn: SyncConnection): AsyncHolders | null {
    const h = this.host.requests;
    if (!h?.async) return null;
    const board = this.boardId;
    return {
      holderOf: (id) => h.holderOf(board, id),
      everHeld: (id) => h.everHeld(board, id, conn.user.organisationId),
      claim: (id) => h.claim(board, id, conn.user),
      release: (id) => h.release(board, id, conn.user),
      refresh: (ids) => h.refresh(board, ids),
    };
  }

  /** The request rules' view of the holders, for this connection's person on this board. */
  private holdersFor(conn: SyncConnection): Holders | null {
    const h = this.host.requests;
    if (!h || h.async) return null;
    const board = this.boardId;
    return {
      holderOf: (id) => h.holderOf(board, id),
      everHeld: (id) => h.everHeld(id, conn.user.organisationId),
      claim: (id) => h.claim(board, id, conn.user),
      release: (id) => h.release(board, id, conn.user),
    };
  }

  /** After the update: undo what could not stand, tell its author, announce the new holders. */
  private finishRequests(conn: SyncConnection, verdict: RequestVerdict): void {
    const notes = undoRequests(this.doc, verdict, "server");
    if (notes.length) {
      this.host.log.info("undid a change to a request", { board: this.boardId, user: conn.user.id, notes });
      this.sendTo(conn, outgoing(encodePermissionDenied(`compensated ${notes.join(" ")}`.slice(0, 1000))));
    }
    for (const id of [...verdict.claims, ...verdict.releases]) {
      Promise.resolve(this.host.requests?.announce(this.boardId, id, conn.user)).catch((e: Error) =>
        this.host.log.error("announcing a request's holder failed", { board: this.boardId, request: id, error: e.message }),
      );
    }
  }

  /**
   * Restore the board's rules after an accepted offline edit crossed a
   * change made meanwhile: a removed column or category that still holds
   * requests (or was the last) comes back; a card moved into a column (or
   * given a category) that is gone returns to where it was, or to the first.
   * The author is told what the server did.
   */
  private compensate(conn: SyncConnection, c: Compensation): void {
    const notes = compensate(this.doc, c, "server");
    if (notes.length === 0) return;
    this.host.log.info("compensated an offline edit", { board: this.boardId, user: conn.user.id, notes });
    this.sendTo(conn, outgoing(encodePermissionDenied(`compensated ${notes.join(" ")}`.slice(0, 1000))));
  }

  /**
   * Close a connection whose frame was refused. One log line per connection
   * (its first refusal closes it), and a person who keeps reconnecting to
   * send the same is logged once a minute with a count of what was left out.
   */
  private reject(conn: SyncConnection, code: number, reason: string): void {
    if (!this.conns.has(conn)) return conn.close(code, reason.slice(0, 120));
    const now = Date.now();
    const seen = refusalLog.get(conn.user.id);
    if (!seen || seen.until < now) {
      this.host.log.warn("closing sync connection", {
        board: this.boardId,
        user: conn.user.id,
        code,
        reason,
        ...(seen?.suppressed ? { suppressed: seen.suppressed } : {}),
      });
      refusalLog.set(conn.user.id, { until: now + REFUSAL_LOG_MS, suppressed: 0 });
      if (refusalLog.size > 10_000) for (const [k, v] of refusalLog) if (v.until < now) refusalLog.delete(k);
    } else {
      seen.suppressed++;
    }
    this.leave(conn);
    conn.close(code, reason.slice(0, 120));
  }

  private sendTo(conn: SyncConnection, msg: Outgoing): void {
    if (conn.bufferedAmount() > MAX_BUFFERED) {
      this.reject(conn, CLOSE.slowConsumer, "client too slow");
      return;
    }
    try {
      conn.send(msg);
    } catch {
      this.leave(conn);
    }
  }

  /** Close every connection of one person (access removed). */
  closeUser(userId: string, code: number, reason: string): void {
    for (const c of [...this.conns.keys()]) {
      if (c.user.id === userId) {
        this.leave(c);
        c.close(code, reason);
      }
    }
  }

  /** Close the connections opened with these sessions (stored session ids), and no others. */
  closeSessions(sessionIds: ReadonlySet<string>, code: number, reason: string): void {
    for (const c of [...this.conns.keys()]) {
      if (sessionIds.has(c.session)) {
        this.leave(c);
        c.close(code, reason);
      }
    }
  }

  closeAll(code: number, reason: string): void {
    const ids: number[] = [];
    for (const [c, entry] of [...this.conns]) {
      this.conns.delete(c);
      ids.push(...entry.clientIds);
      c.close(code, reason);
    }
    // Their presence leaves the other servers' copies too (sent by destroy).
    if (ids.length && this.host.presenceChanged) awarenessProtocol.removeAwarenessStates(this.awareness, ids, null);
  }

  destroy(): void {
    // Presence changes not sent yet (the last person just left) still go to the other servers.
    if (this.awarenessTimer) {
      clearTimeout(this.awarenessTimer);
      this.flushAwareness();
    }
    this.destroyed = true;
    this.awareness.destroy();
    this.doc.destroy();
  }
}
