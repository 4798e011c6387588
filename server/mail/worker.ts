/**
 * The mail worker: the only part of Alliantiebord that talks SMTP. It sends
 * what app/services/mail-queue.server.ts queued in SQLite (db/mail.ts), with
 * one pooled nodemailer transport created at start, retries with exponential
 * backoff and jitter, and gives up after two days. It polls every `pollMs`
 * and is woken at once when a mail is queued.
 *
 * Delivery after a crash is at most once (server/mail/README.md): a mail is
 * marked `sending` with a lease before it goes to the SMTP server; a mail
 * still `sending` after its lease ran out belongs to a process that stopped
 * before it could record the answer. The server may have accepted it, so it
 * is given up (`failed`, "interrupted"), logged, and never sent again.
 */
import crypto from "node:crypto";
import nodemailer, { type NodemailerError, type Transporter } from "nodemailer";
import type { AsyncDb } from "../../db/client";
import { expiredLeases, markMailFailed, markMailRetry, markMailSent, nextMailDue, takeDueMails, type MailToSend } from "../../db/mail";
import type { ClusterLock, HeldLock } from "../cluster/lock";
import type { Logger } from "../sync/types";

export interface MailWorkerOptions {
  /** The database's asynchronous layer (db/mail.ts). */
  h: AsyncDb;
  smtpUrl: string;
  from: string;
  now: () => number;
  log: Logger;
  /** How often the queue is looked at besides the wake-up on enqueue (default 30 s). */
  pollMs?: number;
  /** First retry after about this long; each further one waits twice as long (default 1 minute). */
  retryBaseMs?: number;
  /** The longest wait between two attempts (default 6 hours). */
  retryMaxMs?: number;
  /** A mail not accepted this long after it was queued is given up (default 2 days). */
  giveUpAfterMs?: number;
  /** How long one attempt holds a mail; longer than the transport's timeouts together (default 10 minutes). */
  leaseMs?: number;
  /** SMTP connections kept open at most (default 2). */
  maxConnections?: number;
  /** Math.random unless given (tests). */
  random?: () => number;
  /**
   * Several servers: only the holder of the cluster lock `mail` sends
   * (server/cluster/lock.ts); the others skip the turn and look again after
   * `lockRetryMs`. Without it this worker sends whenever it runs.
   */
  lock?: ClusterLock;
  /** How soon a worker that found the mail lock taken looks again (default 2 s). */
  lockRetryMs?: number;
}

export const MAIL_DEFAULTS = {
  pollMs: 30_000,
  retryBaseMs: 60_000,
  retryMaxMs: 6 * 3600_000,
  giveUpAfterMs: 2 * 86_400_000,
  leaseMs: 10 * 60_000,
  maxConnections: 2,
  lockRetryMs: 2_000,
};

/** How long to wait before attempt `attempts + 1`: base doubling per attempt, capped, with "equal jitter" (half fixed, half random). */
export function retryDelay(attempts: number, base: number, max: number, random: () => number = Math.random): number {
  const full = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}

/** An SMTP answer that the same mail would get again (5xx but 503), as nodemailer judges it. */
function isPermanent(e: NodemailerError): boolean {
  return e.permanent === true;
}

/** A short, single-line description of a send error (no message content). */
function describe(e: unknown): string {
  const err = e as NodemailerError;
  const parts = [err.code, err.responseCode, err.response ?? err.message].filter((p) => p !== undefined && p !== "");
  return parts.join(" ").replace(/\s+/g, " ").slice(0, 300);
}

/** The host part of MAIL_FROM, for Message-IDs. */
function senderDomain(from: string): string {
  const m = /@([^\s@<>]+)>?\s*$/.exec(from.trim());
  return m?.[1] ?? "localhost";
}

export interface MailWorker {
  start(): void;
  /** Look at the queue now (after an enqueue). */
  kick(): void;
  /** Stop polling, wait for attempts in flight, close the SMTP connections. */
  stop(): Promise<void>;
  /** Resolves when no attempt is in flight and nothing is due now (tests and the bench). */
  idle(): Promise<void>;
}

