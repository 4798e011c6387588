/**
 * The live documents of this process: load-or-create a room on first use,
 * commit every tick's updates of all rooms in one transaction before they are
 * broadcast, compact long logs, and unload a room when its last client left.
 */
import * as Y from "yjs";
import type { BoardRooms } from "../../app/services/context.server";
import { BoardRoom, CLOSE, type RequestHolders, type RoomHost } from "./room";
import { mergeAll } from "./protocol";
import type { StoredActivity } from "../../db/board-store";
import type { SessionUser } from "../../db/accounts";
import type { Logger, RoomRelay, RoomStorage, SyncConnection } from "./types";

/** How long a board loaded only for a server-side read stays in memory. */
const SERVER_READ_GRACE_MS = 5000;
/** Checkpoint the storage after this many commits, between two commits (off the path clients wait on). */
const CHECKPOINT_EVERY = 100;

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
  readonly presenceChanged?: (room: BoardRoom, update: Uint8Array, owners: Record<number, string>) => void;

  constructor(private readonly opts: RoomManagerOptions) {
    this.log = opts.log;
    const relay = opts.relay;
    if (relay) this.presenceChanged = (room, update, owners) => relay.presence(room.boardId, room.generation, update, owners);
  }

  get requests(): RequestHolders | undefined {
    return this.opts.requests;
  }

  /** The room of a board, loaded from storage if it is not in memory. Synchronous: one load per board. */
  getOrLoad(boardId: string): BoardRoom {
    const existing = this.rooms.get(boardId);
    if (existing) return existing;
    const relay = this.opts.relay;
    const stored = this.opts.storage.load(boardId);
    const room = new BoardRoom(boardId, stored, this);
    this.rooms.set(boardId, room);
    this.stats.loads++;
    this.stats.rooms = this.rooms.size;
    if (relay) {
      room.generation = this.opts.storage.generationOf?.(boardId) ?? 0;
      // The relay takes the stream's position and then reads storage again
      // (mergeStored): nothing committed elsewhere falls between the two.
      relay.loaded(boardId, room.generation);
    }
    return room;
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
   * is stored is not stored again.
   */
  catchUpFromStorage(boardId: string): void {
    const room = this.rooms.get(boardId);
    if (!room || room.destroyed) return;
    if ((this.opts.storage.generationOf?.(boardId) ?? 0) !== room.generation) {
      // Rebuilt meanwhile: this copy is of the old generation.
      this.dropRebuilt(boardId);
      return;
    }
    room.mergeStored(this.opts.storage.load(boardId));
  }

  remoteGap(room: BoardRoom): void {
    this.catchUpFromStorage(room.boardId);
    const store = room.doc.store as unknown as { pendingStructs: unknown; pendingDs: unknown };
    if (!room.destroyed && (store.pendingStructs || store.pendingDs)) {
      // Storage has every relayed update (stored before it was published), so this cannot stay; should it, it must not block clients' checks.
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
    this.log.info(message, { board: room.boardId, closed: connections });
  }

  peek(boardId: string): BoardRoom | undefined {
    return this.rooms.get(boardId);
  }

  connect(boardId: string, conn: SyncConnection): BoardRoom {
    const timer = this.idleTimers.get(boardId);
    if (timer) {
      clearTimeout(timer);
      this.idleTimers.delete(boardId);
    }
    const room = this.getOrLoad(boardId);
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
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushNow());
    }
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
    if (this.dirty.size === 0) return;
    const rooms = [...this.dirty];
    this.dirty.clear();
    let batches = rooms
      .map((room) => ({ room, ...room.takePending() }))
      .filter((b) => b.updates.length || b.activity.length);
    if (batches.length === 0) return;
    const relay = this.opts.relay;
    if (relay && this.opts.storage.generationOf) {
      // Another server may have rebuilt a board since this copy was loaded
      // (its 4410 is on its way): what this copy's clients send now must
      // not land on the rebuilt document.
      const stale = batches.filter((b) => this.opts.storage.generationOf!(b.room.boardId) !== b.room.generation);
      for (const { room } of stale) this.dropRebuilt(room.boardId);
      if (stale.length) batches = batches.filter((b) => !stale.includes(b));
      if (batches.length === 0) return;
    }
    // Activity never waits for the disk on the event loop; updates do when
    // SYNC_FSYNC=before-broadcast asks for it.
    const canFlush = Boolean(this.opts.storage.flush);
    try {
      this.opts.storage.append(
        batches.map((b) => ({ boardId: b.room.boardId, updates: b.updates.map((p) => p.update) })),
        { flushLater: canFlush && this.opts.fsync !== "before-broadcast" },
      );
    } catch (e) {
      // Nothing of this tick was seen by anybody else. The documents in memory
      // are now ahead of storage: drop them; clients keep their edits and
      // send them again when they reconnect.
      this.log.error("could not commit board updates", { error: (e as Error).message });
      for (const { room } of batches) this.unload(room, { compact: false, code: CLOSE.serverError });
      return;
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
        stored = this.opts.storage.record(
          withActivity.map((b) => ({ boardId: b.room.boardId, activity: b.activity })),
          { flushLater: canFlush },
        );
      } catch (e) {
        // The edits are stored and seen; only the record of who made them is missing.
        this.log.error("could not record board activity", { error: (e as Error).message, entries: withActivity.length });
      }
    }
    const publish = () => {
      if (!this.opts.onActivity || stored.length === 0) return;
      const byBoard = new Map<string, StoredActivity[]>();
      for (const a of stored) byBoard.set(a.boardId, [...(byBoard.get(a.boardId) ?? []), a]);
      for (const [boardId, list] of byBoard) this.opts.onActivity(boardId, list);
    };
    if (!canFlush) return publish();
    // The activity panel shows what is on disk: publish after the flush.
    this.opts.storage.flush!((error) => {
      if (!error) return publish();
      // The disk refused: what this tick wrote may not be on disk. Close the
      // rooms of this tick without compacting; clients resync and resend.
      this.log.error("could not flush board updates to disk", { error: error.message });
      for (const { room } of batches) if (!room.destroyed) this.unload(room, { compact: false, code: CLOSE.serverError });
    });
  }

  private afterCommit(): void {
    if (++this.commitsSinceCheckpoint < CHECKPOINT_EVERY || this.checkpointScheduled || !this.opts.storage.checkpoint) return;
    this.checkpointScheduled = true;
    setTimeout(() => {
      this.checkpointScheduled = false;
      this.commitsSinceCheckpoint = 0;
      try {
        this.opts.storage.checkpoint?.();
      } catch (e) {
        this.log.warn("checkpoint failed", { error: (e as Error).message });
      }
    }, 0).unref();
  }

  roomEmpty(room: BoardRoom, delayMs = this.opts.idleMs): void {
    const existing = this.idleTimers.get(room.boardId);
    if (existing) clearTimeout(existing);
    const unloadIfIdle = () => {
      this.idleTimers.delete(room.boardId);
      if (room.size === 0 && !room.destroyed && this.rooms.get(room.boardId) === room) this.unload(room);
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
    this.flushNow();
    if (this.opts.relay) {
      this.opts.relay.compact(room.boardId);
      room.logLength = 0;
      this.stats.compactions++;
      return;
    }
    const upTo = this.opts.storage.latestUpdateId(room.boardId);
    const state = Y.encodeStateAsUpdate(room.doc);
    this.opts.storage.compact(room.boardId, state, upTo);
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
    this.dirty.delete(room);
    room.destroy();
    this.stats.unloads++;
    this.stats.rooms = this.rooms.size;
  }

  // ------------------------------------------------------------ BoardRooms (used by Remix actions)

  async withDoc<T>(boardId: string, fn: (doc: Y.Doc) => T, origin: unknown = "server"): Promise<T> {
    const room = this.getOrLoad(boardId);
    let result: T;
    try {
      result = Y.transact(room.doc, () => fn(room.doc), origin);
    } finally {
      this.flushNow();
      // Server-side reads come in bursts (a page reads the board several
      // times): keep an unwatched board a few seconds instead of reloading it.
      if (room.size === 0) this.roomEmpty(room, Math.max(this.opts.idleMs, SERVER_READ_GRACE_MS));
    }
    return result;
  }

  readDoc<T>(boardId: string, fn: (doc: Y.Doc) => T): T {
    const room = this.getOrLoad(boardId);
    try {
      return fn(room.doc);
    } finally {
      if (room.size === 0) this.roomEmpty(room, Math.max(this.opts.idleMs, SERVER_READ_GRACE_MS));
    }
  }

  /**
   * Replace a board's document (BoardRooms.rebuild): `fn` reads the current
   * document, with every pending update committed, and stores its
   * replacement, all in this one synchronous call, so no client's update
   * can land in between. Then the room is dropped without storing it and
   * every connection closed with CLOSE.rebuilt; the next use loads the new
   * document. When `fn` throws, the room stays as it was.
   */
  rebuild<T>(boardId: string, fn: (current: Y.Doc) => T): T {
    this.flushNow();
    const wasLoaded = this.rooms.has(boardId);
    const room = this.getOrLoad(boardId);
    // Other servers' newest commits are in storage, maybe not yet here.
    if (this.opts.relay) this.catchUpFromStorage(boardId);
    if (room.destroyed) return this.rebuild(boardId, fn);
    let result: T;
    try {
      result = fn(room.doc);
    } catch (e) {
      if (!wasLoaded && room.size === 0) this.roomEmpty(room, 0);
      throw e;
    }
    this.dropUnstored(room, "board rebuilt");
    this.opts.relay?.rebuilt(boardId, this.opts.storage.generationOf?.(boardId) ?? 0);
    return result;
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
  presentUsers(boardId: string): SessionUser[] {
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
    if (this.opts.storage.flush) {
      await new Promise<void>((resolve) =>
        this.opts.storage.flush!((error) => {
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
