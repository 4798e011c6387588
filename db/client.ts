/**
 * Opens the database with the settings every process here must share:
 * SQLite (better-sqlite3) by default, and the asynchronous layer over it and
 * over PostgreSQL (node-postgres) that db/ moves to, module by module
 * (docs/decisions/001-async-database-layer.md).
 */
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as drizzlePg, type NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase } from "drizzle-orm/pg-core";
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import * as schema from "./schema";
import * as pgSchema from "./schema.pg";
import { errorCode } from "./errors";

/** The query builder, and (`$client`) the better-sqlite3 connection under it for what the builder cannot prepare. */
export type DB = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
export interface Database_ {
  db: DB;
  sqlite: Database.Database;
  /** The asynchronous layer over the same connection (what converted db/ modules take). */
  async: AsyncDb;
  close(): void;
}

/** This folder (db/): where this module is, or, from the server's bundle in build/server/, the project's db/. */
const DB_DIR = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(here) === "db" ? here : path.resolve(here, "../../db");
})();
export const MIGRATIONS_DIR = path.join(DB_DIR, "migrations");
export const PG_MIGRATIONS_DIR = path.join(DB_DIR, "migrations-pg");

// ---------------------------------------------------------------- the asynchronous layer

/** The tables of the open dialect. Typed as PostgreSQL's: their rows are exactly SQLite's (tests/unit/pg-schema-source.test.ts). */
export type Tables = typeof pgSchema;
/**
 * The query builder as converted modules see it: PostgreSQL's type, the
 * common ground of both dialects (no `.get()`, `.all()` or `.run()`: await
 * the builder; db/dialect.ts has what differs). On SQLite it is Drizzle's
 * better-sqlite3 builder, whose builders are awaitable too.
 */
export type Q = PgDatabase<NodePgQueryResultHKT, Tables>;
export type Dialect = "sqlite" | "postgres";
/** How strongly a PostgreSQL transaction is isolated (SQLite's are always serial: one writer, `BEGIN IMMEDIATE`). */
export type Isolation = "read committed" | "repeatable read" | "serializable";

export interface AsyncDb {
  dialect: Dialect;
  /** Statements outside a transaction; on SQLite each waits while another flow's transaction is open. */
  q: Q;
  t: Tables;
  /**
   * Run `fn` in one transaction and commit, or roll back when it throws.
   * PostgreSQL: at `isolation` (default read committed), retried from the
   * start on a serialization failure or deadlock (40001, 40P01), so `fn`
   * must not have effects outside the database. SQLite: `BEGIN IMMEDIATE`
   * under the connection's gate. Inside, use `tx`, never the outer handle.
   */
  transaction<T>(fn: (tx: AsyncDb) => Promise<T>, opts?: { isolation?: Isolation }): Promise<T>;
}

/**
 * The one-connection gate of SQLite. A transaction that awaits keeps the
 * connection inside BEGIN across event-loop turns; any other flow's
 * statement on that connection would join it (and be rolled back with it).
 * So while a transaction is open (`owner` set) every statement of the
 * asynchronous layer from outside it waits for the gate, and a
 * synchronous write from outside (not yet converted code) throws instead of
 * silently joining. Its own statements run: they carry the transaction's
 * AsyncLocalStorage token.
 */
class SqliteGate {
  owner: object | null = null;
  readonly context = new AsyncLocalStorage<object>();
  private waiters: Array<() => void> = [];

  /** Resolves once no transaction holds the gate (check again: another may have taken it first). */
  free(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    this.owner = null;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
  /** True when the caller runs inside the open transaction. */
  mine(): boolean {
    return this.owner !== null && this.context.getStore() === this.owner;
  }
  /**
   * Run a statement now if no transaction is open, else after it ends. The
   * check and the (synchronous) statement happen in one step, so nothing
   * can open a transaction between them.
   */
  run<T>(statement: () => T): T | Promise<T> {
    if (this.owner === null) return statement();
    if (this.mine()) throw new Error("a statement through the outer database handle inside its own transaction: use the transaction's handle (tx)");
    return this.free().then(() => this.run(statement));
  }
}

/** What ends a statement in Drizzle's builders: these run it. */
const TERMINALS = new Set(["then", "execute", "get", "all", "run", "values"]);

/** The builder `target` (and every builder it returns) with its statement run through the gate. */
function gated<T extends object>(target: T, gate: SqliteGate): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj);
      if (typeof value !== "function") return value;
      if (typeof prop === "string" && TERMINALS.has(prop) && "then" in obj) {
        if (prop === "then") {
          return (ok?: (v: unknown) => unknown, fail?: (e: unknown) => unknown) =>
            Promise.resolve()
              .then(() => gate.run(() => (obj as unknown as PromiseLike<unknown>).then((v) => v)))
              .then(ok, fail);
        }
        return (...args: unknown[]) => Promise.resolve().then(() => gate.run(() => value.apply(obj, args)));
      }
      return (...args: unknown[]) => {
        const result = value.apply(obj, args);
        return result !== null && typeof result === "object" ? gated(result, gate) : result;
      };
    },
  });
}

