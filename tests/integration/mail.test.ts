/**
 * Mail: the SQLite queue and its worker against a real SMTP server
 * (smtp-server on loopback, in this process), and the notifications that
 * go through it.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueMail, mailByKey, mailCounts, takeDueMails } from "../../db/mail";
import { parseEnv } from "../../app/services/env.server";
import { emailSettings, notificationSweep, notifyComment, notifyPossibleDuplicates, notifyReferral, sendDigests, warnExpiringClaims } from "../../app/services/notifications.server";
import { getUserById } from "../../db/accounts";
import { replaceOffers } from "../../db/offers";
import { insertNotification } from "../../db/notifications";
import { requestPasswordReset } from "../../app/services/password-reset.server";
import { invite } from "../../app/services/invitations.server";
import { createAppServer } from "../../server/app";
import { apiCall, connectIo, createTestDatabase, DAY_MS, freePort, loadRemixBuild, recordEvents, ROOT, waitFor, type Seed, type TestDatabase } from "./harness";
import { createSmtpInbox, type SmtpInbox } from "./smtp-inbox";

const FAST = { pollMs: 100, retryBaseMs: 50, retryMaxMs: 400 };

/** The real app server on an existing database (so a test can stop it and start another on the same file). */
async function startApp(tdb: TestDatabase, env: Record<string, string>, mail: Parameters<typeof createAppServer>[0]["mail"] = FAST) {
  const server = createAppServer({
    env: parseEnv({ LOG_LEVEL: "silent", DATABASE_URL: tdb.url, HOST: "127.0.0.1", NODE_ENV: "test", ...env }),
    database: tdb.app,
    build: await loadRemixBuild(),
    publicDir: path.join(ROOT, "public"),
    mail,
  });
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, url: `http://127.0.0.1:${port}`, services: server.services };
}

const mail = (key: string, to = "anna@noord.test") => ({ key, to, subject: `Onderwerp ${key}`, text: `Tekst ${key}`, html: `<p>Tekst ${key}</p>` });

