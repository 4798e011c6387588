/**
 * Moving an installation from its SQLite file to an empty PostgreSQL
 * database (`npm run migrate-to-postgres`, server/cli/migrate-to-postgres.ts).
 *
 * Every table of db/schema.ts, in foreign-key order read from the schema
 * itself, is copied in batches inside ONE PostgreSQL transaction: each SQLite
 * value decoded by its SQLite column (0/1 → boolean, JSON text → value, blob
 * → Buffer) and written by the same column of db/schema.pg.ts (boolean,
 * jsonb, bytea, bigint), so the rows read back the same on both (the two
 * schemas' row types are equal: tests/unit/pg-schema-source.test.ts). Sealed
 * values (contact details, two-factor secrets) are bytes like any blob: they
 * stay sealed, and the same DATA_KEY opens them. Then every identity
 * sequence is set past its column's highest id, and rows and a checksum of
 * each table's keys are compared before the transaction commits: a
 * difference rolls everything back.
 *
 * The SQLite side is read inside `BEGIN IMMEDIATE` (one consistent state, no
 * other writer meanwhile) and never written. Refusals (MigrationRefused):
 * migrations of the file not exactly this code's, a table or column the
 * schema does not know (it would be left behind), broken foreign keys, a
 * target with rows in any of the app's tables.
 */
