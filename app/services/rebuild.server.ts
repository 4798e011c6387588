/**
 * Rebuild a board's document without some of its words (an erasure, the
 * retention sweep): the shared core.
 *
 * The current document (the live room with everything committed, or the
 * stored one) is read into plain data, changed by `transform`, and written
 * into a fresh Y.Doc (app/board/rebuild.ts), which becomes the board's
 * snapshot. In the same SQL transaction the whole update log of the board
 * is deleted, every stored moment is rebuilt with the same transform, the
 * document generation goes up, and `also` erases whatever else the caller
 * erases. The live room is then dropped and every connection closed with
 * 4410: browsers drop their copy and load the board again, and a client
 * that still holds the old generation is refused before it can send
 * anything. Last, the write-ahead log is checkpointed and truncated, so the
 * old pages (zeroed by `secure_delete`, db/client.ts) are not left in the
 * -wal file either.
 */
import { boardToPlain, decodePlainBoard, encodePlainBoard, type BoardTransform, type PlainBoard } from "../board/rebuild";
import { checkpointTruncate, momentDocs, storeRebuiltBoard, type Tx } from "../../db/rebuild";
import type { AppServices } from "./context.server";

export type { BoardTransform, PlainBoard, Tx };

export interface RebuildOutcome<T> {
  /** The board's document generation from now on. */
  generation: number;
  /** Cards in the document before and after. */
  cardsBefore: number;
  cardsAfter: number;
  /** Stored moments rewritten. */
  moments: number;
  /** Whether the write-ahead log could be emptied (false: a reader held it; the next checkpoint does it). */
  checkpointed: boolean;
  /** What `also` returned. */
  result: T;
}

/**
 * Rebuild board `boardId` under a new generation with `transform` applied to
 * the live document and to every stored moment; `also` runs in the same
 * transaction. Synchronous from reading the document to committing, so no
 * edit lands in between. Throws (and changes nothing) when anything fails.
 */
export function rebuildBoard<T = undefined>(
  svc: Pick<AppServices, "db" | "rooms" | "now">,
  boardId: string,
  transform: BoardTransform,
  also?: (tx: Tx, docs: { before: PlainBoard; after: PlainBoard }) => T,
): RebuildOutcome<T> {
  const outcome = svc.rooms.rebuild(boardId, (doc) => {
    const before = boardToPlain(doc);
    const after = transform(before);
    const state = encodePlainBoard(after);
    const moments = momentDocs(svc.db, boardId).map((m) => ({ id: m.id, data: encodePlainBoard(transform(decodePlainBoard(m.data))) }));
    const stored = storeRebuiltBoard(svc.db, boardId, state, moments, svc.now(), (tx) =>
      also ? also(tx, { before, after }) : (undefined as T),
    );
    return {
      generation: stored.generation,
      cardsBefore: Object.keys(before.cards).length,
      cardsAfter: Object.keys(after.cards).length,
      moments: moments.length,
      result: stored.result,
    };
  });
  return { ...outcome, checkpointed: checkpointTruncate(svc.db) };
}