describe("the mail queue", () => {
  let tdb: TestDatabase;
  let inbox: SmtpInbox;
  let mailEnv: Record<string, string>;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    inbox = createSmtpInbox(await freePort());
    mailEnv = { SMTP_URL: inbox.url, MAIL_FROM: "Alliantiebord <bord@alliantie.test>" };
  });
  afterAll(async () => {
    await inbox?.stop();
    await tdb?.cleanup();
  });

  it("is off without SMTP_URL and MAIL_FROM: nothing is queued", async () => {
    const app = await startApp(tdb, {});
    try {
      expect(app.services.mail.enabled).toBe(false);
      expect(await app.services.mail.enqueue(mail("off:1"))).toBe(false);
      expect((await mailByKey(tdb.h, "off:1"))).toBeNull();
      expect(app.server.mailWorker).toBeNull();
    } finally {
      await app.server.close();
    }
  });

  it("sends a key once, however often it is queued", async () => {
    await inbox.start();
    const app = await startApp(tdb, mailEnv);
    try {
      expect(app.services.mail.enabled).toBe(true);
      expect(await app.services.mail.enqueue(mail("once:1"))).toBe(true);
      expect(await app.services.mail.enqueue(mail("once:1"))).toBe(false);
      await waitFor(async () => (await mailByKey(tdb.h, "once:1"))?.status === "sent", { message: "once:1 sent" });
      expect(await app.services.mail.enqueue(mail("once:1"))).toBe(false);
      await app.server.mailWorker!.idle();
      const got = inbox.mails.filter((m) => m.subject === "Onderwerp once:1");
      expect(got).toHaveLength(1);
      expect(got[0].text).toContain("Tekst once:1");
      expect(got[0].html).toContain("<p>Tekst once:1</p>");
      expect(got[0].headers.from).toContain("bord@alliantie.test");
      expect(got[0].envelopeTo).toEqual(["anna@noord.test"]);
      // Sent: the subject and bodies are no longer kept.
      const row = (await mailByKey(tdb.h, "once:1"))!;
      expect(row).toMatchObject({ subject: "", text: "", html: "", attempts: 1 });
      expect(row.sentAt).toBeGreaterThan(0);
    } finally {
      await app.server.close();
      await inbox.stop();
    }
  });

  it("retries while the SMTP server is down, across a restart of the app server, and delivers once it is up", async () => {
    expect(inbox.running).toBe(false);
    const first = await startApp(tdb, mailEnv);
    await first.services.mail.enqueue(mail("retry:1", "bram@noord.test"));
    // Tried, refused (connection refused), and waiting for the next attempt.
    await waitFor(async () => ((await mailByKey(tdb.h, "retry:1"))?.attempts ?? 0) >= 2, { message: "two failed attempts" });
    const failedRow = (await mailByKey(tdb.h, "retry:1"))!;
    expect(failedRow.status).not.toBe("sent");
    expect(failedRow.lastError).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    await first.server.close();

    // The state is in the database: a new server process finds it and goes on.
    const second = await startApp(tdb, mailEnv);
    try {
      expect((await mailByKey(tdb.h, "retry:1"))!.status).toBe("pending");
      await inbox.start();
      await waitFor(() => inbox.to("bram@noord.test").length > 0, { message: "retry:1 delivered after the SMTP server came up" });
      await waitFor(async () => (await mailByKey(tdb.h, "retry:1"))?.status === "sent");
      await second.server.mailWorker!.idle();
      expect(inbox.to("bram@noord.test")).toHaveLength(1);
      expect(inbox.to("bram@noord.test")[0].subject).toBe("Onderwerp retry:1");
    } finally {
      await second.server.close();
    }
  });

  it("never sends again a mail that was being sent when the process stopped (at most once)", async () => {
    await inbox.start();
    const before = inbox.mails.length;
    // As a process that died mid-send leaves it: taken, leased, never settled.
    await enqueueMail(tdb.h, mail("crash:1", "cora@noord.test"), Date.now());
    const taken = await takeDueMails(tdb.h, Date.now(), 10, Date.now() + 20);
    expect(taken.map((m) => m.key)).toContain("crash:1");
    const app = await startApp(tdb, mailEnv, { ...FAST, leaseMs: 60_000 });
    try {
      await waitFor(async () => (await mailByKey(tdb.h, "crash:1"))?.status === "failed", { message: "interrupted mail given up" });
      expect((await mailByKey(tdb.h, "crash:1"))!.lastError).toMatch(/interrupted/);
      // A fresh mail still goes out, the interrupted one does not.
      await app.services.mail.enqueue(mail("after-crash:1", "cora@noord.test"));
      await waitFor(async () => (await mailByKey(tdb.h, "after-crash:1"))?.status === "sent");
      expect(inbox.to("cora@noord.test").map((m) => m.subject)).toEqual(["Onderwerp after-crash:1"]);
      expect(inbox.mails.length).toBe(before + 1);
      expect((await mailCounts(tdb.h)).sending).toBe(0);
    } finally {
      await app.server.close();
      await inbox.stop();
    }
  });
});

