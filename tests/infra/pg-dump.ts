/**
 * pg_dump of a test database (plain SQL: schema and every row), what a
 * PostgreSQL installation backs up instead of SQLite's file (README: pg_dump).
 * A bytea column is written in hex, so a test looking for words in it looks
 * for their hex too (`dumpHas`).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { postgresBinDir } from "./postgres";

export function pgDump(url: string): Buffer {
  const r = spawnSync(path.join(postgresBinDir(), "pg_dump"), ["--no-owner", "--dbname", url], { maxBuffer: 512 * 1024 * 1024, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`pg_dump failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr?.toString()}`);
  return r.stdout;
}

/** The forms `needle` takes in a plain pg_dump: as text, and in hex inside a bytea value. */
export function dumpForms(needle: string): string[] {
  return [needle, Buffer.from(needle).toString("hex")];
}
