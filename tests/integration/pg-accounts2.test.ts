/**
 * The rest of db/accounts.ts (`getBoard`, `listOrganisations`,
 * `insertAlliance`, `insertOrganisation`, and the product's creation
 * through them: app/services/setup.server.ts), `eraseAlliance`
 * (db/alliances.ts) and the demo seed (db/seed.ts, db/seed-meetings.ts) on
 * the asynchronous layer, run here on SQLite and on a real PostgreSQL
 * (tests/infra/postgres.ts): rows written and read back; one slug taken by
 * eight new alliances at once (the unique index: one stands); the demo
 * seeded into an empty database on each engine and read back through the
 * converted functions (board, organisations, requests, the board's stored
 * document with its cards); then the demo erased beside another alliance
 * that stays whole (queued mails naming its people or requests go, text and
 * JSON), the same rows per table on both engines. And
 * db/backup.ts's refusal of a PostgreSQL DATABASE_URL (npm run backup and
 * restore copy SQLite's file only).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { readBoard } from "../../app/board/domain";
import { createAlliance, createBoard, createOrganisation, SetupError } from "../../app/services/setup.server";
import { getBoard, getBoardNow, insertAlliance, insertOrganisation, listBoardsForAlliance, listOrganisations } from "../../db/accounts";
import { allianceIds, countAlliances, demoAlliance, eraseAlliance, installationFact } from "../../db/alliances";
import { fileBackupRefusal } from "../../db/backup";
import { loadBoardStateAsync } from "../../db/board-store";
import { countBoardRequests } from "../../db/boards";
import { openDatabase, openPostgres, type AsyncDb } from "../../db/client";
import { DEMO_ALLIANCE, DEMO_BOARD_NAME, DEMO_ORGS } from "../../db/demo-data";
import { count, first, isUniqueViolation, rawRows } from "../../db/dialect";
import { seedDemo } from "../../db/seed";
import { bothEngines, ENGINES, type Engine } from "../infra/engines";
import { runCommand } from "./harness";

const engines = bothEngines("pg_accounts2");

/** Callers at once in the race. */
const RIVALS = 8;
const NOW = Date.UTC(2026, 11, 3, 12);

/** What each engine's seeded demo and its erasure came to, compared at the end. */
const found: Partial<Record<Engine, { facts: Record<string, number>; deleted: Record<string, number> }>> = {};

/** A database of its own for the demo (the seed wants an empty one), per engine. */
const opened: Array<() => Promise<void> | void> = [];
async function emptyDatabase(engine: Engine): Promise<AsyncDb> {
  if (engine === "sqlite") {
    const d = openDatabase(":memory:", { migrate: true });
    opened.push(() => d.close());
    return d.async;
  }
  const d = await openPostgres(await engines.server.createDatabase("pg_accounts2_demo"), { migrate: true, max: 8 });
  opened.push(() => d.close());
  return d.async;
}
afterAll(async () => {
  for (const close of opened) await close();
});

/** Rows of a table. */
async function rows(h: AsyncDb, table: string): Promise<number> {
  return Number((await rawRows(h, sql`select count(*) as n from ${sql.identifier(table)}`))[0].n);
}

