/** The SQLite storage of room documents, through the queries in db/. */
import {
  appendManyBoardUpdates,
  checkpointLog,
  compactBoard,
  compactStoredBoard,
  latestUpdateId,
  loadBoardState,
  recordBoardActivity,
} from "../../db/board-store";
import { flushLog, type Database_ } from "../../db/client";
import { docGeneration } from "../../db/rebuild";
import type { RoomStorage } from "./types";

/** `now`: the server's clock, for the time of the activity a commit carries (and the requests it touches). */
export function sqliteRoomStorage(database: Database_, now: () => number = Date.now): RoomStorage {
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
    checkpoint: () => checkpointLog(db),
    generationOf: (boardId) => docGeneration(db, boardId),
    compactStored: (boardId, merge) => compactStoredBoard(db, boardId, merge),
  };
}
