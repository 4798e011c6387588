/**
 * Rebuild a board's document without some of its words (an erasure, the
 * retention sweep): the shared core, on both database engines and both room
 * storages.
 *
 * The room manager holds the board's ticks (BoardRooms.rebuild). In ONE
 * transaction (db/rebuild.ts) the board row is updated first (the document
 * generation bumped: every tick of the old generation, on any server, is
 * refused from then on), then what is stored is read and merged with the
 * live document, the result read into plain data, changed by `transform`,
 * and written into a fresh Y.Doc (app/board/rebuild.ts), which becomes the
 * board's snapshot; the whole update log is deleted, every stored moment is
 * rebuilt with the same transform, and `also` erases whatever else the
 * caller erases (through the transaction's `tx`). The live room is then
 * dropped and every connection closed with 4410: browsers drop their copy
 * and load the board again, and a client that still holds the old
 * generation is refused before it can send anything. Last, on SQLite the
 * write-ahead log is checkpointed and truncated, so the old pages (zeroed by
 * `secure_delete`, db/client.ts) are not left in the -wal file either; on
 * PostgreSQL the tables it wrote are VACUUMed, so the dead versions of the
 * erased rows leave the table files (db/rebuild.ts vacuumErased).
 */
import * as Y from "yjs";
import { boardToPlain, decodePlainBoard, encodePlainBoard, type BoardTransform, type PlainBoard } from "../board/rebuild";
import type { AsyncDb } from "../../db/client";
import { checkpointTruncate, storeRebuiltBoard, vacuumErased } from "../../db/rebuild";
import { sqliteOf, type AppServices } from "./context.server";
import { logFailure } from "./log.server";

export type { BoardTransform, PlainBoard };

/**
 * A transform decided from the current document itself (`plan` gets it as
 * plain data, inside the rebuild's transaction, and returns the transform
 * for it and every moment): for a rule that depends on the board's state,
 * which may change until the rebuild holds the board.
 */
export interface PlannedTransform {
  plan(before: PlainBoard): BoardTransform;
}

export interface RebuildOutcome<T> {
  /** The board's document generation from now on. */
  generation: number;
  /** Cards in the document before and after. */
  cardsBefore: number;
  cardsAfter: number;
  /** Stored moments rewritten. */
  moments: number;
  /**
   * SQLite: whether the write-ahead log could be emptied (false: a reader held
   * it; the next checkpoint does it). PostgreSQL: whether the VACUUM ran
   * (false: it failed; autovacuum does it later).
   */
  checkpointed: boolean;
  /** What `also` returned. */
  result: T;
}

/**
 * Rebuild board `boardId` under a new generation with `transform` applied to
 * the current document (the live one with what is stored) and to every
 * stored moment; `also` runs in the same transaction (it may run more than
 * once on PostgreSQL: database writes through `tx` only). Throws (and
 * changes nothing) when anything fails.
 */
export async function rebuildBoard<T = undefined>(
  svc: Pick<AppServices, "db" | "async" | "rooms" | "now" | "env">,
  boardId: string,
  transform: BoardTransform | PlannedTransform,
  also?: (tx: AsyncDb, docs: { before: PlainBoard; after: PlainBoard }) => Promise<T>,
): Promise<RebuildOutcome<T>> {
  // The transform of this attempt of the transaction (a planned one is decided from the document read in it).
  let current: BoardTransform = typeof transform === "function" ? transform : () => {
    throw new Error("rebuild: transform not planned");
  };
  const outcome = await svc.rooms.rebuild(boardId, async (live, liveGeneration) => {
    const stored = await storeRebuiltBoard(
      svc.async,
      boardId,
      svc.now(),
      (fromStorage, generation) => {
        const doc = new Y.Doc();
        try {
          // The live copy may hold what was applied here and not stored yet; a copy of an older generation (rebuilt elsewhere) must not come back.
          if (liveGeneration === null || liveGeneration === generation) Y.applyUpdate(doc, Y.encodeStateAsUpdate(live));
          if (fromStorage.snapshot) Y.applyUpdate(doc, fromStorage.snapshot);
          for (const u of fromStorage.updates) Y.applyUpdate(doc, u);
          const before = boardToPlain(doc);
          if (typeof transform !== "function") current = transform.plan(before);
          const after = current(before);
          return { state: encodePlainBoard(after), before, after };
        } finally {
          doc.destroy();
        }
      },
      (data) => encodePlainBoard(current(decodePlainBoard(data))),
      (tx, docs) => (also ? also(tx, { before: docs.before, after: docs.after }) : Promise.resolve(undefined as T)),
    );
    return {
      generation: stored.generation,
      cardsBefore: Object.keys(stored.replaced.before.cards).length,
      cardsAfter: Object.keys(stored.replaced.after.cards).length,
      moments: stored.moments,
      result: stored.result,
    };
  });
  const checkpointed =
    svc.async.dialect === "sqlite" ? checkpointTruncate(sqliteOf(svc, "the WAL checkpoint")) : await vacuumErased(svc.async).catch((e) => vacuumFailed(svc, boardId, e));
  return { ...outcome, checkpointed };
}

/** The erasure stands (it committed); the VACUUM that clears its dead row versions failed: said in the log, autovacuum does it later. */
export function vacuumFailed(svc: Pick<AppServices, "env" | "log">, boardId: string | null, e: unknown): false {
  logFailure(svc, "VACUUM after an erasure failed; autovacuum clears the old row versions later", e, { board: boardId });
  return false;
}
