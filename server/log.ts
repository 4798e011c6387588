import type { Logger } from "./sync/types";

export function createLogger(level: "silent" | "error" | "info" | "debug"): Logger {
  const rank = { silent: 0, error: 1, info: 2, debug: 3 }[level];
  const out = (lvl: string, msg: string, extra?: Record<string, unknown>) =>
    console.log(JSON.stringify({ t: new Date().toISOString(), lvl, msg, ...extra }));
  return {
    info: (m, e) => rank >= 2 && out("info", m, e),
    warn: (m, e) => rank >= 2 && out("warn", m, e),
    error: (m, e) => rank >= 1 && out("error", m, e),
  };
}
