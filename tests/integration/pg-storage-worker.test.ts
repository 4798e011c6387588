/**
 * The storage worker on PostgreSQL (server/sync/storage-worker.ts): a
 * board's compaction in a thread of its own, on a connection of its own,
 * with the merge outside the board row's lock
 * (db/board-store.ts compactStoredBoardApartAsync). What it stores is what
 * the log held; a tick appended while it merges is neither blocked nor
 * lost; a rebuild that lands between its read and its write wins.
 *
 * What "meanwhile" does runs through psql, synchronously, inside the merge:
 * so it has certainly happened before the compaction writes, and a
 * compaction that held the row's lock while merging would make the append
 * wait for a lock that cannot be released (psql's timeout then fails the
 * test instead of hanging it).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { count as drizzleCount, eq, sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCards, getCard, initBoard, updateCard } from "../../app/board/domain";
import { compactStoredBoardApartAsync, compactStoredBoardAsync, loadBoardStateAsync } from "../../db/board-store";
import type { AsyncDb } from "../../db/client";
import { rawRows } from "../../db/dialect";
import { mergeStoredState } from "../../server/sync/protocol";
import { postgresRoomStorage, storedCompaction } from "../../server/sync/storage";
import { BACKGROUND_NICE, StorageWorker } from "../../server/sync/storage-worker";
import { bothEngines } from "../infra/engines";
import { postgresBinDir } from "../infra/postgres";

const quiet = { info() {}, warn() {}, error() {} };
const engines = bothEngines("storage_worker");
const h = (): AsyncDb => engines.postgres.async;

let boards = 0;
/** A board of three cards with `edits` stored updates (each its own row); its id and the document they make. */
async function storedLog(edits: number): Promise<{ boardId: string; live: Y.Doc }> {
  const boardId = `b${++boards}`;
  if (boards === 1) await h().q.insert(h().t.alliances).values({ id: "al", name: "A", slug: "a", matchSecret: "s", demo: true });
  await h().q.insert(h().t.boards).values({ id: boardId, allianceId: "al", name: "Bord" });
  const live = new Y.Doc();
  const updates: Uint8Array[] = [];
  live.on("update", (u: Uint8Array) => updates.push(u));
  initBoard(live);
  addCards(live, ["c1", "c2", "c3"].map((id) => ({ id, title: id, category: "taal", description: "", area: "", urgency: "normaal", createdAt: 1, createdByOrg: "org" })));
  for (let i = 0; i < edits; i++) updateCard(live, ["c1", "c2", "c3"][i % 3], { description: `stap ${i}` }, 1_000 + i);
  const { stale } = await postgresRoomStorage(h()).append([{ boardId, generation: 0, updates }]);
  expect(stale).toEqual([]);
  return { boardId, live };
}

async function storedDoc(boardId: string): Promise<Y.Doc> {
  const stored = await loadBoardStateAsync(h(), boardId);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  return doc;
}

async function rows(boardId: string): Promise<number> {
  const [r] = await h().q.select({ n: drizzleCount() }).from(h().t.boardUpdates).where(eq(h().t.boardUpdates.boardId, boardId));
  return Number(r.n);
}

