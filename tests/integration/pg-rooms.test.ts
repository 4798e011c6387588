/**
 * The Yjs room storage on both engines (server/sync/storage.ts): the room
 * manager (server/sync/rooms.ts) with clients speaking the real y-protocols
 * sync messages through test connections, on SQLite's synchronous storage
 * (today's path), on the asynchronous storage over SQLite's layer, and on
 * the asynchronous storage over a real PostgreSQL (tests/infra/postgres.ts).
 * The same bodies on all three: edits stored and reloaded, many connections
 * during one load, a failed commit. On PostgreSQL only (they need a second
 * connection holding locks): no broadcast before the commit resolved, two
 * servers compacting one board (the row lock), and a rebuild between the
 * generation check and the append (refused in the same transaction).
 * And the WebSocket transport (real y-websocket clients, the app server)
 * holding frames while a room loads from an asynchronous storage. And two
 * servers on PostgreSQL through a real Redis (server/cluster/relay.ts), with
 * server B's storage reads held by the test: a board's stream is read only
 * after its catch-up from storage merged, a gap in relayed updates holds
 * the room until its catch-up merged, a catch-up that fails is tried again
 * while the other boards are relayed.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCards, getCard, readBoard, updateCard } from "../../app/board/domain";
import { openPostgres, type AsyncDb, type Database_, type PostgresDatabase } from "../../db/client";
import { count } from "../../db/dialect";
import { bellKey, bellShard, updatesKey } from "../../server/cluster/relay";
import { mergeStoredState } from "../../server/sync/protocol";
import { CLOSE } from "../../server/sync/room";
import { RoomManager } from "../../server/sync/rooms";
import { postgresRoomStorage, sqliteRoomStorage } from "../../server/sync/storage";
import type { AsyncRoomStorage, RoomStorage, SyncRoomStorage } from "../../server/sync/types";
import { docFrom, hello, settle, syncFrame as frame, testConnection } from "../infra/sync-conn";
import { bothEngines } from "../infra/engines";
import { start as startRedis, type TestRedis } from "../infra/redis";
import { relayServers } from "../infra/relay-servers";
import { startTestServer, storedDoc, waitFor } from "./harness";

let sqlite: Database_;
let postgres: PostgresDatabase;
let pgUrl: string;

const both = bothEngines("rooms");
beforeAll(() => {
  ({ sqlite, postgres, url: pgUrl } = both);
});

const quiet = { info() {}, warn() {}, error() {} };

interface Engine {
  name: string;
  h: () => AsyncDb;
  storage: () => RoomStorage;
  async: boolean;
}

const engines: Engine[] = [
  { name: "SQLite, synchronous storage", h: () => sqlite.async, storage: () => sqliteRoomStorage(sqlite), async: false },
  { name: "SQLite, asynchronous storage", h: () => sqlite.async, storage: () => postgresRoomStorage(sqlite.async), async: true },
  { name: "PostgreSQL", h: () => postgres.async, storage: () => postgresRoomStorage(postgres.async), async: true },
];

let boards = 0;
/** A new board row (updates reference it; its document generation is what appends are checked against). */
async function newBoard(h: AsyncDb): Promise<string> {
  const id = `b${++boards}`;
  if (boards === 1 || !(await h.q.select().from(h.t.alliances).where(eq(h.t.alliances.id, "al"))).length) {
    await h.q.insert(h.t.alliances).values({ id: "al", name: "A", slug: `a-${h.dialect}`, matchSecret: "s", demo: true }).onConflictDoNothing();
  }
  await h.q.insert(h.t.boards).values({ id, allianceId: "al", name: "Bord" });
  return id;
}

const connection = (id: string) => testConnection(id);



