/**
 * The list import (app/services/import.server.ts, db/imports.ts) on both
 * engines: SQLite in memory with its synchronous room storage (the server's
 * path) and a real PostgreSQL with the asynchronous one (postgresRoomStorage).
 * The service runs as the server runs it, against real room managers: an
 * import writes its rows (one transaction, the limits judged inside it with
 * the organisation's row locked), then its cards (one document step), and
 * removes the rows again when the cards do not land. Here: an import's rows,
 * audit rows and cards read back (and the duplicate warning naming the other
 * organisation's request); eight imports at once through two servers against
 * a quota of three (exactly three stand); six imports at once against the
 * hourly cap of imported rows (exactly the cap stands); a document step that
 * throws, a commit of the cards that fails, and a board whose category went
 * between the judgement and the write: no rows stay.
 */
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCards, initBoard, readBoard, removeCategory } from "../../app/board/domain";
import type { SessionUser } from "../../app/services/auth.server";
import type { AppServices, BoardRooms } from "../../app/services/context.server";
import { referenceKey } from "../../app/services/duplicates.server";
import { parseEnv } from "../../app/services/env.server";
import { IMPORTED_ROWS_PER_ORG_PER_HOUR, importList, importOptions, type ImportResult } from "../../app/services/import.server";
import { createLimits, registerLimits } from "../../app/services/limits.server";
import { insertBoardWithDocument } from "../../db/boards";
import type { AsyncDb } from "../../db/client";
import { count } from "../../db/dialect";
import { deleteImportedRequests, insertImportedRequests, organisationNames } from "../../db/imports";
import { setAllianceRequestQuota } from "../../db/limits";
import { RoomManager } from "../../server/sync/rooms";
import { postgresRoomStorage, sqliteRoomStorage } from "../../server/sync/storage";
import type { AsyncRoomStorage, RoomStorage, SyncRoomStorage } from "../../server/sync/types";
import { bothEngines, ENGINES, type Engine } from "../infra/engines";

const engines = bothEngines("pg_import");

const quiet = { info() {}, warn() {}, error() {} };
const SECRET = "geheim";

/** The storage the server uses on each engine; `fail` makes its commits fail. */
function storageOf(engine: Engine, fail: { now: boolean } = { now: false }): RoomStorage {
  if (engine === "sqlite") {
    const real = sqliteRoomStorage(engines.sqlite);
    return {
      ...real,
      append: (b: Parameters<SyncRoomStorage["append"]>[0], o?: Parameters<SyncRoomStorage["append"]>[1]) => {
        if (fail.now) throw new Error("disk gone");
        real.append(b, o);
      },
    };
  }
  const real = postgresRoomStorage(engines.postgres.async);
  return { ...real, append: (b: Parameters<AsyncRoomStorage["append"]>[0]) => (fail.now ? Promise.reject(new Error("disk gone")) : real.append(b)) };
}

const managers: RoomManager[] = [];
function manager(storage: RoomStorage): RoomManager {
  const m = new RoomManager({ storage, log: quiet, compactAfter: 1_000_000, idleMs: 60_000 });
  managers.push(m);
  return m;
}
afterEach(async () => {
  for (const m of managers.splice(0)) await m.drain();
});

/** One server's services: its own room manager and limits, the engine's layer. */
function server(engine: Engine, rooms: BoardRooms): AppServices {
  const env = parseEnv({ REQUESTS_PER_ORG_PER_HOUR: "1000", LOG_LEVEL: "silent" });
  const svc = {
    // Nothing of the import may use the synchronous SQLite handle: on PostgreSQL there is none (nor do the limits need one).
    db: engine === "sqlite" ? engines.sqlite.db : undefined,
    async: engines.async(engine),
    env,
    now: () => Date.now(),
    rooms,
    realtime: { toBoard() {}, toOrganisation() {}, toUser() {} },
    mail: { enabled: false },
  } as unknown as AppServices;
  registerLimits(svc, createLimits(env, svc.now));
  return svc;
}

