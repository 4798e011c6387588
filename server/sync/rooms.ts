/**
 * The live documents of this process: load-or-create a room on first use,
 * commit every tick's updates of all rooms in one transaction before they are
 * broadcast, compact long logs, and unload a room when its last client left.
 */
import * as Y from "yjs";
import type { BoardRooms } from "../../app/services/context.server";
import { BoardRoom, CLOSE, type RequestHolders, type RoomHost } from "./room";
import { mergeAll } from "./protocol";
import { storedCompaction } from "./storage";
import type { StoredActivity } from "../../db/board-store";
import type { SessionUser } from "../../db/accounts";
import type { AsyncRoomStorage, Logger, RoomRelay, RoomStorage, SyncConnection, SyncRoomStorage } from "./types";

/** How long a board loaded only for a server-side read stays in memory. */
const SERVER_READ_GRACE_MS = 5000;
/** Checkpoint the storage after this many commits, between two commits (off the path clients wait on). */
const CHECKPOINT_EVERY = 100;
/** A busy server's ticks (SQLite) are spaced by this many times the last one's length… */
const TICK_GAP_RATIO = 3;
/** …but never by more than this (ms). */
const TICK_GAP_MAX_MS = 15;

/** What an asynchronous storage's synchronous calls meet: a bug (a path that should have branched). */
const NOT_SYNC: SyncRoomStorage = new Proxy({} as SyncRoomStorage, {
  get: (_, name) => {
    if (name === "async") return true;
    if (name === "flush" || name === "checkpoint" || name === "generationOf" || name === "compactStored") return undefined;
    return () => {
      throw new Error(`room storage is asynchronous: no synchronous ${String(name)}`);
    };
  },
});

/** A tick being committed on an asynchronous storage, and who waits for it. */
interface Tick {
  waiters: Array<() => void>;
}

function runAll(fns: Array<() => void>): void {
  for (const fn of fns) fn();
}

/**
 * How long a newly loaded room holds its clients' presence for the relay to
 * position it (BoardRoom.holdPresenceUntil): Redis answers in milliseconds;
 * when it is away the board works on without the other servers, as always.
 */
const POSITION_HOLD_MS = 2_000;

export interface RoomManagerOptions {
  storage: RoomStorage;
  log: Logger;
  /** Who holds which request (SQL), for judging clients' edits of requests. */
  requests?: RequestHolders;
  /** Compact when this many updates are stored beyond the snapshot. */
  compactAfter: number;
  /** Keep an empty room this long before unloading (0: unload at once). */
  idleMs: number;
  /** When the disk flush happens relative to the broadcast (env SYNC_FSYNC). */
  fsync?: "after-broadcast" | "before-broadcast";
  /** Called after a commit with the activity it stored (for the live activity panel). */
  onActivity?: (boardId: string, activity: StoredActivity[]) => void;
  /** A person's presence appeared on a board (not hidden). */
  onPresence?: (boardId: string, user: SessionUser) => void;
  /**
   * The other servers that share the boards (server/cluster/relay.ts, with
   * REDIS_URL). Without it this process is the only server and nothing of
   * it runs.
   */
  relay?: RoomRelay;
}

export interface RoomStats {
  loads: number;
  unloads: number;
  commits: number;
  committedUpdates: number;
  compactions: number;
  rooms: number;
  connections: number;
}

export class RoomManager implements RoomHost, BoardRooms {
  private readonly rooms = new Map<string, BoardRoom>();
  private readonly dirty = new Set<BoardRoom>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private flushScheduled = false;
  private flushTimer: NodeJS.Timeout | null = null;
  /** The last tick that committed something (SQLite): how long it took and when it ended (performance.now()). */
  private lastTick = { ms: 0, endedAt: 0 };
  /** The synchronous storage (SQLite), or NOT_SYNC when it is asynchronous. */
  private readonly store: SyncRoomStorage;
  /** The asynchronous storage (PostgreSQL), null when it is synchronous. */
  private readonly astore: AsyncRoomStorage | null;
  /** Asynchronous storage: boards being loaded (every connection that arrives meanwhile waits for the same room). */
  private readonly loading = new Map<string, Promise<BoardRoom>>();
  /** Asynchronous storage: the one commit in flight, and who waits for the tick after it. */
  private inFlight: Tick | null = null;
  private nextWaiters: Array<() => void> = [];
  /**
   * Boards being rebuilt here (`rebuild`): their ticks are held (neither
   * committed nor broadcast) until the rebuild ends; the rooms with updates
   * waiting meanwhile are in `heldRooms`. Loads and server-side uses of such
   * a board wait for the rebuild (`rebuilding`).
   */
  private readonly held = new Set<string>();
  private readonly heldRooms = new Set<BoardRoom>();
  private readonly rebuilding = new Map<string, Promise<void>>();
  /**
   * Asynchronous storage: run `fn` once everything applied so far is
   * stored (the tick in flight and the one waiting); the room sends a
   * client the document (its sync answer) only then. Absent with a
   * synchronous storage, which commits before anything is sent.
   */
  readonly whenStored?: (fn: () => void) => void;
  private commitsSinceCheckpoint = 0;
  private checkpointScheduled = false;
  readonly stats: RoomStats = {
    loads: 0,
    unloads: 0,
    commits: 0,
    committedUpdates: 0,
    compactions: 0,
    rooms: 0,
    connections: 0,
  };
  readonly log: Logger;

