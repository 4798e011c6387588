/**
 * Yjs sync through the real server: real y-websocket clients, the real room
 * manager, the real database (SQLite's file; on PostgreSQL two servers
 * behind one address, whose rooms meet through the relay).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { addCard, getCard, moveCard, readBoard, updateCard } from "../../app/board/domain";
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { count, rawRun } from "../../db/dialect";
import { startTestServer, storedContentOf, storedDocOf, sleep, TEST_ENGINE, waitFor, withTimeout, type TestServer, type YClient } from "./harness";

let t: TestServer;
let open: YClient[] = [];

async function client(cookie: string, boardId = t.seed.boardA.id): Promise<YClient> {
  const c = await t.connect(boardId, { cookie });
  open.push(c);
  return c;
}

/** Rooms loaded on every server. */
const loadedRooms = () => t.servers.reduce((n, s) => n + s.rooms.stats.rooms, 0);
/** A counter of the rooms' stats summed over the servers. */
const statSum = (k: "compactions") => t.servers.reduce((n, s) => n + s.rooms.stats[k], 0);
/** The live copies of a board, one per server that has it loaded. */
const liveDocs = (boardId = t.seed.boardA.id) => t.servers.flatMap((s) => s.rooms.peek(boardId)?.doc ?? []);
/**
 * A board as stored, read at once: on SQLite its statements run before any
 * other message is handled (storedDocOf's transaction waits a turn of the
 * event loop first); on PostgreSQL one repeatable-read transaction, a round
 * trip later.
 */
async function storedNow(boardId: string): Promise<Y.Doc> {
  if (t.h.dialect === "postgres") return storedDocOf(t.h, boardId);
  const { boardSnapshots: s, boardUpdates: u } = t.h.t;
  const [snap] = await t.h.q.select({ data: s.data, last: s.lastUpdateId }).from(s).where(eq(s.boardId, boardId));
  const rows = await t.h.q.select({ data: u.data }).from(u).where(and(eq(u.boardId, boardId), gt(u.id, snap?.last ?? 0))).orderBy(asc(u.id));
  const doc = new Y.Doc();
  for (const update of [...(snap ? [snap.data] : []), ...rows.map((r) => r.data)]) Y.applyUpdate(doc, update);
  return doc;
}

/** Rows in a board's update log. */
async function updateRows(boardId: string): Promise<number> {
  const { boardUpdates } = t.h.t;
  const [row] = await t.h.q.select({ n: count() }).from(boardUpdates).where(eq(boardUpdates.boardId, boardId));
  return Number(row?.n ?? 0);
}
const sameSv = (a: Y.Doc, b: Y.Doc) => Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)));

/** Clients leave; the room unloads (ROOM_IDLE_MS=0). */
async function leaveAll(): Promise<void> {
  for (const c of open) c.destroy();
  open = [];
  await waitFor(() => loadedRooms() === 0, { message: "all rooms unloaded" });
}

beforeAll(async () => {
  t = await startTestServer({ COMPACT_AFTER_UPDATES: "10", ROOM_IDLE_MS: "0" });
});

afterAll(async () => {
  for (const c of open) c.destroy();
  await t?.close();
});

