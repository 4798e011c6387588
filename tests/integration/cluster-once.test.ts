/**
 * Work done once per cluster, not once per server (server/cluster/lock.ts):
 * two app servers over one database and one real Redis. Their beats store
 * one daily moment per board; a mail lock held elsewhere stops both mail
 * workers, and every queued mail goes once when it is free; one daily backup
 * between two servers with folders of their own; a holder that stops
 * renewing is taken over, and its release leaves the new holder's lock
 * alone; the drain finishes a running sweep and lets go of its lock.
 * Each server alone (a memory lock) would have done every one of these
 * twice, or sent while another held the lock.
 */
import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asyncOf } from "../../db/client";
import { mailByKey } from "../../db/mail";
import { addressHourLeft, addressKeyFor, admitSubmission, formGuard } from "../../app/services/front-door-guard.server";
import { startTestCluster, type TestCluster } from "./cluster-harness";
import { createClock, DAY_MS, freePort, ROOT, sleep, waitFor } from "./harness";
import { createSmtpInbox, type SmtpInbox } from "./smtp-inbox";

let c: TestCluster;
let inbox: SmtpInbox;
let redis: Redis;
const clock = createClock();
const backupDirs = [0, 1].map((i) => path.join(ROOT, "tests/.tmp", `cluster-once-${process.pid}-backups-${i}`));

beforeAll(async () => {
  inbox = createSmtpInbox(await freePort());
  await inbox.start();
  for (const d of backupDirs) fs.rmSync(d, { recursive: true, force: true });
  c = await startTestCluster(
    2,
    { SMTP_URL: inbox.url, MAIL_FROM: "Alliantiebord <bord@alliantie.test>" },
    { now: clock.now, perServer: (i) => ({ BACKUP_DIR: backupDirs[i] }) },
  );
  redis = new Redis(c.redis.url);
});

afterAll(async () => {
  redis?.disconnect();
  await c?.close();
  await inbox?.stop();
  for (const d of backupDirs) fs.rmSync(d, { recursive: true, force: true });
});

const server = (i: number) => c.servers[i].server;

