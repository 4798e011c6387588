/**
 * The asynchronous database layer (db/client.ts, db/dialect.ts) on both
 * engines: the same code against SQLite (through its gate) and a real
 * PostgreSQL (tests/infra/postgres.ts, a pool of connections). The rules
 * the ownership module will run on it: a claim as one conditional UPDATE
 * (100 trials of two organisations at once: exactly one winner), a
 * read-decide-write at `serializable` retried on serialization failures (no
 * update lost), a partial unique index refusing a second pending referral,
 * and the dialect helpers giving the same answers.
 */
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, openPostgres, type AsyncDb, type Database_, type PostgresDatabase } from "../../db/client";
import { affected, count, first, isUniqueViolation, jsonText, nowMs } from "../../db/dialect";
import { start, type TestPostgres } from "../infra/postgres";

let server: TestPostgres;
let postgres: PostgresDatabase;
let sqlite: Database_;

beforeAll(async () => {
  server = await start();
  postgres = await openPostgres(await server.createDatabase("layer"), { migrate: true, max: 8 });
  sqlite = openDatabase(":memory:", { migrate: true });
});

afterAll(async () => {
  sqlite?.close();
  await postgres?.close();
  await server?.stop();
});

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

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`the layer on ${engine}`, () => {
    const h = () => (engine === "sqlite" ? sqlite.async : postgres.async);

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
