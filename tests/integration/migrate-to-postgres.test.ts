/**
 * `npm run migrate-to-postgres` against a real PostgreSQL
 * (tests/infra/postgres.ts): a SQLite installation with the demo and at
 * least one row in EVERY table of db/schema.ts (the test fails on an empty
 * one, so it covers the whole schema; odd values too: no-break spaces,
 * emoji, quotes, empty blobs, false and true, nested JSON) is moved by the
 * command as a process of its own, then every table is compared row by row
 * as the app reads it on each engine. Sealed contact details and two-factor
 * secrets open with the same DATA_KEY on PostgreSQL; the next insert gets a
 * fresh id; and the refusals: a target with rows, a server running on the
 * file, a file whose migrations are not all applied.
 */
import Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import fs from "node:fs";
import path from "node:path";
import * as Y from "yjs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { activeAad } from "../../app/services/two-factor.server";
import { newDataKey, open, parseDataKey, seal } from "../../app/services/seal.server";
import { setInstallationFact } from "../../db/alliances";
import { openDatabase, openPostgres, type DB } from "../../db/client";
import { contactAad, putContact } from "../../db/contacts";
import { appTables, migrateToPostgres, openSqliteSource } from "../../db/migrate-to-postgres";
import * as s from "../../db/schema";
import { seedDemo } from "../../db/seed";
import { enableTwoFactor, insertLoginChallenge, setPendingSecret } from "../../db/two-factor";
import { holdServerLock } from "../../server/backup";
import { start, type TestPostgres } from "../infra/postgres";
import { ROOT, runCommand } from "./harness";

// A seeded demo and several commands, each a process of its own, on a loaded machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const CLI = "server/cli/migrate-to-postgres.ts";
const DATA_KEY = newDataKey();
const key = parseDataKey(DATA_KEY)!;
const CONTACT = JSON.stringify({ name: "Amal 'Noor' \"Haddad\"", phone: "+31 6 1234 5678", note: "liever WhatsApp 📱\nna 17:00" });
const TOTP_SECRET = "JBSWY3DPEHPK3PXP";

let pg: TestPostgres;
let dir: string;
let file: string;

const migrate = (args: string[], env: Record<string, string> = {}) => runCommand(CLI, args, { DATA_KEY, DATABASE_URL: `file:${file}`, ...env });

