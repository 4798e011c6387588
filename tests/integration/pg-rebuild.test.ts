/**
 * The board rebuild (app/services/rebuild.server.ts, db/rebuild.ts), the
 * erasure and retention SQL it runs (db/erase.ts, db/retention.ts) and
 * readDoc/withDoc of a board not in memory, on both engines: SQLite with
 * its synchronous room storage (the server's path today), SQLite's
 * asynchronous layer behind the asynchronous storage, and a real
 * PostgreSQL (tests/infra/postgres.ts). Clients speak the real y-protocols
 * sync messages through test connections (tests/infra/sync-conn.ts).
 *
 * On every engine: "Vergeet deze persoon" through the service with clients
 * on the board (closed with 4410, the new document without the card, the
 * rows gone); an update sent while the rebuild runs is neither stored nor
 * broadcast and does not bring the card back; "Markeer als spam"; the
 * retention sweep; readDoc and withDoc of an unloaded board load it once.
 * On PostgreSQL only (they need a second server or a second connection
 * holding a lock): another manager's tick of the old generation is refused
 * after the rebuild, and a tick holding the generation `FOR SHARE` when the
 * rebuild starts is waited for (its rows folded into the new document and
 * deleted with the log, not left behind).
 */
import { and, eq, inArray } from "drizzle-orm";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCards, getCard, readBoard, setArchived, updateCard } from "../../app/board/domain";
import type { BoardRow, SessionUser } from "../../app/services/auth.server";
import type { AppServices } from "../../app/services/context.server";
import { forgetPerson, PERSON_FORGOTTEN } from "../../app/services/forget.server";
import { FRONT_DOOR_SPAM, markSpam } from "../../app/services/front-door-spam.server";
import { retentionSweep, sweepBoard } from "../../app/services/retention.server";
import { openPostgres, type AsyncDb, type Database_, type PostgresDatabase } from "../../db/client";
import { count } from "../../db/dialect";
import { requestIdsByKey } from "../../db/erase";
import { CLOSE } from "../../server/sync/room";
import { RoomManager } from "../../server/sync/rooms";
import { postgresRoomStorage, sqliteRoomStorage } from "../../server/sync/storage";
import type { RoomStorage } from "../../server/sync/types";
import { bothEngines } from "../infra/engines";
import { docFrom, hello, settle, syncFrame as frame, testConnection } from "../infra/sync-conn";

let sqlite: Database_;
let postgres: PostgresDatabase;
let pgUrl: string;

const both = bothEngines("rebuild");
beforeAll(() => {
  ({ sqlite, postgres, url: pgUrl } = both);
});

const quiet = { info() {}, warn() {}, error() {} };
const T0 = Date.UTC(2024, 0, 10);
const NOW = Date.UTC(2026, 5, 1);

interface Engine {
  name: string;
  h: () => AsyncDb;
  storage: () => RoomStorage;
}

const engines: Engine[] = [
  { name: "SQLite, synchronous storage", h: () => sqlite.async, storage: () => sqliteRoomStorage(sqlite) },
  { name: "SQLite, asynchronous storage", h: () => sqlite.async, storage: () => postgresRoomStorage(sqlite.async) },
  { name: "PostgreSQL", h: () => postgres.async, storage: () => postgresRoomStorage(postgres.async) },
];

const coordinator = { id: "coord", name: "C", email: "c@x.test", role: "coordinator", organisationId: "org", allianceId: "al" } as unknown as SessionUser;
const boardRow = (id: string) => ({ id, name: "Bord", allianceId: "al", archivedAt: null, docGeneration: 0 }) as unknown as BoardRow;

/** What the services use of AppServices here: the database, the rooms, the clock, no browsers. */
function services(h: AsyncDb, rooms: RoomManager): AppServices {
  const realtime = { toBoard() {}, toOrganisation() {}, toUser() {} };
  return { db: sqlite.db, async: h, rooms, now: () => NOW, realtime } as unknown as AppServices;
}

