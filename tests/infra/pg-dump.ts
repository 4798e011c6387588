/**
 * pg_dump of a test database (plain SQL: schema and every row), what a
 * PostgreSQL installation backs up instead of SQLite's file (README: pg_dump).
 * A bytea column is written in hex, so a test looking for words in it looks
 * for their hex too (`dumpHas`).
 */
import { spawnSync } from "node:child_process";
import { sql } from "drizzle-orm";
import type { AsyncDb } from "../../db/client";
import path from "node:path";
import { postgresBinDir } from "./postgres";

/** A statement of a test's own on PostgreSQL (superuser on the test cluster): its rows. */
export async function pgQuery(h: AsyncDb, query: string): Promise<Array<Record<string, unknown>>> {
  return ((await h.q.execute(sql.raw(query))) as unknown as { rows: Array<Record<string, unknown>> }).rows;
}

export function pgDump(url: string): Buffer {
  const r = spawnSync(path.join(postgresBinDir(), "pg_dump"), ["--no-owner", "--dbname", url], { maxBuffer: 512 * 1024 * 1024, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`pg_dump failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr?.toString()}`);
  return r.stdout;
}

/** The forms `needle` takes in a plain pg_dump: as text, and in hex inside a bytea value. */
export function dumpForms(needle: string): string[] {
  return [needle, Buffer.from(needle).toString("hex")];
}

/**
 * PostgreSQL: how often `count` finds something in the row versions of the
 * database's tables and their TOAST tables, read page by page (pageinspect,
 * which the test cluster's superuser can add): the live rows and the dead
 * versions an UPDATE or DELETE leaves until a VACUUM removes them. What lies
 * in a page's free space or in the write-ahead log is not a row version.
 */
export async function pgRowVersions(h: AsyncDb, count: (bytes: Uint8Array) => number): Promise<number> {
  const rows = (query: string) => pgQuery(h, query);
  await rows("CREATE EXTENSION IF NOT EXISTS pageinspect");
  const rels = (await rows(
    "select c.oid::regclass::text as rel, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int as pages from pg_class c " +
      "where c.relkind in ('r', 't') and (c.relnamespace = 'public'::regnamespace or c.oid in (select reltoastrelid from pg_class where relnamespace = 'public'::regnamespace))",
  )) as Array<{ rel: string; pages: number }>;
  let n = 0;
  for (const { rel, pages } of rels) {
    for (let page = 0; page < pages; page++) {
      const items = await rows(`select t_data from heap_page_items(get_raw_page('${rel.replace(/'/g, "''")}', ${page})) where lp_flags = 1 and t_data is not null`);
      for (const { t_data } of items as Array<{ t_data: Uint8Array }>) n += count(t_data);
    }
  }
  return n;
}

/**
 * PostgreSQL compresses a large value (a board's Yjs snapshot, its moments)
 * before it stores it, which would hide a canary from pgRowVersions. For a
 * canary test: the values written from now on are stored as they are
 * (STORAGE EXTERNAL: out of line when large, never compressed), so every
 * copy of the words is readable in the row versions.
 */
export async function storeUncompressed(h: AsyncDb): Promise<void> {
  const rows = (query: string) => pgQuery(h, query);
  const columns = (await rows(
    "select table_name as t, column_name as c from information_schema.columns where table_schema = 'public' and data_type in ('bytea', 'text', 'jsonb', 'json', 'character varying')",
  )) as Array<{ t: string; c: string }>;
  for (const { t, c } of columns) await rows(`ALTER TABLE "${t}" ALTER COLUMN "${c}" SET STORAGE EXTERNAL`);
}
