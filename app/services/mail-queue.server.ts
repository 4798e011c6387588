/**
 * The Mailer port (context.server.ts) as a queue in SQLite: enqueue writes a
 * row (once per key) and wakes the worker (server/mail/worker.ts), the only
 * part that talks SMTP. Without SMTP_URL and MAIL_FROM mail is off: nothing is
 * queued, and the pages say where mail would have helped.
 */
import type { DB } from "../../db/client";
import { enqueueMail } from "../../db/mail";
import type { Mailer, OutgoingMail } from "./context.server";
import { mailConfigured, type Env } from "./env.server";

export function createMailQueue(opts: { db: DB; env: Pick<Env, "SMTP_URL" | "MAIL_FROM">; now: () => number; onQueued?: () => void }): Mailer {
  const enabled = mailConfigured(opts.env);
  return {
    enabled,
    enqueue(mail: OutgoingMail): boolean {
      if (!enabled) return false;
      const queued = enqueueMail(opts.db, mail, opts.now());
      if (queued) opts.onQueued?.();
      return queued;
    },
  };
}
