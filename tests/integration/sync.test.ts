/**
 * Yjs sync through the real server: real y-websocket clients, the real room
 * manager, the real SQLite file.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { addCard, getCard, moveCard, readBoard, updateCard } from "../../app/board/domain";
import { countBoardUpdates } from "../../db/board-store";
import { startTestServer, storedBytes, storedDoc, sleep, waitFor, withTimeout, type TestServer, type YClient } from "./harness";

let t: TestServer;
let open: YClient[] = [];

async function client(cookie: string, boardId = t.seed.boardA.id): Promise<YClient> {
  const c = await t.connect(boardId, { cookie });
  open.push(c);
  return c;
}

/** Clients leave; the room unloads (ROOM_IDLE_MS=0). */
async function leaveAll(): Promise<void> {
  for (const c of open) c.destroy();
  open = [];
  await waitFor(() => t.rooms.stats.rooms === 0, { message: "all rooms unloaded" });
}

beforeAll(async () => {
  t = await startTestServer({ COMPACT_AFTER_UPDATES: "10", ROOM_IDLE_MS: "0" });
});

afterAll(async () => {
  for (const c of open) c.destroy();
  await t?.close();
});

beforeEach(async () => {
  await waitFor(() => t.rooms.stats.rooms === 0, { message: "no room loaded before the test" });
});

afterEach(async () => {
  await leaveAll();
});

