/**
 * The mail worker's `idle()` (what tests, the bench and the drain wait on)
 * resolves only once nothing due waits, also when the mail was queued in
 * the moment a run was ending: after its last look at the queue, while it
 * let go of the cluster's mail lock. Such a run used to tell its waiters the
 * queue was empty, and the mail went only on the next wake-up. Seen as a
 * rare failure of mail.test on PostgreSQL, where letting go of the lock is a
 * round trip; here the lock's release is slowed down to hold that moment
 * open. A real SMTP server on loopback, a real SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueMail } from "../../db/mail";
import type { ClusterLock, HeldLock } from "../../server/cluster/lock";
import { createMailWorker, type MailWorker } from "../../server/mail/worker";
import { createTestDatabase, freePort, sleep, waitFor, type TestDatabase } from "./harness";
import { createSmtpInbox, type SmtpInbox } from "./smtp-inbox";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let tdb: TestDatabase;
let inbox: SmtpInbox;
let worker: MailWorker;
/** Set while a run lets go of the lock (the release is slow: 200 ms). */
let releasing = false;

/** A cluster lock that is always free here, whose release takes a while (a round trip to Redis or PostgreSQL, drawn out). */
const slowLock: ClusterLock = {
  kind: "memory",
  async acquire(name: string) {
    const held: HeldLock = {
      name,
      lost: false,
      renew: async () => true,
      release: async () => {
        releasing = true;
        await sleep(200);
        releasing = false;
      },
    };
    return held;
  },
  run: async () => {
    throw new Error("not used by the mail worker");
  },
} as unknown as ClusterLock;

beforeAll(async () => {
  tdb = await createTestDatabase();
  inbox = createSmtpInbox(await freePort());
  await inbox.start();
  worker = createMailWorker({ h: tdb.h, smtpUrl: inbox.url, from: "Alliantiebord <bord@alliantie.test>", now: Date.now, log: quiet, lock: slowLock, pollMs: 60_000 });
  worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await inbox?.stop();
  await tdb?.cleanup();
});

describe("the mail worker's idle()", () => {
  it("waits for a mail queued while a run was letting go of the lock, and that mail is sent by then", async () => {
    // The start's run finds nothing and lets go of the lock: the mail is queued in that moment.
    await waitFor(() => releasing || null, { message: "a run letting go of the lock", timeout: 5_000 });
    await enqueueMail(tdb.h, { key: "idle-race-1", to: "wacht@noord.test", subject: "Onderwerp", text: "Tekst", html: "<p>Tekst</p>" }, Date.now());
    worker.kick();
    await worker.idle();
    expect(inbox.to("wacht@noord.test")).toHaveLength(1);
  });
});