/** Synchronous writes from outside an open asynchronous transaction throw (they would join it). */
function guardWrites(sqlite: Database.Database, gate: SqliteGate): void {
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    const statement = prepare(source);
    if (statement.readonly) return statement;
    for (const method of ["run", "get", "all", "iterate"] as const) {
      const original = statement[method].bind(statement) as (...args: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        if (gate.owner !== null && !gate.mine()) {
          throw new Error("a synchronous write while an asynchronous transaction is open on this SQLite connection (it would join that transaction): convert the caller to the async layer");
        }
        return original(...args);
      };
    }
    return statement;
  }) as typeof sqlite.prepare;
}

function sqliteAsync(db: DB, sqlite: Database.Database): AsyncDb {
  const gate = new SqliteGate();
  guardWrites(sqlite, gate);
  const t = schema as unknown as Tables;
  // Inside the transaction: the plain builder (the connection is in it); nested transactions are savepoints.
  let savepoints = 0;
  const inside: AsyncDb = {
    dialect: "sqlite",
    q: db as unknown as Q,
    t,
    async transaction(fn) {
      const name = `sp${++savepoints}`;
      sqlite.exec(`SAVEPOINT ${name}`);
      try {
        const result = await fn(inside);
        sqlite.exec(`RELEASE ${name}`);
        return result;
      } catch (e) {
        sqlite.exec(`ROLLBACK TO ${name}`);
        sqlite.exec(`RELEASE ${name}`);
        throw e;
      }
    },
  };
  const outside: AsyncDb = {
    dialect: "sqlite",
    q: gated(db as unknown as Q, gate),
    t,
    async transaction(fn) {
      if (gate.mine()) return inside.transaction(fn);
      // A turn of the event loop of its own: what the caller's flow (and any
      // other) still does synchronously or in its queued microtasks runs
      // before BEGIN, never while the transaction is open. With a callback
      // that awaits only its own statements (microtasks on better-sqlite3),
      // nothing else runs between BEGIN and COMMIT, so a synchronous write of
      // not yet converted code cannot meet the open transaction.
      for (;;) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (gate.owner === null) break;
        await gate.free();
      }
      const token = {};
      gate.owner = token;
      try {
        sqlite.exec("BEGIN IMMEDIATE");
        return await gate.context.run(token, async () => {
          try {
            const result = await fn(inside);
            sqlite.exec("COMMIT");
            return result;
          } catch (e) {
            if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
            throw e;
          }
        });
      } finally {
        gate.release();
      }
    },
  };
  handles.set(sqlite, outside);
  return outside;
}

/** Each SQLite connection's one asynchronous handle (one gate per connection). */
const handles = new WeakMap<Database.Database, AsyncDb>();

/**
 * The asynchronous layer of the connection under a synchronous handle, for
 * code that holds only the `DB` (the demo seed, commands, tests): the same
 * handle, and gate, as `database.async`.
 */
export function asyncOf(db: DB): AsyncDb {
  const h = handles.get(db.$client);
  if (!h) throw new Error("this DB was not opened by openDatabase");
  return h;
}

/**
 * The asynchronous layer over a connection opened without openDatabase (a
 * migration's source, db/migrate-to-postgres.ts), made on first use: one
 * handle, and gate, per connection as always.
 */
export function asyncOver(db: DB): AsyncDb {
  return handles.get(db.$client) ?? sqliteAsync(db, db.$client);
}

/** PostgreSQL's codes for "run the transaction again": serialization failure, deadlock. */
const RETRY_CODES = new Set(["40001", "40P01"]);
const TRANSACTION_ATTEMPTS = 8;