const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** A client on the board, synced: its own document, edits sent as sync updates. */
async function editor(rooms: RoomManager, boardId: string, id: string) {
  const conn = connection(id);
  const room = await rooms.connect(boardId, conn);
  room.receive(conn, hello());
  await settle(rooms);
  const doc = docFrom(conn.got);
  return {
    conn,
    doc,
    room,
    description: (card: string) => getCard(docFrom(conn.got), card)?.description,
    /** What it got from the room, with its own edits. */
    view() {
      const d = docFrom(conn.got);
      Y.applyUpdate(d, Y.encodeStateAsUpdate(doc));
      return d;
    },
    edit(card: string, description: string) {
      let update: Uint8Array | null = null;
      doc.once("update", (u: Uint8Array) => (update = u));
      updateCard(doc, card, { description }, 1_700_000_000_000);
      room.receive(conn, frame(2, update!));
      return update!;
    },
  };
}

function manager(storage: RoomStorage) {
  return new RoomManager({ storage, log: quiet, compactAfter: 1_000_000, idleMs: 60_000 });
}

async function boardWithCards(rooms: RoomManager, boardId: string) {
  await rooms.withDoc(boardId, (doc) =>
    addCards(doc, ["c1", "c2"].map((id) => ({ id, title: id, category: "taal", description: "", area: "", urgency: "normaal", createdAt: 1, createdByOrg: "org" }))),
  );
}

/** The board as stored: loaded by a fresh manager. */
async function stored(storage: RoomStorage, boardId: string): Promise<Y.Doc> {
  const rooms = manager(storage);
  const room = await rooms.load(boardId);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(room.doc));
  await rooms.drain();
  return doc;
}

async function updateRows(h: AsyncDb, boardId: string): Promise<number> {
  const [row] = await h.q.select({ n: count() }).from(h.t.boardUpdates).where(eq(h.t.boardUpdates.boardId, boardId));
  return row.n;
}

