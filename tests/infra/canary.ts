/**
 * Counting a canary word where a database keeps its bytes (the erasure
 * tests): in UTF-8, UTF-16LE and UTF-16BE (Yjs writes strings as UTF-8 in
 * its own encoding, so the UTF-8 count covers its blobs); in a plain
 * pg_dump a bytea value is hex, so those forms in hex too. `atRest`: SQLite's
 * file, -wal and -shm; PostgreSQL's rows as a pg_dump of the database and
 * every row version in its tables (dead ones included).
 */
import fs from "node:fs";
import { databasePath } from "../../db/client";
import type { AsyncDb } from "../../db/client";
import { pgDump, pgRowVersions } from "./pg-dump";

function forms(token: string): Buffer[] {
  const utf16be = Buffer.from(token, "utf16le");
  for (let i = 0; i + 1 < utf16be.length; i += 2) [utf16be[i], utf16be[i + 1]] = [utf16be[i + 1], utf16be[i]];
  return [Buffer.from(token, "utf8"), Buffer.from(token, "utf16le"), utf16be];
}

export function canaryCounter(token: string, engine: "sqlite" | "postgres") {
  /** How often the token occurs in `bytes`, in any of its encodings. */
  const count = (bytes: Uint8Array): number => {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let n = 0;
    for (const needle of forms(token)) {
      for (let i = buf.indexOf(needle); i !== -1; i = buf.indexOf(needle, i + 1)) n++;
    }
    return n;
  };
  const dumpCount = (dump: Buffer): number => {
    const text = dump.toString("latin1");
    return count(dump) + forms(token).reduce((n, f) => n + text.split(f.toString("hex")).length - 1, 0);
  };
  const fileCount = (file: string): number => {
    if (!fs.existsSync(file)) return 0;
    return engine === "postgres" ? dumpCount(fs.readFileSync(file)) : count(fs.readFileSync(file));
  };
  /** Where the database keeps its rows, by place. */
  const atRest = async (dbUrl: string, h: AsyncDb): Promise<Record<string, number>> => {
    if (engine === "postgres") return { database: dumpCount(pgDump(dbUrl)), rowVersions: await pgRowVersions(h, count) };
    const dbFile = databasePath(dbUrl);
    return { sqlite: fileCount(dbFile), wal: fileCount(`${dbFile}-wal`), shm: fileCount(`${dbFile}-shm`) };
  };
  return { count, dumpCount, fileCount, atRest };
}

export const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
