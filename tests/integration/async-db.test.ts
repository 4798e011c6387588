/**
 * The asynchronous database layer (db/client.ts, db/dialect.ts) on both
 * engines: the same code against SQLite (through its gate) and a real
 * PostgreSQL (tests/infra/postgres.ts, a pool of connections). The rules
 * the ownership module will run on it: a claim as one conditional UPDATE
 * (100 trials of two organisations at once: exactly one winner), a
 * read-decide-write at `serializable` retried on serialization failures (no
 * update lost), a partial unique index refusing a second pending referral,
 * and the dialect helpers giving the same answers. Then the converted
 * modules' own functions raced by many callers at once on both engines:
 * claimRequest, createReferral, decideReferral (db/ownership.ts), and
 * fillPlaces for a job's last place (db/jobs.ts).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { openPostgres, poolCounts, type AsyncDb, type Isolation } from "../../db/client";
import { affected, count, first, isUniqueViolation, jsonText, nowMs, rawRows } from "../../db/dialect";
import { databaseTrouble, isDatabaseUnreachable } from "../../db/health";
import { apiFailure } from "../../server/http/api-errors";
import { createJobWithAudit, fillPlaces, getJob } from "../../db/jobs";
import { claimRequest, createReferral, decideReferral, ownershipOf } from "../../db/ownership";
import { bothEngines } from "../infra/engines";

const engines = bothEngines("layer");

const TRIALS = 100;

/** An alliance with two organisations and a board of `n` unowned requests. */
async function seed(h: AsyncDb, n: number) {
  const { t, q } = h;
  await q.insert(t.alliances).values({ id: "al", name: "A", slug: "a", matchSecret: "s", demo: true });
  await q.insert(t.organisations).values([
    { id: "o1", allianceId: "al", name: "One", shortName: "1" },
    { id: "o2", allianceId: "al", name: "Two", shortName: "2" },
  ]);
  await q.insert(t.boards).values({ id: "b", allianceId: "al", name: "Bord" });
  await q.insert(t.requests).values(
    Array.from({ length: n }, (_, i) => ({ id: `r${i}`, boardId: "b", createdByOrgId: "o1", lastActivityAt: 1, createdAt: 1 })),
  );
}

/** The claim rule: one conditional UPDATE decides, the audit row is written in the same transaction. */
function claim(h: AsyncDb, requestId: string, orgId: string, at: number) {
  return h.transaction(async (tx) => {
    const res = await tx.q
      .update(tx.t.requests)
      .set({ ownerOrgId: orgId, claimedAt: at, lastActivityAt: at })
      .where(and(eq(tx.t.requests.id, requestId), isNull(tx.t.requests.ownerOrgId)));
    if (affected(res) !== 1) return false;
    await tx.q.insert(tx.t.auditEvents).values({ boardId: "b", requestId, orgId, type: "claimed", data: { org: orgId }, createdAt: at });
    return true;
  });
}