describe.each(engines)("rooms on $name", (engine) => {
  it("clients' edits reach the others, are stored, and load again after the manager is closed", async () => {
    const boardId = await newBoard(engine.h());
    const rooms = manager(engine.storage());
    await boardWithCards(rooms, boardId);
    const anna = await editor(rooms, boardId, "anna");
    const ben = await editor(rooms, boardId, "ben");
    anna.edit("c1", "from anna");
    ben.edit("c2", "from ben");
    await settle(rooms);
    expect(ben.description("c1")).toBe("from anna");
    expect(anna.description("c2")).toBe("from ben");
    expect(await updateRows(engine.h(), boardId)).toBeGreaterThanOrEqual(3);
    await rooms.drain();
    expect(anna.conn.closed).toEqual([1012]);
    const doc = await stored(engine.storage(), boardId);
    expect(getCard(doc, "c1")?.description).toBe("from anna");
    expect(getCard(doc, "c2")?.description).toBe("from ben");
  });

  it("many connections arriving during one load get one room and see everything", async () => {
    const boardId = await newBoard(engine.h());
    const first = manager(engine.storage());
    await boardWithCards(first, boardId);
    (await editor(first, boardId, "x")).edit("c1", "before");
    await first.drain();

    // Count the reads of storage: one for the board however many connect while it loads.
    const real = engine.storage();
    let reads = 0;
    const storage: RoomStorage = real.async
      ? { ...real, load: (id) => (reads++, real.load(id)) }
      : { ...real, load: (id) => (reads++, real.load(id)) };
    const rooms = manager(storage);
    const conns = Array.from({ length: 12 }, (_, i) => connection(`p${i}`));
    const joined = await Promise.all(conns.map((c) => rooms.connect(boardId, c)));
    expect(new Set(joined).size).toBe(1);
    expect(rooms.stats.loads).toBe(1);
    expect(reads).toBe(1);
    for (const c of conns) joined[0].receive(c, hello());
    await settle(rooms);
    for (const c of conns) expect(getCard(docFrom(c.got), "c1")?.description).toBe("before");
    await rooms.drain();
  });

  it("a failed commit unloads the room: nobody else saw the edit, nothing is lost that was seen, the author sends it again", async () => {
    const boardId = await newBoard(engine.h());
    const real = engine.storage();
    let fail = false;
    const storage: RoomStorage = real.async
      ? { ...real, append: (b: Parameters<AsyncRoomStorage["append"]>[0]) => (fail ? Promise.reject(new Error("disk gone")) : real.append(b)) }
      : {
          ...real,
          append: (b: Parameters<SyncRoomStorage["append"]>[0], o?: Parameters<SyncRoomStorage["append"]>[1]) => {
            if (fail) throw new Error("disk gone");
            real.append(b, o);
          },
        };
    const rooms = manager(storage);
    await boardWithCards(rooms, boardId);
    const anna = await editor(rooms, boardId, "anna");
    const ben = await editor(rooms, boardId, "ben");
    anna.edit("c1", "seen");
    await settle(rooms);
    fail = true;
    const lost = anna.edit("c2", "unstored");
    await settle(rooms);
    expect(anna.conn.closed).toEqual([CLOSE.serverError]);
    expect(ben.conn.closed).toEqual([CLOSE.serverError]);
    expect(ben.description("c1")).toBe("seen");
    expect(ben.description("c2")).toBe("");
    expect(rooms.peek(boardId)).toBeUndefined();
    let doc = await stored(engine.storage(), boardId);
    expect(getCard(doc, "c1")?.description).toBe("seen");
    expect(getCard(doc, "c2")?.description).toBe("");
    // The author reconnects and sends what it has (its update again).
    fail = false;
    const again = connection("anna2");
    const room = await rooms.connect(boardId, again);
    room.receive(again, frame(2, lost));
    await settle(rooms);
    await rooms.drain();
    doc = await stored(engine.storage(), boardId);
    expect(getCard(doc, "c2")?.description).toBe("unstored");
  });

  it.runIf(engine.async)("records the activity of a commit (asynchronous storage) and compacts from the stored rows", async () => {
    const h = engine.h();
    const boardId = await newBoard(h);
    const storage = engine.storage();
    if (!storage.async) throw new Error("unreachable");
    const activity = [
      { requestId: null, userId: null, orgId: null, type: "card.edit", data: { n: 1 } },
      { requestId: null, userId: null, orgId: null, type: "card.edit", data: { n: 2 } },
    ];
    const recorded = await storage.record([{ boardId, activity }]);
    expect(recorded.map((a) => a.data)).toEqual([{ n: 1 }, { n: 2 }]);
    const rows = await h.q.select().from(h.t.auditEvents).where(eq(h.t.auditEvents.boardId, boardId));
    expect(rows.map((r) => r.id).sort()).toEqual(recorded.map((a) => a.id).sort());

    const rooms = manager(storage);
    await boardWithCards(rooms, boardId);
    const anna = await editor(rooms, boardId, "anna");
    for (let i = 0; i < 5; i++) anna.edit("c1", `v${i}`);
    await settle(rooms);
    const last = await storage.compactStored(boardId, mergeStoredState);
    expect(last).toBeGreaterThan(0);
    expect(await updateRows(h, boardId)).toBe(0);
    expect(await storage.compactStored(boardId, mergeStoredState)).toBe(0);
    await rooms.drain();
    expect(getCard(await stored(storage, boardId), "c1")?.description).toBe("v4");
  });

  it.runIf(engine.async)(
    "one tick over three boards, one of them rebuilt: the others' updates stored in order, the rebuilt one named; the activity in the order given, with names, awkward text kept",
    async () => {
      const h = engine.h();
      const storage = engine.storage();
      if (!storage.async) throw new Error("unreachable");
      const [one, rebuilt, two] = [await newBoard(h), await newBoard(h), await newBoard(h)];
      await h.q.update(h.t.boards).set({ docGeneration: 3 }).where(eq(h.t.boards.id, rebuilt));
      const org = `org-${one}`;
      const user = `user-${one}`;
      await h.q.insert(h.t.organisations).values({ id: org, allianceId: "al", name: "Taalhuis Emmen", shortName: 'Taal "huis"' });
      await h.q.insert(h.t.users).values({ id: user, email: `${user}@example.org`, name: "Anna \\ O'Brien", passwordHash: "x", organisationId: org });
      const request = `req-${one}`;
      await h.q.insert(h.t.requests).values({ id: request, boardId: one, createdByOrgId: org, lastActivityAt: 1, createdAt: 1 });
      const bytes = (...b: number[]) => new Uint8Array(b);

      const { stale } = await storage.append([
        { boardId: one, generation: 0, updates: [bytes(1, 0, 255), bytes(2), bytes(3, 92, 34)] },
        { boardId: rebuilt, generation: 2, updates: [bytes(9)] },
        { boardId: two, generation: 0, updates: [bytes(4)] },
      ]);
      expect(stale).toEqual([rebuilt]);
      const rows = await h.q.select().from(h.t.boardUpdates).where(inArray(h.t.boardUpdates.boardId, [one, rebuilt, two])).orderBy(asc(h.t.boardUpdates.id));
      expect(rows.map((r) => [r.boardId, [...r.data]])).toEqual([
        [one, [1, 0, 255]],
        [one, [2]],
        [one, [3, 92, 34]],
        [two, [4]],
      ]);
      // One board named twice, each batch judged by its own generation (the room manager names each room once; the storage does not rely on it).
      const again = await storage.append([
        { boardId: two, generation: 0, updates: [bytes(5)] },
        { boardId: two, generation: 7, updates: [bytes(6)] },
      ]);
      expect(again.stale).toEqual([two]);
      const twos = await h.q.select().from(h.t.boardUpdates).where(eq(h.t.boardUpdates.boardId, two)).orderBy(asc(h.t.boardUpdates.id));
      expect(twos.map((r) => [...r.data])).toEqual([[4], [5]]);

      const awkward = { text: 'a "quote", a \\ backslash, {braces}, NULL, ሰላም', list: [1, null, "x"] };
      const recorded = await storage.record([
        {
          boardId: one,
          activity: [
            { requestId: request, userId: user, orgId: org, type: "moved", data: awkward },
            { requestId: null, userId: null, orgId: null, type: "card.edit", data: {} },
          ],
        },
        { boardId: two, activity: [{ requestId: null, userId: user, orgId: org, type: "card.edit", data: { n: 3 } }] },
      ]);
      expect(recorded.map((a) => [a.boardId, a.type, a.userName, a.orgName, a.data])).toEqual([
        [one, "moved", "Anna \\ O'Brien", 'Taal "huis"', awkward],
        [one, "card.edit", null, null, {}],
        [two, "card.edit", "Anna \\ O'Brien", 'Taal "huis"', { n: 3 }],
      ]);
      const ids = recorded.map((a) => a.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const audit = await h.q.select().from(h.t.auditEvents).where(inArray(h.t.auditEvents.id, ids)).orderBy(asc(h.t.auditEvents.id));
      expect(audit.map((r) => [r.boardId, r.type, r.data, r.createdAt])).toEqual(recorded.map((a) => [a.boardId, a.type, a.data, a.createdAt]));
      const [req] = await h.q.select().from(h.t.requests).where(eq(h.t.requests.id, request));
      expect(req.lastActivityAt).toBe(recorded[0].createdAt);
      expect(await storage.record([{ boardId: one, activity: [] }])).toEqual([]);
    },
  );
});

describe("rooms on PostgreSQL: commits, locks and generations", () => {
  const storage = () => postgresRoomStorage(postgres.async);

  async function other(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    return c;
  }

  it("a tick is not broadcast (nor sent in a sync answer) before its commit resolved", async () => {
    const boardId = await newBoard(postgres.async);
    const rooms = manager(storage());
    await boardWithCards(rooms, boardId);
    const anna = await editor(rooms, boardId, "anna");
    const ben = await editor(rooms, boardId, "ben");
    const lock = await other();
    try {
      await lock.query("BEGIN");
      await lock.query("LOCK TABLE board_updates IN EXCLUSIVE MODE");
      const benFrames = ben.conn.got.length;
      anna.edit("c1", "slow");
      // A newcomer asks for the whole document meanwhile.
      const carl = connection("carl");
      (await rooms.connect(boardId, carl)).receive(carl, hello());
      await sleep(300);
      expect(ben.conn.got.length).toBe(benFrames);
      expect(getCard(docFrom(carl.got), "c1")?.description ?? "").toBe("");
      await lock.query("COMMIT");
      await settle(rooms);
      expect(ben.description("c1")).toBe("slow");
      expect(getCard(docFrom(carl.got), "c1")?.description).toBe("slow");
    } finally {
      await lock.end();
    }
    await rooms.drain();
  });

  it("two servers compacting one board at once: the second waits for the first's row lock, and the stored state is complete", async () => {
    const boardId = await newBoard(postgres.async);
    const rooms = manager(storage());
    await boardWithCards(rooms, boardId);
    const anna = await editor(rooms, boardId, "anna");
    for (let i = 0; i < 20; i++) anna.edit(i % 2 ? "c1" : "c2", `v${i}`);
    await settle(rooms);
    const second = await openPostgres(pgUrl, { max: 4 });
    // Both get as far as they can while a third connection holds the snapshots
    // table: the first to lock the board row waits there with the rows read;
    // the other must wait for that row lock, not read the same rows.
    const hold = await other();
    try {
      const a = postgresRoomStorage(postgres.async);
      const b = postgresRoomStorage(second.async);
      await hold.query("BEGIN");
      await hold.query("LOCK TABLE board_snapshots IN EXCLUSIVE MODE");
      const both = Promise.all([a.compactStored(boardId, mergeStoredState), b.compactStored(boardId, mergeStoredState)]);
      await sleep(300);
      await hold.query("COMMIT");
      const results = await both;
      // The one that waited found the other's snapshot and nothing left to fold in.
      expect(results.filter((r) => r === 0)).toHaveLength(1);
      expect(results.filter((r) => r > 0)).toHaveLength(1);
    } finally {
      await hold.end();
      await second.close();
    }
    await rooms.drain();
    const doc = await stored(storage(), boardId);
    expect(getCard(doc, "c1")?.description).toBe("v19");
    expect(getCard(doc, "c2")?.description).toBe("v18");
  });

  it("a rebuild between the generation check and the append: the stale tick is refused, its room dropped", async () => {
    const boardId = await newBoard(postgres.async);
    const rooms = manager(storage());
    await boardWithCards(rooms, boardId);
    const anna = await editor(rooms, boardId, "anna");
    const ben = await editor(rooms, boardId, "ben");
    await rooms.settled();
    const rebuild = await other();
    try {
      // Another server's rebuild, open: generation bumped, log emptied, not yet committed.
      await rebuild.query("BEGIN");
      await rebuild.query("UPDATE boards SET doc_generation = doc_generation + 1 WHERE id = $1", [boardId]);
      await rebuild.query("DELETE FROM board_updates WHERE board_id = $1", [boardId]);
      const benFrames = ben.conn.got.length;
      anna.edit("c1", "old generation");
      await sleep(300);
      await rebuild.query("COMMIT");
      await settle(rooms);
      expect(ben.conn.got.length).toBe(benFrames);
    } finally {
      await rebuild.end();
    }
    expect(await updateRows(postgres.async, boardId)).toBe(0);
    expect(anna.conn.closed).toEqual([CLOSE.rebuilt]);
    expect(ben.conn.closed).toEqual([CLOSE.rebuilt]);
    expect(rooms.peek(boardId)).toBeUndefined();
    const [row] = await postgres.async.q.select({ g: postgres.async.t.boards.docGeneration }).from(postgres.async.t.boards).where(and(eq(postgres.async.t.boards.id, boardId)));
    expect(row.g).toBe(1);
    await rooms.drain();
  });
});

describe("the WebSocket transport on an asynchronous storage", () => {
  it("holds a connection's frames while its room loads: every client arriving during one slow load syncs, one load, edits flow", async () => {
    let reads = 0;
    // SQLite's storage behind the asynchronous interface, its load slowed down: the transport must hold the frames.
    const slow = (real: SyncRoomStorage): AsyncRoomStorage => ({
      async: true,
      load: async (id) => {
        reads++;
        await sleep(300);
        return { ...real.load(id), generation: real.generationOf?.(id) ?? 0 };
      },
      append: async (batches) => (real.append(batches), { stale: [] }),
      record: async (batches) => real.record(batches),
      compactStored: async (id, merge) => real.compactStored!(id, merge),
    });
    const t = await startTestServer({ ROOM_IDLE_MS: "0" }, { storage: slow });
    try {
      const { boardA, cookies } = t.seed;
      const clients = await Promise.all([cookies.memberA1, cookies.memberA2, cookies.memberA1].map((cookie) => t.connect(boardA.id, { cookie })));
      expect(reads).toBe(1);
      for (const c of clients) expect(readBoard(c.doc).cards).toHaveLength(boardA.cardIds.length);
      const card = boardA.cardIds[0];
      updateCard(clients[0].doc, card, { title: "via the held frames" }, Date.now());
      await waitFor(() => clients.every((c) => getCard(c.doc, card)?.title === "via the held frames"), { message: "every client sees the edit" });
      for (const c of clients) c.destroy();
      await waitFor(() => t.rooms.stats.rooms === 0, { message: "room unloaded" });
      expect(getCard(storedDoc(t.db, boardA.id), card)?.title).toBe("via the held frames");
    } finally {
      await t.close();
    }
  });
});

describe("two servers on PostgreSQL through a real Redis: what B applies is never judged against another server's pending structs", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** Reads of server B's storage the test lets through when it says so (each read is done, its answer held). */
  function held() {
    const waiting: Array<() => void> = [];
    return {
      waiting,
      wait: () => new Promise<void>((resolve) => waiting.push(resolve)),
      releaseOne: () => waiting.shift()?.(),
      releaseAll: () => waiting.splice(0).forEach((r) => r()),
    };
  }

  /**
   * Server A (plain PostgreSQL storage) and server B (the same, each read's
   * answer passed through `hook(boardId, nth read of that board)` first),
   * each a room manager with a RedisRelay, as server/app.ts wires them.
   */
  async function servers(hook: (boardId: string, nth: number) => Promise<void> | void) {
    const real = postgresRoomStorage(postgres.async);
    const reads = new Map<string, number>();
    const hooked: AsyncRoomStorage = {
      ...real,
      load: async (id) => {
        const nth = (reads.get(id) ?? 0) + 1;
        reads.set(id, nth);
        const stored = await real.load(id);
        await hook(id, nth);
        return stored;
      },
    };
    const { servers: [a, b], redis: commands, close } = await relayServers(redis.url, [real, hooked]);
    return { a, b, reads: (boardId: string) => reads.get(boardId) ?? 0, redis: commands, close };
  }

  /** Both clients, both servers' copies and storage hold these descriptions. */
  async function converged(s: Awaited<ReturnType<typeof servers>>, boardId: string, docs: Array<() => Y.Doc>, want: Record<string, string>) {
    const all = [...docs, () => s.a.rooms.peek(boardId)!.doc, () => s.b.rooms.peek(boardId)!.doc];
    const has = (d: Y.Doc) => Object.entries(want).every(([card, description]) => getCard(d, card)?.description === description);
    await waitFor(() => all.every((d) => has(d())), { timeout: 10_000, message: `every copy has ${JSON.stringify(want)}` });
    await Promise.all([s.a.rooms.settled(), s.b.rooms.settled()]);
    expect(has(await stored(postgresRoomStorage(postgres.async), boardId))).toBe(true);
  }

  it("a board loaded on B while A commits: B reads its stream only after the catch-up merged, and B's client's next update is accepted", async () => {
    // B's first read of the board (its load) and every later one (the catch-up) wait until the test lets them go.
    const load = held();
    const later = held();
    const s = await servers((_, nth) => (nth === 1 ? load.wait() : later.wait()));
    try {
      const boardId = await newBoard(postgres.async);
      await boardWithCards(s.a.rooms, boardId);
      const anna = await editor(s.a.rooms, boardId, "anna");
      // B loads the board (for Ben): it reads the board (without what anna does next) and holds the answer.
      const loading = s.b.rooms.load(boardId);
      await waitFor(() => load.waiting.length === 1, { message: "B read the board" });
      // Committed on A between B's read and B's stream position.
      anna.edit("c1", "x on A");
      await settle(s.a.rooms);
      await s.a.relay.flushed();
      // B's room is made; its relay takes the stream's position (after x), then reads storage again: held.
      load.releaseOne();
      await loading;
      await waitFor(() => later.waiting.length === 1, { message: "B's catch-up read storage" });
      // Committed on A after B's position: it builds on x, which B's copy does not have yet.
      anna.edit("c1", "y on A");
      await settle(s.a.rooms);
      await s.a.relay.flushed();
      // Either B's relay read y (it applied it: pending structs, waiting for x) or it waits for its catch-up.
      await waitFor(() => s.b.relay.stats.received > 0 || s.b.relay.stats.positioned === 0, { message: "B read y, or waits" });
      const ben = await editor(s.b.rooms, boardId, "ben");
      ben.edit("c2", "from ben on B");
      await settle(s.b.rooms);
      expect(ben.conn.closed).toEqual([]);
      later.releaseAll();
      await converged(s, boardId, [anna.view, ben.view], { c1: "y on A", c2: "from ben on B" });
      expect(ben.conn.closed).toEqual([]);
      expect(s.b.relay.stats.positioned).toBe(1);
    } finally {
      load.releaseAll();
      later.releaseAll();
      await s.close();
    }
  });

  it("a relayed update with a gap (its dependency committed by a server whose publish was lost): B's clients and further relayed updates wait for the catch-up", async () => {
    const gate = held();
    let holding = false;
    const s = await servers(() => (holding ? gate.wait() : undefined));
    try {
      const boardId = await newBoard(postgres.async);
      await boardWithCards(s.a.rooms, boardId);
      const anna = await editor(s.a.rooms, boardId, "anna");
      const ben = await editor(s.b.rooms, boardId, "ben");
      await waitFor(() => s.b.relay.stats.positioned === 1, { message: "B follows the board" });
      // Server C: x stored, its publish lost (C died between the two); then y and z, built on x, stored and published.
      const carl = await stored(postgresRoomStorage(postgres.async), boardId);
      const next = (description: string) => {
        let update: Uint8Array | null = null;
        carl.once("update", (u: Uint8Array) => (update = u));
        updateCard(carl, "c1", { description }, 1_700_000_000_000);
        return update!;
      };
      const storage = postgresRoomStorage(postgres.async);
      const publish = async (update: Uint8Array) => {
        await storage.append([{ boardId, generation: 0, updates: [update] }]);
        await s.redis.xadd(updatesKey(boardId), "*", "o", "s3", "g", "0", "u", Buffer.from(update));
        await s.redis.xadd(bellKey(bellShard(boardId)), "*", "b", boardId); // and its doorbell, as a server publishes it
      };
      await storage.append([{ boardId, generation: 0, updates: [next("x on C")] }]);
      holding = true;
      await publish(next("y on C"));
      // B applied y, found x missing and reads storage: held.
      await waitFor(() => gate.waiting.length === 1, { message: "B catches up after the gap" });
      ben.edit("c2", "from ben on B");
      await publish(next("z on C"));
      await waitFor(() => s.b.relay.stats.received >= 2, { message: "B read z" });
      await settle(s.b.rooms);
      expect(ben.conn.closed).toEqual([]);
      holding = false;
      gate.releaseAll();
      await converged(s, boardId, [anna.view, ben.view], { c1: "z on C", c2: "from ben on B" });
      expect(ben.conn.closed).toEqual([]);
    } finally {
      holding = false;
      gate.releaseAll();
      await s.close();
    }
  });

  it("read your writes: B's server-side reads right after A's server-side writes see them, and one turn's reads of a board ask Redis once", async () => {
    const s = await servers(() => undefined);
    try {
      const boardId = await newBoard(postgres.async);
      await boardWithCards(s.a.rooms, boardId);
      // B holds the board (a client on it), so its reads rely on the relay, not on a fresh load.
      const ben = await editor(s.b.rooms, boardId, "ben");
      await waitFor(() => s.b.relay.stats.positioned === 1, { message: "B follows the board" });
      for (let i = 0; i < 20; i++) {
        await s.a.rooms.withDoc(boardId, (doc) => updateCard(doc, "c1", { description: `round ${i}` }, 1_000 + i));
        // No wait for the relay: B's read itself waits for what A acknowledged.
        expect(await s.b.rooms.readDoc(boardId, (doc) => getCard(doc, "c1")?.description)).toBe(`round ${i}`);
      }
      const xrevranges = async () => Number(/cmdstat_xrevrange:calls=(\d+)/.exec(await s.redis.info("commandstats"))?.[1] ?? 0);
      const before = await xrevranges();
      await s.a.rooms.withDoc(boardId, (doc) => updateCard(doc, "c2", { description: "many readers" }, 5_000));
      const seen = await Promise.all(Array.from({ length: 50 }, () => s.b.rooms.readDoc(boardId, (doc) => getCard(doc, "c2")?.description)));
      expect(new Set(seen)).toEqual(new Set(["many readers"]));
      // Fifty reads in one turn: one pipelined question (not fifty). A's write asks none (it publishes).
      expect((await xrevranges()) - before).toBeLessThanOrEqual(2);
      expect(ben.conn.closed).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("a catch-up that cannot read storage is tried again (the board positioned afresh), while B's other boards are relayed meanwhile", async () => {
    let failing: string | null = null;
    const s = await servers((boardId, nth) => {
      if (boardId === failing && nth > 1) throw new Error("storage unreachable");
    });
    try {
      const one = await newBoard(postgres.async);
      const two = await newBoard(postgres.async);
      await boardWithCards(s.a.rooms, one);
      await boardWithCards(s.a.rooms, two);
      const anna1 = await editor(s.a.rooms, one, "anna1");
      const anna2 = await editor(s.a.rooms, two, "anna2");
      const ben1 = await editor(s.b.rooms, one, "ben1");
      await waitFor(() => s.b.relay.stats.positioned === 1, { message: "B follows board one" });
      failing = two;
      const ben2 = await editor(s.b.rooms, two, "ben2");
      // Board two's catch-up failed, and failed again when tried again.
      await waitFor(() => s.reads(two) >= 3, { message: "B tried board two's catch-up again" });
      anna2.edit("c1", "on A while B cannot read");
      anna1.edit("c1", "board one, meanwhile");
      await settle(s.a.rooms);
      await waitFor(() => getCard(ben1.view(), "c1")?.description === "board one, meanwhile", { message: "board one relayed to B meanwhile" });
      expect(s.b.relay.stats.positioned).toBe(1);
      failing = null;
      await waitFor(() => s.b.relay.stats.positioned === 2, { message: "board two positioned once storage answers" });
      anna2.edit("c2", "after");
      await settle(s.a.rooms);
      await converged(s, two, [anna2.view, ben2.view], { c1: "on A while B cannot read", c2: "after" });
      expect([ben1.conn.closed, ben2.conn.closed]).toEqual([[], []]);
    } finally {
      failing = null;
      await s.close();
    }
  });
});
