/**
 * An installation of the first release upgrades by starting today's code on
 * its database: the migrations run on start, nothing is lost, people log in
 * with their old passwords and the board document written by the first
 * release (schema 1, columns without a stage) opens and is brought up to
 * today's schema. The database comes from tests/fixtures/first-release.sql,
 * made by commit 0e17c90 (see tests/fixtures/README.md).
 */
import Database from "better-sqlite3";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isStage } from "../../app/board/stages";
import { metaMap, readBoard, SCHEMA_VERSION } from "../../app/board/domain";
import { checkDatabase, knownMigrations, openReadOnly } from "../../db/backup";
import { MIGRATIONS_DIR, openDatabase } from "../../db/client";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { restoreFrom } from "../../server/backup";
import { apiCall, connectYjs, postForm, ROOT, spawnServer, storedDoc, type SpawnedServer } from "./harness";

const FIXTURE = path.join(ROOT, "tests/fixtures/first-release.sql");
/** Made by ca29774, the last commit with migrations 0000 and 0001 only. */
const FIXTURE_0001 = path.join(ROOT, "tests/fixtures/release-0001.sql");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-upgrade-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A database file as the first release left it (its dump replayed). */
function firstReleaseDatabase(name: string, fixture = FIXTURE): string {
  const file = path.join(dir, name);
  const db = new Database(file);
  db.exec(fs.readFileSync(fixture, "utf8"));
  db.close();
  return file;
}

/** Apply only the first `n` of today's migrations, as the release that had just those would have. */
function migrateTo(file: string, n: number): void {
  const folder = fs.mkdtempSync(path.join(dir, "migrations-"));
  fs.mkdirSync(path.join(folder, "meta"));
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, "meta/_journal.json"), "utf8"));
  journal.entries = journal.entries.slice(0, n);
  fs.writeFileSync(path.join(folder, "meta/_journal.json"), JSON.stringify(journal));
  for (const e of journal.entries) fs.copyFileSync(path.join(MIGRATIONS_DIR, `${e.tag}.sql`), path.join(folder, `${e.tag}.sql`));
  const sqlite = new Database(file);
  sqlite.pragma("foreign_keys = ON");
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  sqlite.close();
}

/** Open with today's code (migrating) and compare: sound, current, no table lost a row. */
function upgradeKeepsEverything(file: string) {
  const before = check(file);
  expect(before).toMatchObject({ ok: true });
  openDatabase(`file:${file}`, { migrate: true }).close();
  const after = check(file);
  expect(after).toMatchObject({ ok: true, integrity: ["ok"], foreignKeyViolations: 0, migrationState: "current", pendingMigrations: 0 });
  const afterRows = Object.fromEntries(after.counts.map((c) => [c.table, c.rows]));
  for (const { table, rows } of before.counts) {
    if (table === "__drizzle_migrations") expect(afterRows[table]).toBe(knownMigrations().length);
    else expect(afterRows[table], table).toBe(rows);
  }
  return { before, after };
}

function check(file: string) {
  const db = openReadOnly(file);
  try {
    return checkDatabase(db);
  } finally {
    db.close();
  }
}

function oldBoard(file: string) {
  const database = openDatabase(`file:${file}`);
  try {
    const [board] = database.sqlite.prepare("SELECT id, name FROM boards").all() as Array<{ id: string; name: string }>;
    const doc = storedDoc(database.db, board.id);
    const { columns, cards } = readBoard(doc);
    return { ...board, schema: metaMap(doc).get("schema"), columns, cards };
  } finally {
    database.close();
  }
}

