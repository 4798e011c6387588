/**
 * The retention sweep, on the real server with its own beat: a request done
 * more than its board's retention ago is anonymised and leaves nothing. A
 * canary is written into every field of it (title, description, area,
 * reference, an edit, a comment, a referral's note and reason, a stored
 * moment); the server's clock moves on 13 months; the sweep runs on the
 * server's beat; then the canary's bytes are counted in the .db and -wal
 * files, every stored Yjs blob and moment, the audit texts, the server log
 * and a backup taken afterwards: 0. A request done 7 months ago and an old
 * open one keep every word; the card stays a done card of its category, so
 * the overview's counts do not change; the board's activity says what the
 * sweep did, in counts; a second run does nothing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { readBoard } from "../../app/board/domain";
import { retentionSweep } from "../../app/services/retention.server";
import { backupTo } from "../../server/backup";
import { momentSnapshot } from "../../app/services/moments.server";
import { dumpForms, pgDump, pgRowVersions, storeUncompressed } from "../infra/pg-dump";
import { createClock, DAY_MS, newBoardVia, startTestServer, storedDocOf, TEST_ENGINE, waitFor, type TestServer } from "./harness";

const clock = createClock();
let t: TestServer;
let coordinator: string;
let memberA1: string;
let memberA2: string;
const logLines: string[] = [];

/** Unique per run, so nothing else in the file can hold it. */
const CANARY = `kanarie${Math.random().toString(36).slice(2, 10)}`;
const KEEP_RECENT = `recentdone${Math.random().toString(36).slice(2, 10)}`;
const KEEP_OPEN = `stilopen${Math.random().toString(36).slice(2, 10)}`;

let boardId: string;
let oldId: string;
let recentId: string;
let openId: string;
let sweepFrom = 0;

/** Occurrences of `needle` in lower and in upper case (a reference is stored upper-cased). */
function count(haystack: Buffer, needle: string): number {
  let found = 0;
  for (const form of new Set([needle, needle.toUpperCase()])) {
    const n = Buffer.from(form);
    let at = 0;
    while ((at = haystack.indexOf(n, at)) !== -1) {
      found++;
      at += n.length;
    }
  }
  return found;
}

/** The overview without the ages, which grow with the clock. */
function withoutAges(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutAges);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([k]) => k !== "ageDays").map(([k, x]) => [k, withoutAges(x)]));
  return v;
}

function dbFile(): string {
  return t.dbUrl.replace(/^file:/, "");
}

/**
 * Where the words would be at rest. SQLite: the .db and -wal files as they
 * are on disk. PostgreSQL: a pg_dump of the database (every row; its data
 * files and WAL are PostgreSQL's own, outside this check).
 */
function atRest(needle: string): number {
  if (TEST_ENGINE === "postgres") {
    const dump = pgDump(t.dbUrl);
    return dumpForms(needle).reduce((n, form) => n + count(dump, form), 0);
  }
  return count(Buffer.concat([fileBytes(dbFile()), fileBytes(`${dbFile()}-wal`)]), needle);
}

function fileBytes(file: string): Buffer {
  return fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
}

