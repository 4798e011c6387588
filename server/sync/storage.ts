/** The SQLite storage of room documents, through the queries in db/. */
import {
  appendManyBoardUpdates,
  checkpointLog,
  compactBoard,
  latestUpdateId,
  loadBoardState,
} from "../../db/board-store";
import type { DB } from "../../db/client";
import type { RoomStorage } from "./types";

/** `now`: the server's clock, for the time of the activity a commit carries (and the requests it touches). */
export function sqliteRoomStorage(db: DB, now: () => number = Date.now): RoomStorage {
  return {
    load: (boardId) => loadBoardState(db, boardId),
    append: (batches) => appendManyBoardUpdates(db, batches, now()),
    compact: (boardId, state, upToId) => compactBoard(db, boardId, state, upToId),
    latestUpdateId: (boardId) => latestUpdateId(db, boardId),
    checkpoint: () => checkpointLog(db),
  };
}
