/** The SQLite storage of room documents, through the queries in db/. */
import {
  appendManyBoardUpdates,
  compactBoard,
  latestUpdateId,
  loadBoardState,
} from "../../db/board-store";
import type { DB } from "../../db/client";
import type { RoomStorage } from "./types";

export function sqliteRoomStorage(db: DB): RoomStorage {
  return {
    load: (boardId) => loadBoardState(db, boardId),
    append: (batches) => appendManyBoardUpdates(db, batches),
    compact: (boardId, state, upToId) => compactBoard(db, boardId, state, upToId),
    latestUpdateId: (boardId) => latestUpdateId(db, boardId),
  };
}
