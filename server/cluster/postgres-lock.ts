/**
 * The server lock on PostgreSQL (the counterpart of SQLite's `<db>.pid`,
 * `holdServerLock` in server/backup.ts).
 *
 * A server without REDIS_URL must be the only one on its database: nothing
 * would carry its edits to the others' clients, and its daily work would run
 * beside theirs. It holds the lock alone; servers with REDIS_URL hold it
 * together (`tryServerLock` in db/client.ts, a session advisory lock on a
 * connection of its own).
 *
 * At start a server that cannot take it waits, since on a restart the old
 * server may still be draining, up to `waitMs` (the drain's ceiling); then
 * it refuses, saying why. While it runs, a lost lock (PostgreSQL restarted,
 * its connection ended) is logged and taken again once the database answers:
 * after 1 s, then every 5 s, until the server begins to drain.
 */
import { tryServerLock } from "../../db/client";

export type LockMode = "alone" | "shared";

export interface PostgresLockOptions {
  mode: LockMode;
  /** How long to wait at start for a server that holds the lock the other way (still draining). */
  waitMs: number;
  /** Said once while waiting at start (to the console: the server's log does not exist yet). */
  waiting(message: string): void;
  /** The lock's news while the server runs (lost, held again). */
  log(level: "info" | "error", message: string, fields: Record<string, unknown>): void;
  /** True once the server drains: a lock lost then is not taken again (its successor may be taking it). */
  stopping(): boolean;
}

/** The lock is held the other way: the message says why, to whoever starts the server, naming the setting that decides. */
export class LockRefused extends Error {
  constructor(mode: LockMode) {
    super(lockRefusal(mode));
    this.name = "LockRefused";
  }
}

function lockRefusal(mode: LockMode): string {
  return mode === "alone"
    ? "another Alliantiebord server runs on this PostgreSQL database. Several servers share live edits, limits and the daily work only through Redis: give every server the same REDIS_URL (README, several servers)."
    : "an Alliantiebord server without REDIS_URL runs on this PostgreSQL database: it would not see this server's edits. Stop it, or give it the same REDIS_URL as the others (README, several servers).";
}

/**
 * Take the lock (waiting up to `waitMs`) and keep it while the server runs.
 * Rejects with LockRefused when another server holds it the other way, or
 * with the database's error. `release()` ends it, and any retaking.
 */
export async function holdPostgresServerLock(url: string, opts: PostgresLockOptions): Promise<{ release(): void }> {
  const { mode } = opts;
  let released = false;
  let retaking = false;
  let held: { release(): Promise<void> } | null = null;

  const lost = (error: Error): void => {
    if (retaking || released || opts.stopping()) return;
    retaking = true;
    held = null;
    opts.log("error", "the server lock on PostgreSQL was lost; it is taken again when the database is back", { error: error.message });
    const again = async (): Promise<void> => {
      if (released || opts.stopping()) return;
      try {
        const back = await tryServerLock(url, mode, lost);
        if (back) {
          if (released) return void back.release();
          retaking = false;
          held = back;
          opts.log("info", "the server lock on PostgreSQL is held again", { mode });
          return;
        }
        opts.log("error", "the server lock on PostgreSQL is held the other way: a server with and one without REDIS_URL share the database", { mode });
      } catch {
        // not back yet
      }
      setTimeout(() => void again(), 5000).unref();
    };
    setTimeout(() => void again(), 1000).unref();
  };

  const deadline = Date.now() + opts.waitMs;
  let said = false;
  while (!(held = await tryServerLock(url, mode, lost)) && Date.now() < deadline) {
    if (!said) opts.waiting(`waiting for the other server on this database to end (${mode === "alone" ? "this one has no REDIS_URL" : "that one has no REDIS_URL"}) …`);
    said = true;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!held) throw new LockRefused(mode);
  return {
    release() {
      released = true;
      void held?.release();
      held = null;
    },
  };
}
