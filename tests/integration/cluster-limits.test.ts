/**
 * Limits counted across servers (server/cluster/limit-store.ts): two app
 * servers over one database and one real Redis. Wrong passwords spread over
 * both are throttled once their sum passes the address budget, on both; the
 * write budget of one session likewise; and when Redis restarts (empty)
 * mid-run, the servers go on counting locally and put the count back.
 * Each server alone would have let every one of these through: the budgets
 * are set so that half of them never reaches the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionKeyFromCookieHeader } from "../../app/services/auth.server";
import { appLimits, type Limiter } from "../../app/services/limits.server";
import { startTestCluster, type TestCluster } from "./cluster-harness";
import { postForm, sleep, waitFor } from "./harness";

const ADDRESS_BUDGET = 6;
const WRITE_BUDGET = 10;

let c: TestCluster;

beforeAll(async () => {
  c = await startTestCluster(2, {
    LOGIN_FAILURES_PER_ADDRESS: String(ADDRESS_BUDGET),
    // Only the address budget decides here: the account's own wait starts later.
    LOGIN_FREE_FAILURES: "100",
    WRITES_PER_SESSION_PER_MINUTE: String(WRITE_BUDGET),
  });
});

afterAll(async () => {
  await c?.close();
});

/** Shared a moment late: a short pause lets each server's reconcile run before the next request. */
const settle = () => sleep(150);

/**
 * "A moment later": until both servers' own limiter (asked as a request
 * would, which also makes it read Redis again) refuses `key`. Neither would
 * on its own count: each saw only half the attempts.
 */
const bothRefuse = (pick: (i: number) => Limiter, key: string) =>
  waitFor(() => [0, 1].every((i) => !pick(i).peek(key).ok), { timeout: 5_000, message: `both servers refuse ${key}` });

const wrongLogin = async (i: number) => {
  const res = await postForm(c.url(i), "/login", { email: c.seed.memberA1.email, password: "niet-het-wachtwoord", redirectTo: "/boards" });
  await res.arrayBuffer();
  return res.status;
};

const write = async (i: number, cookie: string) => (await c.api(i, "/api/notifications/read", { cookie, body: {} })).status;

describe("limits shared by two servers", () => {
  it("wrong passwords spread over A and B are throttled once their sum passes the address budget, on both", async () => {
    const statuses: number[] = [];
    for (let k = 0; k < ADDRESS_BUDGET; k++) {
      statuses.push(await wrongLogin(k % 2));
      await settle();
    }
    // Three on each server: within each one's budget alone, so none was refused.
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    await bothRefuse((i) => appLimits(c.servers[i].services).login.address, "127.0.0.1");
    expect(await wrongLogin(0)).toBe(429);
    expect(await wrongLogin(1)).toBe(429);
    // Redis holds the address's count under a keyed hash: no address, no e-mail address in any key.
    const redis = c.servers[0].server.redis!.command;
    const keys = await redis.keys("ab:limit:login-address:*");
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^ab:limit:login-address:[A-Za-z0-9_-]{22}$/);
    expect(Number(await redis.get(keys[0]))).toBe(ADDRESS_BUDGET);
    const all = (await redis.keys("*")).join("\n");
    expect(all).not.toContain("127.0.0.1");
    expect(all).not.toContain(c.seed.memberA1.email);
  });

  it("one session's write budget is spent across both servers", async () => {
    const cookie = c.seed.cookies.memberA2;
    for (let k = 0; k < WRITE_BUDGET; k++) {
      expect(await write(k % 2, cookie)).toBe(200);
      await settle();
    }
    await bothRefuse((i) => appLimits(c.servers[i].services).writes, sessionKeyFromCookieHeader(cookie)!);
    expect(await write(0, cookie)).toBe(429);
    expect(await write(1, cookie)).toBe(429);
    // Another session is not touched.
    expect(await write(1, c.seed.cookies.coordinatorA)).toBe(200);
  });

  it("Redis restarted mid-run: both servers keep counting, and the count is put back when it returns", async () => {
    const cookie = c.seed.cookies.viewerA;
    const writeKeys = () => c.servers[0].server.redis!.command.keys("ab:limit:writes:*");
    // The earlier tests' keys: left out of the sum, since their windows may end during this test.
    const earlier = new Set(await writeKeys());
    for (let k = 0; k < 4; k++) {
      expect(await write(k % 2, cookie)).toBe(200);
      await settle();
    }
    // This session's write count in Redis (every window key it made here).
    const stored = async () => {
      const redis = c.servers[0].server.redis!.command;
      const keys = (await writeKeys()).filter((k) => !earlier.has(k));
      const values = await Promise.all(keys.map((k) => redis.get(k)));
      return values.reduce((n, v) => n + Number(v), 0);
    };
    const before = await stored();
    await c.redis.kill();
    await waitFor(() => c.servers.every((s) => !s.server.redis!.up), { message: "both servers saw Redis go" });
    // Counted here meanwhile, nothing lost, nobody waits for Redis.
    for (let k = 0; k < 4; k++) expect(await write(k % 2, cookie)).toBe(200);
    await c.redis.restart();
    await waitFor(() => c.servers.every((s) => s.server.redis!.up), { timeout: 15_000, message: "both servers back on Redis" });
    // The empty Redis gets the counts back: what it held, and the 2 + 2 of the outage.
    // (A count that stays wrong is named in the failure: fewer is a count not put back, more a write counted twice.)
    await waitFor(
      async () => {
        const now = await stored();
        if (now !== before + 4) throw new Error(`Redis holds ${now} of this session's writes, ${before + 4} expected`);
        return true;
      },
      { message: "Redis holds every write again" },
    );
    await settle();
    expect(await write(0, cookie)).toBe(200);
    await settle();
    expect(await write(1, cookie)).toBe(200);
    await bothRefuse((i) => appLimits(c.servers[i].services).writes, sessionKeyFromCookieHeader(cookie)!);
    expect(await write(0, cookie)).toBe(429);
    expect(await write(1, cookie)).toBe(429);
  });
});

describe("the security doors count exactly across servers", () => {
  const BUDGET = 4;
  let d: TestCluster;
  beforeAll(async () => {
    d = await startTestCluster(2, { LOGIN_FAILURES_PER_ADDRESS: String(BUDGET), LOGIN_FREE_FAILURES: "100" });
  });
  afterAll(async () => {
    await d?.close();
  });

  it("unknown invitation links sent to A and B in turn, without a pause, are refused from the first one past the budget, on either", async () => {
    // An unknown link costs the address one failed login (app/services/invitations.server.ts viewLink): a
    // door without a password hash to slow it, so only counting across servers at the moment of each
    // decision holds it (the counts shared "a moment late" let the 5th and 6th through).
    const guess = async (i: number, k: number) => {
      const res = await fetch(`${d.url(i)}/uitnodiging/${"x".repeat(40)}${k}`, { redirect: "manual" });
      await res.arrayBuffer();
      return res.status;
    };
    const statuses: number[] = [];
    for (let k = 0; k < BUDGET + 2; k++) statuses.push(await guess(k % 2, k));
    // Each server alone saw 3 of the 6: only the cluster's count refuses the 5th and 6th.
    expect(statuses).toEqual([...Array(BUDGET).fill(404), 429, 429]);
  });
});