/** Rows in every table of the app: the demo, then what the demo leaves empty, through db/ where it has the function. */
async function seed(target: string): Promise<void> {
  const database = openDatabase(`file:${target}`, { migrate: true });
  const db: DB = database.db;
  const now = Date.UTC(2026, 11, 3, 12);
  await seedDemo(database.async, now);
  const alliance = db.select().from(s.alliances).get()!;
  const board = db.select().from(s.boards).get()!;
  const [org1, org2] = db.select().from(s.organisations).limit(2).all();
  const [user1, user2] = db.select().from(s.users).limit(2).all();
  const [req1, req2, req3] = db.select().from(s.requests).limit(3).all();

  // Sealed values with the real seal: contact details (and their log) and a two-factor secret with recovery codes.
  await putContact(database.async, { requestId: req1.id, boardId: board.id, sealed: seal(key, CONTACT, contactAad(req1.id)), consent: true, at: now, userId: user1.id, orgId: org1.id });
  await putContact(database.async, { requestId: req2.id, boardId: board.id, sealed: seal(key, "{}", contactAad(req2.id)), consent: false, at: now + 1, userId: null, orgId: org2.id });
  await setPendingSecret(database.async, user1.id, seal(key, TOTP_SECRET, activeAad(user1.id)), now);
  await enableTwoFactor(database.async, user1.id, seal(key, TOTP_SECRET, activeAad(user1.id)), 59_000_000, ["hash-a", "hash-b"], now);
  await insertLoginChallenge(database.async, { tokenHash: "challenge-1", userId: user1.id, redirectTo: "/borden?x=1&y=ä", createdAt: now, expiresAt: now + 300_000 });
  await setInstallationFact(database.async, "migrated_from_test", "ja — 'echt' \"zo\"");

  // The rest as rows (their own modules' writes need a running server's services); odd values on purpose.
  const update = new Y.Doc();
  update.getMap("test").set("kaart", "Hulp bij de belastingaangifte 🧾");
  db.insert(s.boardUpdates).values([
    { boardId: board.id, data: Buffer.from(Y.encodeStateAsUpdate(update)), createdAt: now },
    { boardId: board.id, data: Buffer.alloc(0), createdAt: now + 1 },
  ]).run();
  db.insert(s.sessions).values({ id: "session-1", userId: user1.id, expiresAt: 8_640_000_000_000_000, userAgent: "Mozilla/5.0 \u00a0(X11)", lastSeenAt: null }).run();
  db.insert(s.loginDevices).values({ tokenHash: "device-1", userId: user1.id, createdAt: now, expiresAt: now + 1 }).run();
  db.insert(s.passwordResets).values({ tokenHash: "reset-1", userId: user2.id, createdAt: now, expiresAt: now + 1, usedAt: now }).run();
  db.insert(s.invitations)
    .values({ id: "inv-1", allianceId: alliance.id, organisationId: org1.id, email: "nieuw@example.org", name: "Zoë O'Brien", role: "member", tokenHash: "inv-hash", invitedByUserId: user1.id, createdAt: now, expiresAt: now + 1, lastSentAt: now })
    .run();
  db.insert(s.mailOutbox)
    .values({ key: "mail-1", to: "a@example.org", subject: "Één ding", text: "regel 1\nregel 2", html: "<p>é</p>", headers: { "List-Unsubscribe": "<https://x/afmelden/t>", "X-Nested": "{\"a\":[1,2]}" }, nextAttemptAt: now, createdAt: now, status: "sent", attempts: 2, sentAt: now })
    .run();
  db.insert(s.notificationSettings).values([
    { userId: user1.id, kind: "digest", email: false, updatedAt: now },
    { userId: user1.id, kind: "comment", email: true, updatedAt: now },
  ]).run();
  db.insert(s.unsubscribeTokens).values({ token: "unsub-1", userId: user1.id, kind: "digest", createdAt: now }).run();
  db.insert(s.referenceChecks).values({ boardId: board.id, userId: user1.id, orgId: org1.id, outcome: "no_match", createdAt: now }).run();
  db.insert(s.referrals).values({ id: "ref-1", requestId: req3.id, fromOrgId: org1.id, toOrgId: org2.id, note: "zie 'notitie'", createdByUserId: user1.id, createdAt: now }).run();
  db.insert(s.comments).values({ id: "comment-1", requestId: req3.id, userId: null, orgId: org1.id, body: "Gebeld; terugbellen → morgen\n\t✔", createdAt: now }).run();
  db.insert(s.idempotencyKeys).values({ userId: user1.id, keyHash: "a".repeat(64), fingerprint: "b".repeat(64), requestId: req3.id, createdAt: now }).run();
  db.insert(s.duplicateDecisions).values({ boardId: board.id, requestA: req1.id, requestB: req2.id, decision: "not_duplicate", decidedByUserId: user1.id, decidedAt: now }).run();
  db.insert(s.frontDoorItems)
    .values({ id: "fd-1", allianceId: alliance.id, boardId: board.id, requestId: req3.id, kind: "request", language: "ti", codeHash: "code-hash", addressKey: "addr", createdAt: now })
    .run();
  db.insert(s.auditEvents).values({ boardId: board.id, requestId: null, userId: null, orgId: null, type: "odd", data: { nested: { list: [1, "twee", null, true], leeg: {} }, tekst: "ü \"q\"" }, createdAt: now }).run();
  database.close();
}