for (const engine of ENGINES) {
  describe(`on ${engine}`, () => {
    const h = () => engines.async(engine);

    it("alliances and organisations are inserted and read back; the alliance's organisations by name; a board by id", async () => {
      await insertAlliance(h(), { id: "al", name: "Alliantie", slug: "alliantie", matchSecret: "s" });
      await insertAlliance(h(), { id: "al2", name: "Ander", slug: "ander", matchSecret: "t" });
      await insertOrganisation(h(), { id: "o2", allianceId: "al", name: "Zuid", shortName: "Z", kind: "gemeente", color: "#112233" });
      await insertOrganisation(h(), { id: "o1", allianceId: "al", name: "Noord", shortName: "N" });
      await insertOrganisation(h(), { id: "o3", allianceId: "al2", name: "Elders", shortName: "E" });
      expect(await listOrganisations(h(), "al")).toEqual([
        { id: "o1", name: "Noord", shortName: "N", kind: "overig", color: expect.any(String) },
        { id: "o2", name: "Zuid", shortName: "Z", kind: "gemeente", color: "#112233" },
      ]);
      expect((await listOrganisations(h(), "al2")).map((o) => o.id)).toEqual(["o3"]);
      expect(await listOrganisations(h(), "none")).toEqual([]);

      // Through the product's creation (setup.server.ts), as the command line and the seed make them.
      const a = await createAlliance(h(), { name: "Laarne-Kalken" });
      expect(a.slug).toBe("laarne-kalken");
      await expect(createAlliance(h(), { name: "laarne-kalken" })).rejects.toThrow(SetupError);
      const org = await createOrganisation(h(), { allianceId: a.id, name: "Taalcafé Kalken" });
      expect((await listOrganisations(h(), a.id)).map((o) => o.name)).toEqual(["Taalcafé Kalken"]);
      const board = await createBoard(h(), { allianceId: a.id, name: "Hulpvragen" });
      expect(await getBoard(h(), board.id)).toEqual({ id: board.id, name: "Hulpvragen", allianceId: a.id, archivedAt: null, docGeneration: 0 });
      expect(await getBoard(h(), "no-such-board")).toBeNull();
      await h().q.update(h().t.boards).set({ archivedAt: 77, docGeneration: 3 }).where(eq(h().t.boards.id, board.id));
      expect(await getBoard(h(), board.id)).toMatchObject({ archivedAt: 77, docGeneration: 3 });
      expect(org.allianceId).toBe(a.id);
    });

    if (engine === "sqlite") {
      it("getBoardNow (the Yjs endpoint's read in the join's turn) reads what getBoard reads, synchronously", async () => {
        const row = (await first(h().q.select({ id: h().t.boards.id }).from(h().t.boards)))!;
        expect(getBoardNow(engines.sqlite.db, row.id)).toEqual(await getBoard(h(), row.id));
        expect(getBoardNow(engines.sqlite.db, "no-such-board")).toBeNull();
      });
    }

    it(`${RIVALS} new alliances with one slug at once: one stands, the others meet the unique index`, async () => {
      const results = await Promise.allSettled(
        Array.from({ length: RIVALS }, (_, i) => insertAlliance(h(), { id: `race${i}`, name: `Race ${i}`, slug: "race", matchSecret: `s${i}` })),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(refused).toHaveLength(RIVALS - 1);
      for (const r of refused) expect(isUniqueViolation(r.reason)).toBe(true);
      expect((await h().q.select({ n: count() }).from(h().t.alliances).where(eq(h().t.alliances.slug, "race")))[0].n).toBe(1);
    });

    it("the demo seeds into an empty database, once, and reads back through the converted functions", async () => {
      const d = await emptyDatabase(engine);
      const seeded = await seedDemo(d, NOW);
      expect(seeded.seeded).toBe(true);
      const boardId = seeded.boardId!;
      const demo = (await demoAlliance(d))!;
      expect(demo).toMatchObject({ name: DEMO_ALLIANCE.name, slug: DEMO_ALLIANCE.slug });
      expect(await getBoard(d, boardId)).toMatchObject({ id: boardId, name: DEMO_BOARD_NAME, allianceId: demo.id, archivedAt: null });
      expect((await listBoardsForAlliance(d, demo.id)).map((b) => b.name)).toEqual([DEMO_BOARD_NAME]);
      const orgs = await listOrganisations(d, demo.id);
      for (const o of DEMO_ORGS) expect(orgs.map((x) => x.name)).toContain(o.name);
      const requests = await countBoardRequests(d, boardId);
      expect(requests).toBeGreaterThan(45);
      // The board's stored document: every request row is a card on it.
      const stored = await loadBoardStateAsync(d, boardId);
      const doc = new Y.Doc();
      if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
      for (const u of stored.updates) Y.applyUpdate(doc, u);
      const cards = readBoard(doc).cards;
      doc.destroy();
      expect(cards.length).toBe(requests);
      const meetings = await rows(d, "meetings");
      expect(meetings).toBe(2);
      // Again: nothing overwritten or doubled.
      expect(await seedDemo(d, NOW)).toEqual({ seeded: false, reason: "not_empty" });
      expect(await countAlliances(d)).toBe(1);

      // Erased beside another alliance, which stays whole.
      const other = await createAlliance(d, { name: "Laarne-Kalken" });
      const otherOrg = await createOrganisation(d, { allianceId: other.id, name: "Taalcafé Kalken" });
      const otherBoard = await createBoard(d, { allianceId: other.id, name: "Hulpvragen" });
      // Text naming the demo's people or requests without a foreign key (queued mails): an address, a request id in JSON; and one of the other alliance's.
      const demoPerson = (await first(
        d.q.select({ email: d.t.users.email }).from(d.t.users).innerJoin(d.t.organisations, eq(d.t.organisations.id, d.t.users.organisationId)).where(eq(d.t.organisations.allianceId, demo.id)),
      ))!;
      const aRequest = (await first(d.q.select({ id: d.t.requests.id }).from(d.t.requests).where(eq(d.t.requests.boardId, boardId))))!;
      const mail = (key: string, to: string, headers: Record<string, string> | null) => ({ key, to, subject: "s", text: "t", html: "h", headers, nextAttemptAt: 1, createdAt: 1 });
      await d.q.insert(d.t.mailOutbox).values([
        mail("m1", demoPerson.email.toUpperCase(), null),
        mail("m2", "elders@laarne.example", { "X-Request": `kaart ${aRequest.id}` }),
        mail("m3", "elders@laarne.example", { "X-Request": "kaart elders" }),
      ]);
      const facts = {
        organisations: orgs.length,
        requests,
        cards: cards.length,
        meetings,
        audit: await rows(d, "audit_events"),
        users: await rows(d, "users"),
      };
      const deleted = await eraseAlliance(d, demo.id);
      expect(deleted).toMatchObject({ alliances: 1, organisations: orgs.length, boards: 1, requests, meetings: 2, mail_outbox: 2 });
      expect((await d.q.select({ key: d.t.mailOutbox.key }).from(d.t.mailOutbox)).map((m) => m.key)).toEqual(["m3"]);
      expect(await demoAlliance(d)).toBeNull();
      expect(await getBoard(d, boardId)).toBeNull();
      expect(await listOrganisations(d, demo.id)).toEqual([]);
      expect(await countAlliances(d)).toBe(1);
      expect(await allianceIds(d, other.id)).toMatchObject({ organisations: [otherOrg.id], boards: [otherBoard.id] });
      expect(await getBoard(d, otherBoard.id)).toMatchObject({ allianceId: other.id });
      expect(await rows(d, "requests")).toBe(0);
      expect(await rows(d, "audit_events")).toBe(0);
      // A second erasure finds nothing; the installation's facts are not the alliance's.
      expect(await eraseAlliance(d, demo.id)).toEqual({});
      expect(await installationFact(d, "demo_removed_at")).toBeNull();
      found[engine] = { facts, deleted };
    });
  });
}

describe("both engines", () => {
  it("seeded the same demo and erased the same rows per table", () => {
    expect(found.sqlite).toBeDefined();
    expect(found.postgres).toEqual(found.sqlite);
  });
});

describe("db/backup.ts and PostgreSQL", () => {
  it("refuses a postgres:// DATABASE_URL with the way to back it up, and leaves SQLite's alone", () => {
    expect(fileBackupRefusal("postgres://u@127.0.0.1/db", "backup")).toMatch(/pg_dump/);
    expect(fileBackupRefusal("postgresql://u@127.0.0.1/db", "restore")).toMatch(/pg_restore/);
    expect(fileBackupRefusal("file:data/alliantiebord.sqlite", "backup")).toBeNull();
    expect(fileBackupRefusal("data/x.sqlite", "restore")).toBeNull();
  });

  it("npm run backup and restore say so and exit 1 on PostgreSQL, writing nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-backup-"));
    try {
      const url = await engines.server.createDatabase("pg_accounts2_backup");
      const backup = await runCommand("server/cli/backup.ts", [path.join(dir, "b.sqlite")], { DATABASE_URL: url, NODE_ENV: "production" });
      expect(backup.code).toBe(1);
      expect(backup.stderr).toMatch(/pg_dump/);
      const restore = await runCommand("server/cli/restore.ts", [path.join(dir, "b.sqlite")], { DATABASE_URL: url, NODE_ENV: "production" });
      expect(restore.code).toBe(1);
      expect(restore.stderr).toMatch(/pg_restore/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
