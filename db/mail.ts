/**
 * The outgoing mail queue (table mail_outbox): written by enqueueMail, taken
 * and settled by the worker in server/mail/worker.ts.
 */
import { and, eq, inArray, lte, or, sql } from "drizzle-orm";
import type { DB } from "./client";
import { mailOutbox, type MailStatus } from "./schema";

export interface QueuedMail {
  key: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

/** Queue a mail unless its key was queued before (INSERT OR IGNORE). True when it was queued now. */
export function enqueueMail(db: DB, mail: QueuedMail, at: number): boolean {
  const r = db
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
    .onConflictDoNothing({ target: mailOutbox.key })
    .run();
  return r.changes > 0;
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
 * Take up to `limit` due mails for sending: each becomes `sending` with a lease
 * until `leaseUntil` and one more attempt counted, in one transaction, so no
 * other taker gets the same row.
 */
export function takeDueMails(db: DB, at: number, limit: number, leaseUntil: number): MailToSend[] {
  return db.transaction((tx) => {
    const rows = tx
      .select({
        id: mailOutbox.id,
        key: mailOutbox.key,
        to: mailOutbox.to,
        subject: mailOutbox.subject,
        text: mailOutbox.text,
        html: mailOutbox.html,
        headers: mailOutbox.headers,
        attempts: mailOutbox.attempts,
        createdAt: mailOutbox.createdAt,
      })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.status, "pending"), lte(mailOutbox.nextAttemptAt, at)))
      .orderBy(mailOutbox.nextAttemptAt, mailOutbox.id)
      .limit(limit)
      .all();
    if (!rows.length) return [];
    // Conditional: only rows still pending become ours. Servers sharing one
    // database (issue 16) may have read the same rows; each is sent by the
    // one whose update took it.
    const taken = new Set(
      tx
        .update(mailOutbox)
        .set({ status: "sending", leaseUntil, attempts: sql`${mailOutbox.attempts} + 1` })
        .where(
          and(
            eq(mailOutbox.status, "pending"),
            inArray(
              mailOutbox.id,
              rows.map((r) => r.id),
            ),
          ),
        )
        .returning({ id: mailOutbox.id })
        .all()
        .map((r) => r.id),
    );
    return rows.filter((r) => taken.has(r.id)).map((r) => ({ ...r, attempts: r.attempts + 1 }));
  });
}

/** The SMTP server accepted it: done, and the subject and bodies are erased. */
export function markMailSent(db: DB, id: number, at: number): void {
  db.update(mailOutbox)
    .set({ status: "sent", sentAt: at, leaseUntil: null, lastError: null, subject: "", text: "", html: "", headers: null })
    .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, "sending")))
    .run();
}

/** Not accepted this time: try again at `nextAttemptAt`. */
export function markMailRetry(db: DB, id: number, error: string, nextAttemptAt: number): void {
  db.update(mailOutbox)
    .set({ status: "pending", leaseUntil: null, lastError: error, nextAttemptAt })
    .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, "sending")))
    .run();
}

/** Given up (rejected for good, too old, or interrupted): never sent again; the subject and bodies are erased. */
export function markMailFailed(db: DB, id: number, error: string): void {
  db.update(mailOutbox)
    .set({ status: "failed", leaseUntil: null, lastError: error, subject: "", text: "", html: "", headers: null })
    .where(eq(mailOutbox.id, id))
    .run();
}

/**
 * Mails whose lease ran out while `sending` and that no attempt of this
 * process holds (`held`): the process that sent them stopped before it could
 * record the answer. Returned so the worker can give them up.
 */
export function expiredLeases(db: DB, at: number, held: ReadonlySet<number>): Array<{ id: number; key: string }> {
  return db
    .select({ id: mailOutbox.id, key: mailOutbox.key })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.status, "sending"), or(lte(mailOutbox.leaseUntil, at), sql`${mailOutbox.leaseUntil} is null`)))
    .all()
    .filter((r) => !held.has(r.id));
}

/** The earliest next attempt of a pending mail, or null when none waits. */
export function nextMailDue(db: DB): number | null {
  const r = db
    .select({ at: sql<number | null>`min(${mailOutbox.nextAttemptAt})` })
    .from(mailOutbox)
    .where(eq(mailOutbox.status, "pending"))
    .get();
  return r?.at ?? null;
}

/** Forget sent and given-up mails settled before `before` (their bodies are already erased; what goes is the record). */
export function purgeSettledMail(db: DB, before: number): number {
  return db
    .delete(mailOutbox)
    .where(and(inArray(mailOutbox.status, ["sent", "failed"]), lte(mailOutbox.createdAt, before)))
    .run().changes;
}

/** Counts per status (for /beheer and the tests). */
export function mailCounts(db: DB): Record<MailStatus, number> {
  const out: Record<MailStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
  for (const r of db
    .select({ status: mailOutbox.status, n: sql<number>`count(*)` })
    .from(mailOutbox)
    .groupBy(mailOutbox.status)
    .all())
    out[r.status] = r.n;
  return out;
}

/** One queued mail by key (tests and diagnostics). */
export function mailByKey(db: DB, key: string) {
  return db.select().from(mailOutbox).where(eq(mailOutbox.key, key)).get() ?? null;
}
