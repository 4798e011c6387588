/**
 * Mail: the SQLite queue and its worker against a real SMTP server
 * (smtp-server on loopback, in this process), and the notifications that
 * go through it.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueMail, mailByKey, mailCounts, takeDueMails } from "../../db/mail";
import { parseEnv } from "../../app/services/env.server";
import { createAppServer } from "../../server/app";
import { createTestDatabase, freePort, loadRemixBuild, ROOT, waitFor, type TestDatabase } from "./harness";
import { createSmtpInbox, type SmtpInbox } from "./smtp-inbox";

const FAST = { pollMs: 100, retryBaseMs: 50, retryMaxMs: 400 };

/** The real app server on an existing database (so a test can stop it and start another on the same file). */
async function startApp(tdb: TestDatabase, env: Record<string, string>, mail: Parameters<typeof createAppServer>[0]["mail"] = FAST) {
  const server = createAppServer({
    env: parseEnv({ LOG_LEVEL: "silent", DATABASE_URL: tdb.url, HOST: "127.0.0.1", NODE_ENV: "test", ...env }),
    database: tdb.database,
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
    tdb?.cleanup();
  });

  it("is off without SMTP_URL and MAIL_FROM: nothing is queued", async () => {
    const app = await startApp(tdb, {});
    try {
      expect(app.services.mail.enabled).toBe(false);
      expect(app.services.mail.enqueue(mail("off:1"))).toBe(false);
      expect(mailByKey(tdb.database.db, "off:1")).toBeNull();
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
      expect(app.services.mail.enqueue(mail("once:1"))).toBe(true);
      expect(app.services.mail.enqueue(mail("once:1"))).toBe(false);
      await waitFor(() => mailByKey(tdb.database.db, "once:1")?.status === "sent", { message: "once:1 sent" });
      expect(app.services.mail.enqueue(mail("once:1"))).toBe(false);
      await app.server.mailWorker!.idle();
      const got = inbox.mails.filter((m) => m.subject === "Onderwerp once:1");
      expect(got).toHaveLength(1);
      expect(got[0].text).toContain("Tekst once:1");
      expect(got[0].html).toContain("<p>Tekst once:1</p>");
      expect(got[0].headers.from).toContain("bord@alliantie.test");
      expect(got[0].envelopeTo).toEqual(["anna@noord.test"]);
      // Sent: the subject and bodies are no longer kept.
      const row = mailByKey(tdb.database.db, "once:1")!;
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
    first.services.mail.enqueue(mail("retry:1", "bram@noord.test"));
    // Tried, refused (connection refused), and waiting for the next attempt.
    await waitFor(() => (mailByKey(tdb.database.db, "retry:1")?.attempts ?? 0) >= 2, { message: "two failed attempts" });
    const failedRow = mailByKey(tdb.database.db, "retry:1")!;
    expect(failedRow.status).not.toBe("sent");
    expect(failedRow.lastError).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    await first.server.close();

    // The state is in SQLite: a new server process finds it and goes on.
    const second = await startApp(tdb, mailEnv);
    try {
      expect(mailByKey(tdb.database.db, "retry:1")!.status).toBe("pending");
      await inbox.start();
      await waitFor(() => inbox.to("bram@noord.test").length > 0, { message: "retry:1 delivered after the SMTP server came up" });
      await waitFor(() => mailByKey(tdb.database.db, "retry:1")?.status === "sent");
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
    enqueueMail(tdb.database.db, mail("crash:1", "cora@noord.test"), Date.now());
    const taken = takeDueMails(tdb.database.db, Date.now(), 10, Date.now() + 20);
    expect(taken.map((m) => m.key)).toContain("crash:1");
    const app = await startApp(tdb, mailEnv, { ...FAST, leaseMs: 60_000 });
    try {
      await waitFor(() => mailByKey(tdb.database.db, "crash:1")?.status === "failed", { message: "interrupted mail given up" });
      expect(mailByKey(tdb.database.db, "crash:1")!.lastError).toMatch(/interrupted/);
      // A fresh mail still goes out, the interrupted one does not.
      app.services.mail.enqueue(mail("after-crash:1", "cora@noord.test"));
      await waitFor(() => mailByKey(tdb.database.db, "after-crash:1")?.status === "sent");
      expect(inbox.to("cora@noord.test").map((m) => m.subject)).toEqual(["Onderwerp after-crash:1"]);
      expect(inbox.mails.length).toBe(before + 1);
      expect(mailCounts(tdb.database.db).sending).toBe(0);
    } finally {
      await app.server.close();
      await inbox.stop();
    }
  });
});