/** SQL on a connection of psql's own, finished before this returns (the event loop waits). */
function psql(statements: string): { ok: boolean; output: string } {
  const r = spawnSync(path.join(postgresBinDir(), "psql"), [engines.url, "-v", "ON_ERROR_STOP=1", "-q", "-c", statements], { encoding: "utf8", timeout: 5_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
}

/** A Yjs update as a PostgreSQL bytea literal. */
const hex = (u: Uint8Array) => `'\\x${Buffer.from(u).toString("hex")}'::bytea`;

/** One more edit of `card` on top of what `base` holds, as the update it makes. */
function nextEdit(base: Uint8Array, card: string, description: string): Uint8Array {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, base);
  let update: Uint8Array | null = null;
  doc.once("update", (u: Uint8Array) => (update = u));
  updateCard(doc, card, { description }, 9_999);
  return update!;
}

describe("the storage worker on PostgreSQL", () => {
  it("folds a board's stored log into its snapshot in its thread: the stored document is the same, the rows are gone", async () => {
    const { boardId, live } = await storedLog(60);
    expect(await rows(boardId)).toBe(62);
    const worker = new StorageWorker(engines.url, quiet);
    try {
      worker.warm();
      expect(await worker.priority()).toBe(BACKGROUND_NICE);
      expect(await worker.compact(boardId)).toBeGreaterThan(0);
      expect(await rows(boardId)).toBe(0);
      const stored = await storedDoc(boardId);
      expect(Buffer.from(Y.encodeStateVector(stored))).toEqual(Buffer.from(Y.encodeStateVector(live)));
      expect(getCard(stored, "c3")?.description).toBe(getCard(live, "c3")?.description);
      // Nothing left to fold: 0. A checkpoint is answered (PostgreSQL checkpoints by itself).
      expect(await worker.compact(boardId)).toBe(0);
      await worker.checkpoint();
      // A board that does not exist: nothing done, no error.
      expect(await worker.compact("no-such-board")).toBe(0);
    } finally {
      await worker.close();
    }
    await expect(worker.compact(boardId)).rejects.toThrow(/closed/);
  });

  it("through the room storage (storedCompaction): with a worker its thread compacts, never the event loop; without one the storage does", async () => {
    const first = await storedLog(5);
    const worker = new StorageWorker(engines.url, quiet);
    try {
      const storage = postgresRoomStorage(h(), Date.now, { worker });
      expect(storage.compactOffThread).toBeTypeOf("function");
      const onLoop = { ...storage, compactStored: () => Promise.reject(new Error("compacted on the event loop")) };
      expect(await storedCompaction(onLoop)!(first.boardId)).toBeGreaterThan(0);
      expect(await rows(first.boardId)).toBe(0);
    } finally {
      await worker.close();
    }
    const second = await storedLog(5);
    const alone = postgresRoomStorage(h());
    expect(alone.compactOffThread).toBeUndefined();
    expect(await storedCompaction(alone)!(second.boardId)).toBeGreaterThan(0);
    expect(await rows(second.boardId)).toBe(0);
  });

  it("a tick appended while it merges is not blocked by it and stays; a later compaction folds it in", async () => {
    const { boardId } = await storedLog(10);
    let meanwhile: ReturnType<typeof psql> | null = null;
    const folded = await compactStoredBoardApartAsync(h(), boardId, (snapshot, updates) => {
      const merged = mergeStoredState(snapshot, updates);
      meanwhile = psql(`INSERT INTO board_updates (board_id, data, created_at) VALUES ('${boardId}', ${hex(nextEdit(merged, "c1", "meanwhile"))}, 1)`);
      return merged;
    });
    expect(meanwhile).toMatchObject({ ok: true });
    expect(folded).toBeGreaterThan(0);
    expect(await rows(boardId)).toBe(1);
    expect(getCard(await storedDoc(boardId), "c1")?.description).toBe("meanwhile");
    expect(await compactStoredBoardApartAsync(h(), boardId, mergeStoredState)).toBeGreaterThan(folded);
    expect(await rows(boardId)).toBe(0);
    expect(getCard(await storedDoc(boardId), "c1")?.description).toBe("meanwhile");
  });

  it("(the compaction in one transaction holds the row's lock while it merges: the same append waits, here until psql gives up)", async () => {
    // What the test above guards against: with compactStoredBoardAsync the append cannot go before the compaction commits.
    const { boardId } = await storedLog(3);
    let meanwhile: ReturnType<typeof psql> | null = null;
    await compactStoredBoardAsync(h(), boardId, (snapshot, updates) => {
      const merged = mergeStoredState(snapshot, updates);
      meanwhile = psql(`SET lock_timeout = '300ms'; INSERT INTO board_updates (board_id, data, created_at) SELECT '${boardId}', ${hex(nextEdit(merged, "c1", "x"))}, 1 FROM boards WHERE id = '${boardId}' FOR SHARE`);
      return merged;
    });
    expect(meanwhile).toMatchObject({ ok: false });
    expect(meanwhile!.output).toMatch(/lock timeout/);
  });

  it("a row with a lower id whose tick commits after a higher one's is not deleted unmerged (ids are handed out at insert, not at commit)", async () => {
    // Found by review: server 1's tick holds the board FOR SHARE and has inserted its row, not yet committed; server 2's row,
    // a higher id, commits first. A compaction that read then must not fold in 2's row and delete 1's with it.
    const { boardId } = await storedLog(3);
    const base = Y.encodeStateAsUpdate(await storedDoc(boardId));
    const server1 = new pg.Client({ connectionString: engines.url });
    await server1.connect();
    try {
      await server1.query("BEGIN");
      await server1.query("SELECT 1 FROM boards WHERE id = $1 FOR SHARE", [boardId]);
      await server1.query("INSERT INTO board_updates (board_id, data, created_at) VALUES ($1, $2, 1)", [boardId, Buffer.from(nextEdit(base, "c1", "in flight"))]);
      expect(psql(`INSERT INTO board_updates (board_id, data, created_at) VALUES ('${boardId}', ${hex(nextEdit(base, "c2", "second"))}, 1)`)).toMatchObject({ ok: true });
      const compaction = compactStoredBoardApartAsync(h(), boardId, mergeStoredState);
      await new Promise((r) => setTimeout(r, 300));
      await server1.query("COMMIT");
      await compaction;
    } finally {
      await server1.end();
    }
    const stored = await storedDoc(boardId);
    expect(getCard(stored, "c1")?.description).toBe("in flight");
    expect(getCard(stored, "c2")?.description).toBe("second");
    // And a second compaction folds in whatever the first left.
    await compactStoredBoardApartAsync(h(), boardId, mergeStoredState);
    expect(await rows(boardId)).toBe(0);
    expect(getCard(await storedDoc(boardId), "c1")?.description).toBe("in flight");
  });

  it("the log's ids come from a sequence that caches none per session, which the settle step relies on", async () => {
    // With a per-session cache a later tick could take a lower id than one already read, and be deleted unmerged.
    const [seq] = await rawRows(h(), sql`select cache_size from pg_sequences where sequencename = 'board_updates_id_seq'`);
    expect(Number(seq.cache_size)).toBe(1);
  });

  it("a rebuild between its read and its write wins: the merge of the old document is dropped, the erased card stays erased", async () => {
    const { boardId } = await storedLog(20);
    let rebuild: ReturnType<typeof psql> | null = null;
    const folded = await compactStoredBoardApartAsync(h(), boardId, (snapshot, updates) => {
      const merged = mergeStoredState(snapshot, updates);
      // Meanwhile, elsewhere: the board rebuilt without c2, as an erasure does (next generation, snapshot at log position 0, rows gone).
      const rebuilt = new Y.Doc();
      Y.applyUpdate(rebuilt, merged);
      rebuilt.transact(() => (rebuilt.getMap("cards") as Y.Map<unknown>).delete("c2"));
      rebuild = psql(
        `BEGIN; UPDATE boards SET doc_generation = doc_generation + 1 WHERE id = '${boardId}'; DELETE FROM board_updates WHERE board_id = '${boardId}';
         INSERT INTO board_snapshots (board_id, data, last_update_id, updated_at) VALUES ('${boardId}', ${hex(Y.encodeStateAsUpdate(rebuilt))}, 0, 1)
           ON CONFLICT (board_id) DO UPDATE SET data = excluded.data, last_update_id = 0; COMMIT;`,
      );
      return merged;
    });
    expect(rebuild).toMatchObject({ ok: true });
    expect(folded).toBe(0);
    const stored = await storedDoc(boardId);
    expect(getCard(stored, "c2")).toBeNull();
    expect(getCard(stored, "c1")).not.toBeNull();
  });

  it("a compaction that got further meanwhile stays: an older merge is not written over it", async () => {
    const { boardId } = await storedLog(6);
    let further = 0;
    const folded = await compactStoredBoardApartAsync(h(), boardId, (snapshot, updates) => {
      const merged = mergeStoredState(snapshot, updates);
      // Meanwhile another server appends a row after the ones read here, and compacts everything up to it.
      const later = nextEdit(merged, "c2", "later");
      const withLater = new Y.Doc();
      Y.applyUpdate(withLater, merged);
      Y.applyUpdate(withLater, later);
      const r = psql(
        `BEGIN; INSERT INTO board_updates (board_id, data, created_at) VALUES ('${boardId}', ${hex(later)}, 1);
         SELECT 1 FROM boards WHERE id = '${boardId}' FOR UPDATE;
         INSERT INTO board_snapshots (board_id, data, last_update_id, updated_at) SELECT '${boardId}', ${hex(Y.encodeStateAsUpdate(withLater))}, max(id), 1 FROM board_updates WHERE board_id = '${boardId}'
           ON CONFLICT (board_id) DO UPDATE SET data = excluded.data, last_update_id = excluded.last_update_id;
         DELETE FROM board_updates WHERE board_id = '${boardId}'; COMMIT;`,
      );
      expect(r).toMatchObject({ ok: true });
      further = 1;
      return merged;
    });
    expect(further).toBe(1);
    expect(folded).toBe(0);
    expect(getCard(await storedDoc(boardId), "c2")?.description).toBe("later");
  });
});
