/**
 * The person's own account against the real server: "Wachtwoord vergeten?"
 * (the same answer and at least the same time for known and unknown
 * addresses, the mail through the Mailer port, single use, a race with one
 * winner, expiry, every session ending), the sessions list with "log out
 * everywhere" closing the other sessions' Yjs and socket.io connections
 * while this one's stay, and the JSON API /api/me with its 422/409 rules.
 *
 * Mail goes the product's whole way: the database's queue, its worker, and a
 * real SMTP server (smtp-server on loopback in this process) that receives it.
 */
import { createHash } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RESET_ANSWER_MS, RESET_VALID_MS, RESETS_PER_ADDRESS_PER_15_MINUTES, RESETS_PER_EMAIL_PER_HOUR } from "../../app/services/password-reset.server";
import { disableUser, enableUser } from "../../db/accounts";
import { makeUser } from "../factories";
import { createClock, freePort, postForm, TEST_ENGINE, waitFor, type TestClock, type TestServer, startTestServer } from "./harness";
import { createSmtpInbox, type ReceivedMail, type SmtpInbox } from "./smtp-inbox";

const UA_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
const UA_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

function cookieFrom(res: Response, name = "ab_session"): string {
  const c = res.headers.getSetCookie().find((s) => s.startsWith(`${name}=`));
  if (!c) throw new Error(`no ${name} cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
  return c.split(";")[0];
}

async function login(t: TestServer, email: string, password: string, userAgent = UA_FIREFOX): Promise<string> {
  return (await loginWithDevice(t, email, password, userAgent)).session;
}

/** Log in; the session cookie and the browser's "known device" cookie (ab_device). */
async function loginWithDevice(t: TestServer, email: string, password: string, userAgent = UA_FIREFOX) {
  const res = await postForm(t.url, "/login", { email, password, redirectTo: "/boards" }, { headers: { "user-agent": userAgent } });
  expect(res.status).toBe(302);
  return { session: cookieFrom(res), device: cookieFrom(res, "ab_device") };
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** The browsers known to an account (token hashes). */
async function knownDevices(t: TestServer, userId: string): Promise<string[]> {
  const { loginDevices } = t.h.t;
  const rows = await t.h.q.select({ tokenHash: loginDevices.tokenHash }).from(loginDevices).where(eq(loginDevices.userId, userId)).orderBy(asc(loginDevices.tokenHash));
  return rows.map((r) => r.tokenHash);
}

/** The reset action's data as Remix hands it to the page (JSON), for comparing answers. */
/** askReset's status from another loopback address (a client address of its own: no earlier test counted against it). */
function askResetFrom(t: TestServer, email: string, from: string): Promise<number> {
  const body = new URLSearchParams({ email }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(`${t.url}/wachtwoord-vergeten?_data=routes%2Fwachtwoord-vergeten`, {
      method: "POST",
      localAddress: from,
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body), origin: t.url },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function askReset(t: TestServer, email: string) {
  const started = Date.now();
  const res = await postForm(t.url, "/wachtwoord-vergeten?_data=routes%2Fwachtwoord-vergeten", { email });
  return { status: res.status, body: await res.text(), ms: Date.now() - started };
}

function linkIn(mail: ReceivedMail, base: string): { path: string; token: string } {
  const m = new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(/wachtwoord-herstellen/([A-Za-z0-9_-]+))`).exec(mail.text);
  if (!m) throw new Error(`no reset link in ${mail.text}`);
  expect(mail.html).toContain(m[1]);
  return { path: m[1], token: m[2] };
}

