/** The storage of room documents, through the queries in db/: SQLite's synchronous one, and the asynchronous one (PostgreSQL). */
import {
  appendBoardTickAsync,
  appendManyBoardUpdates,
  checkpointLog,
  compactBoard,
  compactStoredBoard,
  compactStoredBoardAsync,
  latestUpdateId,
  loadBoardState,
  loadBoardStateAsync,
  recordBoardActivity,
  recordBoardActivityAsync,
} from "../../db/board-store";
import { flushLog, type AsyncDb, type Database_ } from "../../db/client";
import { docGeneration } from "../../db/rebuild";
import { mergeStoredState } from "./protocol";
import type { StorageWorker } from "./storage-worker";
import type { AsyncRoomStorage, RoomStorage, SyncRoomStorage } from "./types";

/**
 * How a board is compacted from its rows as stored (never from a server's
 * live copy, which may lack another server's newest rows or hold a tick
 * still in flight): in the storage worker's thread when the storage has
 * one, else by the storage itself on the event loop. Null when this
 * storage cannot (a synchronous one without compactStored). Used by the
 * room manager on an asynchronous storage and by the Redis relay under its
 * lease; the result is the last row folded in (0: nothing to do).
 */
export function storedCompaction(storage: RoomStorage): ((boardId: string) => Promise<number>) | null {
  if (storage.compactOffThread) return (boardId) => storage.compactOffThread!(boardId);
  if (!storage.compactStored) return null;
  // Called at once (an async function runs up to its first await): SQLite's compacts before this returns.
  return async (boardId) => storage.compactStored!(boardId, mergeStoredState);
}

/** `now`: the server's clock, for the time of the activity a commit carries (and the requests it touches). */
export function sqliteRoomStorage(database: Database_, now: () => number = Date.now, opts: { worker?: StorageWorker | null } = {}): SyncRoomStorage {
  const worker = opts.worker ?? null;
  const db = database.db;
  // One fdatasync at a time; commits that arrive meanwhile share the next one.
  let flushing = false;
  let waiting: Array<(error: Error | null) => void> = [];
  const startFlush = () => {
    flushing = true;
    const callbacks = waiting;
    waiting = [];
    flushLog(database, (error) => {
      flushing = false;
      for (const cb of callbacks) cb(error);
      if (waiting.length) startFlush();
    });
  };
  return {
    load: (boardId) => loadBoardState(db, boardId),
    append: (batches, opts) => appendManyBoardUpdates(db, batches, now(), { flushLater: opts?.flushLater }),
    record: (batches, opts) => recordBoardActivity(db, batches, now(), { flushLater: opts?.flushLater }),
    flush: (done) => {
      waiting.push(done);
      if (!flushing) startFlush();
    },
    compact: (boardId, state, upToId) => compactBoard(db, boardId, state, upToId),
    latestUpdateId: (boardId) => latestUpdateId(db, boardId),
    checkpoint: () => (worker ? worker.checkpoint() : checkpointLog(db)),
    ...(worker ? { compactOffThread: (boardId: string) => worker.compact(boardId) } : {}),
    generationOf: (boardId) => docGeneration(db, boardId),
    compactStored: (boardId, merge) => compactStoredBoard(db, boardId, merge),
  };
}

/**
 * The storage on the asynchronous layer: PostgreSQL (it runs on SQLite's
 * layer too, which the tests use; the server keeps sqliteRoomStorage there).
 * A tick's append and its activity record are one statement each on
 * PostgreSQL (decision 004), the generation check inside the append.
 * Durability is PostgreSQL's own commit: no separate flush. With a
 * `worker` (server/sync/storage-worker.ts) compactions run in its thread,
 * in steps of their own (compactStoredBoardApartAsync).
 */
export function postgresRoomStorage(h: AsyncDb, now: () => number = Date.now, opts: { worker?: StorageWorker | null } = {}): AsyncRoomStorage {
  const worker = opts.worker ?? null;
  return {
    async: true,
    load: (boardId) => loadBoardStateAsync(h, boardId),
    append: (batches) => appendBoardTickAsync(h, batches, now()),
    record: (batches) => recordBoardActivityAsync(h, batches, now()),
    compactStored: (boardId, merge) => compactStoredBoardAsync(h, boardId, merge),
    ...(worker ? { compactOffThread: (boardId: string) => worker.compact(boardId) } : {}),
  };
}
