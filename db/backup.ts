/**
 * What a backup needs from SQLite: an online copy with SQLite's backup API,
 * and the checks a copy must pass before anyone relies on it (integrity,
 * foreign keys, which migrations it carries, rows per table).
 *
 * The files, names, schedule and refusals around it are server/backup.ts.
 * PostgreSQL is not copied here (fileBackupRefusal): pg_dump backs it up.
 */
import Database from "better-sqlite3";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { isPostgresUrl, MIGRATIONS_DIR } from "./client";

/**
 * Why `url` cannot be backed up or restored here, or null: these are copies
 * of SQLite's file (its backup API). A PostgreSQL database is backed up with
 * PostgreSQL's own tools (pg_dump, or the server's base backups and WAL
 * archive), and restored with pg_restore.
 */
export function fileBackupRefusal(url: string, what: "backup" | "restore"): string | null {
  if (!isPostgresUrl(url)) return null;
  return what === "backup"
    ? "DATABASE_URL wijst naar PostgreSQL: maak de back-up met pg_dump (bijvoorbeeld pg_dump -Fc -f alliantiebord.dump <DATABASE_URL>); npm run backup kopieert alleen een SQLite-bestand. " +
        "(DATABASE_URL is PostgreSQL: back it up with pg_dump; npm run backup copies a SQLite file only.)"
    : "DATABASE_URL wijst naar PostgreSQL: herstel een pg_dump-back-up met pg_restore; npm run restore zet alleen een SQLite-bestand terug. " +
        "(DATABASE_URL is PostgreSQL: restore a pg_dump backup with pg_restore; npm run restore puts back a SQLite file only.)";
}

/** drizzle's own bookkeeping of applied migrations (drizzle-orm's default table name). */
export const MIGRATIONS_TABLE = "__drizzle_migrations";

export interface AppliedMigration {
  hash: string;
  createdAt: number;
}

/** How a database's migrations relate to the ones this code ships. */
export type MigrationState =
  /** exactly the migrations of this code */
  | "current"
  /** an earlier release: the first n of ours, the rest applied on start */
  | "older"
  /** made by a later release: this code cannot run on it */
  | "newer"
  /** no migrations table, or migrations this code does not know */
  | "unknown";

export interface DatabaseCheck {
  ok: boolean;
  /** What is wrong, one line each (empty when ok). */
  problems: string[];
  /** `PRAGMA integrity_check`: ["ok"] for a sound file. */
  integrity: string[];
  /** Rows of `PRAGMA foreign_key_check` (a reference to a row that is not there). */
  foreignKeyViolations: number;
  migrations: AppliedMigration[];
  migrationState: MigrationState;
  /** Migrations of this code not yet in the database (applied on the next start). */
  pendingMigrations: number;
  /** Rows per table, tables in name order. */
  counts: Array<{ table: string; rows: number }>;
  pages: number;
  bytes: number;
}

/** The migrations this code carries, in order. */
export function knownMigrations(): AppliedMigration[] {
  return readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR }).map((m) => ({ hash: m.hash, createdAt: m.folderMillis }));
}

/** The migrations recorded in a database, oldest first; null without drizzle's table. */
export function appliedMigrations(sqlite: Database.Database): AppliedMigration[] | null {
  const exists = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(MIGRATIONS_TABLE);
  if (!exists) return null;
  return (sqlite.prepare(`SELECT hash, created_at AS createdAt FROM "${MIGRATIONS_TABLE}" ORDER BY created_at, id`).all() as Array<{ hash: string; createdAt: number | string }>).map(
    (r) => ({ hash: r.hash, createdAt: Number(r.createdAt) }),
  );
}

function sameMigration(a: AppliedMigration, b: AppliedMigration): boolean {
  return a.hash === b.hash && a.createdAt === b.createdAt;
}

export function migrationState(found: AppliedMigration[] | null, known: AppliedMigration[]): MigrationState {
  if (!found || found.length === 0) return "unknown";
  const common = Math.min(found.length, known.length);
  for (let i = 0; i < common; i++) if (!sameMigration(found[i], known[i])) return "unknown";
  if (found.length === known.length) return "current";
  return found.length < known.length ? "older" : "newer";
}

/** Open a database file to inspect it, writing nothing. */
export function openReadOnly(file: string): Database.Database {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  sqlite.pragma("busy_timeout = 5000");
  return sqlite;
}

/**
 * Check a database (a backup, or one about to be restored): integrity,
 * foreign keys, the migrations it carries, rows per table.
 *
 * `expectMigrations`: the migrations it must carry exactly (a fresh backup
 * carries its source's); without it, this code's own or an earlier
 * release's are accepted (a restore migrates those on start).
 */
