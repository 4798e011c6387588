/**
 * Storing a rebuilt board document (app/services/rebuild.server.ts), on the
 * asynchronous layer (both engines): in ONE transaction the board row is
 * updated first (the generation bumped: on PostgreSQL this takes the row's
 * lock, so a tick holding it `FOR SHARE` for its generation check is waited
 * for, and every later tick of the old generation is refused), then the
 * stored document is read (everything committed before the lock), the
 * replacement computed from it, the snapshot replaced, the whole update log
 * deleted, every moment rebuilt, and the caller's own erasure run.
 */
import { asc, eq, getTableName, sql } from "drizzle-orm";
import { readStoredBoard, type StoredBoard } from "./board-store";
import type { AsyncDb, DB } from "./client";
import { storedOrder } from "./dialect";
import { boards } from "./schema";

function buf(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The board's stored moments with their documents, oldest first. */
export async function momentDocs(h: AsyncDb, boardId: string): Promise<Array<{ id: string; data: Uint8Array }>> {
  const m = h.t.boardMoments;
  const rows = await h.q
    .select({ id: m.id, data: m.data })
    .from(m)
    .where(eq(m.boardId, boardId))
    .orderBy(asc(m.at), asc(storedOrder(h, m)));
  return rows.map((r) => ({ id: r.id, data: new Uint8Array(r.data) }));
}

/**
 * The board's document generation as stored now: the synchronous room
 * storage's generation check (server/sync/storage.ts sqliteRoomStorage,
 * SQLite only; the asynchronous storage reads it inside its append).
 */
export function docGeneration(db: DB, boardId: string): number {
  return db.select({ g: boards.docGeneration }).from(boards).where(eq(boards.id, boardId)).get()?.g ?? 0;
}

export interface RebuiltState {
  /** The board's new document (encoded state). */
  state: Uint8Array;
}

/**
 * Replace the board's document under the next generation, in one
 * transaction: (1) `boards.doc_generation` + 1 (the row locked from here to
 * the commit); (2) `replace` gets the stored document (snapshot and log, as
 * committed before the lock) and the generation it is of, and returns the
 * new state; (3) the snapshot
 * becomes it (log position 0: every update stored from now on is newer),
 * every update row of the board is deleted, each stored moment is replaced
 * by `moment(its data)`; (4) `also(tx, replaced)` runs (the erasure's own
 * rows). `replace`, `moment` and `also` may run more than once (PostgreSQL
 * retries a serialization failure): no effects outside the database.
 * Nothing is written when anything throws.
 */
export async function storeRebuiltBoard<R extends RebuiltState, T>(
  h: AsyncDb,
  boardId: string,
  at: number,
  replace: (stored: StoredBoard, previousGeneration: number) => R,
  moment: (data: Uint8Array) => Uint8Array,
  also: (tx: AsyncDb, replaced: R) => Promise<T>,
): Promise<{ generation: number; moments: number; replaced: R; result: T }> {
  return h.transaction(async (tx) => {
    const { boards: b, boardSnapshots: s, boardUpdates: u, boardMoments: m } = tx.t;
    // First: the board row. Ticks lock it FOR SHARE for their generation check; this waits for them, and they for this.
    const [row] = await tx.q
      .update(b)
      .set({ docGeneration: sql`${b.docGeneration} + 1` })
      .where(eq(b.id, boardId))
      .returning({ g: b.docGeneration });
    if (!row) throw new Error("rebuild: no such board");
    const replaced = replace(await readStoredBoard(tx, boardId), row.g - 1);
    const data = buf(replaced.state);
    await tx.q
      .insert(s)
      .values({ boardId, data, lastUpdateId: 0, updatedAt: at })
      .onConflictDoUpdate({ target: s.boardId, set: { data, lastUpdateId: 0, updatedAt: at } });
    await tx.q.delete(u).where(eq(u.boardId, boardId));
    const moments = await momentDocs(tx, boardId);
    for (const mo of moments) await tx.q.update(m).set({ data: buf(moment(mo.data)) }).where(eq(m.id, mo.id));
    const result = await also(tx, replaced);
    return { generation: row.g, moments: moments.length, replaced, result };
  });
}

/**
 * Move everything in the write-ahead log into the database file and empty
 * the log (TRUNCATE), so erased pages are not left in the -wal file. Waits
 * for readers (busy_timeout); returns whether every frame was moved.
 * SQLite only (PostgreSQL: vacuumErased).
 */
export function checkpointTruncate(db: DB): boolean {
  const row = db.$client.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number } | undefined;
  return !row || row.busy === 0;
}

/**
 * The tables a rebuild or an erasure removes words or sealed values from
 * (storeRebuiltBoard above; db/erase.ts eraseRequests; db/retention.ts
 * anonymiseRequestRows; the contacts they delete). Tables it only unlinks
 * ids in (jobs, places, the front door's items) hold no such words.
 */
const ERASED_TABLES = [
  "boards",
  "boardSnapshots",
  "boardUpdates",
  "boardMoments",
  "auditEvents",
  "meetingActions",
  "meetingDecisions",
  "mailOutbox",
  "notifications",
  "duplicateDecisions",
  "comments",
  "referrals",
  "contactViews",
  "requestContacts",
  "requests",
] as const satisfies ReadonlyArray<keyof AsyncDb["t"]>;

/**
 * PostgreSQL's counterpart of checkpointTruncate. An UPDATE or DELETE there
 * only marks the old version of a row dead; its bytes stay in the table's
 * pages until a VACUUM removes it (autovacuum comes when enough rows died,
 * which for one erasure may be never). This VACUUMs the tables an erasure
 * wrote, at once, indexes included, so no row version and no index entry
 * keeps the erased words (the bytes a removed version took can stay in the
 * page's free space until the page is written again).
 * Plain VACUUM: it takes no lock that stops reads or writes. Not in a
 * transaction (VACUUM cannot run in one); a row still seen by an open
 * snapshot elsewhere stays until that snapshot ends (autovacuum then).
 * What it cannot reach: PostgreSQL's write-ahead log keeps the words until
 * its segments are overwritten (README, Vergeten). Returns whether it ran.
 * `tables`: fewer, for a smaller erasure (contact details replaced or cleared).
 */
export async function vacuumErased(h: AsyncDb, tables: ReadonlyArray<keyof AsyncDb["t"]> = ERASED_TABLES): Promise<boolean> {
  if (h.dialect !== "postgres") return false;
  const names = tables.map((k) => `"${getTableName(h.t[k])}"`).join(", ");
  // INDEX_CLEANUP ON: VACUUM may skip the indexes when few pages hold dead rows (PostgreSQL 14+); an erased
  // reference's keyed hash would then stay in requests_refkey_idx.
  await h.q.execute(sql.raw(`VACUUM (INDEX_CLEANUP ON) ${names}`));
  return true;
}