describe("upgrade from the first release", () => {
  it("migrates on open: every table keeps its rows, the file stays sound", () => {
    const file = firstReleaseDatabase("migrate.sqlite");
    const before = check(file);
    expect(before).toMatchObject({ ok: true, migrationState: "older", migrations: [knownMigrations()[0]] });
    expect(before.pendingMigrations).toBe(knownMigrations().length - 1);
    const rows = Object.fromEntries(before.counts.map((c) => [c.table, c.rows]));
    expect(rows).toMatchObject({ alliances: 1, organisations: 8, users: 17, boards: 1, requests: 42, board_snapshots: 1, board_updates: 3, sessions: 4 });

    upgradeKeepsEverything(file);
  });

  it("and from every state in between: the first release's data at each later migration upgrades alike", () => {
    for (let n = 2; n < knownMigrations().length; n++) {
      const file = firstReleaseDatabase(`between-${n}.sqlite`);
      migrateTo(file, n);
      const { before } = upgradeKeepsEverything(file);
      expect(before.migrations.length, `state after migration ${n}`).toBe(n);
      expect(before.counts.find((c) => c.table === "requests")?.rows).toBe(42);
    }
  });

  it("a database made by the release with migrations 0000 and 0001 (its own demo seed) upgrades and its board opens", () => {
    const file = firstReleaseDatabase("release-0001.sqlite", FIXTURE_0001);
    expect(check(file)).toMatchObject({ migrationState: "older", migrations: knownMigrations().slice(0, 2) });
    const old = oldBoard(file);
    const { after } = upgradeKeepsEverything(file);
    expect(after.counts.find((c) => c.table === "offers")?.rows).toBe(8);
    // Offers entered before their `position` column keep the order they were entered in.
    const raw = new Database(file, { readonly: true });
    const offers = raw.prepare("select organisation_id as org, position from offers order by rowid").all() as Array<{ org: string; position: number }>;
    raw.close();
    const seen = new Map<string, number>();
    for (const o of offers) {
      expect(o.position, o.org).toBe(seen.get(o.org) ?? 0);
      seen.set(o.org, o.position + 1);
    }
    expect(Math.max(...seen.values())).toBeGreaterThan(1);
    const now = oldBoard(file);
    expect(now.cards.map((c) => [c.id, c.title, c.column])).toEqual(old.cards.map((c) => [c.id, c.title, c.column]));
  });

  describe("today's server on the first release's database", () => {
    let server: SpawnedServer | null = null;
    afterAll(async () => {
      await server?.stop();
    });

    it("restored from its backup, starts (migrating), lets a demo person log in with the old password and opens the board with nothing lost", async () => {
      const backup = firstReleaseDatabase("first-release-backup.sqlite");
      const old = oldBoard(backup);
      expect(old.schema).toBe(1);
      expect(old.columns.length).toBe(5);
      expect(old.cards.length).toBe(42);
      // Written by the first release's sync server before it was killed: still in the update log.
      expect(old.cards.some((c) => c.title === "Taalles gezocht (na een crash van release 1)")).toBe(true);

      // npm run restore accepts a backup of an earlier release; the server migrates it when it starts.
      const file = path.join(dir, "install", "alliantiebord.sqlite");
      const restored = await restoreFrom(backup, file);
      expect(restored).toMatchObject({ aside: null, check: { ok: true, migrationState: "older", pendingMigrations: knownMigrations().length - 1 } });
      server = await spawnServer({ databaseUrl: `file:${file}` });

      const login = await postForm(server.url, "/login", { email: "vluchtelingenwerk@ave.example", password: "alliantie-demo", redirectTo: "/boards" });
      expect(login.status).toBe(302);
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
      expect(cookie).toMatch(/=/);

      const boards = await apiCall(server.url, "/api/boards", { cookie });
      expect(boards.body).toEqual([{ id: old.id, name: old.name }]);

      // The board page renders with the old cards.
      const page = await fetch(`${server.url}/boards/${old.id}`, { headers: { cookie } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("Taalles gezocht (na een crash van release 1)");

      // The live document: brought up to today's schema, every card still there with its fields.
      const client = await connectYjs(server.url, old.id, { cookie });
      const board = readBoard(client.doc);
      expect(metaMap(client.doc).get("schema")).toBe(SCHEMA_VERSION);
      expect(board.columns.map((c) => c.id)).toEqual(old.columns.map((c) => c.id));
      for (const c of board.columns) expect(isStage(c.stage), c.id).toBe(true);
      expect(board.cards.map((c) => c.id).sort()).toEqual(old.cards.map((c) => c.id).sort());
      const byId = new Map(board.cards.map((c) => [c.id, c]));
      for (const c of old.cards) {
        expect(byId.get(c.id), c.id).toMatchObject({ title: c.title, category: c.category, description: c.description, area: c.area, urgency: c.urgency, createdByOrg: c.createdByOrg });
      }
      client.destroy();

      // The API reads the same board with stages.
      const detail = await apiCall(server.url, `/api/boards/${old.id}`, { cookie });
      expect(detail.status).toBe(200);
      expect(detail.body.columns.map((c: { stage: string }) => c.stage)).toEqual(["intake", "open", "held", "held", "done"]);

      const stopped = await server.stop();
      server = null;
      expect(stopped.forced).toBe(false);
      expect(check(file)).toMatchObject({ ok: true, migrationState: "current" });
    });
  });
});