/**
 * A transaction on a connection of `pool` that is always given back. Drizzle's
 * own transaction over a pool (0.45) releases its connection in a `finally`
 * that only begins after `begin`: a `begin` that fails (the connection ended
 * under it, a failover) kept the connection checked out for ever, and after
 * the pool's size of those every query waited (pg-server.test.ts). Here the
 * connection is taken and given back around drizzle's transaction on that one
 * client; a broken connection is dropped by the pool on release. The builder
 * over each connection is made once (it costs ~0.3 ms) and kept with it.
 */
const overClient = new WeakMap<pg.PoolClient, Q>();
async function onPooledClient<T>(pool: pg.Pool, run: (q: Q) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    let q = overClient.get(client);
    if (!q) overClient.set(client, (q = drizzlePg(client, { schema: pgSchema }) as unknown as Q));
    return await run(q);
  } finally {
    client.release();
  }
}

function postgresAsync(q: Q, pool: pg.Pool): AsyncDb {
  const handle = (b: Q, nested: boolean): AsyncDb => ({
    dialect: "postgres",
    q: b,
    t: pgSchema,
    async transaction(fn, opts = {}) {
      if (nested) return b.transaction((tx) => fn(handle(tx as unknown as Q, true)));
      for (let attempt = 1; ; attempt++) {
        try {
          return await onPooledClient(pool, (c) => c.transaction((tx) => fn(handle(tx as unknown as Q, true)), { isolationLevel: opts.isolation ?? "read committed" }));
        } catch (e) {
          if (attempt >= TRANSACTION_ATTEMPTS || !RETRY_CODES.has(errorCode(e) ?? "")) throw e;
          // Full jitter, growing: the rivals that made it fail are likely still running.
          await new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** attempt));
        }
      }
    },
  });
  return handle(q, false);
}

export interface PostgresDatabase {
  async: AsyncDb;
  pool: pg.Pool;
  close(): Promise<void>;
}

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** DATABASE_URL as a log line or a message may show it: a PostgreSQL URL without its password. */
export function databaseForLog(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    u.search = "";
    return u.toString();
  } catch {
    return "postgres://…";
  }
}

/** What a server runs on: SQLite's file (with its synchronous handles) or PostgreSQL (the asynchronous layer only). */
export type AppDatabase = Database_ | PostgresDatabase;

/** The connection pool's counts now (PostgreSQL; null on SQLite): for the log line of a request that waited out the pool (PG_POOL_MAX too small, or slow statements). */
export function poolCounts(database: AppDatabase): { max: number; total: number; idle: number; waiting: number } | null {
  if (!("pool" in database)) return null;
  const { pool } = database;
  return { max: pool.options.max ?? 10, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

export function isSqlite(database: AppDatabase): database is Database_ {
  return "sqlite" in database;
}

/**
 * Open the database DATABASE_URL names: `postgres://…` (or `postgresql://`)
 * is PostgreSQL, anything else SQLite's file (`file:…`, a path, `:memory:`).
 * `migrate` applies that dialect's migrations.
 */
export async function openAppDatabase(url: string, opts: { migrate?: boolean; onIdleError?: (error: Error) => void; max?: number } = {}): Promise<AppDatabase> {
  return isPostgresUrl(url) ? openPostgres(url, opts) : openDatabase(url, opts);
}

/** The advisory lock key the servers of one PostgreSQL database migrate under (any fixed number; "AB" "MIGR"). */
const MIGRATION_LOCK = 0x4142_4d49;

/** How long opening a connection to PostgreSQL may take before it counts as unreachable. */
export const PG_CONNECT_TIMEOUT_MS = 10_000;
/** How long a connection to PostgreSQL may be silent before TCP keepalive asks whether the other end is still there. */
export const PG_KEEPALIVE_AFTER_MS = 30_000;

/** PostgreSQL through node-postgres (a pool); `migrate` applies db/migrations-pg (one server at a time). */
export async function openPostgres(
  url: string,
  opts: { migrate?: boolean; max?: number; onIdleError?: (error: Error) => void; connectTimeoutMs?: number } = {},
): Promise<PostgresDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    // A database that takes the connection and never answers (a failover in
    // progress, a route gone) fails the request after this long, as
    // unreachable (503 under /api/), instead of holding it for ever: the
    // pool's own default is no limit.
    connectionTimeoutMillis: opts.connectTimeoutMs ?? PG_CONNECT_TIMEOUT_MS,
    // And a connection whose peer vanished without a word is found by TCP
    // keepalive, probing after 30 s of silence (the system's default waits 2 h).
    keepAlive: true,
    keepAliveInitialDelayMillis: PG_KEEPALIVE_AFTER_MS,
  });
  // An idle connection that PostgreSQL ends (a restart, a failover, a
  // terminated backend) is an "error" event of the pool: unheard, an error
  // event ends the process. The pool has dropped that connection already;
  // the next query opens another.
  pool.on("error", (error) => opts.onIdleError?.(error));
  // A connection that ends while checked out of the pool (a transaction in
  // flight when PostgreSQL restarts or fails over, or an admin ends the
  // backend) fails its query, which the caller hears, and is then an "error"
  // event of that client, which the pool does not listen to while the client
  // is out: unheard, it ended the process (pg-server.test.ts). Heard here;
  // the pool drops the broken client when it is released.
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = drizzlePg(pool, { schema: pgSchema });
  if (opts.migrate) {
    // Several servers start at once (a rolling start, systemd bringing three up):
    // one migrates while the others wait on the same advisory lock, then find
    // nothing left to do. Without it two would create the same tables and one fail.
    // The lock on a connection of its own, outside the pool: a pool of one
    // (migrate-to-postgres) would otherwise leave the migrator none.
    const lock = new pg.Client({ connectionString: url, connectionTimeoutMillis: opts.connectTimeoutMs ?? PG_CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: PG_KEEPALIVE_AFTER_MS });
    // Ended under the migration, it fails the statement in flight (heard below); unheard, its event ended the process.
    lock.on("error", () => {});
    await lock.connect();
    try {
      await lock.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await migratePg(db, { migrationsFolder: PG_MIGRATIONS_DIR });
    } finally {
      await lock.end().catch(() => {});
    }
  }
  return { async: postgresAsync(db as unknown as Q, pool), pool, close: () => pool.end() };
}