describe("password reset and account", () => {
  let t: TestServer;
  let clock: TestClock;
  let inbox: SmtpInbox;
  const PUBLIC = "https://bord.example.org";

  /** The first mail to `to` received after `before` mails (waits for it). */
  async function mailTo(to: string, before: number): Promise<ReceivedMail> {
    const find = () => inbox.mails.slice(before).find((m) => m.envelopeTo.includes(to));
    await waitFor(find, { message: `a mail to ${to}` });
    return find()!;
  }
  /** Everything queued so far has been sent (or tried), by whichever server's worker took it. */
  const settled = () => Promise.all(t.servers.map((s) => s.mailWorker!.idle()));

  beforeAll(async () => {
    clock = createClock();
    inbox = createSmtpInbox(await freePort());
    await inbox.start();
    t = await startTestServer({ PUBLIC_URL: PUBLIC, SMTP_URL: inbox.url, MAIL_FROM: "Alliantiebord <bord@alliantie.test>" }, { now: clock.now });
    expect(t.services.mail.enabled).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.stop();
  });
  // Every test asks for links from 127.0.0.1: each starts after the reset limits' windows (the server's clock).
  beforeEach(() => clock.advance(61 * 60_000));

  it("answers a known, an unknown and a disabled address alike, taking at least as long, and mails only the known one", async () => {
    const disabled = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: "weg@noord.test", name: "Weg" });
    await t.h.q.update(t.h.t.users).set({ disabledAt: Date.now() }).where(eq(t.h.t.users.id, disabled.id));
    const before = inbox.mails.length;
    const known = await askReset(t, t.seed.memberA1.email);
    const unknown = await askReset(t, "niemand@noord.test");
    const off = await askReset(t, "weg@noord.test");
    expect(known.status).toBe(200);
    expect(unknown).toMatchObject({ status: known.status, body: known.body });
    expect(off).toMatchObject({ status: known.status, body: known.body });
    for (const a of [known, unknown, off]) expect(a.ms).toBeGreaterThanOrEqual(RESET_ANSWER_MS - 5);
    // Not an address at all: said on the form, after the same wait.
    const malformed = await askReset(t, "geen-adres");
    expect(malformed.status).toBe(400);
    expect(malformed.ms).toBeGreaterThanOrEqual(RESET_ANSWER_MS - 5);
    // The page says the same for everyone.
    const page = await postForm(t.url, "/wachtwoord-vergeten", { email: "niemand2@noord.test" });
    expect(await page.text()).toContain("Als dit adres bij ons bekend is, ontvangt u een e-mail");
    const mail = await mailTo(t.seed.memberA1.email, before);
    await settled();
    expect(inbox.mails.slice(before).map((m) => m.envelopeTo)).toEqual([[t.seed.memberA1.email]]);
    expect(mail.subject).toBe("Nieuw wachtwoord kiezen voor Alliantiebord");
    expect(mail.all).not.toContain(t.seed.memberA1.name);
    const { token } = linkIn(mail, PUBLIC);
    // Only the token's SHA-256 is stored.
    const stored = await t.h.q.select().from(t.h.t.passwordResets);
    expect(stored.map((r) => ({ token_hash: r.tokenHash, valid: r.expiresAt - r.createdAt }))).toEqual([{ token_hash: sha256(token), valid: RESET_VALID_MS }]);
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it("writes the mail in the account's own language", async () => {
    const en = await makeUser(t.h, { organisationId: t.seed.orgA2.id, email: "english@noord.test", name: "Eve" });
    const cookie = await t.cookieFor(en.id);
    expect((await t.api("/api/me", { cookie, method: "PATCH", body: { locale: "en" } })).status).toBe(200);
    const before = inbox.mails.length;
    await askReset(t, "English@Noord.test ");
    const mail = await mailTo("english@noord.test", before);
    expect(mail.subject).toBe("Choose a new password for Alliantiebord");
    expect(mail.text).toContain("The link works once and for one hour.");
  });

  it("limits requests per e-mail address, known or not, and per client address", async () => {
    const allowed = Array(RESETS_PER_EMAIL_PER_HOUR).fill(200);
    // From an address of its own: with Redis (project "postgres") the earlier tests' requests still
    // count against 127.0.0.1, whose windows the injected clock cannot end there.
    for (const email of ["bram@noord.test", "onbekend@noord.test"]) {
      const answers = [];
      for (let i = 0; i <= RESETS_PER_EMAIL_PER_HOUR; i++) answers.push(await askResetFrom(t, email, "127.0.0.5"));
      expect(answers).toEqual([...allowed, 429]);
    }
    // The address budget, counted from the same address after the e-mail windows ended: with Redis
    // (project "postgres") a window is a time to live on Redis's own clock, which the injected clock
    // cannot move past, so this part is the memory store's (the SQLite run).
    if (TEST_ENGINE === "postgres") return;
    clock.advance(61 * 60_000);
    const answers = [];
    for (let i = 0; i <= RESETS_PER_ADDRESS_PER_15_MINUTES; i++) answers.push((await askReset(t, `adres${i}@noord.test`)).status);
    expect(answers).toEqual([...Array(RESETS_PER_ADDRESS_PER_15_MINUTES).fill(200), 429]);
    const page = await postForm(t.url, "/wachtwoord-vergeten", { email: "nog-een@noord.test" });
    expect(page.status).toBe(429);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("a link sets the password once, ends every session and its sockets, and logs in afresh", async () => {
    const person = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: "herstel@noord.test", name: "Herstel" });
    const oldCookie = await login(t, person.email, t.seed.password);
    const yjs = await t.connect(t.seed.boardA.id, { cookie: oldCookie });
    const io = await t.io({ cookie: oldCookie });
    const before = inbox.mails.length;
    await askReset(t, person.email);
    const { path, token } = linkIn(await mailTo(person.email, before), PUBLIC);

    const form = await fetch(t.url + path);
    expect(form.status).toBe(200);
    // Appended to the server's own policy; the last value a browser knows wins.
    expect(form.headers.get("referrer-policy")).toMatch(/(^|, )no-referrer$/);
    expect(await form.text()).toContain("Kies een nieuw wachtwoord");

    const short = await postForm(t.url, path, { password: "kort", repeat: "kort" });
    expect(short.status).toBe(400);
    const mismatch = await postForm(t.url, path, { password: "een-lang-wachtwoord", repeat: "een-ander-wachtwoord" });
    expect(mismatch.status).toBe(400);

    const ok = await postForm(t.url, path, { password: "nieuw-wachtwoord-42", repeat: "nieuw-wachtwoord-42" });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe("/boards");
    const fresh = cookieFrom(ok);
    // Only the browser that used the link is known to the account now.
    expect(await knownDevices(t, person.id)).toEqual([sha256(cookieFrom(ok, "ab_device").split("=")[1])]);
    // The old session is gone, and with it its live connections.
    expect((await t.api("/api/me", { cookie: oldCookie })).status).toBe(401);
    await waitFor(() => yjs.closeCodes.length > 0 && !io.connected, { message: "old session's sockets closed" });
    expect((await t.api("/api/me", { cookie: fresh })).body).toMatchObject({ email: person.email });
    // The new password works, the old one no longer.
    expect(await login(t, person.email, "nieuw-wachtwoord-42")).toMatch(/^ab_session=/);
    const oldPw = await postForm(t.url, "/login", { email: person.email, password: t.seed.password });
    expect(oldPw.status).toBe(401);

    // A second use: a clear page, nothing changed.
    const again = await postForm(t.url, path, { password: "nog-een-wachtwoord", repeat: "nog-een-wachtwoord" });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("Deze link is al gebruikt");
    expect((await fetch(t.url + path).then((r) => r.text()))).toContain("Deze link is al gebruikt");
    expect(await login(t, person.email, "nieuw-wachtwoord-42")).toMatch(/^ab_session=/);
    expect(token.length).toBe(43);
  });

  it("two uses of one link at once: exactly one succeeds", async () => {
    const person = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: "race@noord.test", name: "Race" });
    const before = inbox.mails.length;
    await askReset(t, person.email);
    const { path } = linkIn(await mailTo(person.email, before), PUBLIC);
    const answers = await Promise.all(
      ["race-wachtwoord-1", "race-wachtwoord-2", "race-wachtwoord-3"].map((p) => postForm(t.url, path, { password: p, repeat: p })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([302, 410, 410]);
    const winner = ["race-wachtwoord-1", "race-wachtwoord-2", "race-wachtwoord-3"][answers.findIndex((a) => a.status === 302)];
    expect(await login(t, person.email, winner)).toMatch(/^ab_session=/);
  });

  it("an expired link shows a clear page and changes nothing", async () => {
    const person = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: "laat@noord.test", name: "Laat" });
    const before = inbox.mails.length;
    await askReset(t, person.email);
    const { path } = linkIn(await mailTo(person.email, before), PUBLIC);
    clock.advance(RESET_VALID_MS + 1000);
    const page = await fetch(t.url + path);
    expect(await page.text()).toContain("Deze link is verlopen");
    const post = await postForm(t.url, path, { password: "te-laat-wachtwoord", repeat: "te-laat-wachtwoord" });
    expect(post.status).toBe(410);
    expect(await post.text()).toContain("Deze link is verlopen");
    expect(await login(t, person.email, t.seed.password)).toMatch(/^ab_session=/);
    const unknown = await fetch(`${t.url}/wachtwoord-herstellen/${"x".repeat(43)}`);
    expect(await unknown.text()).toContain("Deze link werkt niet");
  });

  it("log out everywhere ends the other sessions and closes only their sockets", async () => {
    const person = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: "overal@noord.test", name: "Overal" });
    const { session: here, device: hereDevice } = await loginWithDevice(t, person.email, t.seed.password, UA_FIREFOX);
    const phone = await login(t, person.email, t.seed.password, UA_IPHONE);
    const third = await login(t, person.email, t.seed.password, "curl/8.5.0");
    expect(await knownDevices(t, person.id)).toHaveLength(3);
    const list = await t.api("/api/me/sessions", { cookie: here });
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(3);
    expect(list.body[0]).toMatchObject({ current: true, browser: "Firefox", os: "Windows", mobile: false });
    expect(list.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(list.body).toContainEqual(expect.objectContaining({ current: false, browser: "Safari", os: "iOS", mobile: true }));
    expect(list.body).toContainEqual(expect.objectContaining({ current: false, browser: null, os: null }));
    for (const s of list.body) expect(typeof s.lastSeenAt).toBe("number");

    const yHere = await t.connect(t.seed.boardA.id, { cookie: here });
    const yPhone = await t.connect(t.seed.boardA.id, { cookie: phone });
    const ioHere = await t.io({ cookie: here, boardId: t.seed.boardA.id });
    const ioPhone = await t.io({ cookie: phone, boardId: t.seed.boardA.id });

    const ended = await t.api("/api/me/sessions", { cookie: `${here}; ${hereDevice}`, method: "DELETE" });
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ ended: 2 });
    await waitFor(() => yPhone.closeCodes.length > 0 && !ioPhone.connected, { message: "the phone's sockets closed" });
    // This session's connections stay, and still work.
    expect(yHere.closeCodes).toEqual([]);
    await yHere.roundTrip();
    expect(ioHere.connected).toBe(true);
    expect(await ioHere.timeout(5000).emitWithAck("board:join", { boardId: t.seed.boardA.id })).toMatchObject({ ok: true });
    for (const c of [phone, third]) expect((await t.api("/api/me", { cookie: c })).status).toBe(401);
    expect((await t.api("/api/me/sessions", { cookie: here })).body).toHaveLength(1);
    // The other browsers are no longer "known" to the login throttle; this one still is.
    expect(await knownDevices(t, person.id)).toEqual([sha256(hereDevice.split("=")[1])]);
  });

  it("ends one session by its id, and only the person's own", async () => {
    const person = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: "een@noord.test", name: "Een" });
    const here = await login(t, person.email, t.seed.password);
    const other = await login(t, person.email, t.seed.password, UA_IPHONE);
    const yOther = await t.connect(t.seed.boardA.id, { cookie: other });
    const list = (await t.api("/api/me/sessions", { cookie: here })).body as Array<{ id: string; current: boolean }>;
    const otherId = list.find((s) => !s.current)!.id;
    // Another person cannot end it: 404, as for an unknown id.
    expect((await t.api(`/api/me/sessions/${otherId}`, { cookie: t.seed.cookies.memberA2, method: "DELETE" })).status).toBe(404);
    expect((await t.api(`/api/me/sessions/onbekend`, { cookie: here, method: "DELETE" })).status).toBe(404);
    const res = await t.api(`/api/me/sessions/${otherId}`, { cookie: here, method: "DELETE" });
    expect(res).toMatchObject({ status: 200, body: { current: false } });
    await waitFor(() => yOther.closeCodes.length > 0, { message: "the other session's board closed" });
    expect((await t.api("/api/me", { cookie: other })).status).toBe(401);
    expect((await t.api("/api/me", { cookie: here })).status).toBe(200);
  });

  it("a reset link mailed before the address, the password or the access changed no longer works", async () => {
    const person = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: "oud-adres@noord.test", name: "Verhuisd" });
    const cookie = await t.cookieFor(person.id);
    const refused = async (path: string, password: string) => {
      expect(await fetch(t.url + path).then((r) => r.text())).toContain("Deze link werkt niet");
      const post = await postForm(t.url, path, { password, repeat: password });
      expect(post.status).not.toBe(302);
    };

    // The old mailbox is read by someone else: the person moves to a new address. A link still waiting there must die with it.
    let before = inbox.mails.length;
    await askReset(t, "oud-adres@noord.test");
    const toOld = linkIn(await mailTo("oud-adres@noord.test", before), PUBLIC);
    const moved = await t.api("/api/me", { cookie, method: "PATCH", body: { email: "nieuw-adres@noord.test", currentPassword: t.seed.password } });
    expect(moved.status).toBe(200);
    await refused(toOld.path, "overname-wachtwoord-1");
    expect(await login(t, "nieuw-adres@noord.test", t.seed.password)).toMatch(/^ab_session=/);

    // A password changed by the person: a link asked before it (by whoever) is worth nothing.
    clock.advance(61 * 60_000);
    before = inbox.mails.length;
    await askReset(t, "nieuw-adres@noord.test");
    const beforeChange = linkIn(await mailTo("nieuw-adres@noord.test", before), PUBLIC);
    const changed = await postForm(t.url, "/account", { intent: "password", current: t.seed.password, password: "eigen-nieuw-wachtwoord", repeat: "eigen-nieuw-wachtwoord" }, { cookie });
    expect(changed.status).toBe(200);
    await refused(beforeChange.path, "overname-wachtwoord-2");

    // Access taken away and given back: a link from before does not revive.
    clock.advance(61 * 60_000);
    before = inbox.mails.length;
    await askReset(t, "nieuw-adres@noord.test");
    const beforeDisable = linkIn(await mailTo("nieuw-adres@noord.test", before), PUBLIC);
    await disableUser(t.h, person.id, clock.now());
    await enableUser(t.h, person.id);
    await refused(beforeDisable.path, "overname-wachtwoord-3");
    expect(await login(t, "nieuw-adres@noord.test", "eigen-nieuw-wachtwoord")).toMatch(/^ab_session=/);
  });

  it("PATCH /api/me: 422 per field, a new e-mail needs the password, 409 when taken, the old address told", async () => {
    const person = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: "profiel@noord.test", name: "Profiel" });
    const cookie = await t.cookieFor(person.id);
    const me = await t.api("/api/me", { cookie });
    expect(me.body).toMatchObject({ id: person.id, name: "Profiel", email: "profiel@noord.test", locale: "nl", role: "member", organisation: { id: t.seed.orgA1.id } });
    expect((await t.api("/api/me")).status).toBe(401);

    const bad = await t.api("/api/me", { cookie, method: "PATCH", body: { name: "", email: "geen-adres", locale: "de" } });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ error: "invalid", errors: { name: "required", email: "pattern", locale: "unknown" } });
    expect((await t.api("/api/me", { cookie, method: "PATCH", body: { name: 42 } })).body.errors).toEqual({ name: "type" });
    expect((await t.api("/api/me", { cookie, method: "PATCH", body: { name: "x".repeat(81) } })).body.errors).toEqual({ name: "tooLong" });

    const noPw = await t.api("/api/me", { cookie, method: "PATCH", body: { email: "nieuw@noord.test" } });
    expect(noPw).toMatchObject({ status: 422, body: { errors: { currentPassword: "required" } } });
    const wrongPw = await t.api("/api/me", { cookie, method: "PATCH", body: { email: "nieuw@noord.test", currentPassword: "fout-wachtwoord" } });
    expect(wrongPw).toMatchObject({ status: 422, body: { errors: { currentPassword: "wrong" } } });
    const taken = await t.api("/api/me", { cookie, method: "PATCH", body: { email: "Bram@noord.test", currentPassword: t.seed.password } });
    expect(taken).toMatchObject({ status: 409, body: { error: "email_taken", errors: { email: "exists" } } });
    // A form body is refused before the route runs.
    const form = await t.api("/api/me", { cookie, method: "PATCH", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect([400, 415]).toContain(form.status);

    const before = inbox.mails.length;
    const ok = await t.api("/api/me", { cookie, method: "PATCH", body: { name: "  Profiel Nieuw ", email: "Nieuw@Noord.test", currentPassword: t.seed.password } });
    expect(ok.status).toBe(200);
    expect(ok.body.profile).toMatchObject({ name: "Profiel Nieuw", email: "nieuw@noord.test" });
    const told = await mailTo("profiel@noord.test", before);
    expect(told.subject).toBe("Het e-mailadres van uw account is gewijzigd");
    expect(told.all).not.toContain("nieuw@noord.test");
    await settled();
    expect(inbox.to("nieuw@noord.test")).toEqual([]);
    expect((await t.api("/api/me", { cookie })).body).toMatchObject({ name: "Profiel Nieuw", email: "nieuw@noord.test" });
    expect(await login(t, "nieuw@noord.test", t.seed.password)).toMatch(/^ab_session=/);
  });

  it("/account: a password change ends the other sessions and closes their sockets, this one stays", async () => {
    const person = await makeUser(t.h, { organisationId: t.seed.orgA1.id, email: "pagina@noord.test", name: "Pagina" });
    const here = await login(t, person.email, t.seed.password);
    const phone = await login(t, person.email, t.seed.password, UA_IPHONE);
    const yHere = await t.connect(t.seed.boardA.id, { cookie: here });
    const yPhone = await t.connect(t.seed.boardA.id, { cookie: phone });
    const page = await fetch(`${t.url}/account`, { headers: { cookie: here } }).then((r) => r.text());
    expect(page).toContain("Safari op iOS");
    expect(page).toContain("Deze sessie");

    const wrong = await postForm(t.url, "/account", { intent: "password", current: "niet-mijn-wachtwoord", password: "een-nieuw-wachtwoord", repeat: "een-nieuw-wachtwoord" }, { cookie: here });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("Dit is niet uw huidige wachtwoord.");
    const short = await postForm(t.url, "/account", { intent: "password", current: t.seed.password, password: "kort", repeat: "kort" }, { cookie: here });
    expect(await short.text()).toContain("Gebruik minstens 10 tekens.");
    expect((await t.api("/api/me", { cookie: phone })).status).toBe(200);

    const ok = await postForm(t.url, "/account", { intent: "password", current: t.seed.password, password: "een-nieuw-wachtwoord", repeat: "een-nieuw-wachtwoord" }, { cookie: here });
    expect(ok.status).toBe(200);
    await waitFor(() => yPhone.closeCodes.length > 0, { message: "the other session's board closed" });
    expect((await t.api("/api/me", { cookie: phone })).status).toBe(401);
    expect(yHere.closeCodes).toEqual([]);
    await yHere.roundTrip();
    expect((await t.api("/api/me", { cookie: here })).status).toBe(200);
    expect(await login(t, person.email, "een-nieuw-wachtwoord")).toMatch(/^ab_session=/);

    // A form that names no e-mail change needs no password; a taken address on the page is said in Dutch.
    const renamed = await postForm(t.url, "/account", { intent: "profile", name: "Pagina Twee", email: person.email, currentPassword: "" }, { cookie: here });
    expect(renamed.status).toBe(200);
    expect((await t.api("/api/me", { cookie: here })).body.name).toBe("Pagina Twee");
    const taken = await postForm(t.url, "/account", { intent: "profile", name: "Pagina Twee", email: t.seed.memberA2.email, currentPassword: "een-nieuw-wachtwoord" }, { cookie: here });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain("Dit e-mailadres is al in gebruik.");
  });

  it("the stored language wins over the cookie once logged in; the header's switch writes it", async () => {
    const person = await makeUser(t.h, { organisationId: t.seed.orgA2.id, email: "taal@noord.test", name: "Taal" });
    const cookie = await t.cookieFor(person.id);
    const page = (c: string) => fetch(`${t.url}/account`, { headers: { cookie: c } }).then((r) => r.text());
    expect(await page(`${cookie}; ab_lang=en`)).toContain('<html lang="nl"');
    const sw = await postForm(t.url, "/taal", { locale: "en", redirectTo: "/account" }, { cookie });
    expect(sw.status).toBe(302);
    expect(sw.headers.getSetCookie().some((c) => c.startsWith("ab_lang=en"))).toBe(true);
    expect(await page(`${cookie}; ab_lang=nl`)).toContain('<html lang="en"');
    expect((await t.api("/api/me", { cookie })).body.locale).toBe("en");
    // Logging in sets the cookie to the stored language.
    const res = await postForm(t.url, "/login", { email: person.email, password: t.seed.password }, { headers: { cookie: "ab_lang=nl" } });
    expect(res.headers.getSetCookie().some((c) => c.startsWith("ab_lang=en"))).toBe(true);
  });
});

describe("password reset without mail", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    expect(t.services.mail.enabled).toBe(false);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("says to ask the coordinator and sends nothing", async () => {
    const page = await fetch(`${t.url}/wachtwoord-vergeten`).then((r) => r.text());
    expect(page).toContain("Vraag de coördinator van uw alliantie");
    expect(page).not.toContain('name="email"');
    const res = await postForm(t.url, "/wachtwoord-vergeten", { email: t.seed.memberA1.email });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Vraag de coördinator van uw alliantie");
    expect(await t.h.q.select().from(t.h.t.mailOutbox)).toEqual([]);
    expect(await t.h.q.select().from(t.h.t.passwordResets)).toEqual([]);
  });
});