let worlds = 0;
interface World {
  allianceId: string;
  boardId: string;
  member: SessionUser;
  other: SessionUser;
  /** The other organisation's request already on the board (reference REF-1, Wonen, open). */
  existing: string;
}

/** An alliance with two organisations, a person of each, and a board with the default columns and one request of the second. */
async function world(h: AsyncDb): Promise<World> {
  const n = ++worlds;
  const { q, t } = h;
  const al = `al${n}`;
  await q.insert(t.alliances).values({ id: al, name: `Alliantie ${n}`, slug: `alliantie-${n}`, matchSecret: SECRET });
  await q.insert(t.organisations).values([
    { id: `${al}-o1`, allianceId: al, name: "Een", shortName: "Org Een" },
    { id: `${al}-o2`, allianceId: al, name: "Twee", shortName: "Org Twee" },
  ]);
  await q.insert(t.users).values([
    { id: `${al}-u1`, email: `een-${n}@x.test`, name: "Een", passwordHash: "h", organisationId: `${al}-o1`, role: "member" },
    { id: `${al}-u2`, email: `twee-${n}@x.test`, name: "Twee", passwordHash: "h", organisationId: `${al}-o2`, role: "member" },
  ]);
  const person = (i: 1 | 2) => ({ id: `${al}-u${i}`, organisationId: `${al}-o${i}`, allianceId: al, role: "member" }) as unknown as SessionUser;
  const existing = `${al}-r0`;
  const doc = new Y.Doc();
  initBoard(doc);
  addCards(doc, [{ id: existing, title: "Woning gezocht", category: "wonen", description: "", area: "", urgency: "normaal", column: "open", createdAt: 1, createdByOrg: `${al}-o2` }]);
  const boardId = `${al}-b`;
  expect(await insertBoardWithDocument(h, { id: boardId, allianceId: al, name: "Hulpvragen" }, Y.encodeStateAsUpdate(doc), 1)).toBe(true);
  await q.insert(t.requests).values({
    id: existing,
    boardId,
    createdByOrgId: `${al}-o2`,
    reference: "REF-1",
    referenceKey: referenceKey(SECRET, "REF-1"),
    lastActivityAt: Date.now(),
    createdAt: Date.now(),
  });
  return { allianceId: al, boardId, member: person(1), other: person(2), existing };
}

const board = (w: World) => ({ id: w.boardId, allianceId: w.allianceId, name: "Hulpvragen", archivedAt: null, docGeneration: 0 }) as never;

/** A `;` CSV of these rows (title, category, reference). */
function csv(rows: Array<[string, string, string]>): { type: string; bytes: Uint8Array } {
  const text = ["Hulpvraag;Categorie;Referentie", ...rows.map((r) => r.join(";"))].join("\r\n") + "\r\n";
  return { type: "text/csv", bytes: new TextEncoder().encode(text) };
}

const opts = (query = "") => importOptions(new URL(`http://x/import${query ? `?${query}` : ""}`));

function doImport(svc: AppServices, w: World, file = csv([["Taalcafé zoeken", "Taal", "REF-2"]]), query = "") {
  return importList(svc, w.member, board(w), file, opts(query));
}

async function requestsOf(h: AsyncDb, orgId: string) {
  return h.q
    .select({ id: h.t.requests.id, importId: h.t.requests.importId, reference: h.t.requests.reference })
    .from(h.t.requests)
    .where(eq(h.t.requests.createdByOrgId, orgId));
}

async function auditRows(h: AsyncDb, boardId: string): Promise<number> {
  const [r] = await h.q.select({ n: count() }).from(h.t.auditEvents).where(and(eq(h.t.auditEvents.boardId, boardId), isNotNull(h.t.auditEvents.requestId)));
  return r.n;
}

/** The board as stored (a fresh server loads it). */
async function storedBoard(engine: Engine, boardId: string) {
  const rooms = manager(storageOf(engine));
  return rooms.withDoc(boardId, (doc) => readBoard(doc));
}

