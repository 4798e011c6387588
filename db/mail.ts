/**
 * The outgoing mail queue (table mail_outbox): written by enqueueMail, taken
 * and settled by the worker in server/mail/worker.ts. On the asynchronous
 * layer (both engines, docs/decisions/001-async-database-layer.md): a key is
 * queued once (ON CONFLICT DO NOTHING), and taking due mails is one
 * conditional UPDATE, so servers sharing the database send each mail once.
 */
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { affected, count, first } from "./dialect";
import type { MailStatus } from "./schema";

export interface QueuedMail {
  key: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

/** Queue a mail unless its key was queued before (ON CONFLICT DO NOTHING). True when it was queued now. */
export async function enqueueMail(h: AsyncDb, mail: QueuedMail, at: number): Promise<boolean> {
  const { mailOutbox } = h.t;
  const r = await h.q
    .insert(mailOutbox)
    .values({
      key: mail.key,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: mail.headers ?? null,
      status: "pending",
      nextAttemptAt: at,
      createdAt: at,
    })
    .onConflictDoNothing({ target: mailOutbox.key });
  return affected(r) > 0;
}

export interface MailToSend {
  id: number;
  key: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string> | null;
  attempts: number;
  createdAt: number;
}

/**
 * Take up to `limit` due mails for sending: each becomes `sending` with a
 * lease until `leaseUntil` and one more attempt counted. One conditional
 * UPDATE (the due rows chosen in its subquery, `status = 'pending'` checked
 * again on each row it changes): servers sharing one database (issue 16) may
 * choose the same rows, but each row is taken by exactly one of them (on
 * PostgreSQL the second waits for the first's row lock, finds the row
 * `sending` and leaves it). Oldest due first.
 */
export async function takeDueMails(h: AsyncDb, at: number, limit: number, leaseUntil: number): Promise<MailToSend[]> {
  const { mailOutbox } = h.t;
  const due = h.q
    .select({ id: mailOutbox.id })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.status, "pending"), lte(mailOutbox.nextAttemptAt, at)))
    .orderBy(asc(mailOutbox.nextAttemptAt), asc(mailOutbox.id))
    .limit(limit);
  const taken = await h.q
    .update(mailOutbox)
    .set({ status: "sending", leaseUntil, attempts: sql`${mailOutbox.attempts} + 1` })
    .where(and(eq(mailOutbox.status, "pending"), inArray(mailOutbox.id, due)))
    .returning({
      id: mailOutbox.id,
      key: mailOutbox.key,
      to: mailOutbox.to,
      subject: mailOutbox.subject,
      text: mailOutbox.text,
      html: mailOutbox.html,
      headers: mailOutbox.headers,
      attempts: mailOutbox.attempts,
      createdAt: mailOutbox.createdAt,
      nextAttemptAt: mailOutbox.nextAttemptAt,
    });
  return taken.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id).map(({ nextAttemptAt: _n, ...m }) => m);
}

/** The SMTP server accepted it: done, and the subject and bodies are erased. */
export async function markMailSent(h: AsyncDb, id: number, at: number): Promise<void> {
  const { mailOutbox } = h.t;
  await h.q
    .update(mailOutbox)
    .set({ status: "sent", sentAt: at, leaseUntil: null, lastError: null, subject: "", text: "", html: "", headers: null })
    .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, "sending")));
}

/** Not accepted this time: try again at `nextAttemptAt`. */
export async function markMailRetry(h: AsyncDb, id: number, error: string, nextAttemptAt: number): Promise<void> {
  const { mailOutbox } = h.t;
  await h.q
    .update(mailOutbox)
    .set({ status: "pending", leaseUntil: null, lastError: error, nextAttemptAt })
    .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, "sending")));
}

/** Given up (rejected for good, too old, or interrupted): never sent again; the subject and bodies are erased. */
export async function markMailFailed(h: AsyncDb, id: number, error: string): Promise<void> {
  const { mailOutbox } = h.t;
  await h.q
    .update(mailOutbox)
    .set({ status: "failed", leaseUntil: null, lastError: error, subject: "", text: "", html: "", headers: null })
    .where(eq(mailOutbox.id, id));
}

/**
 * Mails whose lease ran out while `sending` and that no attempt of this
 * process holds (`held`): the process that sent them stopped before it could
 * record the answer. Returned so the worker can give them up.
 */
export async function expiredLeases(h: AsyncDb, at: number, held: ReadonlySet<number>): Promise<Array<{ id: number; key: string }>> {
  const { mailOutbox } = h.t;
  const rows = await h.q
    .select({ id: mailOutbox.id, key: mailOutbox.key })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.status, "sending"), or(lte(mailOutbox.leaseUntil, at), isNull(mailOutbox.leaseUntil))));
  return rows.filter((r) => !held.has(r.id));
}

/** The earliest next attempt of a pending mail, or null when none waits. */
export async function nextMailDue(h: AsyncDb): Promise<number | null> {
  const { mailOutbox } = h.t;
  const r = await first(
    h.q
      .select({ at: sql<number | null>`min(${mailOutbox.nextAttemptAt})`.mapWith(Number) })
      .from(mailOutbox)
      .where(eq(mailOutbox.status, "pending")),
  );
  return r?.at ?? null;
}

/** Forget sent and given-up mails settled before `before` (their bodies are already erased; what goes is the record). */
export async function purgeSettledMail(h: AsyncDb, before: number): Promise<number> {
  const { mailOutbox } = h.t;
  return affected(await h.q.delete(mailOutbox).where(and(inArray(mailOutbox.status, ["sent", "failed"]), lte(mailOutbox.createdAt, before))));
}

/** Counts per status (for /beheer and the tests). */
export async function mailCounts(h: AsyncDb): Promise<Record<MailStatus, number>> {
  const { mailOutbox } = h.t;
  const out: Record<MailStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
  for (const r of await h.q.select({ status: mailOutbox.status, n: count() }).from(mailOutbox).groupBy(mailOutbox.status)) out[r.status] = r.n;
  return out;
}

/** One queued mail by key (tests and diagnostics). */
export async function mailByKey(h: AsyncDb, key: string) {
  const { mailOutbox } = h.t;
  return (await first(h.q.select().from(mailOutbox).where(eq(mailOutbox.key, key)))) ?? null;
}