import Database from "better-sqlite3";
import { getTableColumns, is, sql, type Column } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { getTableConfig as getPgTableConfig, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { createHash } from "node:crypto";
import { appliedMigrations, knownMigrations, migrationState, MIGRATIONS_TABLE } from "./backup";
import { asyncOver, openPostgres, type AsyncDb, type DB } from "./client";
import * as schema from "./schema";
import * as pgSchema from "./schema.pg";

/** Why the move will not start (nothing was written anywhere). */
export class MigrationRefused extends Error {
  constructor(
    readonly reason: "migrations" | "schema" | "foreign_keys" | "target_not_empty",
    message: string,
  ) {
    super(message);
  }
}

/** One table of the app, on both sides. */
export interface AppTable {
  /** Its export name in db/schema.ts and db/schema.pg.ts. */
  key: string;
  /** Its SQL name (the same on both). */
  name: string;
  sqlite: SQLiteTable;
  pg: PgTable;
  /** Property keys of its columns, in the table's column order. */
  columns: string[];
  /** The columns that identify a row (the primary key, else the first unique index, else all): the checksum's input. */
  keyColumns: string[];
  /** Integer primary key with autoincrement: an identity column on PostgreSQL whose sequence is set after the copy. */
  identity: string | null;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Every table of db/schema.ts with its PostgreSQL twin, parents before the
 * tables that refer to them (topological order of the schema's foreign
 * keys; ties by name). Throws when a table has no twin or the references
 * form a cycle (a copy in one pass could not satisfy them).
 */
export function appTables(): AppTable[] {
  const entries = (Object.entries(schema) as Array<[string, unknown]>)
    .filter((e): e is [string, SQLiteTable] => is(e[1], SQLiteTable))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const byTable = new Map<SQLiteTable, AppTable>();
  const pgTables = (Object.entries(pgSchema) as Array<[string, unknown]>).filter((e): e is [string, PgTable] => is(e[1], PgTable));
  for (const [key, table] of entries) {
    const config = getTableConfig(table);
    const pg = (pgSchema as Record<string, unknown>)[key];
    if (!is(pg, PgTable) || getPgTableConfig(pg).name !== config.name) {
      throw new Error(`db/schema.pg.ts has no table ${config.name} (${key}): run npx tsx db/pg-schema-source.ts`);
    }
    const columns = Object.entries(getTableColumns(table));
    const pgColumns = Object.keys(getTableColumns(pg));
    if (pgColumns.length !== columns.length || columns.some(([k]) => !pgColumns.includes(k))) {
      throw new Error(`${config.name}: the columns of db/schema.ts and db/schema.pg.ts differ: run npx tsx db/pg-schema-source.ts`);
    }
    const keyOf = new Map<Column, string>(columns.map(([k, c]) => [c, k]));
    const primary = columns.filter(([, c]) => c.primary).map(([k]) => k);
    const unique = config.indexes.find((ix) => ix.config.unique && !ix.config.where);
    const uniqueColumn = columns.find(([, c]) => c.isUnique);
    const keyColumns = primary.length
      ? primary
      : unique
        ? unique.config.columns.map((c) => keyOf.get(c as Column)!)
        : uniqueColumn
          ? [uniqueColumn[0]]
          : columns.map(([k]) => k);
    const identityColumn = columns.find(([, c]) => c.primary && (c as unknown as { autoIncrement?: boolean }).autoIncrement);
    byTable.set(table, { key, name: config.name, sqlite: table, pg, columns: columns.map(([k]) => k), keyColumns, identity: identityColumn?.[0] ?? null });
  }
  if (pgTables.length !== entries.length) {
    const known = new Set(entries.map(([k]) => k));
    throw new Error(`db/schema.pg.ts has tables db/schema.ts lacks: ${pgTables.filter(([k]) => !known.has(k)).map(([k]) => k).join(", ")}`);
  }

  // Kahn's algorithm over "refers to".
  const parents = new Map<AppTable, Set<AppTable>>();
  for (const [table, app] of byTable) {
    const refs = new Set<AppTable>();
    for (const fk of getTableConfig(table).foreignKeys) {
      const target = byTable.get(fk.reference().foreignTable as SQLiteTable);
      if (!target) throw new Error(`${app.name}: a foreign key to a table outside db/schema.ts`);
      if (target === app) throw new Error(`${app.name} refers to itself: the copy would need two passes (not written yet)`);
      refs.add(target);
    }
    parents.set(app, refs);
  }
  const ordered: AppTable[] = [];
  const placed = new Set<AppTable>();
  while (ordered.length < byTable.size) {
    const ready = [...byTable.values()].filter((t) => !placed.has(t) && [...parents.get(t)!].every((p) => placed.has(p)));
    if (!ready.length) {
      const left = [...byTable.values()].filter((t) => !placed.has(t)).map((t) => t.name);
      throw new Error(`the foreign keys of ${left.join(", ")} form a cycle: no order copies them in one pass`);
    }
    for (const t of ready) {
      ordered.push(t);
      placed.add(t);
    }
  }
  return ordered;
}

// ---------------------------------------------------------------- the source

export interface SqliteSource {
  db: DB;
  /** The asynchronous layer over the same connection (the start rule's check of sealed values reads through it). */
  async: AsyncDb;
  sqlite: Database.Database;
  close(): void;
}

/** Open an existing SQLite database to copy from: nothing created, migrated or changed. */
export function openSqliteSource(file: string): SqliteSource {
  const sqlite = new Database(file, { fileMustExist: true });
  sqlite.pragma("busy_timeout = 5000");
  const db = drizzle(sqlite, { schema }) as DB;
  return { db, sqlite, async: asyncOver(db), close: () => sqlite.close() };
}

/**
 * What stops this file from being copied whole, as refusals: its migrations
 * not exactly this code's, a table or column db/schema.ts does not know
 * (its data would be left behind), references to rows that are not there
 * (PostgreSQL would refuse them).
 */
export function checkSource(sqlite: Database.Database, tables = appTables()): void {
  const found = appliedMigrations(sqlite);
  const known = knownMigrations();
  const state = migrationState(found, known);
  if (state !== "current") {
    const why =
      state === "older"
        ? `${known.length - found!.length} of this release's ${known.length} migrations are not applied yet: start the server once with this release (it migrates on start) or run npm run setup, stop it, and try again`
        : state === "newer"
          ? `it was migrated by a newer release (${found!.length} migrations, this release has ${known.length}): run the newer release's migrate-to-postgres`
          : found
            ? "it holds migrations this release does not know"
            : `it has no ${MIGRATIONS_TABLE} table (not an Alliantiebord database)`;
    throw new MigrationRefused("migrations", `SQLite database not ready to move: ${why}`);
  }
  const byName = new Map(tables.map((t) => [t.name, t]));
  const fileTables = (
    sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as Array<{ name: string }>
  ).map((r) => r.name);
  for (const name of fileTables) {
    if (name === MIGRATIONS_TABLE) continue;
    const table = byName.get(name);
    if (!table) throw new MigrationRefused("schema", `table ${name} of the SQLite file is not in db/schema.ts: its rows would be left behind`);
    const columnNames = new Set(Object.values(getTableColumns(table.sqlite)).map((c) => c.name));
    for (const { name: column } of sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(name) as Array<{ name: string }>) {
      if (!columnNames.has(column)) throw new MigrationRefused("schema", `column ${name}.${column} of the SQLite file is not in db/schema.ts: it would be left behind`);
    }
  }
  for (const t of tables) {
    if (!fileTables.includes(t.name)) throw new MigrationRefused("schema", `table ${t.name} of db/schema.ts is missing from the SQLite file`);
  }
  const broken = sqlite.pragma("foreign_key_check") as Array<{ table: string; parent: string }>;
  if (broken.length) {
    throw new MigrationRefused(
      "foreign_keys",
      `the SQLite file has ${broken.length} reference(s) to rows that are not there (first: ${broken[0].table} → ${broken[0].parent}); PostgreSQL would refuse them`,
    );
  }
}

// ---------------------------------------------------------------- checksums

/** A value as the checksum sees it: the same on both sides for the same row. */
function canonical(v: unknown): unknown {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `x:${Buffer.from(v).toString("hex")}`;
  return v;
}

/** Order-independent: the sum (mod 2^64) of each key's SHA-256 prefix. */
class KeySum {
  rows = 0;
  private sum = 0n;
  add(values: unknown[]): void {
    const digest = createHash("sha256").update(JSON.stringify(values.map(canonical))).digest();
    this.sum = (this.sum + digest.readBigUInt64BE(0)) & 0xffffffffffffffffn;
    this.rows++;
  }
  get hex(): string {
    return this.sum.toString(16).padStart(16, "0");
  }
}

// ---------------------------------------------------------------- the copy

export interface TableResult {
  table: string;
  sqliteRows: number;
  postgresRows: number;
  sqliteChecksum: string;
  postgresChecksum: string;
}

export interface MigrationResult {
  tables: TableResult[];
  /** Each identity column's sequence: the next id it gives. */
  sequences: Array<{ table: string; column: string; next: number }>;
  ms: number;
}

/** Rows per INSERT: PostgreSQL takes at most 65,535 parameters per statement. */
const MAX_PARAMETERS = 30_000;
/** And bytes per INSERT (board documents can be large), roughly. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

function roughSize(v: unknown): number {
  if (v === null || v === undefined) return 1;
  if (Buffer.isBuffer(v)) return v.length;
  if (typeof v === "string") return v.length * 2;
  if (typeof v === "object") return JSON.stringify(v).length;
  return 8;
}

/** Rows in each of the app's tables that the PostgreSQL database already has (tables it lacks are left out). */
export async function rowsInTarget(h: AsyncDb, tables = appTables()): Promise<Array<{ table: string; rows: number }>> {
  const existing = await h.q.execute(sql`select tablename from pg_tables where schemaname = current_schema()`);
  const names = new Set((existing.rows as Array<{ tablename: string }>).map((r) => r.tablename));
  const counts: Array<{ table: string; rows: number }> = [];
  for (const t of tables) {
    if (!names.has(t.name)) continue;
    const r = await h.q.execute(sql.raw(`select count(*)::bigint as n from ${quote(t.name)}`));
    counts.push({ table: t.name, rows: Number((r.rows[0] as { n: string | number }).n) });
  }
  return counts;
}

function refuseNonEmpty(counts: Array<{ table: string; rows: number }>): void {
  const full = counts.filter((c) => c.rows > 0);
  if (full.length) {
    throw new MigrationRefused(
      "target_not_empty",
      `the PostgreSQL database is not empty (${full.map((c) => `${c.table}: ${c.rows}`).join(", ")}): a move goes into an empty database only, nothing is merged`,
    );
  }
}

/**
 * Copy the SQLite database `source` into the PostgreSQL database at
 * `postgresUrl` (migrated with db/migrations-pg first). Throws
 * MigrationRefused before writing anything when it must not; any other
 * failure rolls the PostgreSQL transaction back.
 */
export async function migrateToPostgres(
  source: SqliteSource,
  postgresUrl: string,
  opts: { onTable?: (t: TableResult) => void; batchRows?: number } = {},
): Promise<MigrationResult> {
  const started = Date.now();
  const tables = appTables();
  const { sqlite } = source;
  // One consistent state of the file, and no other writer until we are done (we only read).
  sqlite.exec("BEGIN IMMEDIATE");
  try {
    checkSource(sqlite, tables);

    // Look before migrating: a database with rows, or another application's tables, is not touched at all.
    const look = await openPostgres(postgresUrl, { max: 1 });
    try {
      const existing = await look.async.q.execute(sql`select tablename from pg_tables where schemaname = current_schema()`);
      const extra = (existing.rows as Array<{ tablename: string }>).map((r) => r.tablename).filter((n) => !tables.some((t) => t.name === n));
      if (extra.length) throw new MigrationRefused("schema", `the PostgreSQL database has tables db/schema.pg.ts does not know (${extra.join(", ")}): use an empty database`);
      refuseNonEmpty(await rowsInTarget(look.async, tables));
    } finally {
      await look.close();
    }

    const target = await openPostgres(postgresUrl, { migrate: true, max: 1 });
    try {
      return await target.async.transaction(async (tx) => {
        // Nobody else writes into these tables until the move commits.
        await tx.q.execute(sql.raw(`lock table ${tables.map((t) => quote(t.name)).join(", ")} in access exclusive mode`));
        refuseNonEmpty(await rowsInTarget(tx, tables));

        const results: TableResult[] = [];
        for (const table of tables) {
          const columns = table.columns.map((k) => getTableColumns(table.sqlite)[k]);
          const keyIndex = table.keyColumns.map((k) => table.columns.indexOf(k));
          const rowsPerBatch = Math.max(1, Math.min(opts.batchRows ?? 1000, Math.floor(MAX_PARAMETERS / columns.length)));
          const sum = new KeySum();
          let batch: Record<string, unknown>[] = [];
          let bytes = 0;
          const flush = async () => {
            if (!batch.length) return;
            await tx.q.insert(table.pg).values(batch as never);
            batch = [];
            bytes = 0;
          };
          // Read in pages by rowid: the connection cannot run another statement while an iterator is open.
          let lastRowid: number | bigint = -9223372036854775808n;
          const page = sqlite
            .prepare(`SELECT rowid, ${columns.map((c) => quote(c.name)).join(", ")} FROM ${quote(table.name)} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
            .raw(true);
          for (;;) {
            const rows = page.all(lastRowid, rowsPerBatch) as unknown[][];
            if (!rows.length) break;
            for (const raw of rows) {
              lastRowid = raw[0] as number;
              const values = raw.slice(1).map((v, i) => (v === null ? null : columns[i].mapFromDriverValue(v)));
              sum.add(keyIndex.map((i) => values[i]));
              const row: Record<string, unknown> = {};
              table.columns.forEach((k, i) => (row[k] = values[i]));
              batch.push(row);
              bytes += values.reduce<number>((n, v) => n + roughSize(v), 0);
              if (batch.length >= rowsPerBatch || bytes >= MAX_BATCH_BYTES) await flush();
            }
          }
          await flush();

          // Read back what PostgreSQL now holds: its rows and the same checksum of their keys.
          const pgColumns = getTableColumns(table.pg);
          const fields = Object.fromEntries(table.keyColumns.map((k) => [k, pgColumns[k]]));
          const back = new KeySum();
          for (const r of (await tx.q.select(fields).from(table.pg)) as Array<Record<string, unknown>>) back.add(table.keyColumns.map((k) => r[k]));
          const result = { table: table.name, sqliteRows: sum.rows, postgresRows: back.rows, sqliteChecksum: sum.hex, postgresChecksum: back.hex };
          results.push(result);
          opts.onTable?.(result);
        }

        const wrong = results.filter((r) => r.sqliteRows !== r.postgresRows || r.sqliteChecksum !== r.postgresChecksum);
        if (wrong.length) throw new Error(`the copy differs from the SQLite file in ${wrong.map((r) => r.table).join(", ")}: rolled back`);

        // Every identity sequence past its column's highest id, so the next insert gets a fresh one.
        const identities = await tx.q.execute(sql`
          select c.relname as table_name, a.attname as column_name
          from pg_attribute a
          join pg_class c on c.oid = a.attrelid
          join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
            and pg_get_serial_sequence(quote_ident(c.relname), a.attname) is not null
          order by 1, 2`);
        const found = identities.rows as Array<{ table_name: string; column_name: string }>;
        for (const t of tables.filter((t) => t.identity)) {
          const column = getTableColumns(t.pg)[t.identity!].name;
          if (!found.some((f) => f.table_name === t.name && f.column_name === column)) {
            throw new Error(`${t.name}.${column} has no identity sequence on PostgreSQL`);
          }
        }
        const sequences: MigrationResult["sequences"] = [];
        for (const f of found) {
          if (!tables.some((t) => t.name === f.table_name)) continue;
          const r = await tx.q.execute(
            sql.raw(
              `select setval(pg_get_serial_sequence(${`'${quote(f.table_name).replace(/'/g, "''")}'`}, '${f.column_name.replace(/'/g, "''")}'), coalesce(max(${quote(f.column_name)}), 0) + 1, false) as next from ${quote(f.table_name)}`,
            ),
          );
          sequences.push({ table: f.table_name, column: f.column_name, next: Number((r.rows[0] as { next: string | number }).next) });
        }
        return { tables: results, sequences, ms: Date.now() - started };
      });
    } finally {
      await target.close();
    }
  } finally {
    if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
  }
}
