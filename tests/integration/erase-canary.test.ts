/**
 * The canary: with the real server, one unique word is written into every
 * field a person's data can reach (title, description, area, reference, a
 * comment, an import row, a referral note, a meeting action and decision on
 * the card, an edit whose old value stays in the update log), moments and a
 * backup are taken, the person is erased ("Vergeet deze persoon", POST
 * /api/boards/<id>/forget), and then its bytes are counted (UTF-8, UTF-16LE
 * and UTF-16BE; Yjs writes strings as UTF-8 in its own encoding, so the
 * UTF-8 count covers its blobs) in the .sqlite and -wal files, every stored
 * Yjs blob, the live document, what the server logged, and a backup taken
 * afterwards: 0. The backup taken before still holds it (README: how long
 * backups keep erased data). On PostgreSQL (two servers) the database's
 * rows and both backups are pg_dumps, every row version in its tables is
 * read page by page (the dead ones an UPDATE or DELETE leaves are gone once
 * the erasure's VACUUM ran), every server's live copy counts, and so does
 * everything in Redis (the relay's stream of the board held the words in
 * the updates it carried until the rebuild removed them). The bytes
 * PostgreSQL leaves in its pages' free space and its write-ahead log are
 * printed, not checked: PostgreSQL has no secure_delete (README, Vergeten).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { and, eq } from "drizzle-orm";
import { canaryCounter, sum } from "../infra/canary";
import { pgDump, pgQuery, storeUncompressed } from "../infra/pg-dump";
import { redisContents } from "../infra/redis";
import { ROOT, startTestServer, TEST_ENGINE, waitFor, type TestServer } from "./harness";

const TOKEN = `ZQXKANARIE${Math.random().toString(16).slice(2, 10).toUpperCase()}`;
/** Free text carries the token inside a sentence with a non-ASCII letter, so UTF-8 and UTF-16 differ. */
const phrase = (where: string) => `Gezin ${TOKEN} ${where} — café`;

let t: TestServer;
let captured = "";
const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
const CONSOLE = ["log", "info", "warn", "error", "debug"] as const;
const consoles = Object.fromEntries(CONSOLE.map((k) => [k, console[k]])) as Record<(typeof CONSOLE)[number], (...a: unknown[]) => void>;
const dirs: string[] = [];

beforeAll(async () => {
  // Everything the server process prints while the test runs (its logger writes to stdout and stderr).
  const tap = (orig: typeof process.stdout.write) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      captured += typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
  process.stdout.write = tap(writes.out);
  process.stderr.write = tap(writes.err);
  // The server's logger writes with console.log (server/log.ts), which the test runner may take before stdout.
  for (const k of CONSOLE) {
    console[k] = (...args: unknown[]) => {
      captured += args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ") + "\n";
      consoles[k](...args);
    };
  }
  t = await startTestServer({ LOG_LEVEL: "debug" });
  // Large values uncompressed, so a canary in a Yjs snapshot or moment is readable in every row version (pgRowVersions).
  if (TEST_ENGINE === "postgres") await storeUncompressed(t.h);
});