describe("once per cluster", () => {
  it("while another server holds the mail lock neither sends; once it is free, every queued mail goes exactly once", async () => {
    await redis.set("ab:lock:mail", "s9:elsewhere", "PX", 60_000);
    const keys = Array.from({ length: 12 }, (_, k) => `once:${k}`);
    for (const [k, key] of keys.entries()) {
      expect(await c.servers[k % 2].services.mail.enqueue({ key, to: `p${k}@noord.test`, subject: `Onderwerp ${key}`, text: `Tekst ${key}`, html: `<p>${key}</p>` })).toBe(true);
    }
    const statuses = async () => Promise.all(keys.map(async (k) => (await mailByKey(asyncOf(c.db), k))?.status));
    // Longer than a worker waits before it looks at a taken lock again (2 s): both looked, neither sent.
    await sleep(3_000);
    expect(await statuses()).toEqual(keys.map(() => "pending"));
    expect(inbox.mails.filter((m) => m.subject.startsWith("Onderwerp once:"))).toEqual([]);

    await redis.del("ab:lock:mail");
    await waitFor(async () => (await statuses()).every((s) => s === "sent"), { timeout: 15_000, message: "every mail sent" });
    await Promise.all([0, 1].map((i) => server(i).mailWorker!.idle()));
    for (const key of keys) expect(inbox.mails.filter((m) => m.subject === `Onderwerp ${key}`), key).toHaveLength(1);
  });

  it("two servers' beats store one daily moment per board", async () => {
    const count = () =>
      c.database.sqlite.prepare("select board_id as boardId, count(*) as n from board_moments where reason = 'daily' group by board_id order by board_id").all() as Array<{
        boardId: string;
        n: number;
      }>;
    expect(count()).toEqual([]);
    // Two days on: every board is due for its daily moment.
    clock.advance(2 * DAY_MS);
    const boards = (c.database.sqlite.prepare("select id from boards where archived_at is null order by id").all() as Array<{ id: string }>).map((b) => b.id);
    expect(boards.length).toBeGreaterThanOrEqual(2);
    await Promise.all([server(0).sweepNow(), server(1).sweepNow()]);
    // And a beat again on each: nothing is due any more.
    await Promise.all([server(0).sweepNow(), server(1).sweepNow()]);
    expect(count()).toEqual(boards.map((boardId) => ({ boardId, n: 1 })));
  });

  it("one daily backup between two servers, each with a folder of its own", async () => {
    const files = () => backupDirs.flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith(".sqlite")) : []));
    const taken = await Promise.all([0, 1].map((i) => server(i).backups!.runIfDue()));
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(files()).toHaveLength(1);
    // Later the same day, on either: the cluster has today's.
    expect(await Promise.all([0, 1].map((i) => server(i).backups!.runIfDue()))).toEqual([null, null]);
    expect(files()).toHaveLength(1);
  });

  it("a holder that stops renewing is taken over when its ttl runs out; its renewal finds the lock lost and its release leaves the new holder's lock alone", async () => {
    const a = server(0).clusterLock;
    const b = server(1).clusterLock;
    // A holder that stalls: it never renews.
    const stalled = await a.acquire("test-stall", { ttlMs: 300, renewEveryMs: 3600_000 });
    expect(stalled).not.toBeNull();
    expect(await b.acquire("test-stall", { ttlMs: 300 })).toBeNull();
    await sleep(450);
    const taker = await b.acquire("test-stall", { ttlMs: 5_000 });
    expect(taker).not.toBeNull();
    // The stalled holder wakes up and lets go without having noticed: the new holder's lock stays.
    await stalled!.release();
    expect(await redis.get("ab:lock:test-stall")).toMatch(/^s1:/);
    expect(await redis.pttl("ab:lock:test-stall")).toBeGreaterThan(3_000);

    // A holder whose key went (deleted here): its own renewal notices, and it leaves the next holder's lock alone.
    const renewing = await a.acquire("test-gone", { ttlMs: 600 });
    expect(renewing).not.toBeNull();
    await redis.del("ab:lock:test-gone");
    const next = await b.acquire("test-gone", { ttlMs: 5_000 });
    expect(next).not.toBeNull();
    await waitFor(() => renewing!.lost, { timeout: 3_000, message: "the first holder finds its lock lost" });
    expect(await renewing!.renew()).toBe(false);
    await renewing!.release();
    expect(await redis.get("ab:lock:test-gone")).toMatch(/^s1:/);
    expect(await redis.pttl("ab:lock:test-gone")).toBeGreaterThan(3_000);
    await next!.release();
    await taker!.release();
    expect(await redis.exists("ab:lock:test-gone", "ab:lock:test-stall")).toBe(0);
  });

  it("the front door: a form token used on A is refused on B, and one used on B is refused on A", async () => {
    const allianceId = c.seed.allianceA.id;
    const [a, b] = [c.servers[0].services, c.servers[1].services];
    const address = "203.0.113.77";
    const guard = await formGuard(a, allianceId);
    clock.advance(4_000);
    const input = { allianceId, address, honeypot: "", token: guard.token, powSolution: undefined };
    const first = await admitSubmission(a, input);
    expect(first.ok).toBe(true);
    expect(await admitSubmission(b, input)).toEqual({ ok: false, status: 403, code: "token_invalid" });
    // Another form's token, used first on B: refused on A.
    const other = await formGuard(a, allianceId);
    clock.advance(4_000);
    expect((await admitSubmission(b, { ...input, token: other.token })).ok).toBe(true);
    expect(await admitSubmission(a, { ...input, token: other.token })).toMatchObject({ ok: false, code: "token_invalid" });
    // Redis holds hashes of the used nonces, never a token.
    const stored = await redis.keys("ab:frontdoor:token:*");
    expect(stored.length).toBeGreaterThanOrEqual(2);
    for (const k of stored) for (const token of [guard.token, other.token]) expect(k).not.toContain(token.split(".")[3]);
  });

  it("the front door: A and B count an address under the same key (one secret a day, in Redis)", async () => {
    const allianceId = c.seed.allianceA.id;
    const [a, b] = [c.servers[0].services, c.servers[1].services];
    const address = "203.0.113.78";
    const key = await addressKeyFor(a, allianceId, address);
    expect(await addressKeyFor(b, allianceId, address)).toBe(key);
    // An item A admitted counts against the address on B.
    const before = await addressHourLeft(b, allianceId, address);
    c.database.sqlite
      .prepare("insert into front_door_items (id, alliance_id, board_id, request_id, kind, language, code_hash, address_key, created_at) values (?, ?, ?, null, 'request', 'nl', ?, ?, ?)")
      .run("cluster-once-item", allianceId, c.seed.boardA.id, "cluster-once-code", key, clock.now());
    expect(await addressHourLeft(b, allianceId, address)).toBe(before - 1);
    // Redis holds one secret (for today, gone soon after the day ends), nothing of the address.
    const secrets = await redis.keys("ab:frontdoor:secret:*");
    expect(secrets).toHaveLength(1);
    expect(await redis.pttl(secrets[0])).toBeLessThanOrEqual(DAY_MS + 10 * 60_000);
    for (const k of await redis.keys("ab:*")) expect(k).not.toContain(address);
  });

  it("the drain lets a running sweep finish and releases its lock, so another server takes it at once", async () => {
    clock.advance(2 * DAY_MS);
    // Something changed on board A since its last moment: the sweep stores one.
    c.database.sqlite.prepare("update board_snapshots set updated_at = ? where board_id = ?").run(clock.now(), c.seed.boardA.id);
    const before = (c.database.sqlite.prepare("select count(*) as n from board_moments").get() as { n: number }).n;
    const sweep = server(0).sweepNow();
    const closed = server(0).close();
    await sweep;
    await closed;
    expect((c.database.sqlite.prepare("select count(*) as n from board_moments").get() as { n: number }).n).toBeGreaterThan(before);
    expect(await redis.exists("ab:lock:moments", "ab:lock:notifications", "ab:lock:claim-expiry")).toBe(0);
    const after = await server(1).clusterLock.acquire("moments", { ttlMs: 1_000 });
    expect(after).not.toBeNull();
    await after!.release();
  });
});
