/**
 * The two dialects cannot drift: db/migrations-pg applied to a real
 * PostgreSQL (tests/infra/postgres.ts) and db/migrations applied to SQLite
 * give the same tables, columns (nullability, type family, default or
 * not, primary key), indexes (unique, columns in order, the same partial
 * WHERE) and foreign keys (ON DELETE), read from each engine's own catalog.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, openPostgres } from "../../db/client";
import { start, type TestPostgres } from "../infra/postgres";
import { ROOT, waitFor } from "./harness";

interface Column {
  notNull: boolean;
  family: string;
  hasDefault: boolean;
  primary: boolean;
}
interface Index {
  unique: boolean;
  columns: string[];
  where: string | null;
}
interface Fk {
  to: string;
  onDelete: string;
}
interface Catalog {
  tables: Record<string, { columns: Record<string, Column>; indexes: Record<string, Index>; fks: Record<string, Fk> }>;
}

/** What each engine's type means for a value: SQLite's storage classes, PostgreSQL's types grouped to them. */
const FAMILY: Record<string, string> = {
  text: "text",
  jsonb: "text",
  integer: "integer",
  bigint: "integer",
  boolean: "integer",
  blob: "blob",
  bytea: "blob",
};
const family = (type: string) => FAMILY[type.toLowerCase()] ?? `unknown:${type}`;
/** A partial index's WHERE, compared without parentheses, quotes, PostgreSQL's `::text` casts, case or spacing. */
const normWhere = (w: string | null) =>
  w ? w.replace(/::\w+/g, "").replace(/[()"]/g, "").replace(/\s+/g, " ").trim().toLowerCase() : null;

function sqliteCatalog(): Catalog {
  const database = openDatabase(":memory:", { migrate: true });
  const s = database.sqlite;
  const catalog: Catalog = { tables: {} };
  const tables = s
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'")
    .all() as Array<{ name: string }>;
  for (const { name } of tables) {
    const columns: Record<string, Column> = {};
    for (const c of s.pragma(`table_info("${name}")`) as Array<{ name: string; type: string; notnull: number; dflt_value: unknown; pk: number }>) {
      columns[c.name] = { notNull: c.notnull === 1 || c.pk > 0, family: family(c.type), hasDefault: c.dflt_value !== null, primary: c.pk > 0 };
    }
    const indexes: Record<string, Index> = {};
    for (const ix of s.pragma(`index_list("${name}")`) as Array<{ name: string; unique: number; origin: string; partial: number }>) {
      if (ix.origin === "pk") continue;
      const cols = (s.pragma(`index_info("${ix.name}")`) as Array<{ seqno: number; name: string }>).sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
      const sql = (s.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(ix.name) as { sql: string | null }).sql;
      const where = ix.partial ? (sql?.match(/\bWHERE\b([\s\S]*)$/i)?.[1] ?? null) : null;
      indexes[ix.name] = { unique: ix.unique === 1, columns: cols, where: normWhere(where) };
    }
    const fks: Record<string, Fk> = {};
    for (const fk of s.pragma(`foreign_key_list("${name}")`) as Array<{ table: string; from: string; to: string; on_delete: string }>) {
      fks[fk.from] = { to: `${fk.table}.${fk.to}`, onDelete: fk.on_delete.toLowerCase() };
    }
    catalog.tables[name] = { columns, indexes, fks };
  }
  database.close();
  return catalog;
}

async function postgresCatalog(client: pg.Client): Promise<Catalog> {
  const catalog: Catalog = { tables: {} };
  const { rows: tables } = await client.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  for (const { name } of tables) catalog.tables[name] = { columns: {}, indexes: {}, fks: {} };
  const { rows: pks } = await client.query<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indisprimary`,
  );
  const primary = new Set(pks.map((p) => `${p.table}.${p.column}`));
  const { rows: columns } = await client.query<{ table: string; column: string; type: string; nullable: string; dflt: string | null; identity: string }>(
    `SELECT table_name AS table, column_name AS column, data_type AS type, is_nullable AS nullable, column_default AS dflt, is_identity AS identity
       FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  for (const c of columns) {
    const isPrimary = primary.has(`${c.table}.${c.column}`);
    catalog.tables[c.table].columns[c.column] = {
      notNull: c.nullable === "NO",
      family: family(c.type),
      // An identity column is SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, which has no declared default.
      hasDefault: c.dflt !== null,
      primary: isPrimary,
    };
  }
  const { rows: indexes } = await client.query<{ table: string; name: string; unique: boolean; columns: string[]; where: string | null }>(
    `SELECT t.relname AS table, ic.relname AS name, i.indisunique AS unique,
            array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            pg_get_expr(i.indpred, i.indrelid) AS where
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
      WHERE NOT i.indisprimary`,
  );
  for (const ix of indexes) {
    catalog.tables[ix.table].indexes[ix.name] = { unique: ix.unique, columns: ix.columns, where: normWhere(ix.where) };
  }
  const { rows: fks } = await client.query<{ table: string; column: string; to_table: string; to_column: string; on_delete: string }>(
    `SELECT kcu.table_name AS table, kcu.column_name AS column, ccu.table_name AS to_table, ccu.column_name AS to_column, rc.delete_rule AS on_delete
       FROM information_schema.referential_constraints rc
       JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema
       JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name AND ccu.constraint_schema = rc.unique_constraint_schema
      WHERE rc.constraint_schema = 'public'`,
  );
  for (const fk of fks) {
    catalog.tables[fk.table].fks[fk.column] = { to: `${fk.to_table}.${fk.to_column}`, onDelete: fk.on_delete.toLowerCase() };
  }
  return catalog;
}

let server: TestPostgres;
let client: pg.Client;
let sqlite: Catalog;
let postgres: Catalog;

beforeAll(async () => {
  server = await start();
  client = new pg.Client({ connectionString: await server.createDatabase("parity") });
  await client.connect();
  await migrate(drizzle(client), { migrationsFolder: path.join(ROOT, "db/migrations-pg") });
  sqlite = sqliteCatalog();
  postgres = await postgresCatalog(client);
});

afterAll(async () => {
  await client?.end();
  await server?.stop();
});

describe("SQLite and PostgreSQL schemas", () => {
  it("have the same tables", () => {
    expect(Object.keys(postgres.tables).sort()).toEqual(Object.keys(sqlite.tables).sort());
    expect(Object.keys(sqlite.tables).length).toBeGreaterThan(30);
  });

  it("have the same columns: nullability, type family, default, primary key", () => {
    for (const [table, t] of Object.entries(sqlite.tables)) {
      for (const [name, column] of Object.entries(t.columns)) {
        const other = postgres.tables[table]?.columns[name];
        // SQLite's AUTOINCREMENT key has no declared default; PostgreSQL's identity neither (is_identity, not a default).
        expect(other, `${table}.${name}`).toEqual(column);
      }
      expect(Object.keys(postgres.tables[table]?.columns ?? {}).sort(), table).toEqual(Object.keys(t.columns).sort());
    }
  });

  it("have the same indexes: unique, columns in order, partial WHERE", () => {
    for (const [table, t] of Object.entries(sqlite.tables)) {
      expect(postgres.tables[table]?.indexes, table).toEqual(t.indexes);
    }
    // The partial unique indexes that decide races are among them.
    expect(sqlite.tables.referrals.indexes.referrals_one_pending_idx).toEqual({ unique: true, columns: ["request_id"], where: "status = 'pending'" });
    expect(sqlite.tables.job_places.indexes.job_places_one_job_idx.where).toBe("ended_at is null");
  });

  it("have the same foreign keys with the same ON DELETE", () => {
    for (const [table, t] of Object.entries(sqlite.tables)) {
      expect(postgres.tables[table]?.fks, table).toEqual(t.fks);
    }
  });

  it("store booleans as booleans, ms timestamps as bigint and blobs as bytea on PostgreSQL", async () => {
    const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND (table_name, column_name) IN (('alliances', 'demo'), ('requests', 'created_at'), ('board_updates', 'data'))
        ORDER BY table_name`,
    );
    expect(rows.map((r) => r.data_type)).toEqual(["boolean", "bytea", "bigint"]);
  });
});

describe("the connection pool", () => {
  it("lives through PostgreSQL ending an idle connection (a restart, a failover): told, and the next query opens another", async () => {
    const url = await server.createDatabase("pool_idle");
    const ended: string[] = [];
    const database = await openPostgres(url, { onIdleError: (e) => ended.push(e.message) });
    try {
      // One connection, idle in the pool now.
      const pid = (await database.pool.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0].pid;
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      try {
        await admin.query("select pg_terminate_backend($1)", [pid]);
      } finally {
        await admin.end();
      }
      // Unheard, the pool's "error" event would have been an uncaught exception (the process ends).
      await waitFor(() => ended.length > 0, { message: "the pool told of the ended connection" });
      expect(ended[0]).toMatch(/terminating connection/);
      expect((await database.pool.query<{ n: number }>("select 2 as n")).rows[0].n).toBe(2);
    } finally {
      await database.close();
    }
  });
});