export function checkDatabase(sqlite: Database.Database, opts: { expectMigrations?: AppliedMigration[] } = {}): DatabaseCheck {
  const problems: string[] = [];
  const integrity = (sqlite.pragma("integrity_check") as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
  if (integrity.length !== 1 || integrity[0] !== "ok") problems.push(`integrity_check: ${integrity.slice(0, 5).join("; ")}`);
  const fk = sqlite.pragma("foreign_key_check") as Array<{ table: string; parent: string }>;
  if (fk.length) problems.push(`foreign_key_check: ${fk.length} verwijzing(en) naar rijen die er niet zijn (eerste: ${fk[0].table} → ${fk[0].parent})`);

  const known = knownMigrations();
  const found = appliedMigrations(sqlite);
  const state = migrationState(found, known);
  if (opts.expectMigrations) {
    const same = !!found && found.length === opts.expectMigrations.length && found.every((m, i) => sameMigration(m, opts.expectMigrations![i]));
    if (!same) problems.push(`migraties: ${found?.length ?? 0} in de kopie, ${opts.expectMigrations.length} in de bron (ze verschillen)`);
  } else if (state === "newer") {
    problems.push(`migraties: gemaakt door een nieuwere versie (${found!.length} migraties, deze versie kent er ${known.length}); werk eerst de code bij`);
  } else if (state === "unknown") {
    problems.push(found ? "migraties: bevat migraties die deze versie niet kent" : `migraties: geen tabel ${MIGRATIONS_TABLE} (geen database van Alliantiebord)`);
  }

  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .all() as Array<{ name: string }>;
  const counts = tables.map(({ name }) => ({
    table: name,
    rows: (sqlite.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n,
  }));
  const pages = sqlite.pragma("page_count", { simple: true }) as number;
  const pageSize = sqlite.pragma("page_size", { simple: true }) as number;
  return {
    ok: problems.length === 0,
    problems,
    integrity,
    foreignKeyViolations: fk.length,
    migrations: found ?? [],
    migrationState: state,
    pendingMigrations: state === "older" ? known.length - found!.length : 0,
    counts,
    pages,
    bytes: pages * pageSize,
  };
}

export interface CopyOptions {
  /**
   * Pages copied per step; between steps the event loop runs (a server
   * copying its own database keeps answering). Omitted: everything in one
   * step, one consistent read (a separate process).
   */
  pagesPerStep?: number;
  /** Called after each step. */
  onStep?: (p: { totalPages: number; remainingPages: number }) => void;
}

/**
 * Copy a live database into `dest` (a new file) with SQLite's online backup
 * API. The copy is one consistent state: writes through `source` during the
 * copy are carried into it by SQLite; a write by another connection between
 * steps restarts the copy, and after three restarts the rest is copied in
 * one step. The copy is left in rollback-journal mode, a single
 * self-contained file (the server switches it back to WAL when it opens it).
 */
export async function copyDatabase(source: Database.Database, dest: string, opts: CopyOptions = {}): Promise<{ totalPages: number }> {
  let restarts = 0;
  let lastRemaining = Infinity;
  const all = 0x7fffffff;
  const result = await source.backup(dest, {
    progress: ({ totalPages, remainingPages }) => {
      if (remainingPages > lastRemaining) restarts++;
      lastRemaining = remainingPages;
      opts.onStep?.({ totalPages, remainingPages });
      if (!opts.pagesPerStep || restarts >= 3) return all;
      return opts.pagesPerStep;
    },
  });
  const copy = new Database(dest, { fileMustExist: true });
  try {
    copy.pragma("journal_mode = DELETE");
  } finally {
    copy.close();
  }
  return { totalPages: result.totalPages };
}

/** `PRAGMA quick_check`: "ok", or the first problems found. */
export function quickCheck(sqlite: Database.Database): string {
  return (sqlite.pragma("quick_check") as Array<{ quick_check: string }>).map((r) => r.quick_check).slice(0, 5).join("; ");
}

/**
 * Open an existing database as a second connection beside a running server
 * (WAL lets it read while the server writes). Its settings are left as they
 * are; nothing is created when the file is missing.
 */
export function openExisting(file: string): Database.Database {
  const sqlite = new Database(file, { fileMustExist: true });
  sqlite.pragma("busy_timeout = 5000");
  return sqlite;
}

/** checkDatabase on a file, opened read-only and closed again. */
export function checkFile(file: string, opts: { expectMigrations?: AppliedMigration[] } = {}): DatabaseCheck {
  const sqlite = openReadOnly(file);
  try {
    return checkDatabase(sqlite, opts);
  } finally {
    sqlite.close();
  }
}