const ok = (r: ImportResult) => (r.ok && !r.dryRun ? r : expect.fail(`import refused: ${JSON.stringify(r).slice(0, 300)}`));

beforeAll(() => {
  expect(ENGINES).toEqual(["sqlite", "postgres"]);
});

for (const engine of ENGINES) {
  describe(`on ${engine}`, () => {
    const h = () => engines.async(engine);

    it("organisationNames, insertImportedRequests with a refusal, deleteImportedRequests", async () => {
      const w = await world(h());
      expect(await organisationNames(h(), w.allianceId)).toEqual(
        new Map([
          [`${w.allianceId}-o1`, "Org Een"],
          [`${w.allianceId}-o2`, "Org Twee"],
        ]),
      );
      const org = w.member.organisationId;
      const rows = [1, 2].map((i) => ({ id: `${w.boardId}-x${i}`, boardId: w.boardId, createdByOrgId: org, importId: "imp-x", lastActivityAt: 5, createdAt: 5 }));
      const audits = rows.map((r) => ({ boardId: w.boardId, requestId: r.id, userId: w.member.id, orgId: org, type: "created", data: { import: "imp-x" }, createdAt: 5 }));
      // Refused inside the transaction: its answer, and nothing written.
      expect(await insertImportedRequests(h(), rows, audits, async (tx) => ((await requestsOf(tx, org)).length === 0 ? "no" : null))).toBe("no");
      expect(await requestsOf(h(), org)).toEqual([]);
      expect(await insertImportedRequests(h(), rows, audits, () => null)).toBeNull();
      expect((await requestsOf(h(), org)).map((r) => r.importId)).toEqual(["imp-x", "imp-x"]);
      expect(await auditRows(h(), w.boardId)).toBe(2);
      expect(await deleteImportedRequests(h(), w.boardId, "imp-x")).toBe(2);
      expect(await deleteImportedRequests(h(), w.boardId, "imp-x")).toBe(0);
      expect(await requestsOf(h(), org)).toEqual([]);
      expect(await auditRows(h(), w.boardId)).toBe(0);
      // The other organisation's request is untouched.
      expect((await requestsOf(h(), w.other.organisationId)).map((r) => r.id)).toEqual([w.existing]);
    });

    it("an import writes its rows, audit rows and cards, which read back; the duplicate warning names the request on the board", async () => {
      const w = await world(h());
      const svc = server(engine, manager(storageOf(engine)));
      const file = csv([
        ["Woning voor gezin", "Wonen", "REF-1"],
        ["Taalmaatje", "Taal", "REF-2"],
        ["Sollicitatiebrief", "Werk", "REF-3"],
      ]);
      const dry = await doImport(svc, w, file, "dryRun=1");
      expect(dry.ok && dry.dryRun && dry.preview.duplicates).toEqual([
        { row: 2, kind: "board", organisation: "Org Twee", category: "wonen", categoryLabel: "Wonen" },
      ]);
      expect(dry.ok && dry.preview.counts).toMatchObject({ rows: 3, valid: 3, duplicates: 1, toImport: 2 });
      expect(await requestsOf(h(), w.member.organisationId)).toEqual([]);

      const r = ok(await doImport(svc, w, file));
      expect(r.created).toBe(2);
      const rows = await requestsOf(h(), w.member.organisationId);
      expect(rows.map((x) => x.id).sort()).toEqual([...r.ids].sort());
      expect(new Set(rows.map((x) => x.importId))).toEqual(new Set([r.importId]));
      expect(rows.map((x) => x.reference).sort()).toEqual(["REF-2", "REF-3"]);
      expect(await auditRows(h(), w.boardId)).toBe(2);
      const stored = await storedBoard(engine, w.boardId);
      expect(stored.cards.map((c) => c.id).sort()).toEqual([w.existing, ...r.ids].sort());
      expect(stored.cards.find((c) => c.id === r.ids[0])).toMatchObject({ title: "Taalmaatje", category: "taal", column: "nieuw", createdByOrg: w.member.organisationId });
      // Both uploads were reference checks: one found the board's request.
      const checks = await h().q.select({ outcome: h().t.referenceChecks.outcome }).from(h().t.referenceChecks).where(eq(h().t.referenceChecks.boardId, w.boardId));
      expect(checks.map((c) => c.outcome)).toEqual(["match", "match"]);
      // Now the imported REF-2 is on the board too: a second file with it is warned about (this organisation's own: with its id).
      const again = await doImport(svc, w, csv([["Taalmaatje", "Taal", "REF-2"]]), "dryRun=1");
      expect(again.ok && again.preview.duplicates).toEqual([{ row: 2, kind: "board", organisation: "Org Een", category: "taal", categoryLabel: "Taal", requestId: r.ids[0] }]);
    });

    it("eight imports at once through two servers, quota of three: exactly three stand, rows and cards alike", async () => {
      const w = await world(h());
      await setAllianceRequestQuota(h(), w.allianceId, 3);
      // PostgreSQL: two servers with their own rooms over one database. SQLite is one server (one file, one writer).
      const roomsA = manager(storageOf(engine));
      const roomsB = engine === "postgres" ? manager(storageOf(engine)) : roomsA;
      const a = server(engine, roomsA);
      const b = server(engine, roomsB);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          doImport(i % 2 ? b : a, w, csv([
            [`Vraag ${i} een`, "Taal", `Q${i}-1`],
            [`Vraag ${i} twee`, "Werk", `Q${i}-2`],
          ])),
        ),
      );
      const won = results.filter((r) => r.ok);
      expect(won).toHaveLength(3);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error)).toEqual(Array(5).fill("quota_exceeded"));
      const rows = await requestsOf(h(), w.member.organisationId);
      expect(rows).toHaveLength(6);
      expect(new Set(rows.map((x) => x.importId)).size).toBe(3);
      for (const m of [roomsA, roomsB]) await m.drain();
      const stored = await storedBoard(engine, w.boardId);
      expect(stored.cards.map((c) => c.id).sort()).toEqual([w.existing, ...rows.map((x) => x.id)].sort());
    });

    it(`six imports of two rows at once, ${IMPORTED_ROWS_PER_ORG_PER_HOUR - 4} imported this hour already: exactly the cap stands`, async () => {
      const w = await world(h());
      const org = w.member.organisationId;
      const at = Date.now() - 10 * 60_000;
      const earlier = Array.from({ length: IMPORTED_ROWS_PER_ORG_PER_HOUR - 4 }, (_, i) => ({
        id: `${w.boardId}-e${i}`,
        boardId: w.boardId,
        createdByOrgId: org,
        importId: `${w.boardId}-earlier`,
        lastActivityAt: at,
        createdAt: at,
      }));
      await insertImportedRequests(h(), earlier, []);
      const roomsA = manager(storageOf(engine));
      const roomsB = engine === "postgres" ? manager(storageOf(engine)) : roomsA;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => doImport(server(engine, i % 2 ? roomsB : roomsA), w, csv([
          [`Rij ${i} een`, "Taal", `L${i}-1`],
          [`Rij ${i} twee`, "Werk", `L${i}-2`],
        ]))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(2);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error)).toEqual(Array(4).fill("import_limit"));
      const [n] = await h().q.select({ n: count() }).from(h().t.requests).where(and(eq(h().t.requests.createdByOrgId, org), isNotNull(h().t.requests.importId)));
      expect(n.n).toBe(IMPORTED_ROWS_PER_ORG_PER_HOUR);
    });

    it("the document step throws: the rows are removed again, the error comes through", async () => {
      const w = await world(h());
      const real = manager(storageOf(engine));
      let calls = 0;
      const rooms: BoardRooms = Object.assign(Object.create(real) as RoomManager, {
        withDoc: <T>(boardId: string, fn: (doc: Y.Doc) => T, origin?: unknown) => {
          // The second step is the cards'.
          if (++calls === 2) return Promise.reject(new Error("room gone"));
          return real.withDoc(boardId, fn, origin);
        },
      });
      await expect(doImport(server(engine, rooms), w)).rejects.toThrow("room gone");
      expect(await requestsOf(h(), w.member.organisationId)).toEqual([]);
      expect(await auditRows(h(), w.boardId)).toBe(0);
      // And the next import goes through.
      const r = ok(await doImport(server(engine, real), w));
      expect((await requestsOf(h(), w.member.organisationId)).map((x) => x.id)).toEqual(r.ids);
    });

    it("the cards' commit fails (the room drops them): the import fails and no rows stay", async () => {
      const w = await world(h());
      const fail = { now: false };
      const rooms = manager(storageOf(engine, fail));
      const svc = server(engine, rooms);
      // The board loaded, and the judgement done, before the storage fails.
      let calls = 0;
      const failing: BoardRooms = Object.assign(Object.create(rooms) as RoomManager, {
        withDoc: <T>(boardId: string, fn: (doc: Y.Doc) => T, origin?: unknown) => {
          if (++calls === 2) fail.now = true;
          if (calls === 3) fail.now = false;
          return rooms.withDoc(boardId, fn, origin);
        },
      });
      await expect(doImport({ ...svc, rooms: failing }, w)).rejects.toThrow("did not store the cards");
      expect(await requestsOf(h(), w.member.organisationId)).toEqual([]);
      expect(await auditRows(h(), w.boardId)).toBe(0);
      const stored = await storedBoard(engine, w.boardId);
      expect(stored.cards.map((c) => c.id)).toEqual([w.existing]);
    });

    it("the row's category goes between the judgement and the write: 409 board_changed, no rows, no cards", async () => {
      const w = await world(h());
      const real = manager(storageOf(engine));
      let calls = 0;
      const rooms: BoardRooms = Object.assign(Object.create(real) as RoomManager, {
        withDoc: async <T>(boardId: string, fn: (doc: Y.Doc) => T, origin?: unknown) => {
          if (++calls === 2) await real.withDoc(boardId, (doc) => removeCategory(doc, "taal", { moveTo: "wonen", now: Date.now() }));
          return real.withDoc(boardId, fn, origin);
        },
      });
      const r = await doImport(server(engine, rooms), w);
      expect(r).toMatchObject({ ok: false, status: 409, error: "board_changed" });
      expect(await requestsOf(h(), w.member.organisationId)).toEqual([]);
      const stored = await storedBoard(engine, w.boardId);
      expect(stored.cards.map((c) => c.id)).toEqual([w.existing]);
      expect(stored.categories.map((c) => c.id)).not.toContain("taal");
    });
  });
}

