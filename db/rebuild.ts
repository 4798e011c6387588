/**
 * Storing a rebuilt board document (app/board/rebuild.ts): the fresh
 * document as the board's snapshot, the whole update log gone, every stored
 * moment replaced by its rebuilt form, and the document generation bumped,
 * in one transaction together with whatever else the caller erases.
 */
import { asc, eq, sql } from "drizzle-orm";
import type { DB } from "./client";
import { boardMoments, boards, boardSnapshots, boardUpdates } from "./schema";

export type Tx = Parameters<Parameters<DB["transaction"]>[0]>[0];

function buf(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The board's stored moments with their documents, oldest first. */
export function momentDocs(db: DB | Tx, boardId: string): Array<{ id: string; data: Uint8Array }> {
  return db
    .select({ id: boardMoments.id, data: boardMoments.data })
    .from(boardMoments)
    .where(eq(boardMoments.boardId, boardId))
    .orderBy(asc(boardMoments.at), asc(sql`rowid`))
    .all()
    .map((r) => ({ id: r.id, data: new Uint8Array(r.data) }));
}

export function docGeneration(db: DB | Tx, boardId: string): number {
  return db.select({ g: boards.docGeneration }).from(boards).where(eq(boards.id, boardId)).get()?.g ?? 0;
}

/**
 * Replace the board's document by `state` under the next generation: the
 * snapshot becomes `state` (its log position 0: every update stored from
 * now on is newer), every update of the board is deleted, each moment in
 * `moments` gets its new document, and `also` runs inside the same
 * transaction (the erasure's own deletions). Returns the new generation
 * and what `also` returned. Nothing is written when anything throws.
 */
export function storeRebuiltBoard<T>(
  db: DB,
  boardId: string,
  state: Uint8Array,
  moments: ReadonlyArray<{ id: string; data: Uint8Array }>,
  at: number,
  also: (tx: Tx) => T,
): { generation: number; result: T } {
  return db.transaction((tx) => {
    const data = buf(state);
    tx.insert(boardSnapshots)
      .values({ boardId, data, lastUpdateId: 0, updatedAt: at })
      .onConflictDoUpdate({ target: boardSnapshots.boardId, set: { data, lastUpdateId: 0, updatedAt: at } })
      .run();
    tx.delete(boardUpdates).where(eq(boardUpdates.boardId, boardId)).run();
    for (const m of moments) tx.update(boardMoments).set({ data: buf(m.data) }).where(eq(boardMoments.id, m.id)).run();
    const row = tx
      .update(boards)
      .set({ docGeneration: sql`${boards.docGeneration} + 1` })
      .where(eq(boards.id, boardId))
      .returning({ g: boards.docGeneration })
      .get();
    if (!row) throw new Error("rebuild: no such board");
    const result = also(tx);
    return { generation: row.g, result };
  });
}

/**
 * Move everything in the write-ahead log into the database file and empty
 * the log (TRUNCATE), so erased pages are not left in the -wal file. Waits
 * for readers (busy_timeout); returns whether every frame was moved.
 */
export function checkpointTruncate(db: DB): boolean {
  const row = db.$client.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number } | undefined;
  return !row || row.busy === 0;
}
