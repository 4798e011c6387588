/**
 * What /readyz asks the database (server/health.ts): does it answer, and has
 * every migration of db/migrations been applied? Each answer is one word,
 * never an error message (it could name a file or a connection string).
 */
import { readMigrationFiles } from "drizzle-orm/migrator";
import { MIGRATIONS_DIR, type DB } from "./client";

/** drizzle's table of applied migrations (its default name). */
const MIGRATIONS_TABLE = "__drizzle_migrations";

/** `ok` when a trivial query answers, else `unreachable`. */
export function databaseAnswers(db: DB): "ok" | "unreachable" {
  try {
    db.$client.prepare("select 1").get();
    return "ok";
  } catch {
    return "unreachable";
  }
}

let expected: number[] | null = null;
/** The `when` of every migration in db/migrations (the journal), read once: they change only with a new release. */
function journal(folder: string): number[] {
  if (folder !== MIGRATIONS_DIR) return readMigrationFiles({ migrationsFolder: folder }).map((m) => m.folderMillis);
  expected ??= readMigrationFiles({ migrationsFolder: folder }).map((m) => m.folderMillis);
  return expected;
}

/**
 * How many migrations of the journal the database has not applied, by
 * drizzle's own rule (a migration counts as applied when the newest applied
 * one is not older than it). A database ahead of this code (a newer release
 * migrated it during a rolling upgrade) is not behind: 0.
 */
export function migrationsBehind(db: DB, folder = MIGRATIONS_DIR): number {
  const exists = db.$client.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(MIGRATIONS_TABLE);
  const last = exists
    ? Number((db.$client.prepare(`select max(created_at) as last from "${MIGRATIONS_TABLE}"`).get() as { last: unknown }).last ?? -1)
    : -1;
  return journal(folder).filter((when) => when > last).length;
}

/** `ok`, `behind` (a migration is missing: start the new release, which migrates) or `unreachable`. */
export function migrationsApplied(db: DB, folder = MIGRATIONS_DIR): "ok" | "behind" | "unreachable" {
  try {
    return migrationsBehind(db, folder) === 0 ? "ok" : "behind";
  } catch {
    return "unreachable";
  }
}
