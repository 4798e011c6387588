import type { SessionUser } from "../../db/accounts";
import type { ActivityInput, StoredActivity, StoredBoard } from "../../db/board-store";

/**
 * A message on its way to one or many connections. The transport may keep
 * its own encoding of it (`wire`: a WebSocket frame), made by the first
 * connection that sends it and reused by all the others.
 */
export interface Outgoing {
  readonly data: Uint8Array;
  wire?: Uint8Array;
}

export function outgoing(data: Uint8Array): Outgoing {
  return { data };
}

/** One client's connection to a room, whatever carries it (WebSocket today). */
export interface SyncConnection {
  readonly id: string;
  readonly user: SessionUser;
  /** The session this connection was opened with (its stored id): presence ids belong to it. */
  readonly session: string;
  /** Viewers may read but never write the document. */
  readonly readOnly: boolean;
  send(message: Outgoing): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the socket (backpressure). */
  bufferedAmount(): number;
}

/**
 * Where room documents are kept between processes: SQLite's synchronous
 * storage, or an asynchronous one (PostgreSQL). Two explicit flavours
 * (`async: true`) rather than "a value or a promise" from each call: the
 * synchronous one keeps today's path exactly (the group commit, the
 * generation check and the broadcast in one synchronous step, no promise
 * and no `instanceof` test per tick), and the type checker makes the room
 * manager handle each flavour on its own path (an asynchronous storage's
 * append also carries the generation check, in its own transaction).
 */
export type RoomStorage = SyncRoomStorage | AsyncRoomStorage;

/** The synchronous storage (SQLite, server/sync/storage.ts sqliteRoomStorage). */
export interface SyncRoomStorage {
  readonly async?: false;
  load(boardId: string): StoredBoard;
  /**
   * Commit the updates of several rooms in one transaction (what the other
   * participants wait for); throws if it could not. With `flushLater` the
   * transaction is committed (visible, kept if this process crashes)
   * without waiting for the disk; `flush` then makes it durable.
   */
  append(batches: Array<{ boardId: string; updates: Uint8Array[] }>, opts?: { flushLater?: boolean }): void;
  /** Record the activity those updates carry (after their broadcast); returns it as stored. */
  record(batches: Array<{ boardId: string; activity: ActivityInput[] }>, opts?: { flushLater?: boolean }): StoredActivity[];
  /** Make every commit so far durable on disk, off the event loop (when the storage can). */
  flush?(done: (error: Error | null) => void): void;
  /** Replace the stored log by `state`, keeping updates stored after `upToId`. */
  compact(boardId: string, state: Uint8Array, upToId: number): void;
  latestUpdateId(boardId: string): number;
  /** Move what was committed into its final place (SQLite: a WAL checkpoint), outside any commit; off the event loop when the storage has a worker. */
  checkpoint?(): void | Promise<void>;
  /**
   * compactStored off the event loop (SQLite with a storage worker,
   * server/sync/storage-worker.ts): from the rows as stored, never this
   * server's live copy; dropped when the board was rebuilt meanwhile.
   */
  compactOffThread?(boardId: string): Promise<number>;
  /** The board's document generation as stored now (bumped by a rebuild). */
  generationOf?(boardId: string): number;
  /**
   * Compact from what is stored, in one transaction: `merge` gets the
   * snapshot and every update row, and its result replaces them up to the
   * last row it got (rows appended later by other servers stay). Returns
   * that row id (0: nothing to do). Used when several servers share the
   * database: a server's live document may lack another server's newest
   * rows, so it must not be the source of a compaction.
   */
  compactStored?(boardId: string, merge: (snapshot: Uint8Array | null, updates: Uint8Array[]) => Uint8Array): number;
}

/**
 * The asynchronous storage (PostgreSQL, server/sync/storage.ts
 * postgresRoomStorage). The room manager keeps one commit in flight and
 * broadcasts a tick only when its commit resolved. Compaction is always
 * from the stored rows (compactStored): a live document may hold updates
 * of a tick still in flight, which must not be stored by another path.
 */
export interface AsyncRoomStorage {
  readonly async: true;
  /** The stored document and its generation, read together (one snapshot of the database). */
  load(boardId: string): Promise<StoredBoard & { generation: number }>;
  /**
   * Commit the updates of several rooms in one transaction, each board's
   * only if its generation is still `generation` (checked in that same
   * transaction); returns the boards refused as stale. Rejects when it
   * could not commit (then nothing of the tick is stored).
   */
  append(batches: Array<{ boardId: string; generation: number; updates: Uint8Array[] }>): Promise<{ stale: string[] }>;
  /** Record the activity those updates carry (after their broadcast); returns it as stored. */
  record(batches: Array<{ boardId: string; activity: ActivityInput[] }>): Promise<StoredActivity[]>;
  /** As SyncRoomStorage.compactStored; one server at a time per board (the board row is locked). */
  compactStored(boardId: string, merge: (snapshot: Uint8Array | null, updates: Uint8Array[]) => Uint8Array): Promise<number>;
  /** As SyncRoomStorage.compactOffThread: the same from the stored rows, in the storage worker's thread. */
  compactOffThread?(boardId: string): Promise<number>;
}

/**
 * Where a room's committed updates and its presence go to the other servers
 * that hold the same board (server/cluster/relay.ts). Absent on one server.
 * Updates that come back from the other servers are applied with the origin
 * REMOTE (room.ts): never stored again, never published again.
 */
export interface RoomRelay {
  /**
   * A room was loaded from storage with this document generation: start
   * following the board. Resolves once the board is positioned (what was
   * committed elsewhere merged, the recent presence of the other servers
   * replayed, with who owns each id), or when it is no longer followed.
   */
  loaded(boardId: string, generation: number): Promise<void>;
  /** This server committed `update` (a tick's updates of the board, combined) under `generation`. */
  committed(boardId: string, generation: number, update: Uint8Array): void;
  /** Presence of this server's connections changed: the awareness update, who owns each id, and which of them were removed (left). */
  presence(boardId: string, generation: number, update: Uint8Array, owners: Record<number, string>, removed?: readonly number[]): void;
  /** The room is gone from this server: stop following the board. */
  unloaded(boardId: string): void;
  /**
   * Resolves once this server has applied what the other servers published
   * of the board before the call (its stream read up to the entry that was
   * last then), or after `timeoutMs`: a server-side read or write on a board
   * already loaded here sees what was acknowledged through another server.
   */
  caughtUp?(boardId: string, timeoutMs?: number): Promise<void>;
  /** Resolves once what was committed here before the call is published (or after `timeoutMs`): an acknowledged write is then in the stream. */
  published?(timeoutMs?: number): Promise<void>;
  /** Compact the board's stored log, by one server at a time (a lease); settles when done or skipped. */
  compact(boardId: string): Promise<unknown>;
  /** This server rebuilt the board (generation bumped): the other servers drop their copies. */
  rebuilt(boardId: string, generation: number): void;
  /**
   * This server's copy of the board was dropped as rebuilt: the board is at
   * `generation` or later now, and nothing of an older one is published or
   * kept (the relay's outbox and stream).
   */
  superseded?(boardId: string, generation: number): void;
}

export interface Logger {
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
}
