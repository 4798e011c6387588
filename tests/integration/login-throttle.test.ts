/**
 * Login throttling that never locks the real person out, driven from two
 * loopback addresses (127.0.0.1 and 127.0.0.2) against the real server:
 * spraying from one address is stopped by its budget, a growing wait holds
 * the address that guessed at an account, while the right password from a
 * fresh address and from a browser that logged in before still gets in. The
 * password-change form checks the current password through the same gate.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeUser } from "../factories";
import { createClock, startTestServer, TEST_ENGINE, type TestClock, type TestServer } from "./harness";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A form POST from a chosen local address (the server sees it as the client's address). */
function post(t: TestServer, path: string, fields: Record<string, string>, o: { from: string; cookie?: string }): Promise<Answer> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${t.url}${path}`,
      {
        method: "POST",
        localAddress: o.from,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          origin: t.url,
          ...(o.cookie ? { cookie: o.cookie } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const login = (t: TestServer, email: string, password: string, from: string, cookie?: string) =>
  post(t, "/login", { email, password, redirectTo: "/boards" }, { from, cookie });

/** The `ab_device` cookie a successful login set, as a Cookie header value. */
function deviceCookie(a: Answer): string {
  const set = ([] as string[]).concat(a.headers["set-cookie"] ?? []);
  const c = set.find((s) => s.startsWith("ab_device="));
  if (!c) throw new Error(`no device cookie in ${JSON.stringify(set)}`);
  return c.split(";")[0];
}

/** A 429 whose Retry-After is the wait just started (give or take the seconds the requests took). */
function expectWait(a: Answer, seconds: number) {
  expect(a.status).toBe(429);
  const s = Number(a.headers["retry-after"]);
  expect(s).toBeLessThanOrEqual(seconds);
  expect(s).toBeGreaterThan(seconds - 5);
}

const A = "127.0.0.1";
const B = "127.0.0.2";

describe("login throttling by address", () => {
  let t: TestServer;
  const accounts: string[] = [];
  beforeAll(async () => {
    t = await startTestServer({ LOGIN_FAILURES_PER_ADDRESS: "15", LOGIN_FREE_FAILURES: "3" });
    accounts.push(t.seed.memberA1.email, t.seed.memberA2.email, t.seed.viewerA.email, t.seed.coordinatorA.email, t.seed.memberB.email);
    for (let i = 0; i < 4; i++) {
      const u = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: `extra${i}@noord.test`, name: `Extra ${i}` });
      accounts.push(u.email);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers 27 wrong passwords sprayed over 9 accounts from one address with 429 well before the end", async () => {
    // A colleague's browser at the same address logged in before.
    const colleague = await login(t, t.seed.coordinatorA.email, t.seed.password, A);
    expect(colleague.status).toBe(302);
    const known = deviceCookie(colleague);

    const statuses: number[] = [];
    let refused: Answer | null = null;
    for (let i = 0; i < 27; i++) {
      const a = await login(t, accounts[i % accounts.length], `fout-wachtwoord-${i}`, A);
      statuses.push(a.status);
      if (a.status === 429) refused ??= a;
    }
    expect(accounts).toHaveLength(9);
    // The address's budget (15 failures) ran out; every later attempt is refused unheard.
    expect(statuses.slice(0, 15)).toEqual(Array(15).fill(401));
    expect(statuses.slice(15)).toEqual(Array(12).fill(429));
    expect(Number(refused!.headers["retry-after"])).toBeGreaterThan(0);
    expect(refused!.body).toMatch(/Te veel pogingen\. Probeer het over \d+ minuten opnieuw\./);

    // The right password from that address without a known browser: still refused (the budget is the address's).
    expect((await login(t, t.seed.memberA1.email, t.seed.password, A)).status).toBe(429);
    // Another address is not touched by it.
    expect((await login(t, t.seed.memberA1.email, t.seed.password, B)).status).toBe(302);
    // A browser that logged in before gets in from the sprayed address.
    expect((await login(t, t.seed.coordinatorA.email, t.seed.password, A, known)).status).toBe(302);
  });
});

describe("login throttling by account", () => {
  let t: TestServer;
  let clock: TestClock;
  beforeAll(async () => {
    clock = createClock();
    t = await startTestServer({ LOGIN_FREE_FAILURES: "3", LOGIN_DELAY_BASE_SECONDS: "120", LOGIN_DELAY_MAX_SECONDS: "600" }, { now: clock.now });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("makes the guessing address wait longer after each failure, while the real person still gets in", async () => {
    const email = t.seed.memberA1.email;
    // The real person logged in from this browser (at address A) before.
    const earlier = await login(t, email, t.seed.password, A);
    expect(earlier.status).toBe(302);
    const known = deviceCookie(earlier);

    // Someone at address B guesses: three free failures, the fourth starts a wait of 2 minutes.
    for (let i = 0; i < 4; i++) expect((await login(t, email, `gok-${i}`, B)).status).toBe(401);
    const held = await login(t, email, t.seed.password, B);
    expect(held.status).toBe(429);
    expectWait(held, 120);
    expect(held.body).toContain("Te veel pogingen. Probeer het over 2 minuten opnieuw.");

    // The right password from an address without failures on this account still works…
    expect((await login(t, email, t.seed.password, A)).status).toBe(302);
    // …and so does the browser that logged in before, even from the guessing address.
    expect((await login(t, email, t.seed.password, B, known)).status).toBe(302);
    // Another account from address B is not held by this account's wait.
    expect((await login(t, t.seed.memberA2.email, t.seed.password, B)).status).toBe(302);
  });

  // With Redis (project "postgres") a wait is a key's time to live on Redis's own clock, which the
  // injected clock cannot move: the waits' growth is checked on the memory store (SQLite run), the
  // waits across servers above and in cluster-limits.test.ts.
  it.skipIf(TEST_ENGINE === "postgres")("after the wait, each failure doubles it, up to LOGIN_DELAY_MAX_SECONDS", async () => {
    const email = t.seed.memberA1.email;
    // After the wait, one more failure doubles it (4 minutes), and so on up to LOGIN_DELAY_MAX_SECONDS.
    clock.advance(121_000);
    expect((await login(t, email, "gok-4", B)).status).toBe(401);
    const longer = await login(t, email, t.seed.password, B);
    expect(longer.status).toBe(429);
    expectWait(longer, 240);
    expect(longer.body).toContain("Probeer het over 4 minuten opnieuw.");
    let previous = 240;
    for (const wait of [480, 600, 600]) {
      clock.advance((previous + 1) * 1000);
      expect((await login(t, email, "nog een gok", B)).status).toBe(401);
      expectWait(await login(t, email, t.seed.password, B), wait);
      previous = wait;
    }
  });

  it("checks the current password of the password-change form through the same gate", async () => {
    const user = t.seed.memberA2;
    const cookie = await t.cookieFor(user.id);
    const change = (current: string, from: string) =>
      post(t, "/wachtwoord", { current, password: "een-nieuw-wachtwoord", repeat: "een-nieuw-wachtwoord" }, { from, cookie });
    for (let i = 0; i < 4; i++) expect((await change(`fout-${i}`, B)).status).toBe(400);
    const held = await change(t.seed.password, B);
    expect(held.status).toBe(429);
    expectWait(held, 120);
    expect(held.body).toContain("Te veel pogingen. Probeer het over 2 minuten opnieuw.");
    // The person at an address without failures changes it.
    const done = await change(t.seed.password, A);
    expect(done.status).toBe(302);
    expect((await login(t, user.email, "een-nieuw-wachtwoord", A)).status).toBe(302);
  });
});

describe("a shared browser", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  const clears = (a: Answer) => a.headers["clear-site-data"];

  it("tells the browser to erase the earlier person's offline copies when someone else logs in on it, and only then", async () => {
    const first = await login(t, t.seed.memberA1.email, t.seed.password, A);
    expect(first.status).toBe(302);
    // A new browser: nobody was here before.
    expect(clears(first)).toBeUndefined();
    const device = deviceCookie(first);

    // The same person again on their own browser keeps what waits offline.
    const again = await login(t, t.seed.memberA1.email, t.seed.password, A, device);
    expect(again.status).toBe(302);
    expect(clears(again)).toBeUndefined();

    // Someone else on that browser (the session ended without a logout): everything goes first.
    const other = await login(t, t.seed.memberA2.email, t.seed.password, A, device);
    expect(other.status).toBe(302);
    expect(clears(other)).toBe('"cache", "storage"');
    // And back: the first person's login clears the second person's copies too.
    const back = await login(t, t.seed.memberA1.email, t.seed.password, A, device);
    expect(clears(back)).toBe('"cache", "storage"');

    // A wrong password tells the browser nothing.
    const wrong = await login(t, t.seed.coordinatorA.email, "fout", A, device);
    expect(wrong.status).toBe(401);
    expect(clears(wrong)).toBeUndefined();
  });

  it("names the person each page the offline worker keeps was made for", async () => {
    // The worker of someone logged in earlier in this browser keeps nothing of a page made for someone else.
    const viaScript = await post(t, "/login?_data=routes%2Flogin", { email: t.seed.memberA2.email, password: t.seed.password, redirectTo: "/boards" }, { from: A });
    expect(viaScript.status).toBe(204);

    const session = ([] as string[]).concat(viaScript.headers["set-cookie"] ?? []).find((c) => c.startsWith("ab_session="))!.split(";")[0];
    const get = (path: string, cookie?: string) => fetch(`${t.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
    const me = t.seed.memberA2.id;
    for (const path of [
      "/boards",
      "/boards?_data=routes%2Fboards._index",
      `/boards/${t.seed.boardA.id}`,
      `/boards/${t.seed.boardA.id}?_data=routes%2Fboards.%24boardId`,
      `/boards/${t.seed.boardA.id}?_data=root`,
    ]) {
      const res = await get(path, session);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("x-alliantiebord-user"), path).toBe(me);
    }
    // Not a page the worker keeps: no name on it. Without a session: nobody's (a redirect to the login).
    expect((await get("/wachtwoord", session)).headers.get("x-alliantiebord-user")).toBeNull();
    const anonymous = await get("/boards");
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("x-alliantiebord-user") ?? "").toBe("");
  });
});
