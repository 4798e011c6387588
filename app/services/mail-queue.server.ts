/**
 * The Mailer port (context.server.ts) as a queue in the database: enqueue
 * writes a row (once per key) and wakes the worker (server/mail/worker.ts),
 * the only part that talks SMTP. Without SMTP_URL and MAIL_FROM mail is off:
 * nothing is queued, and the pages say where mail would have helped.
 */
import type { AsyncDb } from "../../db/client";
import { enqueueMail } from "../../db/mail";
import type { Mailer, OutgoingMail } from "./context.server";
import { mailConfigured, type Env } from "./env.server";

export function createMailQueue(opts: { h: AsyncDb; env: Pick<Env, "SMTP_URL" | "MAIL_FROM">; now: () => number; onQueued?: () => void }): Mailer {
  const enabled = mailConfigured(opts.env);
  return {
    enabled,
    async enqueue(mail: OutgoingMail, h?: AsyncDb): Promise<boolean> {
      if (!enabled) return false;
      const queued = await enqueueMail(h ?? opts.h, mail, opts.now());
      // Through another handle (a transaction's) the row is not there for the worker before the commit: the caller wakes it then.
      if (queued && (h === undefined || h === opts.h)) opts.onQueued?.();
      return queued;
    },
    wake() {
      if (enabled) opts.onQueued?.();
    },
  };
}
