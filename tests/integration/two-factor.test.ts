/**
 * Two-factor login through the real server (issue 14): turned on on the
 * setup page (the code computed here from the secret the page shows), the
 * login's second step (no session before it, a code works once, wrong codes
 * held by the login throttle, a recovery code once), the alliance's policy
 * (pages redirect, the API answers 403, sockets are refused), turning it off
 * (password and code), and the person's own data (AVG art. 15).
 */
import { generateSync } from "otplib";
import { io as ioClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { newDataKey } from "../../app/services/seal.server";
import { createClock, postForm, withTimeout, TEST_ENGINE, type TestClock, type TestServer, startTestServer } from "./harness";

let t: TestServer;
let clock: TestClock;
const DATA_KEY = newDataKey();

beforeAll(async () => {
  clock = createClock();
  // A wait starts after 2 wrong attempts on an account, so the throttle is reached in a few requests.
  t = await startTestServer({ DATA_KEY, LOGIN_FREE_FAILURES: "2", LOGIN_DELAY_BASE_SECONDS: "60", LOGIN_DELAY_MAX_SECONDS: "120" }, { now: clock.now });
}, 60_000);
afterAll(() => t?.close());

const SETUP_DATA = "/account/tweestapsverificatie?_data=routes%2Faccount.tweestapsverificatie";

function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/** A code for the server's clock now (or `offsetMs` from it). */
function codeNow(secret: string, offsetMs = 0): string {
  return generateSync({ secret, epoch: Math.floor((clock.now() + offsetMs) / 1000) });
}

/** The person's two-factor row (on either engine). */
function twoFactorRows(userId: string) {
  const { userTwoFactor } = t.h.t;
  return t.h.q.select().from(userTwoFactor).where(eq(userTwoFactor.userId, userId));
}

/** The hashes of the person's recovery codes. */
async function recoveryHashes(userId: string): Promise<string[]> {
  const { recoveryCodes } = t.h.t;
  return (await t.h.q.select({ h: recoveryCodes.codeHash }).from(recoveryCodes).where(eq(recoveryCodes.userId, userId))).map((r) => r.h);
}

/** Past any wait the throttle set (LOGIN_DELAY_MAX_SECONDS=120): earlier tests' wrong codes must not hold the next one. */
function passWaits(): void {
  clock.advance(121_000);
}

/** Move the server's clock to the start of the next 30-second step, so a new code belongs to a new step. */
function nextStep(): void {
  const now = clock.now();
  clock.advance(30_000 - (now % 30_000) + 1_000);
}

/** Turn two-factor login on for the person of `cookie` through the setup page; the secret and the recovery codes. */
async function enable(cookie: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const page = await t.api(SETUP_DATA, { cookie });
  expect(page.status).toBe(200);
  const secret = page.body.setup.secret as string;
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  // The QR code is inline SVG without style attributes or scripts (the strict CSP).
  expect(page.body.setup.svg).toMatch(/^<svg /);
  expect(page.body.setup.svg).not.toMatch(/style=|<script/i);
  // A wrong code does not turn it on.
  const wrong = await postForm(t.url, SETUP_DATA, { code: codeNow(secret, 10 * 60_000) }, { cookie });
  expect(wrong.status).toBe(422);
  const res = await postForm(t.url, SETUP_DATA, { code: codeNow(secret) }, { cookie });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { ok: boolean; recoveryCodes: string[] };
  expect(body.ok).toBe(true);
  expect(body.recoveryCodes).toHaveLength(10);
  return { secret, recoveryCodes: body.recoveryCodes };
}

/** The password step: the challenge cookie (no session), or the session when the account has no second step. */
async function passwordStep(email: string) {
  const res = await postForm(t.url, "/login", { email, password: t.seed.password, redirectTo: "/boards" });
  return { res, cookies: cookiesOf(res) };
}

async function codeStep(challenge: string, code: string) {
  const res = await postForm(t.url, "/login", { intent: "code", code }, { cookie: `ab_2fa=${challenge}` });
  return { res, cookies: cookiesOf(res), text: res.status === 302 ? "" : await res.text() };
}

describe("two-factor login", () => {
  let secret = "";
  let recoveryCodes: string[] = [];

  it("is turned on with a code from the secret the page shows; the secret is stored sealed, the recovery codes as hashes", async () => {
    ({ secret, recoveryCodes } = await enable(t.seed.cookies.memberA1));
    const [row] = await twoFactorRows(t.seed.memberA1.id);
    expect(row.enabledAt).toBeGreaterThan(0);
    expect(Buffer.from(row.secret!).includes(Buffer.from(secret))).toBe(false);
    const hashes = await recoveryHashes(t.seed.memberA1.id);
    expect(hashes).toHaveLength(10);
    for (const c of recoveryCodes) expect(hashes).not.toContain(c);
    const me = await t.api("/api/me/export", { cookie: t.seed.cookies.memberA1 });
    expect(me.body.twoFactor.enabled).toBe(true);
  });

  it("a right password gives no session, only the second step; the code that confirmed the setup does not log in again; the next step's code does", async () => {
    const { res, cookies } = await passwordStep(t.seed.memberA1.email);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?stap=code");
    expect(cookies.ab_session).toBeUndefined();
    expect(cookies.ab_2fa).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    // The challenge is no session: the API does not know this browser.
    expect((await t.api("/api/me", { cookie: `ab_2fa=${cookies.ab_2fa}` })).status).toBe(401);
    // The code of the confirmation (same step) was used.
    const reused = await codeStep(cookies.ab_2fa, codeNow(secret));
    expect(reused.res.status).toBe(401);
    expect(reused.cookies.ab_session).toBeUndefined();
    nextStep();
    const code = codeNow(secret);
    const ok = await codeStep(cookies.ab_2fa, code);
    expect(ok.res.status).toBe(302);
    expect(ok.res.headers.get("location")).toBe("/boards");
    expect(ok.cookies.ab_session).toBeTruthy();
    const me = await t.api("/api/me", { cookie: `ab_session=${ok.cookies.ab_session}` });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(t.seed.memberA1.email);
    // The challenge is spent, and the same code in a new login is refused.
    expect((await codeStep(cookies.ab_2fa, code)).res.status).toBe(401);
    const again = await passwordStep(t.seed.memberA1.email);
    expect((await codeStep(again.cookies.ab_2fa, code)).res.status).toBe(401);
  });

  it("a recovery code logs in once", async () => {
    const first = await passwordStep(t.seed.memberA1.email);
    const ok = await codeStep(first.cookies.ab_2fa, recoveryCodes[0].toUpperCase());
    expect(ok.res.status).toBe(302);
    expect(ok.cookies.ab_session).toBeTruthy();
    const second = await passwordStep(t.seed.memberA1.email);
    const refused = await codeStep(second.cookies.ab_2fa, recoveryCodes[0]);
    expect(refused.res.status).toBe(401);
    expect(refused.cookies.ab_session).toBeUndefined();
  });

  it("wrong codes are throttled like passwords: past the free failures the account waits, even for the right code, until the wait is over", async () => {
    const { secret: s2 } = await enable(t.seed.cookies.memberA2);
    nextStep();
    const { cookies } = await passwordStep(t.seed.memberA2.email);
    expect((await codeStep(cookies.ab_2fa, "000000")).res.status).toBe(401);
    expect((await codeStep(cookies.ab_2fa, "111111")).res.status).toBe(401);
    // The third failure starts a wait (LOGIN_FREE_FAILURES=2) for this address on this account.
    expect((await codeStep(cookies.ab_2fa, "222222")).res.status).toBe(401);
    const held = await codeStep(cookies.ab_2fa, codeNow(s2));
    expect(held.res.status).toBe(429);
    // With Redis (project "postgres") a wait is a key's time to live on Redis's own clock, which this
    // file's injected clock (moved on by every test) does not move: the wait's length and its end are
    // checked on the memory store (the SQLite run); the held answers themselves on both.
    const redisClock = TEST_ENGINE === "postgres";
    if (!redisClock) expect(Number(held.res.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
    expect(held.cookies.ab_session).toBeUndefined();
    // A password for the account from this address waits as well: the same count.
    expect((await passwordStep(t.seed.memberA2.email)).res.status).toBe(429);
    if (redisClock) return;
    clock.advance(61_000);
    nextStep();
    const ok = await codeStep(cookies.ab_2fa, codeNow(s2));
    expect(ok.res.status).toBe(302);
    expect(ok.cookies.ab_session).toBeTruthy();
  });

  it("five wrong codes end the attempt: the password must be given again", async () => {
    passWaits();
    // A browser known to the account (it logged in before) is not held by the wait, only by the challenge's own count.
    const known = await passwordStep(t.seed.memberA1.email);
    nextStep();
    const done = await codeStep(known.cookies.ab_2fa, codeNow(secret));
    const device = `ab_device=${done.cookies.ab_device}`;
    const res = await postForm(t.url, "/login", { email: t.seed.memberA1.email, password: t.seed.password }, { cookie: device });
    const challenge = cookiesOf(res).ab_2fa;
    for (let i = 0; i < 4; i++) {
      const r = await postForm(t.url, "/login", { intent: "code", code: "99999" + i }, { cookie: `${device}; ab_2fa=${challenge}` });
      expect(r.status).toBe(401);
    }
    const fifth = await postForm(t.url, "/login", { intent: "code", code: "999994" }, { cookie: `${device}; ab_2fa=${challenge}` });
    expect(fifth.status).toBe(401);
    expect(await fifth.text()).toContain("twofactor.login.locked");
    nextStep();
    const late = await postForm(t.url, "/login", { intent: "code", code: codeNow(secret) }, { cookie: `${device}; ab_2fa=${challenge}` });
    expect(late.status).toBe(401);
    expect(cookiesOf(late).ab_session).toBeUndefined();
  });

  it("turning it off needs the password and a code", async () => {
    const cookie = t.seed.cookies.memberA1;
    const off = (fields: Record<string, string>) => postForm(t.url, "/account?index&_data=routes%2Faccount._index", { intent: "2fa-off", ...fields }, { cookie });
    passWaits();
    nextStep();
    const wrongPassword = await off({ password: "niet-het-wachtwoord", code: codeNow(secret) });
    expect(wrongPassword.status).toBe(422);
    expect((await wrongPassword.json()).errors).toEqual({ password: "password" });
    passWaits();
    const wrongCode = await off({ password: t.seed.password, code: "123456" });
    expect(wrongCode.status).toBe(422);
    expect((await wrongCode.json()).errors).toEqual({ code: "code" });
    expect((await twoFactorRows(t.seed.memberA1.id))[0].enabledAt).toBeGreaterThan(0);
    passWaits();
    nextStep();
    const ok = await off({ password: t.seed.password, code: codeNow(secret) });
    expect(ok.status).toBe(200);
    const [row] = await twoFactorRows(t.seed.memberA1.id);
    expect(row).toMatchObject({ secret: null, enabledAt: null });
    expect(row.disabledAt).toBeGreaterThan(0);
    // The password alone logs in again.
    passWaits();
    const { res, cookies } = await passwordStep(t.seed.memberA1.email);
    expect(res.headers.get("location")).toBe("/boards");
    expect(cookies.ab_session).toBeTruthy();
  });
});

describe("the alliance's policy", () => {
  const setPolicy = (cookie: string, policy: string) => postForm(t.url, "/beheer?_data=routes%2Fbeheer", { intent: "two-factor-policy", policy }, { cookie });

  it("a coordinator without two-factor login cannot require it; a member cannot set it at all", async () => {
    const own = await setPolicy(t.seed.cookies.coordinatorA, "everyone");
    expect(own.status).toBe(422);
    expect((await own.json()).errors).toEqual({ policy: "own_two_factor_first" });
    expect((await setPolicy(t.seed.cookies.memberA2, "off")).status).toBe(403);
  });

  it("required for everyone: a person without it is sent to the setup from every page, the API answers 403, sockets are refused; the setup itself opens", async () => {
    await enable(t.seed.cookies.coordinatorA);
    expect((await setPolicy(t.seed.cookies.coordinatorA, "everyone")).status).toBe(200);
    const viewer = t.seed.cookies.viewerA;
    const page = await fetch(`${t.url}/boards`, { headers: { cookie: viewer }, redirect: "manual" });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/account/tweestapsverificatie");
    const board = await fetch(`${t.url}/boards/${t.seed.boardA.id}`, { headers: { cookie: viewer }, redirect: "manual" });
    expect(board.headers.get("location")).toBe("/account/tweestapsverificatie");
    const api = await t.api("/api/boards", { cookie: viewer });
    expect(api.status).toBe(403);
    expect(api.body.error).toBe("two_factor_required");
    expect((await t.api("/api/me/export", { cookie: viewer })).status).toBe(403);
    // socket.io refuses the connection with the reason.
    const socket = ioClient(t.url, { extraHeaders: { cookie: viewer, origin: t.url }, transports: ["websocket"], reconnection: false });
    const refusal = await withTimeout(new Promise<string>((resolve) => socket.on("connect_error", (e) => resolve(e.message))), 10_000, "socket.io refusal");
    socket.close();
    expect(refusal).toBe("two_factor_required");
    // The Yjs endpoint refuses the upgrade.
    const raw = t.raw(`/yjs/${t.seed.boardA.id}`, { cookie: viewer });
    expect(await withTimeout(raw.refused, 10_000, "yjs refusal")).toBe(403);
    // The setup page opens, and the setup frees the person.
    expect((await t.api(SETUP_DATA, { cookie: viewer })).status).toBe(200);
    // A member who has it on (A2, above) works as before.
    expect((await t.api("/api/boards", { cookie: t.seed.cookies.memberA2 })).status).toBe(200);
    await enable(viewer);
    expect((await t.api("/api/boards", { cookie: viewer })).status).toBe(200);
  });

  it("required for coordinators only: members without it work; it cannot be turned off by whom it is required of", async () => {
    expect((await setPolicy(t.seed.cookies.coordinatorA, "coordinators")).status).toBe(200);
    expect((await t.api("/api/boards", { cookie: t.seed.cookies.memberA1 })).status).toBe(200);
    const off = await postForm(
      t.url,
      "/account?index&_data=routes%2Faccount._index",
      { intent: "2fa-off", password: t.seed.password, code: "000000" },
      { cookie: t.seed.cookies.coordinatorA },
    );
    expect(off.status).toBe(403);
    expect((await setPolicy(t.seed.cookies.coordinatorA, "off")).status).toBe(200);
    // The other alliance never heard of it.
    expect((await t.api("/api/boards", { cookie: t.seed.cookies.memberB })).status).toBe(200);
  });
});

describe("a person's own data (AVG art. 15)", () => {
  it("holds their comment, not other people's data, no password hash or TOTP secret; a file to save; at most 10 an hour", async () => {
    const requestId = t.seed.boardA.cardIds[0];
    const mine = `Mijn opmerking ${Date.now()}`;
    const theirs = `Opmerking van iemand anders ${Date.now()}`;
    const path = `/api/boards/${t.seed.boardA.id}/requests/${requestId}/comments`;
    expect((await t.api(path, { cookie: t.seed.cookies.coordinatorA, body: { body: mine } })).status).toBe(201);
    expect((await t.api(path, { cookie: t.seed.cookies.memberA1, body: { body: theirs } })).status).toBe(201);
    const res = await t.api("/api/me/export", { cookie: t.seed.cookies.coordinatorA });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="alliantiebord-mijn-gegevens-\d{4}-\d{2}-\d{2}\.json"$/);
    const text = JSON.stringify(res.body);
    expect(res.body.account.email).toBe(t.seed.coordinatorA.email);
    expect(res.body.account.organisation.id).toBe(t.seed.orgA1.id);
    expect(res.body.comments.map((c: { body: string }) => c.body)).toContain(mine);
    expect(text).not.toContain(theirs);
    for (const other of [t.seed.memberA1, t.seed.memberA2, t.seed.viewerA, t.seed.memberB]) {
      expect(text).not.toContain(other.email);
      expect(text).not.toContain(other.id);
    }
    expect(res.body.twoFactor.enabled).toBe(true);
    expect(res.body.sessions.length).toBeGreaterThan(0);
    expect(res.body.activity.some((a: { type: string; requestId: string }) => a.requestId === requestId)).toBe(true);
    // No secrets: the password hash, the sealed TOTP secret, the recovery code hashes, session ids.
    const [{ hash }] = await t.h.q.select({ hash: t.h.t.users.passwordHash }).from(t.h.t.users).where(eq(t.h.t.users.id, t.seed.coordinatorA.id));
    expect(text).not.toContain(hash);
    expect(text).not.toMatch(/passwordHash|password_hash|"secret"|codeHash|tokenHash/);
    for (const codeHash of await recoveryHashes(t.seed.coordinatorA.id)) expect(text).not.toContain(codeHash);
    for (const r of await t.h.q.select({ id: t.h.t.sessions.id }).from(t.h.t.sessions).where(eq(t.h.t.sessions.userId, t.seed.coordinatorA.id))) {
      expect(text).not.toContain(r.id);
    }
    // Rate-limited per person: 10 an hour (one used above).
    for (let i = 0; i < 9; i++) expect((await t.api("/api/me/export", { cookie: t.seed.cookies.coordinatorA })).status).toBe(200);
    const limited = await t.api("/api/me/export", { cookie: t.seed.cookies.coordinatorA });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBeTruthy();
  });
});

describe("a login halfway", () => {
  it("ends when the person's access is removed: the right code then starts no session", async () => {
    // The viewer turned two-factor login on in the policy test above.
    const { cookies } = await passwordStep(t.seed.viewerA.email);
    expect(cookies.ab_2fa).toBeTruthy();
    const removed = await postForm(t.url, "/beheer?_data=routes%2Fbeheer", { intent: "remove", personId: t.seed.viewerA.id }, { cookie: t.seed.cookies.coordinatorA });
    expect(removed.status).toBe(200);
    const left = await t.h.q.select().from(t.h.t.loginChallenges).where(eq(t.h.t.loginChallenges.userId, t.seed.viewerA.id));
    expect(left).toHaveLength(0);
    const r = await codeStep(cookies.ab_2fa, "123456");
    expect(r.res.status).toBe(401);
    expect(r.text).toContain("twofactor.login.expired");
    expect(r.cookies.ab_session).toBeUndefined();
  });
});

describe("turning it on", () => {
  it("ends the person's other sessions (opened with the password alone) and keeps this one", async () => {
    passWaits();
    const laptop = await passwordStep(t.seed.memberB.email);
    expect(laptop.cookies.ab_session).toBeTruthy();
    const laptopCookie = `ab_session=${laptop.cookies.ab_session}`;
    expect((await t.api("/api/me", { cookie: laptopCookie })).status).toBe(200);

    const page = await t.api(SETUP_DATA, { cookie: t.seed.cookies.memberB });
    const res = await postForm(t.url, SETUP_DATA, { code: codeNow(page.body.setup.secret as string) }, { cookie: t.seed.cookies.memberB });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { endedSessions: number }).endedSessions).toBe(1);

    expect((await t.api("/api/me", { cookie: laptopCookie })).status).toBe(401);
    expect((await t.api("/api/me", { cookie: t.seed.cookies.memberB })).status).toBe(200);
  });
});