/** The advisory lock key every server of one PostgreSQL database holds while it runs ("AB" "SERV"). */
const SERVER_LOCK = 0x4142_5345;

/**
 * Servers on one PostgreSQL database share live edits, presence, limits and
 * the once-per-cluster work only through Redis. A server without REDIS_URL
 * must therefore be the only one: it holds the server lock alone
 * (`alone`), servers with REDIS_URL hold it together (`shared`). The lock
 * is a session advisory lock on a connection of its own, so it ends with
 * the process however that ends (PostgreSQL drops the session of a killed
 * process). Returns null when it is held the other way; `lost` is called if
 * the connection ends while the server runs (a restart of PostgreSQL).
 */
export async function tryServerLock(
  url: string,
  mode: "alone" | "shared",
  lost: (error: Error) => void,
): Promise<{ release(): Promise<void> } | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: PG_KEEPALIVE_AFTER_MS });
  // Heard from the start: the backend can end in the same read as the answer
  // to connect or to the lock's query, before a listener added after them
  // (an unheard "error" event ends the process; pg-server.test.ts). Until the
  // lock is held an end fails the step in flight, or is found below.
  let state: "taking" | "held" | "released" = "taking";
  let early: Error | null = null;
  const ended = (error: Error) => {
    if (state === "held") lost(error);
    else if (state === "taking") early ??= error;
  };
  client.on("error", ended);
  client.on("end", () => ended(new Error("the connection holding the server lock ended")));
  try {
    await client.connect();
    const fn = mode === "alone" ? "pg_try_advisory_lock" : "pg_try_advisory_lock_shared";
    const res = await client.query<{ held: boolean }>(`select ${fn}($1) as held`, [SERVER_LOCK]);
    if (early) throw early;
    if (!res.rows[0]?.held) {
      state = "released";
      await client.end().catch(() => {});
      return null;
    }
  } catch (e) {
    state = "released";
    await client.end().catch(() => {});
    throw e;
  }
  state = "held";
  return {
    async release() {
      state = "released";
      await client.end().catch(() => {});
    },
  };
}

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
  if (isPostgresUrl(url)) {
    // Not a file name: better-sqlite3 would make a file called "postgres:".
    throw new Error("a PostgreSQL DATABASE_URL: open it with openAppDatabase() (or openPostgres()); openDatabase() is SQLite's");
  }
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
    async: sqliteAsync(db, sqlite),
    close: () => {
      const fd = walFiles.get(sqlite);
      if (fd !== undefined) fs.closeSync(fd);
      walFiles.delete(sqlite);
      sqlite.close();
    },
  };
}
