/**
 * SQLite's storage worker (server/sync/storage-worker.ts): compactions and
 * checkpoints on a connection of their own in a worker thread, off the
 * event loop. What it stores is what the log held; a rebuild (erasure,
 * retention) that lands between its read and its write wins, so an erased
 * card never comes back from a compaction of the old document.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCards, getCard, initBoard, updateCard } from "../../app/board/domain";
import { appendBoardUpdates, compactBoard, compactStoredBoardApart, countBoardUpdates, loadBoardState } from "../../db/board-store";
import { openDatabase, type Database_ } from "../../db/client";
import { boards, boardUpdates, alliances } from "../../db/schema";
import { mergeStoredState } from "../../server/sync/protocol";
import { BACKGROUND_NICE, StorageWorker } from "../../server/sync/storage-worker";

const quiet = { info() {}, warn() {}, error() {} };
const opened: Database_[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const d of opened.splice(0)) d.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function database(): { file: string; db: Database_ } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ab-storage-worker-"));
  dirs.push(dir);
  const file = path.join(dir, "board.sqlite");
  const db = openDatabase(file, { migrate: true });
  opened.push(db);
  db.db.insert(alliances).values({ id: "al", name: "A", slug: "a", matchSecret: "s", demo: true }).run();
  db.db.insert(boards).values({ id: "b1", allianceId: "al", name: "Bord" }).run();
  return { file, db };
}

/** A board of three cards and `edits` stored updates; the document they make. */
function storedLog(db: Database_, edits: number): Y.Doc {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(u));
  initBoard(doc);
  addCards(doc, ["c1", "c2", "c3"].map((id) => ({ id, title: id, category: "taal", description: "", area: "", urgency: "normaal", createdAt: 1, createdByOrg: "org" })));
  for (let i = 0; i < edits; i++) updateCard(doc, ["c1", "c2", "c3"][i % 3], { description: `stap ${i}` }, 1_000 + i);
  for (const u of updates) appendBoardUpdates(db.db, "b1", [u]);
  return doc;
}

function storedDoc(db: Database_): Y.Doc {
  const stored = loadBoardState(db.db, "b1");
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  return doc;
}

describe("the storage worker", () => {
  it("folds a board's stored log into its snapshot on a connection of its own: the stored document is the same, the rows are gone", async () => {
    const { file, db } = database();
    const live = storedLog(db, 60);
    expect(countBoardUpdates(db.db, "b1")).toBe(62);
    const worker = new StorageWorker(file, quiet);
    try {
      expect(await worker.compact("b1")).toBeGreaterThan(0);
      expect(countBoardUpdates(db.db, "b1")).toBe(0);
      expect(Buffer.from(Y.encodeStateVector(storedDoc(db)))).toEqual(Buffer.from(Y.encodeStateVector(live)));
      expect(getCard(storedDoc(db), "c3")?.description).toBe(getCard(live, "c3")?.description);
      // Nothing left to fold: 0. A checkpoint is answered too.
      expect(await worker.compact("b1")).toBe(0);
      await worker.checkpoint();
    } finally {
      await worker.close();
    }
    // Closed: refused, not hanging.
    await expect(worker.compact("b1")).rejects.toThrow(/closed/);
  });

  it("rows appended while it merges stay, and a later compaction folds them in", async () => {
    const { file, db } = database();
    storedLog(db, 10);
    const other = openDatabase(file);
    opened.push(other);
    let appended = 0;
    // The merge runs between the read and the write: another connection appends meanwhile.
    const folded = compactStoredBoardApart(other.db, "b1", (snapshot, updates) => {
      const extra = new Y.Doc();
      Y.applyUpdate(extra, mergeStoredState(snapshot, updates));
      const grab: Uint8Array[] = [];
      extra.on("update", (u: Uint8Array) => grab.push(u));
      updateCard(extra, "c1", { description: "meanwhile" }, 9_999);
      appended = appendBoardUpdates(db.db, "b1", grab);
      return mergeStoredState(snapshot, updates);
    });
    expect(folded).toBeGreaterThan(0);
    expect(folded).toBeLessThan(appended);
    expect(countBoardUpdates(db.db, "b1")).toBe(1);
    expect(getCard(storedDoc(db), "c1")?.description).toBe("meanwhile");
  });

  it("a rebuild between its read and its write wins: the merge of the old document is dropped, the erased card stays erased", async () => {
    const { file, db } = database();
    storedLog(db, 20);
    const other = openDatabase(file);
    opened.push(other);
    const folded = compactStoredBoardApart(other.db, "b1", (snapshot, updates) => {
      const merged = mergeStoredState(snapshot, updates);
      // Meanwhile, on the server's connection: the board rebuilt without c2 (as an erasure does: next generation, snapshot at log position 0, rows gone).
      const rebuilt = new Y.Doc();
      Y.applyUpdate(rebuilt, merged);
      rebuilt.transact(() => (rebuilt.getMap("cards") as Y.Map<unknown>).delete("c2"));
      db.db.transaction((tx) => {
        tx.update(boards).set({ docGeneration: sql`${boards.docGeneration} + 1` }).where(eq(boards.id, "b1")).run();
        tx.delete(boardUpdates).where(eq(boardUpdates.boardId, "b1")).run();
        compactBoard(tx as unknown as Database_["db"], "b1", Y.encodeStateAsUpdate(rebuilt), 0);
      });
      return merged;
    });
    expect(folded).toBe(0);
    expect(getCard(storedDoc(db), "c2")).toBeNull();
    expect(getCard(storedDoc(db), "c1")).not.toBeNull();
  });

  it.runIf(process.platform === "linux")("runs at the lowest priority, started early by warm(); the server's own thread keeps its priority", async () => {
    const { file } = database();
    const before = os.getPriority();
    const worker = new StorageWorker(file, quiet);
    try {
      worker.warm();
      expect(await worker.priority()).toBe(BACKGROUND_NICE);
      expect(os.getPriority()).toBe(before);
    } finally {
      await worker.close();
    }
  });
});