describe("PostgreSQL's transactions give their connection back", () => {
  it("a transaction whose begin fails (an isolation level PostgreSQL does not know) leaves the connection to the next: a pool of one still answers", async () => {
    // Drizzle's own transaction over a pool released its connection only after a begin that worked, so a pool of one hung here.
    const db = await openPostgres(engines.url, { max: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        await expect(db.async.transaction(async () => 1, { isolation: "no such level" as Isolation })).rejects.toThrow(/begin/);
      }
      const answer = db.async.transaction(async (tx) => (await rawRows(tx, sql`select 1 as one`))[0].one);
      expect(await Promise.race([answer, new Promise((r) => setTimeout(() => r("the pool's one connection was never given back"), 5000))])).toBe(1);
      expect(db.pool.totalCount).toBe(1);
      expect(db.pool.idleCount).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe("a pool whose connections all stay taken", () => {
  it("a request that waits the pool out fails as busy (503 server_busy), not as a database away, and the pool's counts say why", async () => {
    const db = await openPostgres(engines.url, { max: 1, connectTimeoutMs: 300 });
    const held = await db.pool.connect();
    try {
      const waiting = db.async.transaction(async () => 1).then(
        () => null,
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 50));
      expect(poolCounts(db)).toEqual({ max: 1, total: 1, idle: 0, waiting: 1 });
      const failure = await waiting;
      expect(databaseTrouble(failure)).toBe("busy");
      expect(isDatabaseUnreachable(failure)).toBe(false);
      expect((apiFailure(failure) as Response).status).toBe(503);
      expect(await apiFailure(failure).json()).toMatchObject({ error: "server_busy" });
    } finally {
      held.release();
      await db.close();
    }
    // SQLite has no pool to count.
    expect(poolCounts(engines.sqlite)).toBeNull();
  });
});

describe("a PostgreSQL that does not answer", () => {
  it("a connection it never answers fails after the connect timeout, as unreachable, instead of waiting for ever", async () => {
    // A host that takes the connection and then says nothing (a failover in progress, a dropped route).
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    const db = await openPostgres(`postgres://alliantiebord@127.0.0.1:${port}/none`, { connectTimeoutMs: 300 });
    try {
      const started = Date.now();
      const failure = await db.async.transaction(async () => 1).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isDatabaseUnreachable(failure)).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await db.close();
      silent.close();
    }
  });
});

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`the layer on ${engine}`, () => {
    const h = () => engines.async(engine);

    it(`${TRIALS} trials: two organisations claim one request at once; exactly one wins, and the row and audit agree`, async () => {
      await seed(h(), TRIALS);
      let firstWins = 0;
      for (let i = 0; i < TRIALS; i++) {
        const [a, b] = await Promise.all([claim(h(), `r${i}`, "o1", 10 + i), claim(h(), `r${i}`, "o2", 10 + i)]);
        expect([a, b].filter(Boolean), `trial ${i}`).toHaveLength(1);
        if (a) firstWins++;
        const row = await first(h().q.select({ owner: h().t.requests.ownerOrgId }).from(h().t.requests).where(eq(h().t.requests.id, `r${i}`)));
        expect(row?.owner).toBe(a ? "o1" : "o2");
      }
      const audits = await h().q.select({ n: count() }).from(h().t.auditEvents).where(eq(h().t.auditEvents.type, "claimed"));
      expect(audits[0].n).toBe(TRIALS);
      console.log(`${engine}: ${TRIALS} claim races, the first caller won ${firstWins}, the second ${TRIALS - firstWins}`);
    });

    it("read, decide, write at serializable: 20 concurrent increments lose none (retried on serialization failure)", async () => {
      const { t } = h();
      await h().q.insert(t.installation).values({ key: "counter", value: "0" });
      await Promise.all(
        Array.from({ length: 20 }, () =>
          h().transaction(
            async (tx) => {
              const row = await first(tx.q.select().from(tx.t.installation).where(eq(tx.t.installation.key, "counter")));
              await tx.q
                .update(tx.t.installation)
                .set({ value: String(Number(row!.value) + 1) })
                .where(eq(tx.t.installation.key, "counter"));
            },
            { isolation: "serializable" },
          ),
        ),
      );
      const row = await first(h().q.select().from(t.installation).where(eq(t.installation.key, "counter")));
      expect(row?.value).toBe("20");
    });

    it("a partial unique index refuses a second pending referral; the loser sees a unique violation", async () => {
      const { t, q } = h();
      const base = { requestId: "r0", fromOrgId: "o1", toOrgId: "o2", createdAt: 1 };
      await q.insert(t.referrals).values({ id: "ref1", ...base });
      const err = await q
        .insert(t.referrals)
        .values({ id: "ref2", ...base })
        .then(() => null, (e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
      // A decided one does not count.
      await q.update(t.referrals).set({ status: "declined" }).where(eq(t.referrals.id, "ref1"));
      await q.insert(t.referrals).values({ id: "ref2", ...base });
    });

    it("the dialect helpers: JSON fields, now in ms, booleans, defaults, blobs", async () => {
      const { t, q } = h();
      for (const org of ["o1", "o2"]) {
        const hit = await q
          .select({ org: jsonText(h(), t.auditEvents.data, "org") })
          .from(t.auditEvents)
          .where(eq(jsonText(h(), t.auditEvents.data, "org"), org));
        const held = await q.select({ n: count() }).from(t.requests).where(eq(t.requests.ownerOrgId, org));
        expect(hit.length).toBe(held[0].n);
        expect(hit.every((r) => r.org === org)).toBe(true);
      }
      const before = Date.now();
      const [{ now }] = await q.select({ now: nowMs(h()) }).from(t.installation).limit(1);
      expect(typeof now).toBe("number");
      expect(Math.abs(now - before)).toBeLessThan(60_000);
      const alliance = await first(q.select().from(t.alliances).where(eq(t.alliances.demo, true)));
      expect(alliance).toMatchObject({ id: "al", demo: true, twoFactorPolicy: "off", frontDoorEnabled: false });
      expect(typeof alliance!.createdAt).toBe("number");
      const bytes = Buffer.from([0, 1, 2, 255]);
      await q.insert(t.boardUpdates).values({ boardId: "b", data: bytes, createdAt: 1 });
      const stored = await first(q.select({ data: t.boardUpdates.data, id: t.boardUpdates.id }).from(t.boardUpdates));
      expect(Buffer.compare(stored!.data, bytes)).toBe(0);
      expect(typeof stored!.id).toBe("number");
    });
  });
}

const CALLERS = 8;
const RACES = 50;

/** A second alliance with CALLERS organisations and a board of `n` unowned requests (`<prefix><i>`). */
async function seedRace(h: AsyncDb, prefix: string, n: number) {
  const { t, q } = h;
  await q.insert(t.alliances).values({ id: `al-${prefix}`, name: prefix, slug: `race-${prefix}`, matchSecret: "s", demo: false });
  await q.insert(t.organisations).values(
    Array.from({ length: CALLERS }, (_, i) => ({ id: `${prefix}o${i}`, allianceId: `al-${prefix}`, name: `Org ${i}`, shortName: `${i}` })),
  );
  await q.insert(t.users).values({ id: `${prefix}u`, email: `${prefix}@example.org`, name: "U", passwordHash: "x", organisationId: `${prefix}o0` });
  await q.insert(t.boards).values({ id: `${prefix}b`, allianceId: `al-${prefix}`, name: "Bord" });
  await q.insert(t.requests).values(
    Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, boardId: `${prefix}b`, createdByOrgId: `${prefix}o0`, lastActivityAt: 1, createdAt: 1 })),
  );
  const org = (i: number) => `${prefix}o${i}`;
  const audit = (requestId: string, orgId: string) => ({ boardId: `${prefix}b`, requestId, userId: null, orgId });
  return { org, audit, user: `${prefix}u` };
}

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`db/ownership.ts on ${engine}: ${CALLERS} callers at once`, () => {
    const h = () => engines.async(engine);

    it(`claimRequest, ${RACES} races: exactly one wins; every loser is told it lost and who holds it`, async () => {
      const { org, audit } = await seedRace(h(), "c", RACES);
      const winsBy = new Map<string, number>();
      for (let i = 0; i < RACES; i++) {
        const id = `c${i}`;
        const answers = await Promise.all(Array.from({ length: CALLERS }, (_, k) => claimRequest(h(), id, org(k), 100 + i, audit(id, org(k)))));
        const winners = answers.filter((a) => a.won);
        expect(winners, `race ${i}`).toHaveLength(1);
        const winner = winners[0].ownerOrgId!;
        for (const a of answers) expect(a.ownerOrgId, `race ${i}`).toBe(winner);
        expect((await ownershipOf(h(), id))?.ownerOrgId).toBe(winner);
        winsBy.set(winner, (winsBy.get(winner) ?? 0) + 1);
      }
      const { t, q } = h();
      const claimed = await q.select({ n: count() }).from(t.auditEvents).where(and(eq(t.auditEvents.boardId, "cb"), eq(t.auditEvents.type, "claimed")));
      expect(claimed[0].n).toBe(RACES);
      console.log(`${engine}: ${RACES} claim races of ${CALLERS}: wins per caller ${[...Array(CALLERS).keys()].map((k) => winsBy.get(org(k)) ?? 0).join("/")}`);
    });

    it("createReferral: the holder refers to seven organisations at once; one referral stands, the rest answer pending_exists", async () => {
      const { org, audit, user } = await seedRace(h(), "f", 20);
      for (let i = 0; i < 20; i++) {
        const id = `f${i}`;
        expect((await claimRequest(h(), id, org(0), 10, audit(id, org(0)))).won).toBe(true);
        const answers = await Promise.all(
          Array.from({ length: CALLERS - 1 }, (_, k) =>
            createReferral(h(), { id: `f${i}-${k}`, requestId: id, fromOrgId: org(0), toOrgId: org(k + 1), note: "", userId: user, at: 20 }, audit(id, org(0))).catch(
              (e: Error) => ({ ok: false as const, error: e.message }),
            ),
          ),
        );
        expect(answers.filter((a) => a.ok), `race ${i}`).toHaveLength(1);
        expect(answers.filter((a) => !a.ok).map((a) => (a.ok ? "" : a.error)), `race ${i}`).toEqual(Array(CALLERS - 2).fill("pending_exists"));
        const state = await ownershipOf(h(), id);
        const stood = answers.find((a) => a.ok) as { referral: { id: string } };
        expect(state?.pendingReferral?.id).toBe(stood.referral.id);
      }
    });

    it("decideReferral: accept, decline and revoke of one referral at once; one answer stands, the others are told not_pending, and the holder follows it", async () => {
      const { org, audit, user } = await seedRace(h(), "d", 20);
      const counts = { accepted: 0, declined: 0, revoked: 0 };
      for (let i = 0; i < 20; i++) {
        const id = `d${i}`;
        await claimRequest(h(), id, org(0), 10, audit(id, org(0)));
        const made = await createReferral(h(), { id: `d${i}-r`, requestId: id, fromOrgId: org(0), toOrgId: org(1), note: "", userId: user, at: 20 }, audit(id, org(0)));
        expect(made.ok).toBe(true);
        const decide = (decision: "accepted" | "declined" | "revoked", by: string) =>
          decideReferral(h(), { requestId: id, orgId: by, userId: user, decision, reason: decision === "declined" ? "vol" : undefined, at: 30 }, audit(id, by));
        // Each decision twice, so two of the same kind race too.
        const kinds = ["accepted", "declined", "revoked", "accepted", "declined", "revoked"] as const;
        const answers = await Promise.all(kinds.map((k) => decide(k, k === "revoked" ? org(0) : org(1))));
        const stood = answers.flatMap((a, k) => (a.ok ? [kinds[k]] : []));
        expect(stood, `race ${i}`).toHaveLength(1);
        expect(answers.filter((a) => !a.ok).map((a) => (a.ok ? "" : a.error))).toEqual(Array(kinds.length - 1).fill("not_pending"));
        counts[stood[0]]++;
        const state = await ownershipOf(h(), id);
        expect(state?.pendingReferral).toBeNull();
        expect(state?.ownerOrgId).toBe(stood[0] === "accepted" ? org(1) : org(0));
        const { t, q } = h();
        const decided = await q.select({ status: t.referrals.status }).from(t.referrals).where(eq(t.referrals.id, `d${i}-r`));
        expect(decided[0].status).toBe(stood[0]);
      }
      console.log(`${engine}: 20 referral answer races: ${JSON.stringify(counts)}`);
    });
  });
}

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`db/jobs.ts on ${engine}: ${CALLERS} callers at once`, () => {
    const h = () => engines.async(engine);

    /** A job of `places` places on the race board (its card's request row, the job, its audit). */
    async function job(prefix: string, id: string, places: number, org: string) {
      await createJobWithAudit(
        h(),
        { id, boardId: `${prefix}b`, createdByOrgId: org, lastActivityAt: 1, createdAt: 1 },
        { places, orgId: org },
        { boardId: `${prefix}b`, requestId: id, orgId: org, type: "created", data: { kind: "job", places } },
      );
    }

    it(`fillPlaces, ${RACES} races for a job's last place: one fills it, the others are told not_enough_places with 0 left`, async () => {
      const { org, user } = await seedRace(h(), "p", RACES * CALLERS);
      for (let i = 0; i < RACES; i++) {
        const jobId = `p-job${i}`;
        await job("p", jobId, 3, org(0));
        // Two of three places taken already: one left.
        expect((await fillPlaces(h(), { jobId, boardId: "pb", requestIds: [`p${i * CALLERS}`, `p${i * CALLERS + 1}`], orgId: org(0), userId: user, at: 5 }, { boardId: "pb", orgId: org(0) })).ok).toBe(true);
        const answers = await Promise.all(
          Array.from({ length: CALLERS - 2 }, (_, k) =>
            fillPlaces(h(), { jobId, boardId: "pb", requestIds: [`p${i * CALLERS + 2 + k}`], orgId: org(k), userId: user, at: 10 }, { boardId: "pb", orgId: org(k) }),
          ),
        );
        expect(answers.filter((a) => a.ok), `race ${i}`).toHaveLength(1);
        for (const a of answers.filter((x) => !x.ok)) expect(a, `race ${i}`).toEqual({ ok: false, error: "not_enough_places", left: 0 });
        const state = (await getJob(h(), "pb", jobId))!;
        expect(state.filled).toBe(3);
        expect(state.filledIds).toHaveLength(3);
      }
    });

    it("fillPlaces of one request into seven jobs at once: it lands in one, the others are told in_a_job and keep their places", async () => {
      const { org, user } = await seedRace(h(), "q", 20);
      for (let i = 0; i < 20; i++) {
        const jobs = Array.from({ length: CALLERS - 1 }, (_, k) => `q-job${i}-${k}`);
        for (const j of jobs) await job("q", j, 2, org(0));
        const requestId = `q${i}`;
        const answers = await Promise.all(
          jobs.map((jobId, k) => fillPlaces(h(), { jobId, boardId: "qb", requestIds: [requestId], orgId: org(k), userId: user, at: 10 }, { boardId: "qb", orgId: org(k) })),
        );
        expect(answers.filter((a) => a.ok), `race ${i}`).toHaveLength(1);
        for (const a of answers.filter((x) => !x.ok)) expect(a, `race ${i}`).toEqual({ ok: false, error: "in_a_job", requestIds: [requestId] });
        const states = await Promise.all(jobs.map((j) => getJob(h(), "qb", j)));
        // The losers' count went back with their rolled-back fill.
        expect(states.map((s) => s!.filled).sort()).toEqual([...Array(CALLERS - 2).fill(0), 1]);
      }
    });
  });
}