/** A row as the app reads it, comparable across engines: keys sorted, bytes as hex. */
/** How many tables a PostgreSQL database has in its public schema. */
async function publicTables(url: string): Promise<number> {
  const target = await openPostgres(url);
  try {
    return ((await target.async.q.execute(sql`select count(*)::int as n from pg_tables where schemaname = 'public'`)).rows[0] as { n: number }).n;
  } finally {
    await target.close();
  }
}

function normal(v: unknown): unknown {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { bytes: Buffer.from(v).toString("hex") };
  if (Array.isArray(v)) return v.map(normal);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, normal((v as Record<string, unknown>)[k])]));
  return v;
}
const rowsAsText = (rows: unknown[]) => rows.map((r) => JSON.stringify(normal(r))).sort();

/** Every table of the PostgreSQL database at `url` holds exactly `sqliteRows`, as the app reads them. */
async function expectSameRows(url: string, sqliteRows: Map<string, unknown[]>): Promise<void> {
  const target = await openPostgres(url);
  try {
    for (const t of appTables()) {
      const moved = rowsAsText(await target.async.q.select().from(t.pg));
      const original = rowsAsText(sqliteRows.get(t.name)!);
      expect(moved.length, t.name).toBe(original.length);
      const differ = original.filter((r, i) => r !== moved[i]);
      expect(differ.slice(0, 3), `${t.name}: rows that differ`).toEqual([]);
    }
  } finally {
    await target.close();
  }
}

/** Every table of the SQLite file as the app reads it. */
function sqliteRowsOf(target: string): Map<string, unknown[]> {
  const source = openSqliteSource(target);
  try {
    return new Map(appTables().map((t) => [t.name, source.db.select().from(t.sqlite).all()]));
  } finally {
    source.close();
  }
}

beforeAll(async () => {
  pg = await start();
  fs.mkdirSync(path.join(ROOT, "tests/.tmp"), { recursive: true });
  dir = fs.mkdtempSync(path.join(ROOT, "tests/.tmp/migrate-"));
  file = path.join(dir, "alliantiebord.sqlite");
  await seed(file);
});