let boards = 0;
async function newBoard(h: AsyncDb): Promise<string> {
  await h.q.insert(h.t.alliances).values({ id: "al", name: "A", slug: "al", matchSecret: "s", demo: true }).onConflictDoNothing();
  await h.q.insert(h.t.organisations).values({ id: "org", allianceId: "al", name: "Org", shortName: "O" }).onConflictDoNothing();
  await h.q.insert(h.t.users).values({ id: "coord", email: "c@x.test", name: "C", passwordHash: "x", organisationId: "org", role: "coordinator" }).onConflictDoNothing();
  const id = `rb${++boards}`;
  await h.q.insert(h.t.boards).values({ id, allianceId: "al", name: "Bord" });
  return id;
}

function manager(storage: RoomStorage) {
  return new RoomManager({ storage, log: quiet, compactAfter: 1_000_000, idleMs: 60_000 });
}

/** Cards `ids` on the board (document and request rows); `key`: the reference key of the first two. */
async function withRequests(h: AsyncDb, rooms: RoomManager, boardId: string, n: number) {
  const ids = Array.from({ length: n }, (_, i) => `${boardId}-c${i + 1}`);
  await rooms.withDoc(boardId, (doc) =>
    addCards(doc, ids.map((id, i) => ({ id, title: `Geheim ${i + 1}`, category: "taal", description: `tekst ${i + 1}`, area: "", urgency: "normaal", createdAt: T0, createdByOrg: "org" }))),
  );
  await h.q.insert(h.t.requests).values(
    ids.map((id, i) => ({ id, boardId, createdByOrgId: "org", reference: i < 2 ? "REF-1" : null, referenceKey: i < 2 ? `${boardId}-key` : null, lastActivityAt: T0, createdAt: T0 })),
  );
  return ids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** A client on the board, synced: its own document, edits sent as sync updates. */
async function editor(rooms: RoomManager, boardId: string, id: string) {
  const conn = testConnection(id);
  const room = await rooms.connect(boardId, conn);
  room.receive(conn, hello());
  await settle(rooms);
  const doc = docFrom(conn.got);
  return {
    conn,
    doc,
    cards: () => readBoard(docFrom(conn.got)).cards.map((c) => c.id),
    edit(card: string, description: string) {
      let update: Uint8Array | null = null;
      doc.once("update", (u: Uint8Array) => (update = u));
      updateCard(doc, card, { description }, T0 + 1);
      room.receive(conn, frame(2, update!));
      return update!;
    },
    /** Any change of the client's document, sent. */
    change(fn: (d: Y.Doc) => void) {
      let update: Uint8Array | null = null;
      doc.once("update", (u: Uint8Array) => (update = u));
      fn(doc);
      room.receive(conn, frame(2, update!));
    },
  };
}

/** The board as stored: loaded by a fresh manager. */
async function stored(storage: RoomStorage, boardId: string): Promise<Y.Doc> {
  const rooms = manager(storage);
  const doc = await rooms.readDoc(boardId, (d) => {
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(d));
    return copy;
  });
  await rooms.drain();
  return doc;
}

async function updateRows(h: AsyncDb, boardId: string): Promise<number> {
  const [row] = await h.q.select({ n: count() }).from(h.t.boardUpdates).where(eq(h.t.boardUpdates.boardId, boardId));
  return row.n;
}

async function generation(h: AsyncDb, boardId: string): Promise<number> {
  const [row] = await h.q.select({ g: h.t.boards.docGeneration }).from(h.t.boards).where(eq(h.t.boards.id, boardId));
  return row.g;
}

async function addMoment(h: AsyncDb, rooms: RoomManager, boardId: string) {
  const data = await rooms.readDoc(boardId, (d) => Y.encodeStateAsUpdate(d));
  await h.q.insert(h.t.boardMoments).values({ id: `${boardId}-m`, boardId, reason: "manual", data: Buffer.from(data), at: T0 + 5 });
}

async function momentCards(h: AsyncDb, boardId: string): Promise<string[]> {
  const [m] = await h.q.select({ data: h.t.boardMoments.data }).from(h.t.boardMoments).where(eq(h.t.boardMoments.boardId, boardId));
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(m.data));
  return readBoard(doc).cards.map((c) => c.id);
}