describe("what a removal takes along", () => {
  it("deleteImportedRequests removes only its import's requests and their audit rows (both engines)", async () => {
    for (const engine of ENGINES) {
      const h = engines.async(engine);
      const w = await world(h);
      const org = w.member.organisationId;
      const row = (id: string, importId: string) => ({ id, boardId: w.boardId, createdByOrgId: org, importId, lastActivityAt: 5, createdAt: 5 });
      await insertImportedRequests(h, [row(`${w.boardId}-k1`, "keep"), row(`${w.boardId}-g1`, "go")], [
        { boardId: w.boardId, requestId: `${w.boardId}-k1`, type: "created", createdAt: 5 },
        { boardId: w.boardId, requestId: `${w.boardId}-g1`, type: "created", createdAt: 5 },
      ]);
      expect(await deleteImportedRequests(h, w.boardId, "go")).toBe(1);
      expect((await requestsOf(h, org)).map((r) => r.id)).toEqual([`${w.boardId}-k1`]);
      const left = await h.q.select({ r: h.t.auditEvents.requestId }).from(h.t.auditEvents).where(inArray(h.t.auditEvents.requestId, [`${w.boardId}-k1`, `${w.boardId}-g1`]));
      expect(left).toEqual([{ r: `${w.boardId}-k1` }]);
    }
  });
});