afterAll(async () => {
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm run migrate-to-postgres", () => {
  let url: string;
  const counts = new Map<string, number>();

  it("copies every table, row by row as the app reads it, with sealed data that the same key opens", async () => {
    const sqliteRows = sqliteRowsOf(file);
    for (const [table, rows] of sqliteRows) {
      counts.set(table, rows.length);
      expect(rows.length, `${table} has no row: the test would not cover it`).toBeGreaterThan(0);
    }

    url = await pg.createDatabase("moved");
    const run = await migrate(["--to", url]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // The table of counts, a line per table with the same count on both sides.
    for (const [table, n] of counts) expect(run.stdout).toMatch(new RegExp(`^${table} +${n} +${n}  ok [0-9a-f]{16}$`, "m"));
    expect(run.stdout).toMatch(/stays sealed: the servers on PostgreSQL need the same DATA_KEY/);
    expect(run.stdout).not.toMatch(/NOTE/);
    expect(run.stdout).not.toContain(DATA_KEY);

    await expectSameRows(url, sqliteRows);
    const target = await openPostgres(url);
    try {
      const { q } = target.async;

      // Sealed on PostgreSQL too: the bytes open with the same key, and only with it.
      const contacts = await q.select().from(target.async.t.requestContacts);
      const withContact = contacts.find((c) => c.consent)!;
      expect(open(key, withContact.sealed, contactAad(withContact.requestId))).toBe(CONTACT);
      expect(() => open(parseDataKey(newDataKey())!, withContact.sealed, contactAad(withContact.requestId))).toThrow();
      const [twoFactor] = await q.select().from(target.async.t.userTwoFactor);
      expect(open(key, twoFactor.secret!, activeAad(twoFactor.userId))).toBe(TOTP_SECRET);

      // Sequences set: a new row gets the next id, not one that is taken.
      const maxAudit = (await q.execute(sql`select max(id)::bigint as m from audit_events`)).rows[0] as { m: string };
      const [audit] = await q
        .insert(target.async.t.auditEvents)
        .values({ boardId: contacts[0].boardId, type: "after_move", data: {}, createdAt: Date.now() })
        .returning({ id: target.async.t.auditEvents.id });
      expect(audit.id).toBe(Number(maxAudit.m) + 1);
      const [mail] = await q
        .insert(target.async.t.mailOutbox)
        .values({ key: "after-move", to: "b@example.org", subject: "x", text: "x", html: "x", nextAttemptAt: 0, createdAt: 0 })
        .returning({ id: target.async.t.mailOutbox.id });
      expect(mail.id).toBe(counts.get("mail_outbox")! + 1);
    } finally {
      await target.close();
    }
  });

  it("copies the same in batches of 7 rows (many INSERTs per table, read in pages by rowid)", async () => {
    const small = await pg.createDatabase("small_batches");
    const source = openSqliteSource(file);
    let result;
    try {
      result = await migrateToPostgres(source, small, { batchRows: 7 });
    } finally {
      source.close();
    }
    expect(result.tables.find((t) => t.table === "audit_events")?.postgresRows).toBe(counts.get("audit_events"));
    expect(counts.get("audit_events")!).toBeGreaterThan(7 * 50);
    await expectSameRows(small, sqliteRowsOf(file));
  });

  it("refuses a target that has rows, and merges nothing", async () => {
    const run = await migrate(["--from", file, "--to", url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/nothing moved: the PostgreSQL database is not empty \(.*alliances: 1/);
    const target = await openPostgres(url);
    try {
      const rows = (await target.async.q.execute(sql`select count(*)::int as n from requests`)).rows[0] as { n: number };
      expect(rows.n).toBe(counts.get("requests"));
    } finally {
      await target.close();
    }
  });

  it("refuses while a server runs on the SQLite file, before touching the target", async () => {
    const fresh = await pg.createDatabase("while_running");
    const lock = holdServerLock(file);
    try {
      const run = await migrate(["--to", fresh]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`een server draait op deze database (pid ${process.pid}`);
      expect(run.stderr).toMatch(/Stop it first/);
    } finally {
      lock.release();
    }
    expect(await publicTables(fresh)).toBe(0);
  });

  it("refuses a table the schema does not know, in the SQLite file (it would be left behind) or in the target", async () => {
    const extended = path.join(dir, "extended.sqlite");
    fs.copyFileSync(file, extended);
    const sqlite = new Database(extended);
    sqlite.exec("CREATE TABLE local_notes (body TEXT); INSERT INTO local_notes VALUES ('kept by hand')");
    sqlite.close();
    const fromExtended = await migrate(["--from", extended, "--to", await pg.createDatabase("from_extended")]);
    expect(fromExtended.code).toBe(1);
    expect(fromExtended.stderr).toMatch(/table local_notes of the SQLite file is not in db\/schema.ts: its rows would be left behind/);

    const otherApp = await pg.createDatabase("other_app");
    const target = await openPostgres(otherApp);
    try {
      await target.async.q.execute(sql`create table customers (id int)`);
      const run = await migrate(["--to", otherApp]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/tables db\/schema.pg.ts does not know \(customers\): use an empty database/);
      expect(await publicTables(otherApp)).toBe(1);
    } finally {
      await target.close();
    }
  });

  it("refuses a SQLite file whose migrations are not all applied", async () => {
    const older = path.join(dir, "older.sqlite");
    fs.copyFileSync(file, older);
    const sqlite = new Database(older);
    // As a release one migration behind left it: its newest migration not recorded (drizzle's id column is empty in SQLite).
    const gone = sqlite.prepare(`DELETE FROM "__drizzle_migrations" WHERE created_at = (SELECT max(created_at) FROM "__drizzle_migrations")`).run();
    expect(gone.changes).toBe(1);
    sqlite.close();
    const run = await migrate(["--from", older, "--to", await pg.createDatabase("from_older")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/SQLite database not ready to move: 1 of this release's \d+ migrations are not applied yet/);
  });
});