describe("sync between real y-websocket clients", () => {
  it("syncs both ways: a move by one client is seen by the other, and back", async () => {
    const { boardA, cookies } = t.seed;
    const a = await client(cookies.memberA1);
    const b = await client(cookies.memberA2);
    expect(readBoard(a.doc).cards).toHaveLength(boardA.cardIds.length);
    expect(readBoard(b.doc)).toEqual(readBoard(a.doc));

    const [first, second] = boardA.cardIds;
    moveCard(a.doc, first, "afgerond", 0, Date.now());
    await waitFor(() => getCard(b.doc, first)?.column === "afgerond", { message: "B sees A's move" });

    moveCard(b.doc, second, "opgepakt", 0, Date.now());
    updateCard(b.doc, second, { title: "Taalmaatje gevonden?" }, Date.now());
    await waitFor(() => getCard(a.doc, second)?.column === "opgepakt" && getCard(a.doc, second)?.title === "Taalmaatje gevonden?", {
      message: "A sees B's move and retitle",
    });

    await waitFor(() => JSON.stringify(readBoard(a.doc)) === JSON.stringify(readBoard(b.doc)));
    expect(readBoard(t.serverDoc())).toEqual(readBoard(a.doc));
  });

  it("20 clients connecting at the same moment cause exactly one load; the last to leave unloads and stores the document", async () => {
    const { cookies } = t.seed;
    const before = { ...t.rooms.stats };
    const cookieList = [cookies.memberA1, cookies.memberA2];
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => client(cookieList[i % 2])));
    expect(t.rooms.stats.loads - before.loads).toBe(1);
    expect(t.rooms.stats.rooms).toBe(1);
    expect(t.rooms.peek(t.seed.boardA.id)!.size).toBe(20);

    // Everybody edits once, so there is something to store on unload.
    clients.forEach((c, i) => updateCard(c.doc, t.seed.boardA.cardIds[i % 4], { area: `Wijk ${i}` }, Date.now()));
    const serverSv = () => Y.encodeStateVector(t.serverDoc());
    await waitFor(() => clients.every((c) => Buffer.from(Y.encodeStateVector(c.doc)).equals(Buffer.from(serverSv()))), {
      message: "all 20 clients converge with the server",
    });
    const live = readBoard(clients[0].doc);
    for (const c of clients) expect(readBoard(c.doc)).toEqual(live);

    // Leave one by one; the room stays until the very last one is gone.
    for (const c of clients.slice(0, 19)) c.destroy();
    await waitFor(() => t.rooms.peek(t.seed.boardA.id)?.size === 1, { message: "19 clients left" });
    await sleep(20); // a few ticks: the room must not unload while one client remains
    expect(t.rooms.stats.rooms).toBe(1);
    clients[19].destroy();
    open = open.filter((c) => !clients.includes(c));
    await waitFor(() => t.rooms.stats.rooms === 0, { message: "room unloaded after the last client left" });
    expect(t.rooms.stats.unloads - before.unloads).toBe(1);
    expect(t.rooms.stats.loads - before.loads).toBe(1);

    const stored = storedDoc(t.verify.db, t.seed.boardA.id);
    expect(readBoard(stored)).toEqual(live);
    // Unloading compacted the log into the snapshot.
    expect(countBoardUpdates(t.verify.db, t.seed.boardA.id)).toBe(0);
  });

  it("commits an update to SQLite before any other client sees it", async () => {
    const { boardA, cookies } = t.seed;
    const a = await client(cookies.memberA1);
    const b = await client(cookies.memberA2);
    const cardId = boardA.cardIds[2];
    const seen: Array<{ title: string | undefined; storedTitle: string | undefined; committed: number }> = [];
    b.doc.on("update", (_u: Uint8Array, origin: unknown) => {
      if (origin !== b.provider) return;
      // Synchronously, on a separate connection: what is durable right now?
      const stored = storedDoc(t.verify.db, boardA.id);
      seen.push({
        title: getCard(b.doc, cardId)?.title,
        storedTitle: getCard(stored, cardId)?.title,
        committed: t.rooms.stats.committedUpdates,
      });
      stored.destroy();
    });
    const titles = Array.from({ length: 25 }, (_, i) => `Hulp bij sollicitatie ${i + 1}`);
    for (const title of titles) {
      updateCard(a.doc, cardId, { title }, Date.now());
      await sleep(2);
    }
    await waitFor(() => getCard(b.doc, cardId)?.title === titles.at(-1), { message: "B sees the last title" });
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.storedTitle, "what B saw was already in SQLite").toBe(s.title);
    }
    // And a fresh client gets the same from storage.
    expect(getCard(storedDoc(t.verify.db, boardA.id), cardId)?.title).toBe(titles.at(-1));
  });

  it("never shows an update that could not be committed; the author's client resends it after reconnecting", async () => {
    const { boardA, cookies } = t.seed;
    const a = await client(cookies.memberA1);
    const b = await client(cookies.memberA2);
    const cardId = boardA.cardIds[2];
    const violations: string[] = [];
    b.doc.on("update", (_u: Uint8Array, origin: unknown) => {
      if (origin !== b.provider) return;
      const title = getCard(b.doc, cardId)?.title;
      const stored = storedDoc(t.verify.db, boardA.id);
      const storedTitle = getCard(stored, cardId)?.title;
      stored.destroy();
      if (title !== storedTitle) violations.push(`B saw "${title}" while SQLite had "${storedTitle}"`);
    });
    const logged: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    try {
      // The disk "fails": every insert into the update log aborts.
      t.verify.sqlite.exec(
        "CREATE TRIGGER it_fail_updates BEFORE INSERT ON board_updates BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END",
      );
      updateCard(a.doc, cardId, { title: "Nooit gezien zonder opslag" }, Date.now());
      await waitFor(() => a.closeCodes.includes(1011) && b.closeCodes.includes(1011), {
        message: "both connections closed with 1011 after the failed commit",
      });
      expect(getCard(b.doc, cardId)?.title).not.toBe("Nooit gezien zonder opslag");
      expect(logged.some((l) => l.includes("could not commit board updates"))).toBe(true);
    } finally {
      t.verify.sqlite.exec("DROP TRIGGER IF EXISTS it_fail_updates");
      spy.mockRestore();
    }
    // Storage works again: A reconnects on its own and sends its edit again.
    await waitFor(() => getCard(b.doc, cardId)?.title === "Nooit gezien zonder opslag", {
      message: "B sees A's edit after A resent it",
    });
    expect(getCard(storedDoc(t.verify.db, boardA.id), cardId)?.title).toBe("Nooit gezien zonder opslag");
    expect(violations).toEqual([]);
  });

  it("compacts the log after COMPACT_AFTER_UPDATES=10 updates; the reloaded document equals the live one", async () => {
    const { boardA, cookies, orgA1 } = t.seed;
    const a = await client(cookies.memberA1);
    const b = await client(cookies.memberA2);
    const before = t.rooms.stats.compactions;
    for (let i = 0; i < 15; i++) {
      if (i % 5 === 0) {
        // New requests are added by the server (as the API and the board's form do).
        await t.services.rooms.withDoc(boardA.id, (doc) =>
          addCard(doc, { id: `compact-${i}`, title: `Nieuwe vraag ${i}`, category: "taal", description: "", area: "", urgency: "normaal", createdAt: Date.now(), createdByOrg: orgA1.id }),
        );
      } else {
        updateCard(a.doc, boardA.cardIds[(i % 2) * 2], { description: `Stap ${i}` }, Date.now());
      }
      await sleep(2);
    }
    await waitFor(() => t.rooms.stats.compactions > before, { message: "a compaction ran" });
    await a.roundTrip(); // the server flushes before answering: everything A sent is committed
    await waitFor(() => getCard(b.doc, "compact-10") !== null, { message: "B got the last card" });

    const live = t.serverDoc();
    const stored = storedDoc(t.verify.db, boardA.id);
    expect(readBoard(stored)).toEqual(readBoard(live));
    expect(Buffer.from(Y.encodeStateVector(stored))).toEqual(Buffer.from(Y.encodeStateVector(live)));
    expect(readBoard(b.doc)).toEqual(readBoard(live));
    // The log was cut: fewer rows than updates written since the last unload.
    expect(countBoardUpdates(t.verify.db, boardA.id)).toBeLessThan(15);
    const snap = t.verify.sqlite.prepare("select last_update_id from board_snapshots where board_id = ?").get(boardA.id) as
      | { last_update_id: number }
      | undefined;
    expect(snap?.last_update_id).toBeGreaterThan(0);
  });

  it("refuses a viewer's update: server state vector and stored bytes stay the same", async () => {
    const { boardA, cookies } = t.seed;
    const member = await client(cookies.memberA1);
    const viewer = await client(cookies.viewerA);
    // The viewer reads the board like anybody else.
    expect(readBoard(viewer.doc)).toEqual(readBoard(t.serverDoc()));
    await member.roundTrip();
    const svBefore = Buffer.from(Y.encodeStateVector(t.serverDoc()));
    const bytesBefore = storedBytes(t.verify.db, boardA.id);
    const boardBefore = readBoard(t.serverDoc());

    const cardId = boardA.cardIds[0];
    updateCard(viewer.doc, cardId, { title: "Gewijzigd door een kijker" }, Date.now());
    moveCard(viewer.doc, cardId, "afgerond", 0, Date.now());
    // The viewer's connection is closed (4403: viewers read, they do not write) ...
    await waitFor(() => viewer.closeCodes.includes(4403), { message: "viewer closed with 4403" });

    // ... and so is a raw viewer connection sending a plain update frame.
    const raw = t.raw(`/yjs/${boardA.id}`, { cookie: cookies.viewerA });
    await raw.opened;
    await raw.roundTrip();
    const evil = new Y.Doc();
    Y.applyUpdate(evil, Y.encodeStateAsUpdate(raw.doc));
    updateCard(evil, cardId, { title: "Nog een poging" }, Date.now());
    raw.sendUpdate(Y.encodeStateAsUpdate(evil, Y.encodeStateVector(raw.doc)));
    expect((await withTimeout(raw.closed, 10_000, "raw viewer closed")).code).toBe(4403);

    expect(Buffer.from(Y.encodeStateVector(t.serverDoc()))).toEqual(svBefore);
    expect(readBoard(t.serverDoc())).toEqual(boardBefore);
    expect(storedBytes(t.verify.db, boardA.id)).toEqual(bytesBefore);
    expect(getCard(member.doc, cardId)?.title).not.toBe("Gewijzigd door een kijker");
    // The member was never disturbed.
    expect(member.closeCodes).toEqual([]);
  });
  it("bursts from two clients at once reach a third as merged frames (fewer than the edits) and every copy ends equal to the server's", async () => {
    const { boardA, cookies } = t.seed;
    const w1 = await client(cookies.coordinatorA);
    const w2 = await client(cookies.coordinatorA);
    const reader = await client(cookies.viewerA);
    const [c1, c2] = boardA.cardIds;
    // 20 each: a tick never merges more than 40 updates for authors (room.ts AUTHOR_MERGE_BUDGET), so authors get the others' only.
    const edits = 20;
    // Each writer's provider sends its edits as separate frames; the server reads them in few ticks.
    for (let i = 1; i <= edits; i++) {
      updateCard(w1.doc, c1, { description: `een ${i}` }, Date.now());
      updateCard(w2.doc, c2, { description: `twee ${i}` }, Date.now());
    }
    await waitFor(
      () => getCard(reader.doc, c1)?.description === `een ${edits}` && getCard(reader.doc, c2)?.description === `twee ${edits}`,
      { message: "the reader has both writers' last edits" },
    );
    await waitFor(() => getCard(w1.doc, c2)?.description === `twee ${edits}` && getCard(w2.doc, c1)?.description === `een ${edits}`, {
      message: "each writer has the other's last edit",
    });
    expect(reader.received.length).toBeLessThan(2 * edits);
    // No writer got its own edits back.
    for (const [w, other] of [[w1, w2], [w2, w1]] as const) {
      for (const u of w.received) expect(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(u)).has(w.doc.clientID)).toBe(false);
      expect(w.received.length).toBeGreaterThan(0);
      expect(readBoard(w.doc)).toEqual(readBoard(other.doc));
    }
    const server = t.rooms.peek(boardA.id)!.doc;
    expect(readBoard(reader.doc)).toEqual(readBoard(server));
    expect(Y.encodeStateVector(reader.doc)).toEqual(Y.encodeStateVector(server));
    expect(readBoard(storedDoc(t.db, boardA.id))).toEqual(readBoard(server));
  });
});