export function createMailWorker(opts: MailWorkerOptions): MailWorker {
  const o = { ...MAIL_DEFAULTS, ...opts };
  const random = opts.random ?? Math.random;
  const domain = senderDomain(o.from);
  // One transport for the life of the server, pooled: connections are reused
  // across mails and kept to maxConnections. Timeouts stay well inside the lease.
  const transport: Transporter = nodemailer.createTransport({
    url: o.smtpUrl,
    pool: true,
    maxConnections: o.maxConnections,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  } as never);

  const held = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let running = false;
  let again = false;
  let stopped = false;
  let started = false;
  let poll: NodeJS.Timeout | null = null;
  let wake: NodeJS.Timeout | null = null;
  let idleWaiters: Array<() => void> = [];
  let current: Promise<void> | null = null;

  async function sendOne(m: MailToSend): Promise<void> {
    try {
      await transport.sendMail({
        from: o.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        headers: m.headers ?? undefined,
        // The same key always has the same Message-ID: should a mail ever go out
        // twice, mail clients show it once.
        messageId: `<${crypto.createHash("sha256").update(m.key).digest("hex").slice(0, 32)}@${domain}>`,
      });
      await markMailSent(o.h, m.id, o.now());
    } catch (e) {
      const err = e as NodemailerError;
      const reason = describe(e);
      const at = o.now();
      const next = at + retryDelay(m.attempts, o.retryBaseMs, o.retryMaxMs, random);
      if (isPermanent(err)) {
        await markMailFailed(o.h, m.id, reason);
        o.log.error("mail refused for good", { key: m.key, attempts: m.attempts, error: reason });
      } else if (next - m.createdAt > o.giveUpAfterMs) {
        await markMailFailed(o.h, m.id, reason);
        o.log.error("mail given up after retrying", { key: m.key, attempts: m.attempts, error: reason });
      } else {
        await markMailRetry(o.h, m.id, reason, next);
        o.log.warn("mail not sent, will retry", { key: m.key, attempts: m.attempts, retryInMs: next - at, error: reason });
      }
    } finally {
      held.delete(m.id);
    }
  }

  async function settleInterrupted() {
    for (const r of await expiredLeases(o.h, o.now(), held)) {
      await markMailFailed(o.h, r.id, "interrupted: the server stopped while sending; not sent again (at most once)");
      o.log.error("mail interrupted while sending, not sent again", { key: r.key });
    }
  }

  /** Take what is due and send it; repeat while a full batch came back or a kick arrived meanwhile. */
  function run(): Promise<void> {
    if (running) {
      again = true;
      return current ?? Promise.resolve();
    }
    running = true;
    const p = runHolding().finally(() => {
      if (current === p) current = null;
    });
    current = p;
    return p;
  }

  /** One run, holding the cluster's mail lock when there is one (the lock is released when the run ends). */
  async function runHolding(): Promise<void> {
    let mailLock: HeldLock | null = null;
    let skipped = false;
    try {
      if (o.lock && !stopped) {
        mailLock = await o.lock.acquire("mail", { ttlMs: Math.max(30_000, o.pollMs) });
        skipped = !mailLock;
      }
      if (!skipped) await sendDue(mailLock);
    } catch (e) {
      o.log.error("mail queue failed", { error: (e as Error).message });
    } finally {
      await mailLock?.release();
      running = false;
      // Asked to look again after the last look (a mail queued while the lock was let go): run again before
      // anyone is told the queue is empty; idle() waits for that run.
      const asked = again && !skipped && !stopped;
      again = false;
      if (asked) void run();
      else {
        if (skipped) scheduleRetry();
        else await scheduleWake();
        notifyIdle();
      }
    }
  }

  function notifyIdle() {
    // A run that started meanwhile (a kick, the poll) tells them when it ends.
    if (held.size || running) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  async function sendDue(mailLock: HeldLock | null): Promise<void> {
    do {
      again = false;
      // Lost the cluster's lock (this server stalled past its ttl): another server sends from now on.
      if (stopped || mailLock?.lost) break;
      await settleInterrupted();
      const batch = await takeDueMails(o.h, o.now(), o.maxConnections * 5, o.now() + o.leaseMs);
      for (const m of batch) held.add(m.id);
      await Promise.all(batch.map(track));
      if (batch.length) again = true;
    } while (again && !stopped);
  }

  /** Another server holds the mail lock: look again soon (it may have finished before what was queued here). */
  function scheduleRetry() {
    if (stopped) return;
    if (wake) clearTimeout(wake);
    wake = setTimeout(() => void run(), o.lockRetryMs);
    wake.unref();
  }

  function track(m: MailToSend): Promise<void> {
    const p = sendOne(m);
    inFlight.add(p);
    return p.finally(() => inFlight.delete(p));
  }

  /** Wake up for the earliest retry when it comes before the next poll. */
  async function scheduleWake() {
    if (stopped) return;
    let due: number | null = null;
    try {
      due = await nextMailDue(o.h);
    } catch {
      return;
    }
    if (stopped) return;
    if (wake) clearTimeout(wake);
    wake = null;
    if (due === null) return;
    const wait = Math.max(0, due - o.now());
    if (wait >= o.pollMs) return;
    wake = setTimeout(() => void run(), wait);
    wake.unref();
  }

  return {
    start() {
      if (started) return;
      started = true;
      poll = setInterval(() => void run(), o.pollMs);
      poll.unref();
      setImmediate(() => void run());
    },
    kick() {
      if (!started || stopped) return;
      setImmediate(() => void run());
    },
    async stop() {
      stopped = true;
      if (poll) clearInterval(poll);
      if (wake) clearTimeout(wake);
      await Promise.allSettled([...inFlight]);
      // The run in progress ends (and lets go of the cluster's mail lock).
      await current?.catch(() => {});
      transport.close();
    },
    async idle() {
      const due = await nextMailDue(o.h);
      if (!running && !held.size && (due === null || due > o.now())) return;
      await new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        void run();
      });
    },
  };
}