afterAll(async () => {
  process.stdout.write = writes.out;
  process.stderr.write = writes.err;
  for (const k of CONSOLE) console[k] = consoles[k];
  await t?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const canary = canaryCounter(TOKEN, TEST_ENGINE);
const { count, fileCount } = canary;

/** A statement of the test's own on PostgreSQL (superuser on the test cluster). */
const pgRows = (query: string) => pgQuery(t.h, query);

/**
 * PostgreSQL's table and index files of this database (base/<oid>/, after a
 * CHECKPOINT wrote every changed page there), bytes as they lie. A VACUUM
 * removes dead row versions but does not zero the space they took, and the
 * write-ahead log (pg_wal/) keeps what was written until its segments are
 * overwritten: printed, not required to be 0 (README, Vergeten).
 */
async function pgDataFiles(): Promise<number> {
  await pgRows("CHECKPOINT");
  const [{ dir }] = (await pgRows("select current_setting('data_directory') as dir")) as Array<{ dir: string }>;
  const [{ oid }] = (await pgRows("select oid::text as oid from pg_database where datname = current_database()")) as Array<{ oid: string }>;
  const base = path.join(dir, "base", oid);
  return fs.readdirSync(base).reduce((n, f) => n + count(fs.readFileSync(path.join(base, f))), 0);
}

/** Where the database keeps its rows (tests/infra/canary.ts). */
const atRest = () => canary.atRest(t.dbUrl, t.h);

/** Everything in the servers' Redis (PostgreSQL: two servers sharing one); none on SQLite. */
async function inRedis(): Promise<number> {
  const redis = t.servers[0].redis;
  return redis ? count(Buffer.concat(await redisContents(redis.command))) : 0;
}

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-canary-"));
  dirs.push(d);
  return d;
}

/** `npm run backup -- <file>` as a separate process, as an operator runs it (PostgreSQL: pg_dump, which npm run backup points to). */
function backup(file: string): Promise<{ code: number | null; out: string }> {
  if (TEST_ENGINE === "postgres") {
    fs.writeFileSync(file, pgDump(t.dbUrl));
    return Promise.resolve({ code: 0, out: "" });
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/cli/backup.ts", file], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.dbUrl, NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

async function yjsBlobs(): Promise<Array<{ table: string; data: Uint8Array }>> {
  const { q, t: tables } = t.h;
  const of = (table: string) => (rows: Array<{ data: Uint8Array }>) => rows.map((r) => ({ table, data: r.data }));
  return [
    ...of("board_updates")(await q.select({ data: tables.boardUpdates.data }).from(tables.boardUpdates)),
    ...of("board_snapshots")(await q.select({ data: tables.boardSnapshots.data }).from(tables.boardSnapshots)),
    ...of("board_moments")(await q.select({ data: tables.boardMoments.data }).from(tables.boardMoments)),
  ];
}

describe("erasing a person leaves no byte of them", () => {
  it("writes the canary everywhere, erases the person, and finds it nowhere but in the backup taken before", async () => {
    const { boardA, cookies, orgA2 } = t.seed;
    const boardId = boardA.id;
    const member = cookies.memberA1;
    const coordinator = cookies.coordinatorA;
    expect(sum(await atRest())).toBe(0);

    // 1. A request by hand: title, description, area, reference.
    const created = await t.api(`/api/boards/${boardId}/requests`, {
      cookie: member,
      body: { title: phrase("zoekt woning"), category: "wonen", description: phrase("omschrijving"), area: phrase("wijk"), reference: TOKEN, urgency: "normaal" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const requestId: string = created.body.card?.id ?? created.body.id;
    expect(typeof requestId).toBe("string");

    // 2. Its title changed and changed back: the old value stays in the update log.
    expect((await t.api(`/api/boards/${boardId}/requests/${requestId}`, { cookie: member, method: "PATCH", body: { title: "Woning gezocht" } })).status).toBe(200);
    expect((await t.api(`/api/boards/${boardId}/requests/${requestId}`, { cookie: member, method: "PATCH", body: { title: phrase("weer terug") } })).status).toBe(200);

    // 3. A comment, a claim and a referral with a note.
    expect((await t.api(`/api/boards/${boardId}/requests/${requestId}/comments`, { cookie: member, body: { body: phrase("opmerking") } })).status).toBe(201);
    expect((await t.api(`/api/boards/${boardId}/requests/${requestId}/claim`, { cookie: member, body: {} })).status).toBe(200);
    const referred = await t.api(`/api/boards/${boardId}/requests/${requestId}/refer`, { cookie: member, body: { to: orgA2.id, note: phrase("overdracht") } });
    expect(referred.status, JSON.stringify(referred.body)).toBe(200);

    // 3b. Sealed contact details (encrypted with DATA_KEY: the canary is never in the file as text, but the row must go).
    const contact = await t.api(`/api/boards/${boardId}/requests/${requestId}/contact`, {
      cookie: member,
      method: "PUT",
      body: { name: phrase("naam"), phone: "", email: "", address: phrase("adres"), note: phrase("notitie"), consent: true },
    });
    expect(contact.status, JSON.stringify(contact.body)).toBe(200);
    const { requestContacts } = t.h.t;
    const contactRows = async () => (await t.h.q.select().from(requestContacts).where(eq(requestContacts.requestId, requestId))).length;
    expect(await contactRows()).toBe(1);

    // 4. An import row of the same person (same reference), through the import API.
    const csv = `Titel;Categorie;Omschrijving;Wijk;Referentie\n${phrase("import")};taal;${phrase("import omschrijving")};${phrase("import wijk")};${TOKEN}\nGewone vraag zonder kanarie;werk;;;\n`;
    const imported = await fetch(`${t.url}/api/boards/${boardId}/import`, {
      method: "POST",
      headers: { cookie: member, origin: t.url, "content-type": "text/csv" },
      body: csv,
    });
    const importBody = await imported.json();
    expect(imported.status, JSON.stringify(importBody)).toBe(201);
    expect(importBody.created).toBe(2);

    // 5. A meeting with an action and a decision on the card.
    const planned = await t.api(`/api/boards/${boardId}/meetings`, { cookie: coordinator, body: { title: "Overleg", at: Date.now() + 3_600_000 } });
    expect(planned.status).toBe(201);
    const meetingId: string = planned.body.id;
    expect((await t.api(`/api/meetings/${meetingId}/start`, { cookie: coordinator, method: "POST" })).status).toBe(200);
    const action = await t.api(`/api/meetings/${meetingId}/actions`, { cookie: coordinator, body: { text: phrase("actie"), orgId: orgA2.id, due: "2027-01-20", requestId } });
    expect(action.status, JSON.stringify(action.body)).toBe(201);
    const decision = await t.api(`/api/meetings/${meetingId}/decisions`, { cookie: coordinator, body: { text: phrase("besluit"), requestId } });
    expect(decision.status, JSON.stringify(decision.body)).toBe(201);

    // 6. Moments of the board, and a backup.
    expect((await t.api(`/api/boards/${boardId}/snapshots`, { cookie: coordinator, body: {} })).status).toBe(201);
    expect((await t.api(`/api/meetings/${meetingId}/end`, { cookie: coordinator, method: "POST", body: {} })).status).toBe(200);
    const before = path.join(tempDir(), "voor.sqlite");
    const b1 = await backup(before);
    expect(b1.code, b1.out).toBe(0);

    // Everything holds the canary now.
    const blobsBefore = await yjsBlobs();
    expect(blobsBefore.filter((b) => count(b.data) > 0).map((b) => b.table).sort()).toEqual(expect.arrayContaining(["board_moments", "board_updates"]));
    expect(fileCount(before)).toBeGreaterThan(0);
    // Several servers: the relay carried the card's words to the other server, and its stream keeps them.
    if (TEST_ENGINE === "postgres") expect(await inRedis()).toBeGreaterThan(0);

    // The preview counts without erasing; then the erasure.
    const preview = await t.api(`/api/boards/${boardId}/forget`, { cookie: coordinator, body: { reference: TOKEN.toLowerCase(), dryRun: true } });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.removed).toMatchObject({ requests: 2, cards: 2, comments: 1, referrals: 1, meetingActions: 1, meetingDecisions: 1 });
    const beforeErasure = await atRest();
    expect(sum(beforeErasure)).toBeGreaterThan(0);
    // PostgreSQL: the dump and the table files each hold the words before the erasure, so a 0 after it is the erasure's doing.
    if (TEST_ENGINE === "postgres") for (const [where, n] of Object.entries(beforeErasure)) expect(n, where).toBeGreaterThan(0);
    const erased = await t.api(`/api/boards/${boardId}/forget`, { cookie: coordinator, body: { reference: TOKEN } });
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    expect(erased.body.dryRun).toBe(false);
    expect(erased.body.removed).toMatchObject({ requests: 2, cards: 2, comments: 1, referrals: 1, meetingActions: 1, meetingDecisions: 1 });
    expect(erased.body.removed.auditTexts).toBeGreaterThanOrEqual(3);
    expect(erased.body.removed.moments).toBeGreaterThanOrEqual(2);

    expect(erased.body.removed.contacts).toBe(1);
    expect(await contactRows()).toBe(0);

    // The other card of the import is still there; the erased ones are not. (Two servers: the other server drops its
    // old copy when the relay tells it of the rebuild, a moment after the answer.)
    const live = await waitFor(async () => {
      const cards = await readLive(boardId);
      return cards.some((c) => c.id === requestId) ? null : cards;
    }, { message: "the erased card gone from the live document" });
    expect(live.some((c) => c.title === "Gewone vraag zonder kanarie")).toBe(true);
    expect(live.some((c) => c.id === requestId)).toBe(false);

    // A backup afterwards.
    const after = path.join(tempDir(), "na.sqlite");
    const b2 = await backup(after);
    expect(b2.code, b2.out).toBe(0);

    const rest = await atRest();
    // Removed from Redis by each server once the board is rebuilt (each drops its copy as the relay tells it, a moment after the answer).
    if (TEST_ENGINE === "postgres") await waitFor(async () => (await inRedis()) === 0, { timeout: 10_000, message: "the canary gone from Redis" }).catch(() => undefined);
    const found = {
      ...rest,
      yjsBlobs: (await yjsBlobs()).reduce((n, b) => n + count(b.data), 0),
      // Every server's copy that has the board loaded (at least one: readLive loaded it).
      liveDocument: t.servers.reduce((n, s) => n + count(Y.encodeStateAsUpdate(s.rooms.peek(boardId)?.doc ?? new Y.Doc())), 0),
      logs: count(Buffer.from(captured, "utf8")),
      backupAfter: fileCount(after),
      redis: await inRedis(),
    };
    // The log was heard (the erasure's rebuild is logged), so "0 in the logs" means something.
    expect(captured).toContain('"lvl"');
    // Printed so a reader sees the figures, not only a pass (PostgreSQL: also the bytes left in its files' free space).
    const files = TEST_ENGINE === "postgres" ? `; PostgreSQL's table files (free space included, not required to be 0): ${await pgDataFiles()}` : "";
    consoles.info(`canary ${TOKEN}: ${JSON.stringify(found)}; backup taken before the erasure: ${fileCount(before)}${files}`);
    expect(found).toEqual({ ...Object.fromEntries(Object.keys(rest).map((k) => [k, 0])), yjsBlobs: 0, liveDocument: 0, logs: 0, backupAfter: 0, redis: 0 });
    expect(Object.keys(rest).length).toBeGreaterThan(0);
    // The backup taken before still holds it: backups keep erased data until BACKUP_KEEP rotates them out.
    expect(fileCount(before)).toBeGreaterThan(0);

    // The erasure is on record, with counts only.
    const { auditEvents } = t.h.t;
    const [record] = await t.h.q.select({ data: auditEvents.data }).from(auditEvents).where(and(eq(auditEvents.type, "person_forgotten"), eq(auditEvents.boardId, boardId)));
    expect(record.data).toMatchObject({ requests: 2, cards: 2 });
    expect(JSON.stringify(record.data)).not.toContain(requestId);
  });
});

function readLive(boardId: string): Promise<Array<{ id: string; title: string }>> {
  return t.services.rooms.readDoc(boardId, (doc) =>
    [...doc.getMap<Y.Map<unknown>>("cards").values()].map((m) => ({ id: String(m.get("id")), title: String(m.get("title")) })),
  );
}