  /** Presence of this server's connections, to the other servers (only when there are others). */
  readonly presenceChanged?: (room: BoardRoom, update: Uint8Array, owners: Record<number, string>, removed: readonly number[]) => void;

  constructor(private readonly opts: RoomManagerOptions) {
    this.log = opts.log;
    const storage = opts.storage;
    this.store = storage.async ? NOT_SYNC : storage;
    this.astore = storage.async ? storage : null;
    if (this.astore) this.whenStored = (fn) => this.afterStored(fn);
    const relay = opts.relay;
    if (relay) this.presenceChanged = (room, update, owners, removed) => relay.presence(room.boardId, room.generation, update, owners, removed);
  }

  get requests(): RequestHolders | undefined {
    return this.opts.requests;
  }

  /**
   * The room of a board, loaded from storage if it is not in memory.
   * Synchronous: one load per board. With an asynchronous storage only a
   * room in memory (use `load`).
   */
  getOrLoad(boardId: string): BoardRoom {
    const existing = this.rooms.get(boardId);
    if (existing) return existing;
    if (this.astore) throw new Error(`board ${boardId} is not loaded (asynchronous storage: load it first)`);
    const relay = this.opts.relay;
    const stored = this.store.load(boardId);
    const room = new BoardRoom(boardId, stored, this);
    this.rooms.set(boardId, room);
    this.stats.loads++;
    this.stats.rooms = this.rooms.size;
    if (relay) {
      room.generation = this.store.generationOf?.(boardId) ?? 0;
      // The relay takes the stream's position and then reads storage again
      // (mergeStored): nothing committed elsewhere falls between the two.
      room.holdPresenceUntil(relay.loaded(boardId, room.generation), POSITION_HOLD_MS);
      room.announceOwnId();
    }
    return room;
  }