/** A handle whose top-level transactions wait at `gate` (after saying so): the rebuild paused just before its transaction. */
function pausedBefore(h: AsyncDb) {
  let entered!: () => void;
  let open!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (open = r));
  const paused = Object.create(h) as AsyncDb;
  paused.transaction = (async (fn: Parameters<AsyncDb["transaction"]>[0], o?: Parameters<AsyncDb["transaction"]>[1]) => {
    entered();
    await gate;
    return h.transaction(fn, o);
  }) as AsyncDb["transaction"];
  return { paused, inside, open };
}

describe.each(engines)("the rebuild on $name", (engine) => {
  it("forgetting a request through the service: connected clients are closed with 4410 and load the new document without it; rows, log and moment go", async () => {
    const h = engine.h();
    const boardId = await newBoard(h);
    const rooms = manager(engine.storage());
    const [c1, c2, c3] = await withRequests(h, rooms, boardId, 3);
    await h.q.insert(h.t.comments).values({ id: `${boardId}-k`, requestId: c1, orgId: "org", body: "geheim", createdAt: T0 });
    await addMoment(h, rooms, boardId);
    const anna = await editor(rooms, boardId, "anna");
    const ben = await editor(rooms, boardId, "ben");
    anna.edit(c3, "voor het vergeten");
    await settle(rooms);
    expect(await updateRows(h, boardId)).toBeGreaterThan(0);
    expect(await requestIdsByKey(h, boardId, `${boardId}-key`)).toEqual(expect.arrayContaining([c1, c2]));

    const svc = services(h, rooms);
    const preview = await forgetPerson(svc, coordinator, boardRow(boardId), { requestId: c1, dryRun: true });
    expect(preview).toMatchObject({ ok: true, dryRun: true, counts: { requests: 2, comments: 1, cards: 2, moments: 1 } });
    expect(await updateRows(h, boardId)).toBeGreaterThan(0);
    const before = await generation(h, boardId);

    const done = await forgetPerson(svc, coordinator, boardRow(boardId), { requestId: c1 });
    expect(done).toMatchObject({ ok: true, dryRun: false, counts: { requests: 2, comments: 1, cards: 2, moments: 1 } });
    expect(anna.conn.closed).toEqual([CLOSE.rebuilt]);
    expect(ben.conn.closed).toEqual([CLOSE.rebuilt]);
    expect(rooms.peek(boardId)).toBeUndefined();
    expect(await generation(h, boardId)).toBe(before + 1);
    expect(await updateRows(h, boardId)).toBe(0);
    const left = await h.q.select({ id: h.t.requests.id }).from(h.t.requests).where(eq(h.t.requests.boardId, boardId));
    expect(left.map((r) => r.id)).toEqual([c3]);
    expect(await h.q.select().from(h.t.comments).where(eq(h.t.comments.requestId, c1))).toEqual([]);
    const audit = await h.q.select({ data: h.t.auditEvents.data }).from(h.t.auditEvents).where(and(eq(h.t.auditEvents.boardId, boardId), eq(h.t.auditEvents.type, PERSON_FORGOTTEN)));
    expect(audit).toHaveLength(1);
    expect(audit[0].data).toMatchObject({ requests: 2, cards: 2 });
    expect(await momentCards(h, boardId)).toEqual([c3]);

    // Reconnected: the new document, without the cards, with the edit made before.
    const again = await editor(rooms, boardId, "anna2");
    expect(again.cards()).toEqual([c3]);
    expect(getCard(docFrom(again.conn.got), c3)?.description).toBe("voor het vergeten");
    await rooms.drain();
    const doc = await stored(engine.storage(), boardId);
    expect(readBoard(doc).cards.map((c) => c.id)).toEqual([c3]);
  });

  it("an update sent while the rebuild runs is neither stored nor broadcast, and does not bring the erased card back", async () => {
    const h = engine.h();
    const boardId = await newBoard(h);
    const rooms = manager(engine.storage());
    const [c1, , c3] = await withRequests(h, rooms, boardId, 3);
    const anna = await editor(rooms, boardId, "anna");
    const ben = await editor(rooms, boardId, "ben");
    const { paused, inside, open } = pausedBefore(h);
    const forgetting = forgetPerson(services(paused, rooms), coordinator, boardRow(boardId), { requestId: c3 });
    await inside;
    const rows = await updateRows(h, boardId);
    const benFrames = ben.conn.got.length;
    anna.edit(c3, "terug van weggeweest");
    anna.edit(c1, "ook dit");
    await sleep(100);
    await settle(rooms);
    expect(ben.conn.got.length).toBe(benFrames);
    expect(await updateRows(h, boardId)).toBe(rows);
    open();
    expect(await forgetting).toMatchObject({ ok: true, counts: { requests: 1, cards: 1 } });
    expect(anna.conn.closed).toEqual([CLOSE.rebuilt]);
    expect(ben.conn.closed).toEqual([CLOSE.rebuilt]);
    await settle(rooms);
    expect(await updateRows(h, boardId)).toBe(0);
    const again = await editor(rooms, boardId, "ben2");
    expect(again.cards()).not.toContain(c3);
    await rooms.drain();
    const doc = await stored(engine.storage(), boardId);
    expect(getCard(doc, c3)).toBeNull();
    expect(readBoard(doc).cards.map((c) => c.id)).toContain(c1);
  });

  it("marking a front-door request as spam: the card and row go, the item is marked, one audit row", async () => {
    const h = engine.h();
    const boardId = await newBoard(h);
    const rooms = manager(engine.storage());
    const [c1, c2] = await withRequests(h, rooms, boardId, 2);
    await h.q.insert(h.t.frontDoorItems).values({ id: `${boardId}-fd`, allianceId: "al", boardId, requestId: c2, kind: "request", language: "nl", codeHash: `${boardId}-code`, addressKey: "a", createdAt: T0 });
    const anna = await editor(rooms, boardId, "anna");
    expect(await markSpam(services(h, rooms), coordinator, boardRow(boardId), c2)).toEqual({ ok: true });
    expect(anna.conn.closed).toEqual([CLOSE.rebuilt]);
    const [item] = await h.q.select({ spamAt: h.t.frontDoorItems.spamAt }).from(h.t.frontDoorItems).where(eq(h.t.frontDoorItems.id, `${boardId}-fd`));
    expect(item.spamAt).toBe(NOW);
    expect(await h.q.select().from(h.t.requests).where(eq(h.t.requests.id, c2))).toEqual([]);
    expect(await h.q.select().from(h.t.auditEvents).where(and(eq(h.t.auditEvents.boardId, boardId), eq(h.t.auditEvents.type, FRONT_DOOR_SPAM)))).toHaveLength(1);
    await rooms.drain();
    expect(readBoard(await stored(engine.storage(), boardId)).cards.map((c) => c.id)).toEqual([c1]);
  });

  it("the retention sweep anonymises what is due (document, rows, audit words) and nothing else; the second sweep finds nothing", async () => {
    const h = engine.h();
    const boardId = await newBoard(h);
    const rooms = manager(engine.storage());
    const [due, recent, open] = await withRequests(h, rooms, boardId, 3);
    await rooms.withDoc(boardId, (doc) => {
      setArchived(doc, due, true, T0 + 1);
      setArchived(doc, recent, true, NOW - 86_400_000);
    });
    await h.q.insert(h.t.auditEvents).values([
      { boardId, requestId: due, type: "archived", data: {}, createdAt: T0 + 1 },
      { boardId, requestId: recent, type: "archived", data: {}, createdAt: NOW - 86_400_000 },
    ]);
    await h.q.insert(h.t.comments).values({ id: `${boardId}-k`, requestId: due, orgId: "org", body: "geheim", createdAt: T0 });
    const anna = await editor(rooms, boardId, "anna");
    const svc = services(h, rooms);
    const first = await retentionSweep(svc, NOW);
    expect(first.failed).toEqual([]);
    expect(first.swept.find((s) => s.boardId === boardId)).toMatchObject({ requests: 1, comments: 1 });
    expect(anna.conn.closed).toEqual([CLOSE.rebuilt]);
    const rows = await h.q
      .select({ id: h.t.requests.id, reference: h.t.requests.reference, anonymisedAt: h.t.requests.anonymisedAt })
      .from(h.t.requests)
      .where(inArray(h.t.requests.id, [due, recent, open]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(due)).toMatchObject({ reference: null, anonymisedAt: NOW });
    expect(byId.get(recent)).toMatchObject({ reference: "REF-1", anonymisedAt: null });
    expect(await h.q.select().from(h.t.comments).where(eq(h.t.comments.requestId, due))).toEqual([]);
    const sweepRows = await h.q.select().from(h.t.auditEvents).where(and(eq(h.t.auditEvents.boardId, boardId), eq(h.t.auditEvents.type, "retention_sweep")));
    expect(sweepRows).toHaveLength(1);
    await rooms.drain();
    const doc = await stored(engine.storage(), boardId);
    expect(getCard(doc, due)).toMatchObject({ description: "", archived: true });
    expect(getCard(doc, due)?.title).not.toContain("Geheim");
    expect(getCard(doc, recent)?.title).toBe("Geheim 2");
    expect(getCard(doc, open)?.description).toBe("tekst 3");

    const second = await retentionSweep(services(h, manager(engine.storage())), NOW);
    expect(second.failed).toEqual([]);
    expect(second.swept.find((s) => s.boardId === boardId)).toBeUndefined();
  });

  it("the retention sweep decides what is due from the document it holds: a card put back while it runs is left alone", async () => {
    const h = engine.h();
    const boardId = await newBoard(h);
    const rooms = manager(engine.storage());
    const [back, due] = await withRequests(h, rooms, boardId, 2);
    await rooms.withDoc(boardId, (doc) => {
      setArchived(doc, back, true, T0 + 1);
      setArchived(doc, due, true, T0 + 1);
    });
    const anna = await editor(rooms, boardId, "anna");
    const { paused, inside, open } = pausedBefore(h);
    const sweeping = sweepBoard(services(paused, rooms), { id: boardId, retentionMonths: 12 }, NOW);
    await inside;
    anna.change((d) => setArchived(d, back, false, NOW));
    await settle(rooms);
    open();
    expect(await sweeping).toMatchObject({ requests: 1 });
    const rows = await h.q.select({ id: h.t.requests.id, anonymisedAt: h.t.requests.anonymisedAt }).from(h.t.requests).where(eq(h.t.requests.boardId, boardId));
    expect(new Map(rows.map((r) => [r.id, r.anonymisedAt]))).toEqual(new Map([[back, null], [due, NOW]]));
    await rooms.drain();
    const doc = await stored(engine.storage(), boardId);
    expect(getCard(doc, back)).toMatchObject({ title: "Geheim 1", archived: false });
    expect(getCard(doc, due)?.title).not.toContain("Geheim");
  });

  it("readDoc and withDoc of a board not in memory: loaded once however many ask at once, and correct", async () => {
    const h = engine.h();
    const boardId = await newBoard(h);
    const first = manager(engine.storage());
    await withRequests(h, first, boardId, 2);
    await first.drain();

    const counted = (): { storage: RoomStorage; reads: () => number } => {
      const real = engine.storage();
      let reads = 0;
      const storage: RoomStorage = real.async ? { ...real, load: (id) => (reads++, real.load(id)) } : { ...real, load: (id) => (reads++, real.load(id)) };
      return { storage, reads: () => reads };
    };
    const a = counted();
    const reader = manager(a.storage);
    const counts = await Promise.all(Array.from({ length: 6 }, () => reader.readDoc(boardId, (d) => readBoard(d).cards.length)));
    expect(counts).toEqual([2, 2, 2, 2, 2, 2]);
    expect(a.reads()).toBe(1);
    expect(reader.stats.loads).toBe(1);
    await reader.drain();

    const b = counted();
    const writer = manager(b.storage);
    const added = Array.from({ length: 5 }, (_, i) => `${boardId}-w${i}`);
    await Promise.all(
      added.map((id) =>
        writer.withDoc(boardId, (doc) => addCards(doc, [{ id, title: id, category: "taal", description: "", area: "", urgency: "normaal", createdAt: T0, createdByOrg: "org" }])),
      ),
    );
    expect(b.reads()).toBe(1);
    expect(writer.stats.loads).toBe(1);
    await writer.drain();
    const doc = await stored(engine.storage(), boardId);
    expect(readBoard(doc).cards).toHaveLength(7);
    for (const id of added) expect(getCard(doc, id)).not.toBeNull();
  });
});

describe("the rebuild on PostgreSQL: other servers", () => {
  const storage = () => postgresRoomStorage(postgres.async);

  it("two managers on one database: the rebuild reads the other's committed edits, and the other's next tick (old generation) is refused", async () => {
    const h = postgres.async;
    const second = await openPostgres(pgUrl, { max: 4 });
    try {
      const roomsA = manager(storage());
      const roomsB = manager(postgresRoomStorage(second.async));
      const boardId = await newBoard(h);
      const [c1, , c3] = await withRequests(h, roomsA, boardId, 3);
      const onB = await editor(roomsB, boardId, "onB");
      const onA = await editor(roomsA, boardId, "onA");
      onB.edit(c3, "van server B");
      await settle(roomsB);
      // A does not follow B (no relay): its live copy lacks B's edit, storage has it.
      expect(getCard(docFrom(onA.conn.got), c3)?.description).toBe("tekst 3");

      const done = await forgetPerson(services(h, roomsA), coordinator, boardRow(boardId), { requestId: c1 });
      expect(done).toMatchObject({ ok: true, counts: { requests: 2 } });
      expect(onA.conn.closed).toEqual([CLOSE.rebuilt]);
      expect(onB.conn.closed).toEqual([]);
      expect(getCard(await stored(storage(), boardId), c3)?.description).toBe("van server B");

      const gen = await generation(h, boardId);
      const framesB = onB.conn.got.length;
      onB.edit(c1, "oude generatie");
      await settle(roomsB);
      expect(onB.conn.closed).toEqual([CLOSE.rebuilt]);
      expect(onB.conn.got.length).toBe(framesB);
      expect(roomsB.peek(boardId)).toBeUndefined();
      expect(await updateRows(h, boardId)).toBe(0);
      expect(await generation(h, boardId)).toBe(gen);
      const doc = await stored(storage(), boardId);
      expect(getCard(doc, c1)).toBeNull();
      await roomsA.drain();
      await roomsB.drain();
    } finally {
      await second.close();
    }
  });

  it("a tick holding the generation FOR SHARE when the rebuild starts is waited for: its rows are folded into the new document and deleted with the log", async () => {
    const h = postgres.async;
    const rooms = manager(storage());
    const boardId = await newBoard(h);
    const [c1, , c3] = await withRequests(h, rooms, boardId, 3);
    await settle(rooms);
    // Another server's tick, by hand: the generation checked and locked FOR SHARE, its insert still to come.
    const copy = await stored(storage(), boardId);
    let update: Uint8Array | null = null;
    copy.once("update", (u: Uint8Array) => (update = u));
    updateCard(copy, c3, { description: "in de lucht" }, T0 + 2);
    const other = new pg.Client({ connectionString: pgUrl });
    await other.connect();
    try {
      await other.query("BEGIN");
      const { rows } = await other.query("SELECT doc_generation FROM boards WHERE id = $1 FOR SHARE", [boardId]);
      expect(Number(rows[0].doc_generation)).toBe(await generation(h, boardId));
      const forgetting = forgetPerson(services(h, rooms), coordinator, boardRow(boardId), { requestId: c1 });
      await sleep(300);
      await other.query("INSERT INTO board_updates (board_id, data, created_at) VALUES ($1, $2, $3)", [boardId, Buffer.from(update!), T0 + 2]);
      await other.query("COMMIT");
      expect(await forgetting).toMatchObject({ ok: true });
    } finally {
      await other.end();
    }
    expect(await updateRows(h, boardId)).toBe(0);
    const doc = await stored(storage(), boardId);
    expect(getCard(doc, c1)).toBeNull();
    expect(getCard(doc, c3)?.description).toBe("in de lucht");
    await rooms.drain();
  });
});
