/**
 * A failure a service swallows because what it guards stands (a notification
 * that could not be made, the clean-up after an erasure): one line in the
 * server's log (`svc.log`, server/log.ts) or, in a command or a test without
 * one, the same JSON line on stderr unless LOG_LEVEL is silent. The error is
 * written as errorForLog shows it: each cause's message and code and where it
 * was thrown, never a failed statement's parameters (what someone typed about
 * a person).
 */
import { errorForLog } from "../../db/health";
import type { AppServices } from "./context.server";

export function logFailure(svc: Pick<AppServices, "env" | "log">, msg: string, error: unknown, data: Record<string, unknown> = {}): void {
  const line = { ...data, ...errorForLog(error) };
  if (svc.log) svc.log.error(msg, line);
  else if (svc.env.LOG_LEVEL !== "silent") console.error(JSON.stringify({ t: new Date().toISOString(), lvl: "error", msg, ...line }));
}
