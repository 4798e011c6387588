/**
 * Invitations through the real server: POST /api/invitations as every role
 * and with bad input, the link behind /uitnodiging/<token> (works once, also
 * under two submits at the same moment; expired, withdrawn and replaced
 * links refused), the new person logged in on their board, guessing links
 * held up by the login budget per address, and the mail (a real SMTP server
 * on loopback) in the chosen language with nothing personal in it.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, like } from "drizzle-orm";
import { count, first as firstRow } from "../../db/dialect";
import { makeUser } from "../factories";
import { freePort, postForm, startTestServer, waitFor, type TestServer } from "./harness";
import { createSmtpInbox, type SmtpInbox } from "./smtp-inbox";

const DAY = 86_400_000;
let shift = 0;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ LOGIN_FAILURES_PER_ADDRESS: "8" }, { now: () => Date.now() + shift });
});
afterAll(async () => {
  await t?.close();
});

function tokenOf(link: string): string {
  const m = /\/uitnodiging\/([A-Za-z0-9_-]+)$/.exec(link);
  if (!m) throw new Error(`not an invitation link: ${link}`);
  return m[1];
}

let n = 0;
async function invite(over: Record<string, unknown> = {}) {
  const email = `nieuw${++n}-${randomUUID().slice(0, 6)}@noord.test`;
  const res = await t.api("/api/invitations", {
    cookie: t.seed.cookies.coordinatorA,
    body: { email, name: `Nieuwe ${n}`, organisationId: t.seed.orgA2.id, role: "member", ...over },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { email, id: res.body.id as string, link: res.body.link as string, token: tokenOf(res.body.link) };
}

function page(token: string, cookie?: string) {
  return fetch(`${t.url}/uitnodiging/${token}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
}

function accept(token: string, password = "een-goed-wachtwoord", repeat = password) {
  return postForm(t.url, `/uitnodiging/${token}`, { username: "", password, repeat });
}

const usersWith = async (email: string) => (await firstRow(t.h.q.select({ n: count() }).from(t.h.t.users).where(eq(t.h.t.users.email, email))))!.n;

describe("POST /api/invitations", () => {
  it("answers 401 without a session and 403 for members and viewers", async () => {
    const body = { email: "x@noord.test", name: "X Y", organisationId: t.seed.orgA1.id, role: "member" };
    expect((await t.api("/api/invitations", { body })).status).toBe(401);
    expect((await t.api("/api/invitations", { cookie: t.seed.cookies.memberA1, body })).status).toBe(403);
    expect((await t.api("/api/invitations", { cookie: t.seed.cookies.viewerA, body })).status).toBe(403);
    expect((await t.api("/api/invitations", { cookie: t.seed.cookies.memberB, body })).status).toBe(403);
    expect((await t.api("/api/invitations", { cookie: t.seed.cookies.memberA1 })).status).toBe(403);
  });

  it("answers 422 with the fields that are wrong; an organisation of another alliance is unknown", async () => {
    const res = await t.api("/api/invitations", {
      cookie: t.seed.cookies.coordinatorA,
      body: { email: "geen-adres", name: "X", organisationId: t.seed.orgB.id, role: "baas", locale: "fr" },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ email: "pattern", name: "tooShort", organisationId: "unknown", role: "unknown", locale: "unknown" });
    const empty = await t.api("/api/invitations", { cookie: t.seed.cookies.coordinatorA, body: {} });
    expect(empty.status).toBe(422);
    expect(empty.body.errors).toMatchObject({ email: "required", name: "required", organisationId: "unknown" });
  });

  it("answers 201 { id, link }, and 409 for an address with an account or a pending invitation", async () => {
    const first = await invite();
    // PUBLIC_URL is not set here: links point at this machine's PORT.
    expect(first.link).toBe(`http://localhost:${t.services.env.PORT}/uitnodiging/${first.token}`);
    expect(first.token).toHaveLength(43);
    // Only the token's hash is stored.
    const row = (await t.h.q.select().from(t.h.t.invitations).where(eq(t.h.t.invitations.id, first.id)))[0]!;
    expect(JSON.stringify(row)).not.toContain(first.token);
    expect(row.expiresAt).toBe(row.createdAt + 7 * DAY);
    const again = await t.api("/api/invitations", {
      cookie: t.seed.cookies.coordinatorA,
      body: { email: first.email.toUpperCase(), name: "Nog eens", organisationId: t.seed.orgA1.id, role: "member" },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe("invitation_pending");
    const existing = await t.api("/api/invitations", {
      cookie: t.seed.cookies.coordinatorA,
      body: { email: t.seed.memberB.email, name: "Carla", organisationId: t.seed.orgA1.id, role: "member" },
    });
    expect(existing.status).toBe(409);
    expect(existing.body.error).toBe("account_exists");
  });
});

describe("another alliance's coordinator", () => {
  it("cannot see, resend or withdraw this alliance's invitations, nor invite into its organisations", async () => {
    const inv = await invite();
    const other = await makeUser(t.h, { organisationId: t.seed.orgB.id, email: `coord-${randomUUID().slice(0, 6)}@zuid.test`, name: "Zoë", role: "coordinator" });
    const cookie = await t.cookieFor(other.id);
    const list = await t.api("/api/invitations", { cookie });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([]);
    expect((await t.api(`/api/invitations/${inv.id}/resend`, { method: "POST", cookie })).status).toBe(404);
    expect((await t.api(`/api/invitations/${inv.id}`, { method: "DELETE", cookie })).status).toBe(404);
    const into = await t.api("/api/invitations", { cookie, body: { email: "x@zuid.test", name: "X Y", organisationId: t.seed.orgA1.id, role: "member" } });
    expect(into.status).toBe(422);
    expect(into.body.errors).toEqual({ organisationId: "unknown" });
    // The invitation is untouched: its link still works.
    expect((await page(inv.token)).status).toBe(200);
  });
});

describe("the link", () => {
  it("shows alliance, organisation and role, makes the account once, logs the person in on the board", async () => {
    const inv = await invite({ role: "viewer" });
    const shown = await page(inv.token);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain("Alliantie Noord");
    expect(html).toContain("Taalhuis Noord");
    expect(html).toContain("Meekijker");
    expect(shown.headers.get("cache-control")).toBe("no-store");
    // The server's default comes first; browsers follow the last policy of the list.
    expect(shown.headers.get("referrer-policy")!.split(",").pop()!.trim()).toBe("no-referrer");

    expect((await accept(inv.token, "kort")).status).toBe(400);
    expect((await accept(inv.token, "een-goed-wachtwoord", "iets-anders-dan-dat")).status).toBe(400);
    expect(await usersWith(inv.email)).toBe(0);

    const res = await accept(inv.token);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/boards/${t.seed.boardA.id}`);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .find((c) => c.startsWith("ab_session="))!;
    expect(cookie).toBeTruthy();
    const boards = await t.api("/api/boards", { cookie });
    expect(boards.status).toBe(200);
    expect(boards.body.map((b: { id: string }) => b.id)).toContain(t.seed.boardA.id);
    const { users, organisations } = t.h.t;
    const [person] = await t.h.q
      .select({ role: users.role, name: users.name, alliance: organisations.allianceId })
      .from(users)
      .innerJoin(organisations, eq(organisations.id, users.organisationId))
      .where(eq(users.email, inv.email));
    expect(person).toEqual({ role: "viewer", name: "Nieuwe " + inv.email.match(/nieuw(\d+)/)![1], alliance: t.seed.allianceA.id });
    // A viewer's cookie is a real session: it may read the board and not write.
    expect((await t.api(`/api/boards/${t.seed.boardA.id}`, { cookie })).status).toBe(200);

    // Used: neither the page nor a second submit does anything more.
    expect((await page(inv.token)).status).toBe(410);
    const second = await accept(inv.token, "nog-een-wachtwoord");
    expect(second.status).toBe(410);
    expect(second.headers.getSetCookie().some((c) => c.startsWith("ab_session="))).toBe(false);
    expect(await usersWith(inv.email)).toBe(1);
    // Nothing of the alliance on the refusal page.
    const gone = await (await page(inv.token)).text();
    expect(gone).not.toContain("Taalhuis Noord");
    expect(gone).not.toContain(inv.email);
  });

  it("two submits at the same moment make exactly one account", async () => {
    for (let round = 0; round < 5; round++) {
      const inv = await invite();
      const answers = await Promise.all([accept(inv.token, "wachtwoord-een-1"), accept(inv.token, "wachtwoord-twee-2"), accept(inv.token, "wachtwoord-drie-3")]);
      expect(answers.map((a) => a.status).sort()).toEqual([302, 410, 410]);
      expect(await usersWith(inv.email)).toBe(1);
    }
  });

  it("expires after 7 days", async () => {
    const inv = await invite();
    try {
      shift = 7 * DAY - 60_000;
      expect((await page(inv.token)).status).toBe(200);
      shift = 7 * DAY + 1;
      expect((await page(inv.token)).status).toBe(410);
      expect(await (await page(inv.token)).text()).toContain("verlopen");
      expect((await accept(inv.token)).status).toBe(410);
      expect(await usersWith(inv.email)).toBe(0);
    } finally {
      shift = 0;
    }
    // An expired invitation is no longer pending: the address can be invited again.
    shift = 8 * DAY;
    try {
      const fresh = await t.api("/api/invitations", {
        cookie: await t.cookieFor(t.seed.coordinatorA.id, 30),
        body: { email: inv.email, name: "Opnieuw", organisationId: t.seed.orgA1.id, role: "member" },
      });
      expect(fresh.status).toBe(201);
    } finally {
      shift = 0;
    }
  });

  it("withdrawn: the link stops working; only the alliance's coordinator can withdraw", async () => {
    const inv = await invite();
    expect((await t.api(`/api/invitations/${inv.id}`, { method: "DELETE", cookie: t.seed.cookies.memberA1 })).status).toBe(403);
    expect((await t.api(`/api/invitations/${inv.id}`, { method: "DELETE", cookie: t.seed.cookies.memberB })).status).toBe(403);
    expect((await page(inv.token)).status).toBe(200);
    expect((await t.api(`/api/invitations/${inv.id}`, { method: "DELETE", cookie: t.seed.cookies.coordinatorA })).status).toBe(200);
    expect((await page(inv.token)).status).toBe(410);
    expect((await accept(inv.token)).status).toBe(410);
    expect(await usersWith(inv.email)).toBe(0);
    expect((await t.api(`/api/invitations/${inv.id}`, { method: "DELETE", cookie: t.seed.cookies.coordinatorA })).status).toBe(404);
    const list = await t.api("/api/invitations", { cookie: t.seed.cookies.coordinatorA });
    expect(list.body.map((i: { id: string }) => i.id)).not.toContain(inv.id);
  });

  it("sent again: a new link for 7 more days, the old one no longer works", async () => {
    const inv = await invite();
    shift = 3 * DAY;
    try {
      const cookie = await t.cookieFor(t.seed.coordinatorA.id, 30);
      const res = await t.api(`/api/invitations/${inv.id}/resend`, { method: "POST", cookie });
      expect(res.status).toBe(200);
      const next = tokenOf(res.body.link);
      expect(next).not.toBe(inv.token);
      expect((await page(inv.token)).status).toBe(404);
      expect((await accept(inv.token)).status).toBe(404);
      // Valid 7 days from the resend: still open at day 3 + 7 - 1 minute.
      shift = 10 * DAY - 60_000;
      expect((await page(next)).status).toBe(200);
      expect((await accept(next)).status).toBe(302);
      expect(await usersWith(inv.email)).toBe(1);
      expect((await t.api(`/api/invitations/${inv.id}/resend`, { method: "POST", cookie: await t.cookieFor(t.seed.coordinatorA.id, 30) })).status).toBe(404);
    } finally {
      shift = 0;
    }
  });

  // Last: it spends this address's login budget.
  it("guessing links costs the address its login budget (429 then, even for a real link)", async () => {
    const inv = await invite();
    let refused = 0;
    for (let i = 0; i < 12; i++) {
      const guess = await page(`${"A".repeat(42)}${i % 10}`);
      if (guess.status === 429) refused++;
      else expect(guess.status).toBe(404);
    }
    expect(refused).toBeGreaterThan(0);
    const real = await page(inv.token);
    expect(real.status).toBe(429);
    expect(Number(real.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await accept(inv.token)).status).toBe(429);
    expect(await usersWith(inv.email)).toBe(0);
  });
});

describe("the invitation mail", () => {
  let inbox: SmtpInbox;
  let m: TestServer;
  beforeAll(async () => {
    inbox = createSmtpInbox(await freePort());
    await inbox.start();
    m = await startTestServer({ SMTP_URL: inbox.url, MAIL_FROM: "Alliantiebord <bord@alliantie.test>", PUBLIC_URL: "https://bord.example.org" });
  });
  afterAll(async () => {
    await m?.close();
    await inbox?.stop();
  });

  it("goes to the invitee in the inviter's chosen language, with the link and nothing personal but their own name", async () => {
    const nl = await m.api("/api/invitations", {
      cookie: m.seed.cookies.coordinatorA,
      body: { email: "lisa@noord.test", name: "Lisa Jansen", organisationId: m.seed.orgA2.id, role: "member" },
    });
    const en = await m.api("/api/invitations", {
      cookie: m.seed.cookies.coordinatorA,
      body: { email: "omar@noord.test", name: "Omar Haddad", organisationId: m.seed.orgA1.id, role: "coordinator", locale: "en" },
    });
    expect([nl.status, en.status]).toEqual([201, 201]);
    expect(nl.body.mailed).toBe(true);
    expect(nl.body.link).toMatch(/^https:\/\/bord\.example\.org\/uitnodiging\/[A-Za-z0-9_-]{43}$/);
    const [dutch] = await waitFor(() => (inbox.to("lisa@noord.test").length ? inbox.to("lisa@noord.test") : null), { message: "Dutch invitation arrived" });
    const [english] = await waitFor(() => (inbox.to("omar@noord.test").length ? inbox.to("omar@noord.test") : null), { message: "English invitation arrived" });
    expect(dutch.subject).toBe("Uitnodiging voor Alliantiebord van Alliantie Noord");
    expect(dutch.text).toContain("Lisa Jansen");
    expect(dutch.text).toContain("Taalhuis Noord");
    expect(dutch.text).toContain(nl.body.link);
    expect(dutch.html).toContain(nl.body.link);
    expect(english.subject).toBe("Invitation to the Alliantiebord of Alliantie Noord");
    expect(english.text).toContain("with the role Coordinator");
    expect(english.text).toContain(en.body.link);
    for (const mail of [dutch, english]) {
      // Not the inviter, nobody else, no board content.
      for (const personal of [m.seed.coordinatorA.name, m.seed.coordinatorA.email, m.seed.memberA1.email, "Woning gezocht"]) expect(mail.all).not.toContain(personal);
    }
    // Sent again: a second mail with the new link.
    const again = await m.api(`/api/invitations/${nl.body.id}/resend`, { method: "POST", cookie: m.seed.cookies.coordinatorA });
    const both = await waitFor(() => (inbox.to("lisa@noord.test").length === 2 ? inbox.to("lisa@noord.test") : null), { message: "second mail" });
    expect(both[1].text).toContain(again.body.link);
  });

  it("mails one address at most 3 times a day and an alliance at most 50 invitations an hour; past that the link is made but not mailed", async () => {
    const coordinator = m.seed.cookies.coordinatorA;
    const { mailOutbox } = m.h.t;
    const outbox = async (to?: string) =>
      (await firstRow(m.h.q.select({ n: count() }).from(mailOutbox).where(and(like(mailOutbox.key, "invitation:%"), to ? eq(mailOutbox.to, to) : undefined))))!.n;
    // A stolen coordinator session resending one invitation in a loop: the address gets 3 mails, not 20.
    const first = await m.api("/api/invitations", { cookie: coordinator, body: { email: "doelwit@elders.test", name: "Doelwit", organisationId: m.seed.orgA1.id, role: "member" } });
    expect(first.body).toMatchObject({ mailed: true });
    const answers = [];
    for (let i = 0; i < 19; i++) answers.push((await m.api(`/api/invitations/${first.body.id}/resend`, { method: "POST", cookie: coordinator })).body);
    expect(answers.slice(0, 2).every((a) => a.mailed === true)).toBe(true);
    expect(answers.slice(2).every((a) => a.mailed === false && a.mailLimited === true && /\/uitnodiging\//.test(a.link))).toBe(true);
    expect(await outbox("doelwit@elders.test")).toBe(3);

    // Many addresses: at most 50 invitation mails an hour for the alliance (the 3 above and the earlier test's count too).
    const before = await outbox();
    let limited = 0;
    for (let i = 0; i < 60; i++) {
      const r = await m.api("/api/invitations", { cookie: coordinator, body: { email: `reeks-${i}@elders.test`, name: `Reeks ${i}`, organisationId: m.seed.orgA1.id, role: "member" } });
      expect(r.status).toBe(201);
      if (r.body.mailLimited) limited++;
    }
    expect(await outbox()).toBe(50);
    expect(limited).toBe(60 - (50 - before));
  });
});
