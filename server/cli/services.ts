/**
 * The services a command runs with: the same database handle, environment,
 * clock and mail queue as the server's (so a command creates through the
 * same app/services code), but no live boards or sockets: nothing in a
 * command may need them.
 */
import type { AppServices } from "../../app/services/context.server";
import type { Env } from "../../app/services/env.server";
import { createMailQueue } from "../../app/services/mail-queue.server";
import { databaseForLog, isSqlite, type AppDatabase } from "../../db/client";
import { errorForLog, isDatabaseUnreachable } from "../../db/health";

export function cliServices(database: AppDatabase, env: Env): AppServices {
  const now = () => Date.now();
  const offline = () => {
    throw new Error("Live boards are not available in a command; this needs the running server.");
  };
  return {
    // SQLite's synchronous handle where there is one (PostgreSQL: none).
    db: isSqlite(database) ? database.db : undefined,
    async: database.async,
    env,
    now,
    // Queued in the database; the server's mail worker sends it once the server runs.
    mail: createMailQueue({ h: database.async, env, now }),
    // No live boards: reading or changing a document throws; closing connections has nothing to close.
    rooms: new Proxy({} as AppServices["rooms"], {
      get: (_target, name) => (/^(with|read)/.test(String(name)) ? offline : () => {}),
    }),
    // Nobody is connected to a command: every broadcast goes nowhere.
    realtime: new Proxy({} as AppServices["realtime"], { get: () => () => {} }),
  };
}

/** A usage error: the message and exit code 2. */
export class UsageError extends Error {}

/**
 * What a command says of an error it did not expect (the database
 * unreachable, a statement that failed): each cause's message and code on
 * one line, never the stack or a failed statement's parameters (what was
 * typed about someone), which Node's own printout of an uncaught error shows.
 */
export function unexpectedMessage(e: unknown, databaseUrl?: string): string {
  const away = isDatabaseUnreachable(e)
    ? `de database is niet bereikbaar / the database could not be reached${databaseUrl ? ` (${databaseForLog(databaseUrl)})` : ""}: `
    : "";
  return `Mislukt / failed: ${away}${errorForLog(e).error}`;
}

/** Every command, first thing: what escapes its own handling ends as unexpectedMessage and exit 1. */
export function failUnexpectedly(databaseUrl: () => string | undefined = () => undefined): void {
  const end = (e: unknown) => fail(unexpectedMessage(e, databaseUrl()), 1);
  process.on("uncaughtException", end);
  process.on("unhandledRejection", end);
}

/** Print to stderr and leave with `code`. */
export function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