async function newRequest(cookie: string, title: string, extra: Record<string, string> = {}): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/requests`, {
    cookie,
    body: { title, category: "wonen", description: "", reference: "", area: "", ...extra },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function patch(cookie: string, id: string, body: Record<string, unknown>) {
  const res = await t.api(`/api/boards/${boardId}/requests/${id}`, { cookie, method: "PATCH", body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

beforeAll(async () => {
  const log = console.log;
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    logLines.push(args.map(String).join(" "));
    if (!String(args[0]).startsWith("{")) log(...args);
  });
  // The sweep beat every second; the retention sweep itself at most once a (server) day.
  // Two servers (PostgreSQL): the one that swept keeps the cluster lock in Redis for
  // RETENTION_SWEEP_MS of real time, which the test's clock does not move: a second there.
  const keep: Record<string, string> = TEST_ENGINE === "postgres" ? { RETENTION_SWEEP_MS: "1000" } : {};
  t = await startTestServer({ CLAIM_SWEEP_MS: "1000", LOG_LEVEL: "info", ...keep }, { now: clock.now });
  // Large values uncompressed, so a canary in a Yjs snapshot or moment is readable in every row version (pgRowVersions).
  if (TEST_ENGINE === "postgres") await storeUncompressed(t.h);
  // Sessions that outlive the 13 months the clock moves on.
  coordinator = await t.cookieFor(t.seed.coordinatorA.id, 800);
  memberA1 = await t.cookieFor(t.seed.memberA1.id, 800);
  memberA2 = await t.cookieFor(t.seed.memberA2.id, 800);
  boardId = await newBoardVia(t, coordinator, "Bewaartermijn");

  // The old request: the canary in every field a person's words can reach.
  oldId = await newRequest(memberA1, `${CANARY} titel`, { description: `${CANARY} omschrijving`, reference: `${CANARY}ref`, area: `${CANARY} wijk` });
  await patch(memberA1, oldId, { title: `${CANARY} nieuwe titel`, description: `${CANARY} andere omschrijving` });
  expect((await t.api(`/api/boards/${boardId}/requests/${oldId}/comments`, { cookie: memberA1, body: { body: `${CANARY} reactie` } })).status).toBe(201);
  expect((await t.api(`/api/boards/${boardId}/requests/${oldId}/claim`, { cookie: memberA1, body: {} })).status).toBe(200);
  expect((await t.api(`/api/boards/${boardId}/requests/${oldId}/refer`, { cookie: memberA1, body: { to: t.seed.orgA2.id, note: `${CANARY} notitie` } })).status).toBe(200);
  expect((await t.api(`/api/boards/${boardId}/requests/${oldId}/referral/decline`, { cookie: memberA2, body: { reason: `${CANARY} reden` } })).status).toBe(200);
  // Sealed contact details (encrypted at rest; the row itself must go).
  const contact = await t.api(`/api/boards/${boardId}/requests/${oldId}/contact`, {
    cookie: memberA1,
    method: "PUT",
    body: { name: `${CANARY} naam`, note: `${CANARY} notitie bij contact`, consent: true },
  });
  expect(contact.status, JSON.stringify(contact.body)).toBe(200);
  expect((await t.api(`/api/boards/${boardId}/requests/${oldId}/contact`, { cookie: memberA1 })).status).toBe(200);
  await patch(memberA1, oldId, { column: "afgerond" });
  // An old open request: never finished, so kept whatever its age.
  openId = await newRequest(memberA1, `${KEEP_OPEN} titel`, { description: `${KEEP_OPEN} omschrijving` });
  // A stored moment holding all of it.
  expect((await t.api(`/api/boards/${boardId}/snapshots`, { cookie: coordinator, body: {} })).status).toBe(201);

  // Half a year later: a request finished then (7 months old when the sweep runs).
  clock.advance(183 * DAY_MS);
  recentId = await newRequest(memberA1, `${KEEP_RECENT} titel`, { description: `${KEEP_RECENT} omschrijving`, reference: `${KEEP_RECENT}ref` });
  await patch(memberA1, recentId, { column: "afgerond" });
}, 120_000);

afterAll(async () => {
  await t?.close();
  vi.restoreAllMocks();
});

describe("the retention sweep", () => {
  let overviewBefore: unknown;

  it("runs on the server's beat once the clock has passed the retention, and says so in the board's activity (counts only)", async () => {
    overviewBefore = (await t.api(`/api/boards/${boardId}/overview`, { cookie: coordinator })).body;
    expect(atRest(CANARY)).toBeGreaterThan(0);
    // PostgreSQL: the row versions hold it before the sweep, so their 0 afterwards is the sweep's (and its VACUUM's) doing.
    if (TEST_ENGINE === "postgres") expect(await pgRowVersions(t.h, (b) => count(Buffer.from(b), CANARY))).toBeGreaterThan(0);

    clock.advance(213 * DAY_MS);
    sweepFrom = clock.now();
    const { auditEvents } = t.h.t;
    const row = await waitFor(
      async () => (await t.h.q.select().from(auditEvents).where(eq(auditEvents.type, "retention_sweep"))).find((e) => e.boardId === boardId),
      { timeout: 20_000, message: "retention_sweep audit event" },
    );
    expect(row.data).toEqual({ months: 12, requests: 1, comments: 1, contacts: 1 });
    expect(row.userId).toBeNull();
    expect(row.requestId).toBeNull();

    const activity = await t.api(`/api/boards/${boardId}/activity`, { cookie: memberA2 });
    expect(activity.status).toBe(200);
    expect(JSON.stringify(activity.body)).toContain("retention_sweep");
    expect(JSON.stringify(activity.body)).not.toContain(CANARY);
  });

  it("anonymises the old done request: its title is its category, its texts, reference, comments and referral words are gone", async () => {
    const { q } = t.h;
    const { auditEvents, comments, contactViews, referrals, requestContacts, requests } = t.h.t;
    const card = readBoard(await storedDocOf(t.h, boardId)).cards.find((c) => c.id === oldId)!;
    expect(card).toMatchObject({ title: "Wonen", description: "", area: "", column: "afgerond", category: "wonen", archived: false });
    const [row] = await q.select().from(requests).where(eq(requests.id, oldId));
    expect(row.reference).toBeNull();
    expect(row.referenceKey).toBeNull();
    // Marked when the server's clock had passed the retention (so it is never processed again).
    expect(row.anonymisedAt).toBeGreaterThanOrEqual(sweepFrom);
    expect(await q.select().from(comments).where(eq(comments.requestId, oldId))).toEqual([]);
    expect(await q.select().from(requestContacts).where(eq(requestContacts.requestId, oldId))).toEqual([]);
    expect(await q.select().from(contactViews).where(eq(contactViews.requestId, oldId))).toEqual([]);
    const refs = await q.select().from(referrals).where(eq(referrals.requestId, oldId));
    expect(refs.length).toBe(1);
    expect(refs[0]).toMatchObject({ note: "", reason: null, status: "declined", toOrgId: t.seed.orgA2.id });
    // The events stay (the history of moves and claims), their words go.
    const events = await q.select().from(auditEvents).where(eq(auditEvents.requestId, oldId));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["created", "edited", "commented", "claimed", "referred", "referral_declined", "moved"]));
    expect(count(Buffer.from(JSON.stringify(events)), CANARY)).toBe(0);
    // Over the API, as the holder sees it: no reference either.
    const api = await t.api(`/api/boards/${boardId}/requests/${oldId}`, { cookie: memberA1 });
    expect(api.status).toBe(200);
    expect(count(Buffer.from(JSON.stringify(api.body)), CANARY)).toBe(0);
  });

  it("keeps the request done 7 months ago and the old open one word for word", async () => {
    const { requests } = t.h.t;
    const cards = readBoard(await storedDocOf(t.h, boardId)).cards;
    expect(cards.find((c) => c.id === recentId)).toMatchObject({ title: `${KEEP_RECENT} titel`, description: `${KEEP_RECENT} omschrijving` });
    expect(cards.find((c) => c.id === openId)).toMatchObject({ title: `${KEEP_OPEN} titel`, description: `${KEEP_OPEN} omschrijving` });
    const rows = await t.h.q.select().from(requests).where(inArray(requests.id, [recentId, openId]));
    expect(rows.map((r) => r.anonymisedAt)).toEqual([null, null]);
    expect(rows.find((r) => r.id === recentId)!.reference).toBe(`${KEEP_RECENT}ref`.toUpperCase());
  });

  it("keeps the counts: the overview is the same as before the sweep", async () => {
    const after = (await t.api(`/api/boards/${boardId}/overview`, { cookie: coordinator })).body;
    expect(withoutAges(after)).toEqual(withoutAges(overviewBefore));
  });

  // On PostgreSQL the rows at rest and its backup are a pg_dump, and every row version of every table is read (the sweep's
  // VACUUM removed the dead ones); what PostgreSQL keeps in free space and its WAL is outside this check (README, Vergeten).
  it("leaves 0 bytes of the canary in the .db and -wal files, the Yjs blobs, the moments, the log and a backup taken afterwards", async () => {
    const postgres = TEST_ENGINE === "postgres";
    const sqlite = postgres ? Buffer.alloc(0) : fileBytes(dbFile());
    const wal = postgres ? Buffer.alloc(0) : fileBytes(`${dbFile()}-wal`);
    // The other two requests are still in the same files: the count looks where the words would be.
    expect(atRest(KEEP_RECENT)).toBeGreaterThan(0);
    expect(atRest(KEEP_OPEN)).toBeGreaterThan(0);

    const { q } = t.h;
    const { auditEvents, boardMoments, boardSnapshots, boardUpdates } = t.h.t;
    const blobs = [
      ...(await q.select({ d: boardSnapshots.data }).from(boardSnapshots)).map((r) => r.d),
      ...(await q.select({ d: boardUpdates.data }).from(boardUpdates)).map((r) => r.d),
    ];
    const moments = await q.select().from(boardMoments).where(eq(boardMoments.boardId, boardId));
    expect(moments.length).toBeGreaterThan(0);
    for (const m of moments) {
      // The moment still shows the card, anonymised, where it stood then.
      expect(momentSnapshot(new Uint8Array(m.data)).cards.find((c) => c.id === oldId)?.title).toBe("Wonen");
    }
    const audit = Buffer.from(JSON.stringify(await q.select().from(auditEvents)));

    const sweepLine = logLines.find((l) => l.includes('"retention sweep"'));
    expect(sweepLine, logLines.join("\n")).toBeDefined();
    expect(JSON.parse(sweepLine!)).toMatchObject({ msg: "retention sweep", boards: 1, requests: 1, comments: 1, contacts: 1, referrals: 1 });

    let backupAfter: number;
    if (postgres) {
      // PostgreSQL's backup is pg_dump (npm run backup refuses it).
      const dump = pgDump(t.dbUrl);
      const inDump = (needle: string) => dumpForms(needle).reduce((n, form) => n + count(dump, form), 0);
      expect(inDump(KEEP_RECENT)).toBeGreaterThan(0);
      backupAfter = inDump(CANARY);
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retention-backup-"));
      try {
        const file = path.join(dir, "na-opschonen.sqlite");
        await backupTo(t.database.sqlite, file);
        const backup = fileBytes(file);
        expect(count(backup, KEEP_RECENT)).toBeGreaterThan(0);
        backupAfter = count(backup, CANARY);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    const found = {
      ...(postgres ? { rowVersions: await pgRowVersions(t.h, (b) => count(Buffer.from(b), CANARY)) } : { sqlite: count(sqlite, CANARY), wal: count(wal, CANARY) }),
      yjsBlobs: blobs.reduce((n, b) => n + count(Buffer.from(b), CANARY), 0),
      moments: moments.reduce((n, m) => n + count(Buffer.from(m.data), CANARY), 0),
      audit: count(audit, CANARY),
      logs: count(Buffer.from(logLines.join("\n")), CANARY),
      backupAfter,
    };
    process.stdout.write(`retention canary ${CANARY} (${TEST_ENGINE}): ${JSON.stringify(found)}\n`);
    expect(found).toEqual({ ...(postgres ? { rowVersions: 0 } : { sqlite: 0, wal: 0 }), yjsBlobs: 0, moments: 0, audit: 0, logs: 0, backupAfter: 0 });
  });

  it("does nothing the second time: nothing is due, no second activity line", async () => {
    const again = await retentionSweep(t.services);
    expect(again.failed).toEqual([]);
    expect(again.swept.find((s) => s.boardId === boardId)).toBeUndefined();
    const { auditEvents } = t.h.t;
    expect((await t.h.q.select().from(auditEvents).where(eq(auditEvents.type, "retention_sweep"))).filter((e) => e.boardId === boardId).length).toBe(1);
  });
});
