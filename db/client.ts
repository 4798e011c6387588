/** Opens the SQLite database with the settings every process here must share. */
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as schema from "./schema";

/** The query builder, and (`$client`) the better-sqlite3 connection under it for what the builder cannot prepare. */
export type DB = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
export interface Database_ {
  db: DB;
  sqlite: Database.Database;
  close(): void;
}

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** `file:data/x.sqlite`, `data/x.sqlite` or `:memory:` to a path better-sqlite3 accepts. */
export function databasePath(url: string): string {
  return url.replace(/^file:/, "");
}

/** The open WAL file of each database, for flushLog (SQLite keeps the file while a connection is open). */
const walFiles = new WeakMap<Database.Database, number>();

/**
 * Flush SQLite's write-ahead log to disk (fdatasync) on libuv's thread pool,
 * off the event loop. A commit made with synchronous=NORMAL is in the WAL
 * (other connections see it, a crash of this process keeps it) but only on
 * disk once this has run. No WAL file (an in-memory database): nothing to do.
 */
export function flushLog(database: Database_, done: (error: Error | null) => void): void {
  if (database.sqlite.memory) return done(null);
  let fd = walFiles.get(database.sqlite);
  if (fd === undefined) {
    try {
      fd = fs.openSync(`${database.sqlite.name}-wal`, "r");
    } catch (e) {
      return done((e as NodeJS.ErrnoException).code === "ENOENT" ? null : (e as Error));
    }
    walFiles.set(database.sqlite, fd);
  }
  fs.fdatasync(fd, done);
}

export function openDatabase(url: string, opts: { migrate?: boolean } = {}): Database_ {
  const file = databasePath(url);
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  // better-sqlite3 compiles WAL with synchronous=NORMAL: a commit could be lost
  // on power loss. An edit another participant has seen must survive, so FULL.
  sqlite.pragma("synchronous = FULL");
  // The live boards checkpoint the log themselves, between commits
  // (checkpointLog); this is only the ceiling for every other writer.
  sqlite.pragma("wal_autocheckpoint = 4000");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // Erasure is real: deleted rows are overwritten, not left in free pages.
  sqlite.pragma("secure_delete = ON");
  const db = drizzle(sqlite, { schema });
  if (opts.migrate) migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return {
    db,
    sqlite,
    close: () => {
      const fd = walFiles.get(sqlite);
      if (fd !== undefined) fs.closeSync(fd);
      walFiles.delete(sqlite);
      sqlite.close();
    },
  };
}