describe("notifications", () => {
  let tdb: TestDatabase;
  let inbox: SmtpInbox;
  let app: Awaited<ReturnType<typeof startApp>>;
  let seed: Seed;
  let boardId: string;
  /** Requests made for these tests through the API, with personal text that must never leave in a mail. */
  let held: string;
  const SECRET = {
    reference: "RF-ZEER-GEHEIM-77",
    description: "Omschrijving met persoonsgegevens Fatima 1984",
    note: "Notitie bij verwijzing: adres Dorpsstraat 12",
    comment: "Opmerking met telefoonnummer 0612345678",
  };
  const mailsTo = (email: string, subject?: RegExp) => inbox.to(email).filter((m) => !subject || subject.test(m.subject));
  const api = <T = any>(pathname: string, o: Parameters<typeof apiCall>[2] = {}) => apiCall<T>(app.url, pathname, o);
  const drain = async () => {
    await app.server.mailWorker!.idle();
  };

  beforeAll(async () => {
    tdb = await createTestDatabase();
    seed = tdb.seed;
    boardId = seed.boardA.id;
    inbox = createSmtpInbox(await freePort());
    await inbox.start();
    // Bram (Taalhuis, orgA2) reads English.
    await tdb.h.q.update(tdb.h.t.users).set({ locale: "en" }).where(eq(tdb.h.t.users.id, seed.memberA2.id));
    app = await startApp(tdb, { SMTP_URL: inbox.url, MAIL_FROM: "Alliantiebord <bord@alliantie.test>", PUBLIC_URL: "https://bord.example.org" });
    const created = await api(`/api/boards/${boardId}/requests`, {
      cookie: seed.cookies.memberA1,
      body: { title: "Taalles voor gezin", category: "taal", description: SECRET.description, reference: SECRET.reference, area: "Noord", urgency: "normaal" },
    });
    expect(created.status).toBe(201);
    held = created.body.id;
  });
  afterAll(async () => {
    await app?.server.close();
    await inbox?.stop();
    await tdb?.cleanup();
  });

  it("a referral tells the receiving organisation (in English for an English reader), once, and never the actor or a viewer", async () => {
    const live = await connectIo(app.url, { cookie: seed.cookies.memberA2 });
    const events = recordEvents<{ id: string; kind: string }>(live, "notification:new");
    try {
      expect((await api(`/api/boards/${boardId}/requests/${held}/claim`, { cookie: seed.cookies.memberA1, body: {} })).status).toBe(200);
      const referred = await api(`/api/boards/${boardId}/requests/${held}/refer`, { cookie: seed.cookies.memberA1, body: { to: seed.orgA2.id, note: SECRET.note } });
      expect(referred.status).toBe(200);
      // Run the trigger again: the same referral tells nobody twice.
      const actor = (await getUserById(tdb.h, seed.memberA1.id))!;
      expect(await notifyReferral(app.services, actor, { boardId, requestId: held }, referred.body.referral)).toBe(0);
      await waitFor(() => events.events.length > 0, { message: "live notification:new to Bram" });
      expect(Object.keys(events.events[0]).sort()).toEqual(["id", "kind"]);
      expect(events.events[0].kind).toBe("referral");
      await drain();
      const got = mailsTo(seed.memberA2.email, /^Referred to/);
      expect(got).toHaveLength(1);
      const m = got[0];
      expect(m.subject).toBe("Referred to Taalhuis Noord: Taalles voor gezin".replace("Taalhuis Noord", seed.orgA2.shortName));
      expect(m.text).toContain(`https://bord.example.org/boards/${boardId}?kaart=${held}`);
      expect(m.html).toContain(`https://bord.example.org/boards/${boardId}?kaart=${held}`);
      expect(m.text).toContain("Accept or decline");
      expect(m.headers["list-unsubscribe"]).toMatch(/^<https:\/\/bord\.example\.org\/afmelden\/[A-Za-z0-9_-]{40,}>$/);
      expect(m.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
      // Not the actor, not her organisation's viewer or coordinator (the referral is not theirs).
      for (const p of [seed.memberA1, seed.viewerA, seed.coordinatorA]) expect(inbox.to(p.email)).toHaveLength(0);
      // In the app: the list names the kind and the organisations, the title as the board has it.
      const list = await api(`/api/notifications`, { cookie: seed.cookies.memberA2 });
      expect(list.status).toBe(200);
      expect(list.body.unread).toBe(1);
      expect(list.body.items[0]).toMatchObject({ kind: "referral", boardId, requestId: held, href: `/boards/${boardId}?kaart=${held}`, readAt: null });
      expect(list.body.items[0].vars).toEqual({ title: "Taalles voor gezin", from: seed.orgA1.shortName, org: seed.orgA2.shortName });
    } finally {
      live.close();
    }
  });

  it("a comment on a request we hold tells the holder's people, once, without the comment's text", async () => {
    expect((await api(`/api/boards/${boardId}/requests/${held}/referral/accept`, { cookie: seed.cookies.memberA2, body: {} })).status).toBe(200);
    // The comment's phone number is saved deliberately (personal-data check, issue 14): the mail must still not carry it.
    const c = await api(`/api/boards/${boardId}/requests/${held}/comments`, {
      cookie: seed.cookies.memberA1,
      body: { body: SECRET.comment, acknowledgePersonalData: true },
    });
    expect(c.status).toBe(201);
    const actor = (await getUserById(tdb.h, seed.memberA1.id))!;
    expect(await notifyComment(app.services, actor, { boardId, requestId: held }, c.body.id)).toBe(0);
    await drain();
    const got = mailsTo(seed.memberA2.email, /^New comment/);
    expect(got).toHaveLength(1);
    expect(got[0].subject).toBe("New comment on: Taalles voor gezin");
    expect(got[0].text).toContain(`${seed.orgA1.shortName} commented on ‘Taalles voor gezin’`);
    // Bram commenting himself: he is the actor, and nobody else at Taalhuis can be told.
    const own = await api(`/api/boards/${boardId}/requests/${held}/comments`, { cookie: seed.cookies.memberA2, body: { body: "eigen opmerking" } });
    expect(own.status).toBe(201);
    await drain();
    expect(mailsTo(seed.memberA2.email, /^New comment/)).toHaveLength(1);
  });

  it("a new request for the same reference tells the holder of the first of a possible duplicate, once", async () => {
    const dup = await api(`/api/boards/${boardId}/requests`, {
      cookie: seed.cookies.memberA1,
      body: { title: "Woning voor hetzelfde gezin", category: "wonen", description: SECRET.description, reference: SECRET.reference, area: "Noord", urgency: "hoog" },
    });
    expect(dup.status).toBe(201);
    const actor = (await getUserById(tdb.h, seed.memberA1.id))!;
    expect(await notifyPossibleDuplicates(app.services, actor, boardId, dup.body.id)).toBe(0);
    await drain();
    const got = mailsTo(seed.memberA2.email, /^Possible duplicate/);
    expect(got).toHaveLength(1);
    expect(got[0].subject).toBe("Possible duplicate: Taalles voor gezin");
    expect(got[0].text).toContain(`?kaart=${held}`);
  });

  it("a claim that expires in 2 days is announced once to the holder's people", async () => {
    const now = app.services.now();
    // 12.5 days without activity on a board whose claims expire after 14.
    await tdb.h.q.update(tdb.h.t.requests).set({ lastActivityAt: now - 12.5 * DAY_MS }).where(eq(tdb.h.t.requests.id, held));
    expect(await warnExpiringClaims(app.services, now)).toBe(1);
    expect(await warnExpiringClaims(app.services, now + 3600_000)).toBe(0);
    await drain();
    const got = mailsTo(seed.memberA2.email, /^Claim expires/);
    expect(got).toHaveLength(1);
    expect(got[0].text).toContain("for 12 days");
    // Back to work: the claim is fresh again.
    await tdb.h.q.update(tdb.h.t.requests).set({ lastActivityAt: now }).where(eq(tdb.h.t.requests.id, held));
  });

  it("the daily digest lists yesterday's open requests in the categories we offer: one per person per day, none on a day without any", async () => {
    await replaceOffers(tdb.h, seed.orgA2.id, [{ id: randomUUID(), category: "taal", label: "Taalmaatjes", capacity: 5, area: "" }], Date.now());
    const fresh = await api(`/api/boards/${boardId}/requests`, {
      cookie: seed.cookies.memberA1,
      body: { title: "Taalcafé gezocht", category: "taal", description: SECRET.description, reference: "RF-ANDER-1", area: "", urgency: "normaal" },
    });
    expect(fresh.status).toBe(201);
    const today = Date.parse(new Date(app.services.now() + DAY_MS).toISOString().slice(0, 10) + "T12:00:00Z");
    // Made "yesterday" as the digest of `today` sees it.
    await tdb.h.q.update(tdb.h.t.requests).set({ createdAt: today - DAY_MS }).where(eq(tdb.h.t.requests.id, fresh.body.id));
    const first = await sendDigests(app.services, today);
    expect(first).toEqual({ people: 1, mails: 1 });
    expect(await sendDigests(app.services, today + 3600_000)).toEqual({ people: 0, mails: 0 });
    // Before 06:00 UTC nothing is sent yet; the next day has nothing new.
    expect(await sendDigests(app.services, today + DAY_MS - 12 * 3600_000 + 3 * 3600_000)).toEqual({ people: 0, mails: 0 });
    expect(await sendDigests(app.services, today + DAY_MS)).toEqual({ people: 0, mails: 0 });
    await drain();
    const got = mailsTo(seed.memberA2.email, /new requests in your categories/);
    expect(got).toHaveLength(1);
    expect(got[0].subject).toBe("1 new requests in your categories");
    expect(got[0].text).toContain("‘Taalcafé gezocht’");
    expect((await mailByKey(tdb.h, `digest:${seed.memberA2.id}:${new Date(today).toISOString().slice(0, 10)}`))?.status).toBe("sent");
    // Anna's organisation entered it and offers nothing: no digest there.
    expect(inbox.to(seed.memberA1.email)).toHaveLength(0);
  });

  it("Dutch readers get Dutch mail", async () => {
    // Anna (nl) is told of a referral to her organisation by Bram.
    expect((await api(`/api/boards/${boardId}/requests/${held}/refer`, { cookie: seed.cookies.memberA2, body: { to: seed.orgA1.id, note: SECRET.note } })).status).toBe(200);
    await drain();
    const got = mailsTo(seed.memberA1.email, /^Doorverwezen naar/);
    expect(got).toHaveLength(1);
    expect(got[0].subject).toBe(`Doorverwezen naar ${seed.orgA1.shortName}: Taalles voor gezin`);
    expect(got[0].text).toContain("Neem hem over of wijs hem af");
    expect(got[0].text).toContain("Geen e-mail meer over dit soort meldingen");
    // The coordinator of that organisation too; its viewer not.
    expect(mailsTo(seed.coordinatorA.email, /^Doorverwezen naar/)).toHaveLength(1);
    expect(inbox.to(seed.viewerA.email)).toHaveLength(0);
  });

  it("an action taken in a meeting tells the organisation it is for (in the app and by mail, without the action's text), not others; given to another organisation, that one hears of it", async () => {
    const ACTION_TEXT = "Bel mevrouw Jansen op 0687654321";
    const kindRows = async (userId: string) =>
      (await tdb.h.q.select().from(tdb.h.t.notifications)).filter((n) => n.userId === userId && n.kind === "meeting_action");
    const planned = await api(`/api/boards/${boardId}/meetings`, { cookie: seed.cookies.coordinatorA, body: { title: "Overleg januari", at: "2027-01-12T18:30:00Z" } });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const meetingId = planned.body.id as string;
    const live = await connectIo(app.url, { cookie: seed.cookies.memberA2 });
    const events = recordEvents<{ id: string; kind: string }>(live, "notification:new");
    try {
      const added = await api(`/api/meetings/${meetingId}/actions`, {
        cookie: seed.cookies.coordinatorA,
        body: { text: ACTION_TEXT, orgId: seed.orgA2.id, due: "2027-01-20", requestId: held },
      });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      const actionId = added.body.id ?? added.body.action?.id;
      await waitFor(() => events.events.some((e) => e.kind === "meeting_action"), { message: "live notification:new of the action to Bram" });
      // Bram (Taalhuis) has it; nobody else: not the coordinator who took it, not Anna's organisation, not a viewer, not another alliance.
      expect(await kindRows(seed.memberA2.id)).toHaveLength(1);
      for (const p of [seed.coordinatorA, seed.memberA1, seed.viewerA, seed.memberB]) expect(await kindRows(p.id), p.email).toHaveLength(0);
      const list = await api(`/api/notifications`, { cookie: seed.cookies.memberA2 });
      const item = list.body.items.find((n: { kind: string }) => n.kind === "meeting_action");
      expect(item).toMatchObject({ boardId, requestId: held, href: `/boards/${boardId}/vergaderingen/${meetingId}`, readAt: null });
      expect(item.vars).toMatchObject({ meeting: "Overleg januari", due: "2027-01-20", org: seed.orgA2.shortName, title: "Taalles voor gezin" });
      await drain();
      const got = mailsTo(seed.memberA2.email, /^New action/);
      expect(got).toHaveLength(1);
      expect(got[0].subject).toBe(`New action for ${seed.orgA2.shortName} from Overleg januari`);
      expect(got[0].text).toContain("due 20 January 2027 on the request ‘Taalles voor gezin’");
      expect(got[0].text).toContain(`https://bord.example.org/boards/${boardId}/vergaderingen/${meetingId}`);
      expect(got[0].all).not.toContain(ACTION_TEXT);
      expect(got[0].raw).not.toContain(ACTION_TEXT);
      for (const p of [seed.coordinatorA, seed.memberA1, seed.viewerA]) expect(mailsTo(p.email, /actie|action/i), p.email).toHaveLength(0);

      // Given to Anna's organisation: Anna (and its coordinator, who did it, not) hears of it, in Dutch; Bram is not told again.
      const moved = await api(`/api/actions/${actionId}`, { cookie: seed.cookies.coordinatorA, method: "PATCH", body: { orgId: seed.orgA1.id } });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(await kindRows(seed.memberA1.id)).toHaveLength(1);
      expect(await kindRows(seed.coordinatorA.id)).toHaveLength(0);
      expect(await kindRows(seed.memberA2.id)).toHaveLength(1);
      // Marking it done is no news.
      expect((await api(`/api/actions/${actionId}`, { cookie: seed.cookies.memberA1, method: "PATCH", body: { done: true } })).status).toBe(200);
      expect(await kindRows(seed.memberA1.id)).toHaveLength(1);
      await drain();
      const nl = mailsTo(seed.memberA1.email, /^Nieuwe actie/);
      expect(nl).toHaveLength(1);
      expect(nl[0].subject).toBe(`Nieuwe actie voor ${seed.orgA1.shortName} uit Overleg januari`);
      expect(nl[0].text).toContain("uiterlijk 20 januari 2027");
      expect(nl[0].all).not.toContain(ACTION_TEXT);
    } finally {
      live.close();
    }
  });

  it("no mail carries a reference, a description, a referral note or a comment", () => {
    expect(inbox.mails.length).toBeGreaterThanOrEqual(7);
    for (const m of inbox.mails) {
      for (const secret of [...Object.values(SECRET), "RF-ANDER-1", "eigen opmerking"]) {
        expect(m.all).not.toContain(secret);
        expect(m.raw).not.toContain(secret);
      }
    }
  });

  it("the unsubscribe link turns that kind of mail off without logging in: GET only asks, POST (or one-click) does it", async () => {
    const m = mailsTo(seed.memberA2.email, /^New comment/)[0];
    const link = /<([^>]+)>/.exec(m.headers["list-unsubscribe"])![1].replace("https://bord.example.org", app.url);
    const page = await fetch(link, { redirect: "manual" });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("br…@noord.test");
    // Bram reads English: the page speaks it, whatever the browser chose before.
    expect(html).toContain("No more e-mail to br…@noord.test about: A comment on a request we hold?");
    expect((await emailSettings(app.services, seed.memberA2.id)).comment).toBe(true);
    // RFC 8058 one-click: the mail program's server posts, without Origin or cookie.
    const post = await fetch(link, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click", redirect: "manual" });
    expect(post.status).toBe(200);
    expect((await emailSettings(app.services, seed.memberA2.id))).toMatchObject({ comment: false, referral: true, digest: true });
    // A new comment: in the app yes, by mail no.
    const before = (await api(`/api/notifications`, { cookie: seed.cookies.memberA2 })).body.items.length;
    expect((await api(`/api/boards/${boardId}/requests/${held}/comments`, { cookie: seed.cookies.memberA1, body: { body: "nog een" } })).status).toBe(201);
    await drain();
    expect((await api(`/api/notifications`, { cookie: seed.cookies.memberA2 })).body.items.length).toBe(before + 1);
    expect(mailsTo(seed.memberA2.email, /^New comment/)).toHaveLength(1);
    // A made-up token: 404, nothing changes.
    const bad = await fetch(`${app.url}/afmelden/${"x".repeat(43)}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(bad.status).toBe(404);
  });

  it("a password reset mail goes through the queue: the link works, nothing personal in it, and the link is not kept once sent", async () => {
    expect(await requestPasswordReset(app.services, seed.coordinatorA.email, "127.0.0.9")).toEqual({ status: "sent" });
    await drain();
    const got = mailsTo(seed.coordinatorA.email, /wachtwoord/i);
    expect(got).toHaveLength(1);
    const link = /https:\/\/bord\.example\.org(\/wachtwoord-herstellen\/[A-Za-z0-9_-]+)/.exec(got[0].text)![1];
    for (const personal of [seed.coordinatorA.name, seed.orgA1.name, seed.orgA1.shortName, seed.allianceA.name]) expect(got[0].all).not.toContain(personal);
    // Sent: the outbox keeps the key, not the link.
    const row = (await tdb.h.q.select().from(tdb.h.t.mailOutbox).where(eq(tdb.h.t.mailOutbox.to, seed.coordinatorA.email))).find((r) => r.key.startsWith("password-reset:"))!;
    expect(row).toMatchObject({ status: "sent", text: "", html: "", subject: "" });
    const page = await fetch(app.url + link);
    expect(page.status).toBe(200);
  });

  it("an invitation mail goes through the queue in the chosen language: the link works, nobody else's data in it, not kept once sent", async () => {
    const coordinator = (await getUserById(tdb.h, seed.coordinatorA.id))!;
    const res = await invite(app.services, coordinator, { email: "nieuw@noord.test", name: "Nieuwe Collega", organisationId: seed.orgA2.id, role: "member", locale: "en" });
    expect(res.ok).toBe(true);
    await drain();
    const got = inbox.to("nieuw@noord.test");
    expect(got).toHaveLength(1);
    const link = /https:\/\/bord\.example\.org(\/uitnodiging\/[A-Za-z0-9_-]+)/.exec(got[0].text)![1];
    // English, as chosen; the inviter's name and address and other people's are not in it.
    expect(got[0].subject).not.toMatch(/uitnodiging/i);
    for (const other of [seed.coordinatorA.name, seed.coordinatorA.email, seed.memberA2.name, seed.memberA2.email, SECRET.reference]) expect(got[0].all).not.toContain(other);
    const [row] = await tdb.h.q.select().from(tdb.h.t.mailOutbox).where(eq(tdb.h.t.mailOutbox.to, "nieuw@noord.test")).limit(1);
    expect(row).toMatchObject({ status: "sent", text: "", html: "", subject: "" });
    expect((await fetch(app.url + link)).status).toBe(200);
  });

  it("the API: 401 without a session, only one's own marked read, settings validated", async () => {
    expect((await api(`/api/notifications`)).status).toBe(401);
    const bram = await api(`/api/notifications`, { cookie: seed.cookies.memberA2 });
    const anna = await api(`/api/notifications`, { cookie: seed.cookies.memberA1 });
    expect(anna.body.unread).toBeGreaterThan(0);
    // Bram marking Anna's ids read changes nothing of hers.
    const cross = await api(`/api/notifications/read`, { cookie: seed.cookies.memberA2, body: { ids: anna.body.items.map((i: { id: string }) => i.id) } });
    expect(cross.body.marked).toBe(0);
    expect((await api(`/api/notifications`, { cookie: seed.cookies.memberA1 })).body.unread).toBe(anna.body.unread);
    const one = await api(`/api/notifications/read`, { cookie: seed.cookies.memberA2, body: { ids: [bram.body.items[0].id] } });
    expect(one.body).toEqual({ marked: 1, unread: bram.body.unread - 1 });
    const all = await api(`/api/notifications/read`, { cookie: seed.cookies.memberA2, body: {} });
    expect(all.body.unread).toBe(0);
    expect((await api(`/api/notifications/read`, { cookie: seed.cookies.memberA2, body: { ids: "all" } })).status).toBe(422);
    // Settings.
    const s = await api(`/api/notifications/settings`, { cookie: seed.cookies.memberA1 });
    expect(s.body).toEqual({ mailEnabled: true, email: { referral: true, comment: true, duplicate: true, claim_expiring: true, meeting_action: true, digest: true } });
    const put = await api(`/api/notifications/settings`, { cookie: seed.cookies.memberA1, method: "PUT", body: { email: { digest: false } } });
    expect(put.status).toBe(200);
    expect(put.body.email.digest).toBe(false);
    expect((await api(`/api/notifications/settings`, { cookie: seed.cookies.memberA1, method: "PUT", body: { email: { nonsense: true } } })).status).toBe(422);
    expect((await api(`/api/notifications/settings`, { cookie: seed.cookies.memberA1, method: "PUT", body: { email: { comment: "yes" } } })).status).toBe(422);
    // Form-encoded writes to the API are refused before the route (CSRF rules of /api).
    const form = await fetch(`${app.url}/api/notifications/read`, { method: "POST", headers: { cookie: seed.cookies.memberA2, origin: app.url, "content-type": "application/x-www-form-urlencoded" }, body: "ids=1" });
    expect(form.status).toBe(415);
  });

  it("the sweep forgets notifications after 180 days and the outbox's records after 30", async () => {
    const now = app.services.now();
    const { q, t } = tdb.h;
    const counts = async () => ({ notifications: (await q.select().from(t.notifications)).length, mails: (await q.select().from(t.mailOutbox)).length });
    const before = await counts();
    await insertNotification(tdb.h, { key: "old:1", userId: seed.memberA1.id, kind: "comment", boardId, requestId: held, data: {}, at: now - 181 * DAY_MS });
    await enqueueMail(tdb.h, mail("old-mail:1"), now - 31 * DAY_MS);
    await q.update(t.mailOutbox).set({ status: "sent", text: "", html: "", subject: "" }).where(eq(t.mailOutbox.key, "old-mail:1"));
    const r = await notificationSweep(app.services, now);
    expect(r).toMatchObject({ forgotten: 1, mailRecords: 1 });
    expect(await counts()).toEqual(before);
  });
});
