import { withoutParams } from "../db/health";
import type { Logger } from "./sync/types";

/**
 * The server's log: one JSON line per event. Every text field goes through
 * withoutParams: a failed statement's message (drizzle's "Failed query: …
 * params: …") would otherwise carry its parameters, a card's title or a
 * board update's bytes, into the log.
 */
export function createLogger(level: "silent" | "error" | "info" | "debug"): Logger {
  const rank = { silent: 0, error: 1, info: 2, debug: 3 }[level];
  const out = (lvl: string, msg: string, extra?: Record<string, unknown>) => {
    if (extra) for (const [k, v] of Object.entries(extra)) if (typeof v === "string" && withoutParams(v) !== v) extra = { ...extra, [k]: withoutParams(v) };
    console.log(JSON.stringify({ t: new Date().toISOString(), lvl, msg, ...extra }));
  };
  return {
    info: (m, e) => rank >= 2 && out("info", m, e),
    warn: (m, e) => rank >= 2 && out("warn", m, e),
    error: (m, e) => rank >= 1 && out("error", m, e),
  };
}
