/**
 * What differs between SQLite and PostgreSQL, for db/ modules on the
 * asynchronous layer (db/client.ts AsyncDb). Everything else is Drizzle's
 * builder, awaited, the same on both:
 * - `INSERT OR IGNORE` → `.onConflictDoNothing()`; upserts → `.onConflictDoUpdate()`;
 * - booleans → `eq(column, true)` (Drizzle writes 1 or true), never `= 1` in raw SQL;
 * - `.get()` → `first()` below; `.all()` → await the builder; `.run()` →
 *   await it (`affected()` for the count).
 */
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { AsyncDb } from "./client";
import { causes } from "./errors";

/** The first row of a select (`LIMIT 1`), or undefined. */
export async function first<T>(query: { limit(n: number): PromiseLike<T[]> }): Promise<T | undefined> {
  const rows = await query.limit(1);
  return rows[0];
}

/** How many rows an awaited UPDATE/DELETE/INSERT without RETURNING changed (SQLite `changes`, PostgreSQL `rowCount`). */
export function affected(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return Number(r.rowCount ?? r.changes ?? 0);
}

/** A JSON column's top-level field as text: `json_extract(c, '$.k')` / `c ->> 'k'`. */
export function jsonText(h: Pick<AsyncDb, "dialect">, column: SQLWrapper, key: string): SQL<string | null> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`JSON key ${key}: letters, digits and _ only`);
  return h.dialect === "sqlite" ? sql`json_extract(${column}, ${sql.raw(`'$.${key}'`)})` : sql`(${column} ->> ${sql.raw(`'${key}'`)})`;
}

/** Now in ms since the epoch, computed by the database (the `now` default of db/schema.ts). */
export function nowMs(h: Pick<AsyncDb, "dialect">): SQL<number> {
  return (h.dialect === "sqlite" ? sql`cast(unixepoch('subsec') * 1000 as integer)` : sql`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`).mapWith(Number);
}

/** `count(*)` as a number (PostgreSQL's count is a bigint, which node-postgres returns as text). */
export function count(): SQL<number> {
  return sql`count(*)`.mapWith(Number);
}