beforeEach(async () => {
  await waitFor(() => loadedRooms() === 0, { message: "no room loaded before the test" });
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

  // Per server: with two (PostgreSQL) each server that got clients loads the board once and unloads it once.
  it("20 clients connecting at the same moment cause exactly one load; the last to leave unloads and stores the document", async () => {
    const { cookies, boardA } = t.seed;
    const before = t.servers.map((s) => ({ ...s.rooms.stats }));
    const cookieList = [cookies.memberA1, cookies.memberA2];
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => client(cookieList[i % 2])));
    const holding = t.servers.map((s) => s.rooms.peek(boardA.id)?.size ?? 0);
    expect(holding.reduce((a, b) => a + b, 0)).toBe(20);
    t.servers.forEach((s, i) => {
      expect(s.rooms.stats.loads - before[i].loads).toBe(holding[i] > 0 ? 1 : 0);
      expect(s.rooms.stats.rooms).toBe(holding[i] > 0 ? 1 : 0);
    });

    // Everybody edits once, so there is something to store on unload.
    clients.forEach((c, i) => updateCard(c.doc, boardA.cardIds[i % 4], { area: `Wijk ${i}` }, Date.now()));
    await waitFor(() => liveDocs().every((d) => clients.every((c) => sameSv(c.doc, d))), {
      message: "all 20 clients converge with the server",
    });
    const live = readBoard(clients[0].doc);
    for (const c of clients) expect(readBoard(c.doc)).toEqual(live);

    // Leave one by one; the room stays until the very last one is gone.
    const last = clients[19];
    for (const c of clients.slice(0, 19)) c.destroy();
    await waitFor(() => t.servers.reduce((n, s) => n + (s.rooms.peek(boardA.id)?.size ?? 0), 0) === 1, { message: "19 clients left" });
    const lastServer = t.servers.find((s) => s.rooms.peek(boardA.id)?.size === 1)!;
    await sleep(20); // a few ticks: the room must not unload while one client remains
    expect(lastServer.rooms.stats.rooms).toBe(1);
    last.destroy();
    open = open.filter((c) => !clients.includes(c));
    await waitFor(() => loadedRooms() === 0, { message: "room unloaded after the last client left" });
    t.servers.forEach((s, i) => {
      expect(s.rooms.stats.unloads - before[i].unloads).toBe(holding[i] > 0 ? 1 : 0);
      expect(s.rooms.stats.loads - before[i].loads).toBe(holding[i] > 0 ? 1 : 0);
    });

    const stored = await storedDocOf(t.h, boardA.id);
    expect(readBoard(stored)).toEqual(live);
    // Unloading compacted the log into the snapshot (off the event loop: a moment later).
    await waitFor(async () => (await updateRows(boardA.id)) === 0, { message: "the log folded into the snapshot" });
  });

  it("commits an update to the database before any other client sees it", async () => {
    const { boardA, cookies } = t.seed;
    const a = await client(cookies.memberA1);
    const b = await client(cookies.memberA2);
    const cardId = boardA.cardIds[2];
    const seen: Array<Promise<{ title: string | undefined; storedTitle: string | undefined }>> = [];
    b.doc.on("update", (_u: Uint8Array, origin: unknown) => {
      if (origin !== b.provider) return;
      const title = getCard(b.doc, cardId)?.title;
      // What is durable right now? Read at once: on SQLite the read runs before any other
      // message is handled; on PostgreSQL it is a round trip, so later titles may be stored by then.
      seen.push(
        storedNow(boardA.id).then((stored) => {
          const storedTitle = getCard(stored, cardId)?.title;
          stored.destroy();
          return { title, storedTitle };
        }),
      );
    });
    const titles = Array.from({ length: 25 }, (_, i) => `Hulp bij sollicitatie ${i + 1}`);
    for (const title of titles) {
      updateCard(a.doc, cardId, { title }, Date.now());
      await sleep(2);
    }
    await waitFor(() => getCard(b.doc, cardId)?.title === titles.at(-1), { message: "B sees the last title" });
    expect(seen.length).toBeGreaterThan(0);
    const order = (title: string | undefined) => (title === undefined ? -1 : titles.indexOf(title));
    for (const s of await Promise.all(seen)) {
      if (TEST_ENGINE === "sqlite") expect(s.storedTitle, "what B saw was already stored").toBe(s.title);
      else expect(order(s.storedTitle), `what B saw (${s.title}) was already stored (${s.storedTitle})`).toBeGreaterThanOrEqual(order(s.title));
    }
    // And a fresh client gets the same from storage.
    expect(getCard(await storedDocOf(t.h, boardA.id), cardId)?.title).toBe(titles.at(-1));
  });

  it("never shows an update that could not be committed; the author's client resends it after reconnecting", async () => {
    const { boardA, cookies } = t.seed;
    const a = await client(cookies.memberA1);
    const b = await client(cookies.memberA2);
    const cardId = boardA.cardIds[2];
    const violations: string[] = [];
    const checks: Array<Promise<void>> = [];
    b.doc.on("update", (_u: Uint8Array, origin: unknown) => {
      if (origin !== b.provider) return;
      const title = getCard(b.doc, cardId)?.title;
      checks.push(
        storedNow(boardA.id).then((stored) => {
          const storedTitle = getCard(stored, cardId)?.title;
          stored.destroy();
          if (title !== storedTitle) violations.push(`B saw "${title}" while the database had "${storedTitle}"`);
        }),
      );
    });
    // Two servers (PostgreSQL): the failed commit closes the connections of A's server; B, on the other, keeps its own.
    const serverOf = (userId: string) => t.servers.findIndex((s) => s.rooms.peek(boardA.id)?.connections().some((c) => c.user.id === userId));
    const bClosedToo = serverOf(t.seed.memberA2.id) === serverOf(t.seed.memberA1.id);
    const logged: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    try {
      // The disk "fails": every insert into the update log aborts.
      if (t.h.dialect === "sqlite") {
        await rawRun(t.h, sql.raw("CREATE TRIGGER it_fail_updates BEFORE INSERT ON board_updates BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END"));
      } else {
        await rawRun(t.h, sql.raw("CREATE FUNCTION it_fail_updates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (test)'; END $$"));
        await rawRun(t.h, sql.raw("CREATE TRIGGER it_fail_updates BEFORE INSERT ON board_updates FOR EACH ROW EXECUTE FUNCTION it_fail_updates()"));
      }
      updateCard(a.doc, cardId, { title: "Nooit gezien zonder opslag" }, Date.now());
      await waitFor(() => a.closeCodes.includes(1011) && (!bClosedToo || b.closeCodes.includes(1011)), {
        message: "A's connection (and B's, on the same server) closed with 1011 after the failed commit",
      });
      expect(getCard(b.doc, cardId)?.title).not.toBe("Nooit gezien zonder opslag");
      expect(logged.some((l) => l.includes("could not commit board updates"))).toBe(true);
      if (!bClosedToo) expect(b.closeCodes).toEqual([]);
    } finally {
      await rawRun(t.h, sql.raw("DROP TRIGGER IF EXISTS it_fail_updates" + (t.h.dialect === "sqlite" ? "" : " ON board_updates")));
      if (t.h.dialect === "postgres") await rawRun(t.h, sql.raw("DROP FUNCTION IF EXISTS it_fail_updates()"));
      spy.mockRestore();
    }
    // Storage works again: A reconnects on its own and sends its edit again.
    await waitFor(() => getCard(b.doc, cardId)?.title === "Nooit gezien zonder opslag", {
      message: "B sees A's edit after A resent it",
    });
    expect(getCard(await storedDocOf(t.h, boardA.id), cardId)?.title).toBe("Nooit gezien zonder opslag");
    await Promise.all(checks);
    expect(violations).toEqual([]);
  });

  it("compacts the log after COMPACT_AFTER_UPDATES=10 updates; the reloaded document equals the live one", async () => {
    const { boardA, cookies, orgA1 } = t.seed;
    const a = await client(cookies.memberA1);
    const b = await client(cookies.memberA2);
    const before = statSum("compactions");
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
    await waitFor(() => statSum("compactions") > before, { message: "a compaction ran" });
    await a.roundTrip(); // the server flushes before answering: everything A sent is committed
    await waitFor(() => getCard(b.doc, "compact-10") !== null, { message: "B got the last card" });

    const stored = await storedDocOf(t.h, boardA.id);
    // Two servers: each live copy has everything once the relay has brought the other's updates.
    await waitFor(() => liveDocs().every((live) => sameSv(live, stored)) && sameSv(b.doc, stored), { message: "every live copy and B have what is stored" });
    for (const live of liveDocs()) {
      expect(readBoard(stored)).toEqual(readBoard(live));
      expect(Buffer.from(Y.encodeStateVector(stored))).toEqual(Buffer.from(Y.encodeStateVector(live)));
      expect(readBoard(b.doc)).toEqual(readBoard(live));
    }
    // The log was cut: fewer rows than updates written since the last unload. (Two servers: the compaction counted
    // above may be the previous test's unload, stored a moment late; this board's own follows.)
    await waitFor(async () => (await updateRows(boardA.id)) < 15, { message: "the log cut to fewer than 15 rows" });
    const { boardSnapshots } = t.h.t;
    const [snap] = await t.h.q.select({ lastUpdateId: boardSnapshots.lastUpdateId }).from(boardSnapshots).where(eq(boardSnapshots.boardId, boardA.id));
    expect(snap?.lastUpdateId).toBeGreaterThan(0);
  });

  it("refuses a viewer's update: server state vector and stored bytes stay the same", async () => {
    const { boardA, cookies } = t.seed;
    const member = await client(cookies.memberA1);
    const viewer = await client(cookies.viewerA);
    // The viewer reads the board like anybody else.
    expect(readBoard(viewer.doc)).toEqual(readBoard(t.serverDoc()));
    await member.roundTrip();
    const svBefore = Buffer.from(Y.encodeStateVector(t.serverDoc()));
    // The content, not the bytes: a room left empty by a closed connection unloads and may compact meanwhile.
    const storedBefore = await storedContentOf(t.h, boardA.id);
    const boardBefore = readBoard(t.serverDoc());
    // Two servers (PostgreSQL): every live copy, whichever server the viewer's connections reach (one may unload
    // when its viewer is closed, and load again for the raw one).
    for (const d of liveDocs()) expect(Buffer.from(Y.encodeStateVector(d))).toEqual(svBefore);

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

    expect(liveDocs().length).toBeGreaterThan(0);
    for (const d of liveDocs()) {
      expect(Buffer.from(Y.encodeStateVector(d))).toEqual(svBefore);
      expect(readBoard(d)).toEqual(boardBefore);
    }
    expect(await storedContentOf(t.h, boardA.id)).toEqual(storedBefore);
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
    // Every server's copy (two on PostgreSQL, once the relay has brought the other's last edits).
    await waitFor(() => liveDocs().every((d) => sameSv(d, reader.doc)), { message: "every server's copy has what the reader has" });
    for (const server of liveDocs()) {
      expect(readBoard(reader.doc)).toEqual(readBoard(server));
      expect(Y.encodeStateVector(reader.doc)).toEqual(Y.encodeStateVector(server));
      expect(readBoard(await storedDocOf(t.h, boardA.id))).toEqual(readBoard(server));
    }
  });
});