  /**
   * The room of a board, loaded if needed: with an asynchronous storage
   * once per board however many ask while it loads (the `loading` map).
   */
  load(boardId: string): Promise<BoardRoom> {
    const rebuilt = this.rebuilding.get(boardId);
    if (rebuilt) return rebuilt.then(() => this.load(boardId));
    const existing = this.rooms.get(boardId);
    if (existing) return Promise.resolve(existing);
    if (!this.astore) {
      try {
        return Promise.resolve(this.getOrLoad(boardId));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    let pending = this.loading.get(boardId);
    if (!pending) {
      pending = this.loadAsync(this.astore, boardId).finally(() => this.loading.delete(boardId));
      this.loading.set(boardId, pending);
    }
    return pending;
  }

  private async loadAsync(storage: AsyncRoomStorage, boardId: string): Promise<BoardRoom> {
    // A copy unloaded a moment ago may still have a tick in flight: read after it.
    await this.settled();
    // The holders of its requests come with the board (asynchronous holders: judged from memory).
    const holders = this.opts.requests?.async ? this.opts.requests : null;
    const [stored] = await Promise.all([storage.load(boardId), holders?.load(boardId)]);
    const existing = this.rooms.get(boardId);
    if (existing) return existing;
    const room = new BoardRoom(boardId, stored, this);
    // Always the generation read with the document: every append checks it.
    room.generation = stored.generation;
    this.rooms.set(boardId, room);
    this.stats.loads++;
    this.stats.rooms = this.rooms.size;
    if (this.opts.relay) {
      room.holdPresenceUntil(this.opts.relay.loaded(boardId, room.generation), POSITION_HOLD_MS);
      room.announceOwnId();
    }
    return room;
  }

  /** Compactions running apart from the event loop's turn (the storage worker's, or the relay's under its lease), not yet ended. */
  private readonly offThread = new Set<Promise<unknown>>();

  private track(compaction: Promise<unknown>, boardId: string): void {
    const done: Promise<unknown> = compaction
      .catch((e) => this.log.warn("board compaction skipped", { board: boardId, error: (e as Error).message }))
      .finally(() => this.offThread.delete(done));
    this.offThread.add(done);
  }

  /** Resolves once the compactions started so far (storage worker, relay) have ended (tests comparing stored bytes or compacting by hand; the drain lets StorageWorker.close wait for the worker's). */
  async compacted(): Promise<void> {
    while (this.offThread.size) await Promise.allSettled([...this.offThread]);
  }

  /** Resolves once everything applied so far is stored (asynchronous storage; at once otherwise). */
  settled(): Promise<void> {
    return new Promise((resolve) => this.afterStored(resolve));
  }

  private afterStored(fn: () => void): void {
    if (this.dirty.size) this.nextWaiters.push(fn);
    else if (this.inFlight) this.inFlight.waiters.push(fn);
    else fn();
  }

  // ------------------------------------------------------------ what other servers committed (relay)

  /** Apply an update another server committed and relayed; false when the board is not loaded here (or of another generation). */
  applyRemote(boardId: string, generation: number, update: Uint8Array): boolean {
    const room = this.rooms.get(boardId);
    if (!room || room.destroyed || room.generation !== generation) return false;
    room.applyRemote(update);
    return true;
  }

  applyRemotePresence(boardId: string, generation: number, update: Uint8Array, owners: Record<string, string>): void {
    const room = this.rooms.get(boardId);
    if (!room || room.destroyed || room.generation !== generation) return;
    room.applyRemotePresence(update, owners);
  }

  /**
   * Merge what storage holds into the live room (a catch-up: after loading,
   * after the stream lost entries this server had not read, after a gap in
   * relayed updates). What this server's clients lack is sent to them; what
   * is stored is not stored again. On an asynchronous storage a promise that
   * resolves once it has merged (the relay reads the board's stream only
   * then) and rejects when storage could not be read.
   */
  catchUpFromStorage(boardId: string): void | Promise<void> {
    const room = this.rooms.get(boardId);
    if (!room || room.destroyed) return;
    if (this.astore) return this.catchUpAsync(this.astore, room);
    if ((this.store.generationOf?.(boardId) ?? 0) !== room.generation) {
      // Rebuilt meanwhile: this copy is of the old generation.
      this.dropRebuilt(boardId);
      return;
    }
    room.mergeStored(this.store.load(boardId));
  }

  private async catchUpAsync(storage: AsyncRoomStorage, room: BoardRoom): Promise<void> {
    const stored = await storage.load(room.boardId);
    if (room.destroyed) return;
    if (stored.generation !== room.generation) return this.dropUnstored(room, "board rebuilt on another server");
    room.mergeStored(stored);
  }

  /**
   * A relayed update left pending structs (it builds on commits this copy
   * has not seen; storage has them, since every relayed update was stored
   * first): catch up from storage. Synchronous storage: merged now. On an
   * asynchronous one the room holds its clients' frames and further relayed
   * updates until the returned promise resolves (BoardRoom.applyRemote);
   * should storage not answer, the room is dropped as after a failed commit
   * (1011: its clients reconnect to a fresh copy and send their edits again).
   */
  remoteGap(room: BoardRoom): void | Promise<void> {
    if (!this.astore) {
      this.catchUpFromStorage(room.boardId);
      this.clearPending(room);
      return;
    }
    return this.catchUpAsync(this.astore, room).then(
      () => this.clearPending(room),
      (e: Error) => {
        this.log.error("could not catch up from storage after a gap in relayed updates; the room is dropped", { board: room.boardId, error: e.message });
        if (!room.destroyed) this.unload(room, { compact: false, code: CLOSE.serverError });
      },
    );
  }

  private clearPending(room: BoardRoom): void {
    const store = room.doc.store as unknown as { pendingStructs: unknown; pendingDs: unknown };
    if (!room.destroyed && (store.pendingStructs || store.pendingDs)) {
      // Storage has every relayed update applied before the catch-up (stored before it was published), so this cannot stay; should it, it must not block clients' checks.
      this.log.error("relayed update depends on changes not in storage", { board: room.boardId });
      store.pendingStructs = null;
      store.pendingDs = null;
    }
  }

  /** Another server rebuilt the board: drop this copy unstored and close its connections with 4410. */
  dropRebuilt(boardId: string): void {
    const room = this.rooms.get(boardId);
    if (!room) return;
    this.dropUnstored(room, "board rebuilt on another server");
  }

  /** A rebuilt board's old copy: cancel its timers, unload it unstored and close its connections with 4410. */
  private dropUnstored(room: BoardRoom, message: string): void {
    const timer = this.idleTimers.get(room.boardId);
    if (timer) clearTimeout(timer);
    this.idleTimers.delete(room.boardId);
    this.compactionQueued.delete(room);
    const connections = room.size;
    this.unload(room, { compact: false, code: CLOSE.rebuilt, reason: "board rebuilt" });
    // Generations only grow: whatever of this copy's generation (or older) the relay still holds is of a board that is no more.
    this.opts.relay?.superseded?.(room.boardId, room.generation + 1);
    this.log.info(message, { board: room.boardId, closed: connections });
  }

  peek(boardId: string): BoardRoom | undefined {
    return this.rooms.get(boardId);
  }

  /**
   * Join a connection to its board's room. A promise when the room is
   * being loaded from an asynchronous storage: the transport holds the
   * connection's frames until it resolves (ws-transport.ts). `generation`:
   * the client's copy; when given and the room's document (read with its
   * generation) is of another one, nothing is joined or sent: null.
   */
  connect(boardId: string, conn: SyncConnection): BoardRoom | Promise<BoardRoom>;
  connect(boardId: string, conn: SyncConnection, generation: number | undefined): BoardRoom | null | Promise<BoardRoom | null>;
  connect(boardId: string, conn: SyncConnection, generation?: number): BoardRoom | null | Promise<BoardRoom | null> {
    const timer = this.idleTimers.get(boardId);
    if (timer) {
      clearTimeout(timer);
      this.idleTimers.delete(boardId);
    }
    if (this.astore && (!this.rooms.has(boardId) || this.rebuilding.has(boardId))) {
      return this.load(boardId).then((room) => {
        if (room.destroyed) return this.connect(boardId, conn, generation);
        if (generation !== undefined && room.generation !== generation) {
          if (room.size === 0) this.roomEmpty(room);
          return null;
        }
        const t = this.idleTimers.get(boardId);
        if (t) clearTimeout(t);
        this.idleTimers.delete(boardId);
        room.join(conn);
        this.stats.connections++;
        return room;
      });
    }
    const room = this.getOrLoad(boardId);
    if (generation !== undefined && room.generation !== generation) {
      if (room.size === 0) this.roomEmpty(room);
      return null;
    }
    room.join(conn);
    this.stats.connections++;
    return room;
  }

  disconnect(room: BoardRoom, conn: SyncConnection): void {
    room.leave(conn);
  }

  // ------------------------------------------------------------ RoomHost

  markDirty(room: BoardRoom): void {
    this.dirty.add(room);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const wait = this.astore ? 0 : this.tickGap();
    if (wait > 0) this.flushTimer = setTimeout(() => this.flushNow(), wait);
    else setImmediate(() => this.flushNow());
  }

  /**
   * How long the next tick waits (SQLite): a busy board's ticks are spaced
   * by TICK_GAP_RATIO times the last tick's length (at most TICK_GAP_MAX_MS)
   * after it ended, so that a tick's fan-out (one frame per member) carries
   * the updates that arrived meanwhile instead of following each update.
   * After a pause longer than that, the next tick runs at once: a lone edit
   * waits for nothing. (An asynchronous storage spaces its ticks by the
   * commit in flight.)
   */
  private tickGap(): number {
    const want = Math.min(TICK_GAP_MAX_MS, this.lastTick.ms * TICK_GAP_RATIO);
    return want - (performance.now() - this.lastTick.endedAt);
  }

  /**
   * Commit all pending updates (one transaction), broadcast them, then
   * record the activity they carry and flush both to disk. Only the update
   * rows stand between an edit and the other participants; the audit rows
   * are written a moment later in the same synchronous step, so they share
   * the flush (a crash can only fall between the two if the process dies in
   * this very function).
   */
  flushNow(): void {
    this.flushScheduled = false;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.astore) return this.commitAsync(this.astore);
    const started = performance.now();
    if (this.flushSync()) {
      const ended = performance.now();
      this.lastTick = { ms: ended - started, endedAt: ended };
    }
    runAll(this.nextWaiters.splice(0));
  }

  /** The tick on SQLite, in one synchronous step; whether it committed anything. */
  private flushSync(): boolean {
    if (this.dirty.size === 0) return false;
    const rooms = this.takeDirty();
    let batches = rooms
      .map((room) => ({ room, ...room.takePending() }))
      .filter((b) => b.updates.length || b.activity.length);
    if (batches.length === 0) return false;
    const relay = this.opts.relay;
    if (relay && this.store.generationOf) {
      // Another server may have rebuilt a board since this copy was loaded
      // (its 4410 is on its way): what this copy's clients send now must
      // not land on the rebuilt document.
      const stale = batches.filter((b) => this.store.generationOf!(b.room.boardId) !== b.room.generation);
      for (const { room } of stale) this.dropRebuilt(room.boardId);
      if (stale.length) batches = batches.filter((b) => !stale.includes(b));
      if (batches.length === 0) return false;
    }
    // Activity never waits for the disk on the event loop; updates do when
    // SYNC_FSYNC=before-broadcast asks for it.
    const canFlush = Boolean(this.store.flush);
    try {
      this.store.append(
        batches.map((b) => ({ boardId: b.room.boardId, updates: b.updates.map((p) => p.update) })),
        { flushLater: canFlush && this.opts.fsync !== "before-broadcast" },
      );
    } catch (e) {
      // Nothing of this tick was seen by anybody else. The documents in memory
      // are now ahead of storage: drop them; clients keep their edits and
      // send them again when they reconnect.
      this.log.error("could not commit board updates", { error: (e as Error).message });
      for (const { room } of batches) this.unload(room, { compact: false, code: CLOSE.serverError });
      return false;
    }
    this.stats.commits++;
    this.afterCommit();
    for (const { room, updates } of batches) {
      this.stats.committedUpdates += updates.length;
      room.logLength += updates.length;
      // Persist, then publish, then broadcast: the tick's updates of the board as one entry, and one frame per client.
      const merged = updates.length ? mergeAll(updates.map((u) => u.update)) : undefined;
      if (relay && merged) relay.committed(room.boardId, room.generation, merged);
      room.broadcast(updates, merged);
      if (room.logLength >= this.opts.compactAfter) this.scheduleCompaction(room);
    }
    let stored: StoredActivity[] = [];
    const withActivity = batches.filter((b) => b.activity.length);
    if (withActivity.length) {
      try {
        stored = this.store.record(
          withActivity.map((b) => ({ boardId: b.room.boardId, activity: b.activity })),
          { flushLater: canFlush },
        );
      } catch (e) {
        // The edits are stored and seen; only the record of who made them is missing.
        this.log.error("could not record board activity", { error: (e as Error).message, entries: withActivity.length });
      }
    }
    const publish = () => this.publishActivity(stored);
    if (!canFlush) {
      publish();
      return true;
    }
    // The activity panel shows what is on disk: publish after the flush.
    this.store.flush!((error) => {
      if (!error) return publish();
      // The disk refused: what this tick wrote may not be on disk. Close the
      // rooms of this tick without compacting; clients resync and resend.
      this.log.error("could not flush board updates to disk", { error: error.message });
      for (const { room } of batches) if (!room.destroyed) this.unload(room, { compact: false, code: CLOSE.serverError });
    });
    return true;
  }

  /**
   * The tick on an asynchronous storage: one commit in flight per manager
   * (the next tick gathers meanwhile and starts when it ends), the
   * generation check inside its transaction, and nothing broadcast or
   * published before the commit resolved.
   */
  private commitAsync(storage: AsyncRoomStorage): void {
    if (this.inFlight) return;
    const waiters = this.nextWaiters;
    this.nextWaiters = [];
    const rooms = this.takeDirty();
    const batches = rooms
      .filter((room) => !room.destroyed)
      .map((room) => ({ room, ...room.takePending() }))
      .filter((b) => b.updates.length || b.activity.length);
    if (batches.length === 0) return runAll(waiters);
    const tick: Tick = { waiters };
    this.inFlight = tick;
    void this.runTick(storage, batches, tick).finally(() => {
      this.inFlight = null;
      runAll(tick.waiters);
      if (this.dirty.size) this.flushNow();
      else runAll(this.nextWaiters.splice(0));
    });
  }

  /** The rooms to commit now; those of a board being rebuilt wait in `heldRooms` (their updates stay pending in them). */
  private takeDirty(): BoardRoom[] {
    const rooms: BoardRoom[] = [];
    for (const room of this.dirty) {
      if (this.held.has(room.boardId)) this.heldRooms.add(room);
      else rooms.push(room);
    }
    this.dirty.clear();
    return rooms;
  }

  private async runTick(
    storage: AsyncRoomStorage,
    all: Array<{ room: BoardRoom } & ReturnType<BoardRoom["takePending"]>>,
    tick: Tick,
  ): Promise<void> {
    let stale: string[];
    try {
      ({ stale } = await storage.append(
        all.map((b) => ({ boardId: b.room.boardId, generation: b.room.generation, updates: b.updates.map((p) => p.update) })),
      ));
    } catch (e) {
      // As on the synchronous path: nobody else saw any of it; the rooms are
      // dropped and their clients send their edits again when they reconnect.
      this.log.error("could not commit board updates", { error: (e as Error).message });
      for (const { room } of all) if (!room.destroyed) this.unload(room, { compact: false, code: CLOSE.serverError });
      return;
    }
    // Rebuilt meanwhile (here or on another server): nothing of these was stored.
    for (const { room } of all) if (stale.includes(room.boardId) && !room.destroyed) this.dropUnstored(room, "board rebuilt on another server");
    const batches = stale.length ? all.filter((b) => !stale.includes(b.room.boardId)) : all;
    this.stats.commits++;
    const relay = this.opts.relay;
    for (const { room, updates } of batches) {
      this.stats.committedUpdates += updates.length;
      room.logLength += updates.length;
      const merged = updates.length ? mergeAll(updates.map((u) => u.update)) : undefined;
      // Stored: published even when the room was unloaded meanwhile (other servers follow the board).
      if (relay && merged) relay.committed(room.boardId, room.generation, merged);
      if (room.destroyed) continue;
      room.broadcast(updates, merged);
      if (room.logLength >= this.opts.compactAfter) this.scheduleCompaction(room);
    }
    // What waited for this tick (sync answers, server-side writes) goes now, before the activity is recorded.
    runAll(tick.waiters.splice(0));
    const withActivity = batches.filter((b) => b.activity.length);
    if (withActivity.length === 0) return;
    let stored: StoredActivity[];
    try {
      stored = await storage.record(withActivity.map((b) => ({ boardId: b.room.boardId, activity: b.activity })));
    } catch (e) {
      this.log.error("could not record board activity", { error: (e as Error).message, entries: withActivity.length });
      return;
    }
    this.publishActivity(stored);
  }

  private publishActivity(stored: StoredActivity[]): void {
    if (!this.opts.onActivity || stored.length === 0) return;
    const byBoard = new Map<string, StoredActivity[]>();
    for (const a of stored) byBoard.set(a.boardId, [...(byBoard.get(a.boardId) ?? []), a]);
    for (const [boardId, list] of byBoard) this.opts.onActivity(boardId, list);
  }

  private afterCommit(): void {
    if (++this.commitsSinceCheckpoint < CHECKPOINT_EVERY || this.checkpointScheduled || !this.store.checkpoint) return;
    this.checkpointScheduled = true;
    setTimeout(() => {
      this.checkpointScheduled = false;
      this.commitsSinceCheckpoint = 0;
      const failed = (e: unknown) => this.log.warn("checkpoint failed", { error: (e as Error).message });
      try {
        void Promise.resolve(this.store.checkpoint?.()).catch(failed);
      } catch (e) {
        failed(e);
      }
    }, 0).unref();
  }

  roomEmpty(room: BoardRoom, delayMs = this.opts.idleMs): void {
    const existing = this.idleTimers.get(room.boardId);
    if (existing) clearTimeout(existing);
    const unloadIfIdle = () => {
      this.idleTimers.delete(room.boardId);
      // A board being rebuilt is not unloaded meanwhile (the rebuild ends by dropping it, or looks at it again).
      if (room.size === 0 && !room.destroyed && this.rooms.get(room.boardId) === room && !this.held.has(room.boardId)) this.unload(room);
    };
    if (delayMs <= 0) {
      // Unload after the current tick, so a reconnect in the same tick keeps it.
      setImmediate(unloadIfIdle);
      return;
    }
    const timer = setTimeout(unloadIfIdle, delayMs);
    timer.unref();
    this.idleTimers.set(room.boardId, timer);
  }

  // ------------------------------------------------------------ compaction and unloading

  private compactionQueued = new Set<BoardRoom>();

  private scheduleCompaction(room: BoardRoom): void {
    if (this.compactionQueued.has(room)) return;
    this.compactionQueued.add(room);
    // Off the hot path: after the current burst of messages has been handled.
    setTimeout(() => {
      this.compactionQueued.delete(room);
      if (!room.destroyed) this.compact(room);
    }, 50).unref();
  }

  /**
   * Apply the log to the document and store it re-encoded as one snapshot.
   * With other servers (relay) the stored rows are the source, not this
   * live copy (it may lack another server's newest rows), under a lease.
   */
  compact(room: BoardRoom): void {
    // A board being rebuilt gets its new snapshot from the rebuild.
    if (this.held.has(room.boardId)) return;
    this.flushNow();
    if (this.astore && !this.opts.relay) {
      // From the stored rows once the ticks so far are in (the live copy may be ahead of storage).
      const fromStored = storedCompaction(this.astore)!;
      void this.settled()
        .then(() => fromStored(room.boardId))
        .catch((e) => this.log.warn("board compaction skipped", { board: room.boardId, error: (e as Error).message }));
      room.logLength = 0;
      this.stats.compactions++;
      return;
    }
    if (this.opts.relay) {
      this.track(this.opts.relay.compact(room.boardId), room.boardId);
      room.logLength = 0;
      this.stats.compactions++;
      return;
    }
    if (this.store.compactOffThread) {
      // The rows are committed (flushNow above): the storage worker folds them in, off the event loop.
      this.track(this.store.compactOffThread(room.boardId), room.boardId);
      room.logLength = 0;
      this.stats.compactions++;
      return;
    }
    const upTo = this.store.latestUpdateId(room.boardId);
    const state = Y.encodeStateAsUpdate(room.doc);
    this.store.compact(room.boardId, state, upTo);
    room.logLength = 0;
    room.lastUpdateId = upTo;
    this.stats.compactions++;
  }

  unload(room: BoardRoom, opts: { compact?: boolean; code?: number; reason?: string } = {}): void {
    if (room.destroyed) return;
    if (opts.compact !== false) {
      try {
        this.flushNow();
        if (room.logLength > 0) this.compact(room);
      } catch (e) {
        this.log.error("could not compact board on unload", { board: room.boardId, error: (e as Error).message });
      }
    }
    room.closeAll(opts.code ?? 1001, opts.reason ?? "room closed");
    this.rooms.delete(room.boardId);
    this.opts.relay?.unloaded(room.boardId);
    if (this.opts.requests?.async) this.opts.requests.unload(room.boardId);
    this.dirty.delete(room);
    this.heldRooms.delete(room);
    room.destroy();
    this.stats.unloads++;
    this.stats.rooms = this.rooms.size;
  }

  // ------------------------------------------------------------ BoardRooms (used by Remix actions)

  /** The room for a server-side use: after a rebuild of the board in progress here, loaded once (asynchronous storage) if needed. */
  private async roomFor(boardId: string): Promise<BoardRoom> {
    const rebuilt = this.rebuilding.get(boardId);
    if (rebuilt) await rebuilt;
    return this.astore ? this.load(boardId) : this.getOrLoad(boardId);
  }

  async withDoc<T>(boardId: string, fn: (doc: Y.Doc) => T, origin: unknown = "server"): Promise<T> {
    let room = await this.roomFor(boardId);
    // What other servers acknowledged is here before `fn` judges the board (a loaded room: the relay; a new one read storage).
    await this.opts.relay?.caughtUp?.(boardId);
    // A gap in relayed updates being caught up from storage: what `fn` judges must not meet another server's pending structs (BoardRoom.applyRemote).
    while (room.holding || room.destroyed) {
      await room.caughtUp();
      room = await this.roomFor(boardId);
    }
    let result: T;
    try {
      result = Y.transact(room.doc, () => fn(room.doc), origin);
    } finally {
      this.flushNow();
      // Asynchronous storage: answer once the change is stored.
      if (this.astore) await this.settled();
      // Acknowledged only once the other servers can have it: published (then their caughtUp finds it).
      await this.opts.relay?.published?.(2_000);
      // Server-side reads come in bursts (a page reads the board several
      // times): keep an unwatched board a few seconds instead of reloading it.
      if (room.size === 0) this.roomEmpty(room, Math.max(this.opts.idleMs, SERVER_READ_GRACE_MS));
    }
    return result;
  }

  /**
   * Read a board's live document: loaded if nobody has it open (on an
   * asynchronous storage once however many ask meanwhile), after a rebuild
   * of it in progress here. A promise on both storages: one signature for
   * every caller, and a board not in memory can be read on either.
   */
  async readDoc<T>(boardId: string, fn: (doc: Y.Doc) => T): Promise<T> {
    let room = await this.roomFor(boardId);
    await this.opts.relay?.caughtUp?.(boardId);
    if (room.destroyed) room = await this.roomFor(boardId);
    try {
      return fn(room.doc);
    } finally {
      if (room.size === 0) this.roomEmpty(room, Math.max(this.opts.idleMs, SERVER_READ_GRACE_MS));
    }
  }

  /**
   * Replace a board's document (BoardRooms.rebuild), on both storages. The
   * board's ticks are held from the start (what is applied meanwhile is
   * neither committed nor broadcast; the newest tick already under way is
   * waited for), loads and server-side uses of the board wait, and `fn`
   * gets the live document (or an empty one when the board is not loaded
   * here) and its generation (null where only this server writes the board
   * and the copy is current): it stores the replacement, in one transaction that locks the
   * board row first and reads what is stored after the lock
   * (app/services/rebuild.server.ts), and returns the new generation. Then
   * the room is dropped unstored with whatever was held, every connection
   * closed with CLOSE.rebuilt (browsers drop their copy and load the new
   * document), and the other servers told. When `fn` throws, nothing
   * changed: the held updates are committed as usual and the room stays.
   * One rebuild of a board at a time on this server.
   */
  rebuild<T extends { generation: number }>(boardId: string, fn: (current: Y.Doc, generation: number | null) => Promise<T>): Promise<T> {
    const previous = this.rebuilding.get(boardId) ?? Promise.resolve();
    const run = previous.then(() => this.rebuildHeld(boardId, fn));
    const gate = run.then(
      () => undefined,
      () => undefined,
    );
    this.rebuilding.set(boardId, gate);
    void gate.then(() => {
      if (this.rebuilding.get(boardId) === gate) this.rebuilding.delete(boardId);
    });
    return run;
  }

  private async rebuildHeld<T extends { generation: number }>(boardId: string, fn: (current: Y.Doc, generation: number | null) => Promise<T>): Promise<T> {
    // What was applied before is committed as usual (a synchronous storage: now); from here this board's ticks are held.
    this.flushNow();
    this.held.add(boardId);
    let result: T;
    try {
      if (this.astore) await this.settled();
      const room = this.rooms.get(boardId);
      const live = room && !room.destroyed ? room : null;
      // The live copy's generation where it is known (asynchronous storage, several servers); one synchronous server's copy is always current.
      const generation = live && (this.astore || this.opts.relay) ? live.generation : null;
      result = await fn(live ? live.doc : new Y.Doc(), generation);
    } catch (e) {
      this.release(boardId);
      throw e;
    }
    const room = this.rooms.get(boardId);
    if (room) this.dropUnstored(room, "board rebuilt");
    this.release(boardId);
    this.opts.relay?.rebuilt(boardId, result.generation);
    return result;
  }

  /** The rebuild of a board ended: its ticks go on (a room that stays commits what it held). */
  private release(boardId: string): void {
    this.held.delete(boardId);
    for (const room of [...this.heldRooms]) {
      if (room.boardId !== boardId) continue;
      this.heldRooms.delete(room);
      if (!room.destroyed) this.markDirty(room);
    }
    const room = this.rooms.get(boardId);
    if (room && !room.destroyed && room.size === 0) this.roomEmpty(room, Math.max(this.opts.idleMs, SERVER_READ_GRACE_MS));
  }

  /**
   * Holders of a board's requests changed outside its room (a claim through
   * the API or a page, a referral accepted, a reassignment, an expiry; or on
   * another server, through the relay): asynchronous holders read them
   * again. Resolves once the memory has them. Nothing to do with
   * synchronous holders (they read SQL in the room's step).
   */
  async holdersChanged(boardId: string, requestIds?: readonly string[]): Promise<void> {
    const holders = this.opts.requests;
    if (!holders?.async) return;
    try {
      await holders.refresh(boardId, requestIds);
    } catch (e) {
      this.log.error("could not read a board's holders again", { board: boardId, error: (e as Error).message });
    }
  }

  disconnectUser(userId: string, reason = "access removed"): void {
    for (const room of this.rooms.values()) room.closeUser(userId, CLOSE.removed, reason);
  }

  /**
   * Close every connection of one board so that each reconnects and is
   * judged again (archived or put back: read-only or not). 1012 is not a
   * refusal: the browsers reconnect on their own.
   */
  reconnectBoard(boardId: string, reason = "board changed"): void {
    const room = this.rooms.get(boardId);
    if (!room) return;
    for (const conn of room.connections()) {
      room.leave(conn);
      conn.close(1012, reason);
    }
  }

  /** Close the board connections of these sessions only (the person logged out elsewhere). */
  disconnectSessions(sessionIds: readonly string[], reason = "logged out"): void {
    if (!sessionIds.length) return;
    const set = new Set(sessionIds);
    for (const room of this.rooms.values()) room.closeSessions(set, CLOSE.removed, reason);
  }

  presenceJoined(boardId: string, user: SessionUser): void {
    try {
      this.opts.onPresence?.(boardId, user);
    } catch (e) {
      this.log.error("presence hook failed", { boardId, error: (e as Error).message });
    }
  }

  /** The people who show their presence on a board now (nobody when it is not loaded). */
  presentUsers(boardId: string): Array<{ id: string; name: string; organisationId: string }> {
    return this.rooms.get(boardId)?.presentUsers() ?? [];
  }

  connectionCount(): number {
    let n = 0;
    for (const r of this.rooms.values()) n += r.size;
    return n;
  }

  /**
   * Graceful shutdown (the drain on SIGTERM, server/app.ts): commit and
   * broadcast what is pending, wait until it is on disk, then close every
   * connection with 1012 ("service restart": the client reconnects, to
   * another server behind the balancer) and unload every room compacted.
   * The transport stops reading first (ws-transport's stopReading), so
   * nothing arrives between the commit and the close; what a client sent
   * meanwhile it still holds, and sends again on its next connection.
   */
  async drain(): Promise<void> {
    this.flushNow();
    await this.settled();
    if (this.store.flush) {
      await new Promise<void>((resolve) =>
        this.store.flush!((error) => {
          if (error) this.log.error("could not flush board updates to disk", { error: error.message });
          resolve();
        }),
      );
    }
    const rooms = [...this.rooms.values()];
    for (const room of rooms) room.closeAll(1012, "service restart");
    for (const room of rooms) this.unload(room, { code: 1012, reason: "service restart" });
  }
}