/** A unique index or constraint refused the write (SQLite SQLITE_CONSTRAINT_UNIQUE / PRIMARYKEY, PostgreSQL 23505). */
export function isUniqueViolation(e: unknown): boolean {
  for (const x of causes(e)) {
    const code = x && typeof x === "object" ? (x as { code?: unknown }).code : undefined;
    if (code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return true;
  }
  return false;
}

/**
 * Lock the selected rows until the transaction ends (`FOR UPDATE`) on
 * PostgreSQL; on SQLite the transaction already holds the only write lock
 * (`BEGIN IMMEDIATE`), so the query is left as it is.
 */
export function forUpdate<Q extends object>(h: Pick<AsyncDb, "dialect">, query: Q): Q {
  return h.dialect === "postgres" ? (query as unknown as { for(s: "update"): Q }).for("update") : query;
}

/**
 * The tiebreak "in the order they were stored" for rows of the same time:
 * SQLite's `rowid`. PostgreSQL keeps no storing order (and these tables have
 * no serial column), so there it is the row's `id`: stable, the same on every
 * read, but not the order of storing. Callers that need the order itself give
 * such rows distinct times.
 */
export function storedOrder(h: Pick<AsyncDb, "dialect">, table: SQLWrapper & { id: SQLWrapper }): SQL {
  return h.dialect === "sqlite" ? sql`${table}.rowid` : sql`${table.id}`;
}

/** The larger of two values (SQLite's scalar `max(a, b)`, PostgreSQL's `greatest(a, b)`); both non-null here. */
export function greatest(h: Pick<AsyncDb, "dialect">, a: SQLWrapper, b: SQLWrapper): SQL<number> {
  return (h.dialect === "sqlite" ? sql`max(${a}, ${b})` : sql`greatest(${a}, ${b})`).mapWith(Number);
}

/**
 * A text column for ORDER BY ignoring case: `c collate nocase` on SQLite,
 * `lower(c)` on PostgreSQL (whose collation decides the rest of the order).
 */
export function caseless(h: Pick<AsyncDb, "dialect">, column: SQLWrapper): SQL<string> {
  return h.dialect === "sqlite" ? sql`${column} collate nocase` : sql`lower(${column})`;
}

/**
 * Lock the selected rows against change until the transaction ends, letting
 * other readers lock them too (`FOR SHARE`) on PostgreSQL: a writer that
 * must see the row unchanged (a board's document generation while its
 * updates are appended) without queueing behind its peers. SQLite: as
 * `forUpdate`, the query is left as it is.
 */
export function forShare<Q extends object>(h: Pick<AsyncDb, "dialect">, query: Q): Q {
  return h.dialect === "postgres" ? (query as unknown as { for(s: "share"): Q }).for("share") : query;
}

/**
 * The rows of a raw statement (catalog queries, `select 1`: what the builder
 * cannot say), as plain objects: node-postgres' `rows` on PostgreSQL,
 * better-sqlite3's `all` on SQLite. Keep the SQL itself to what both speak,
 * or branch on `h.dialect`.
 */
export async function rawRows(h: AsyncDb, query: SQL): Promise<Record<string, unknown>[]> {
  if (h.dialect === "postgres") return (await h.q.execute(query)).rows;
  const rows = await (h.q as unknown as { all(q: SQL): unknown[] | Promise<unknown[]> }).all(query);
  return Array.from(rows) as Record<string, unknown>[];
}

const pgDialect = new PgDialect();

/**
 * `rawRows` for a statement a hot path runs again and again: on PostgreSQL
 * prepared under `name` (once per connection; node-postgres then sends only
 * the name and the values), so PostgreSQL parses and plans it once instead
 * of at every call (the tick's append took 1.8 ms unprepared, 0.9 prepared:
 * tests/bench/pg-tick.ts). The SQL must be the same text at every call
 * (arrays as one parameter, `sql.param(list)`), one text per name. SQLite
 * runs it as `rawRows` does.
 */
export async function preparedRows(h: AsyncDb, name: string, query: SQL): Promise<Record<string, unknown>[]> {
  if (h.dialect !== "postgres") return rawRows(h, query);
  const prepared = h.q._.session.prepareQuery(pgDialect.sqlToQuery(query), undefined, name, false);
  return ((await prepared.execute()) as { rows: Record<string, unknown>[] }).rows;
}

/**
 * Whether a text contains another (`instr(a, b) > 0` on SQLite, `strpos(a::text, b) > 0` on
 * PostgreSQL, where the cast also reads a jsonb column as its text, as SQLite stores JSON).
 */
export function textContains(h: Pick<AsyncDb, "dialect">, haystack: SQLWrapper, needle: SQLWrapper): SQL<boolean> {
  return h.dialect === "sqlite" ? sql`(instr(${haystack}, ${needle}) > 0)` : sql`(strpos(${haystack}::text, ${needle}) > 0)`;
}

/** Text matched as typed inside a LIKE pattern (`likeEscaped`): its `%`, `_` and `\` escaped. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `column LIKE pattern ESCAPE '\'` (the same on both engines), the pattern's literal parts made with `escapeLike`. */
export function likeEscaped(column: SQLWrapper, pattern: string): SQL<boolean> {
  return sql`(${column} like ${pattern} escape '\\')`;
}

/**
 * Run a raw statement (what the builder cannot say: a table named at run
 * time, a temporary table) and return how many rows it changed:
 * better-sqlite3's `run` on SQLite, node-postgres' `execute` on PostgreSQL.
 * Keep the SQL itself to what both speak, or branch on `h.dialect`.
 */
export async function rawRun(h: AsyncDb, query: SQL): Promise<number> {
  if (h.dialect === "postgres") return affected(await h.q.execute(query));
  return affected(await (h.q as unknown as { run(q: SQL): unknown }).run(query));
}
