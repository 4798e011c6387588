/**
 * What /readyz asks the database (server/health.ts): does it answer, and has
 * every migration of this code's journal been applied? On SQLite the journal
 * is db/migrations and drizzle's table `__drizzle_migrations`; on PostgreSQL
 * db/migrations-pg and `drizzle.__drizzle_migrations` (drizzle's node-postgres
 * migrator keeps it in the `drizzle` schema). Each answer is one word, never
 * an error message (it could name a file or a connection string).
 *
 * Also what the server makes of a failed query: whether the database could
 * not be reached (isDatabaseUnreachable: 503 under /api/), and the error as
 * the log may show it, without the statement's parameters.
 */
import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { MIGRATIONS_DIR, PG_MIGRATIONS_DIR, type AsyncDb } from "./client";
import { rawRows } from "./dialect";
import { causes } from "./errors";

/** drizzle's table of applied migrations (its default name; on PostgreSQL in its default schema `drizzle`). */
const MIGRATIONS_TABLE = "__drizzle_migrations";
const PG_MIGRATIONS_SCHEMA = "drizzle";

/** `ok` when a trivial query answers, else `unreachable`. */
export async function databaseAnswers(h: AsyncDb): Promise<"ok" | "unreachable"> {
  try {
    await rawRows(h, sql`select 1`);
    return "ok";
  } catch {
    return "unreachable";
  }
}

const journals = new Map<string, number[]>();
/** The `when` of every migration in a folder's journal, read once: they change only with a new release. */
function journal(folder: string): number[] {
  let when = journals.get(folder);
  if (!when) journals.set(folder, (when = readMigrationFiles({ migrationsFolder: folder }).map((m) => m.folderMillis)));
  return when;
}

/** The newest applied migration's `created_at`, or -1 when none is (or drizzle's table does not exist yet). */
async function lastApplied(h: AsyncDb): Promise<number> {
  if (h.dialect === "postgres") {
    const [{ exists }] = await rawRows(h, sql`select to_regclass(${`${PG_MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`}) is not null as exists`);
    if (!exists) return -1;
    const [{ last }] = await rawRows(h, sql`select max(created_at) as last from ${sql.identifier(PG_MIGRATIONS_SCHEMA)}.${sql.identifier(MIGRATIONS_TABLE)}`);
    return last === null || last === undefined ? -1 : Number(last);
  }
  const exists = await rawRows(h, sql`select 1 from sqlite_master where type = 'table' and name = ${MIGRATIONS_TABLE}`);
  if (!exists.length) return -1;
  const [{ last }] = await rawRows(h, sql`select max(created_at) as last from ${sql.identifier(MIGRATIONS_TABLE)}`);
  return last === null || last === undefined ? -1 : Number(last);
}

/**
 * How many migrations of the journal the database has not applied, by
 * drizzle's own rule (a migration counts as applied when the newest applied
 * one is not older than it). A database ahead of this code (a newer release
 * migrated it during a rolling upgrade) is not behind: 0. The folder is the
 * dialect's own unless given.
 */
export async function migrationsBehind(h: AsyncDb, folder = h.dialect === "postgres" ? PG_MIGRATIONS_DIR : MIGRATIONS_DIR): Promise<number> {
  const last = await lastApplied(h);
  return journal(folder).filter((when) => when > last).length;
}

/** `ok`, `behind` (a migration is missing: start the new release, which migrates) or `unreachable`. */
export async function migrationsApplied(h: AsyncDb, folder?: string): Promise<"ok" | "behind" | "unreachable"> {
  try {
    return (await migrationsBehind(h, folder)) === 0 ? "ok" : "behind";
  } catch {
    return "unreachable";
  }
}

/** PostgreSQL's classes of errors that say the connection, not the statement, failed (08: connection exception; 57P01–57P03: the server ended or is starting). */
const CONNECTION_CODES = /^(08|57P0[1-3])/;
/** The socket's own codes when the connection could not be made or was cut. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);
/** node-postgres's own words when the socket ended under a query or a connect timed out (they carry no code). */
const DRIVER_MESSAGES = /^(Connection terminated|Client has encountered a connection error and is not queryable)/;
/** pg-pool's words when a request waited the connect timeout for one of the pool's connections, all busy. */
const POOL_WAIT = /^timeout exceeded when trying to connect/;

/**
 * What a failed query says of the database, rather than of the statement:
 * `unreachable` (restarted, failing over, a connection ended or never
 * answered), `busy` (every connection of the pool stayed taken for the
 * connect timeout: this server is overloaded, or the database too slow to
 * answer), or null (the statement itself failed). Either of the first two
 * may succeed when tried again. Looks through drizzle's wrapper (`cause`),
 * whose own message holds the statement and its parameters, so it is never
 * read: what a person typed cannot make an error look like an outage.
 */
export function databaseTrouble(error: unknown): "unreachable" | "busy" | null {
  for (const e of causes(error)) {
    if (typeof e !== "object" || !e) break;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_CODES.test(code) || SOCKET_CODES.has(code))) return "unreachable";
    // Drizzle's wrapper ("Failed query: <sql> params: <values>"): only its cause speaks.
    if ("query" in e && "params" in e) continue;
    const message = String((e as { message?: unknown }).message ?? "");
    if (DRIVER_MESSAGES.test(message)) return "unreachable";
    if (POOL_WAIT.test(message)) return "busy";
  }
  return null;
}

/** databaseTrouble says `unreachable`. */
export function isDatabaseUnreachable(error: unknown): boolean {
  return databaseTrouble(error) === "unreachable";
}

/** Drizzle's message for a failed statement ends in its parameters ("\nparams: …"), and what a person typed can be among them. */
const PARAMS = /\nparams: [\s\S]*$/;

/** `text` without drizzle's list of a statement's parameters (server/log.ts runs every logged text through it). */
export function withoutParams(text: string): string {
  return text.includes("\nparams: ") ? text.replace(PARAMS, "\nparams: (not logged)") : text;
}

/**
 * An error as a log line shows it: the message and code of each error in its
 * cause chain, and where it was thrown. Drizzle's wrapper stands as "query
 * failed": its message holds the statement's parameters, which can be what a
 * person typed about someone (never written to the log).
 */
export function errorForLog(error: unknown): { error: string; at: string[] } {
  const parts: string[] = [];
  for (const e of causes(error)) {
    if (typeof e !== "object" || !e) {
      parts.push(String(e));
      break;
    }
    const code = (e as { code?: unknown }).code;
    // A cause that carries drizzle's message as its own text (the storage worker passes errors on as text) is cut too.
    const text = "query" in e && "params" in e ? "query failed" : withoutParams(String((e as { message?: unknown }).message ?? e));
    parts.push(typeof code === "string" ? `${text} (${code})` : text);
  }
  // The stack begins with the message, and a parameter's line can read "at …": only what follows the message counts.
  let stack = error instanceof Error ? (error.stack ?? "") : "";
  const message = error instanceof Error ? error.message : "";
  const after = message ? stack.indexOf(message) : -1;
  if (after >= 0) stack = stack.slice(after + message.length);
  const at = stack
    .split("\n")
    .filter((line) => /^ {4}at /.test(line))
    .map((line) => line.trim())
    .slice(0, 8);
  return { error: parts.join(" ← "), at };
}

