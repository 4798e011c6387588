/**
 * `npm run demo -- remove`: erase the demo alliance (AVE Emmen, the one
 * `npm run setup` seeds) and everything of it, leaving every other alliance
 * as it was; `npm run setup` does not seed it again afterwards.
 * `npm run demo -- status`: whether this database holds the demo.
 *
 * Removal needs the database to itself: it takes SQLite's exclusive lock
 * first and refuses (exit 1) while any other process, a running server
 * above all, has the database open. Stop the server, remove, start again.
 * Erasure is real: secure_delete overwrites the deleted rows, the
 * write-ahead log is checkpointed and truncated, and VACUUM rewrites the
 * file without the freed pages.
 *
 * Exit codes: 0 done (also: there was no demo), 1 refused (the database is
 * in use), 2 wrong arguments.
 */
import { parseEnv } from "../../app/services/env.server";
import { demoAlliance, eraseAlliance, setInstallationFact } from "../../db/alliances";
import { databasePath, isPostgresUrl, MIGRATIONS_DIR, openDatabase } from "../../db/client";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fs from "node:fs";
import { databaseInUse } from "../backup";
import { fail, failUnexpectedly } from "./services";

failUnexpectedly(() => process.env.DATABASE_URL);

const USAGE = `Gebruik / usage:
  npm run demo -- remove    verwijder de demo-alliantie AVE Emmen en alles ervan (stop eerst de server)
  npm run demo -- status    staat de demo in deze database?`;

const [command, ...rest] = process.argv.slice(2);
if (command !== "remove" && command !== "status") fail(`${command ? `Onbekende opdracht / unknown command: ${command}\n\n` : ""}${USAGE}`, 2);
if (rest.length) fail(`Onverwacht / unexpected: ${rest.join(" ")}\n\n${USAGE}`, 2);

let env;
try {
  env = parseEnv(process.env);
} catch (e) {
  fail((e as Error).message, 2);
}
if (isPostgresUrl(env.DATABASE_URL)) {
  // The removal's guarantees (the database to itself, the freed pages rewritten) are SQLite's file's.
  fail(
    "npm run demo werkt op het SQLite-bestand; op PostgreSQL nog niet (issue 16). / npm run demo works on SQLite's file; not yet on PostgreSQL.",
    2,
  );
}
const file = databasePath(env.DATABASE_URL);
if (file !== ":memory:" && !fs.existsSync(file)) {
  process.stdout.write(`Database ${env.DATABASE_URL} bestaat niet: er is geen demo.\n`);
  process.exit(0);
}

const database = openDatabase(env.DATABASE_URL);
const sqlite = database.sqlite;

if (command === "status") {
  migrate(database.db, { migrationsFolder: MIGRATIONS_DIR });
  const demo = await demoAlliance(database.async);
  database.close();
  process.stdout.write(demo ? `De demo-alliantie ${demo.name} staat in ${env.DATABASE_URL}.\n` : `Er is geen demo-alliantie in ${env.DATABASE_URL}.\n`);
  process.exit(0);
}

const IN_USE =
  "Stop de server eerst (Ctrl+C, of systemctl stop …), voer dit opnieuw uit en start de server daarna weer.\n" +
  "Nothing removed: the database is in use (a running server?). Stop it first, then run this again.";
// A server names itself in <db>.pid; any other process shows in /proc.
const inUse = file === ":memory:" ? null : databaseInUse(file);
if (inUse) {
  database.close();
  fail(`Niets verwijderd uit ${env.DATABASE_URL}: ${inUse}.\n${IN_USE}`, 1);
}
// The database to ourselves: no waiting, and an exclusive lock held until we close
// (also against processes /proc does not show, and a server starting meanwhile).
sqlite.pragma("busy_timeout = 0");
sqlite.pragma("locking_mode = EXCLUSIVE");
try {
  sqlite.exec("BEGIN EXCLUSIVE");
  sqlite.exec("COMMIT");
} catch (e) {
  database.close();
  if ((e as { code?: string }).code === "SQLITE_BUSY" || (e as { code?: string }).code === "SQLITE_LOCKED") {
    fail(`Niets verwijderd: ${env.DATABASE_URL} is in gebruik door een ander proces, waarschijnlijk een draaiende server.\n${IN_USE}`, 1);
  }
  throw e;
}
migrate(database.db, { migrationsFolder: MIGRATIONS_DIR });

const demo = await demoAlliance(database.async);
if (!demo) {
  database.close();
  process.stdout.write(`Er is geen demo-alliantie in ${env.DATABASE_URL}: niets verwijderd. (There is no demo alliance.)\n`);
  process.exit(0);
}
const started = Date.now();
const deleted = await eraseAlliance(database.async, demo.id);
await setInstallationFact(database.async, "demo_removed_at", new Date().toISOString());
// What was deleted must not linger: in the log (checkpoint and truncate it) or in free pages (VACUUM).
sqlite.pragma("wal_checkpoint(TRUNCATE)");
sqlite.exec("VACUUM");
sqlite.pragma("wal_checkpoint(TRUNCATE)");
database.close();
const summary = Object.entries(deleted)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([table, n]) => `  ${table}: ${n}`)
  .join("\n");
process.stdout.write(
  `Demo-alliantie ${demo.name} verwijderd uit ${env.DATABASE_URL} in ${Date.now() - started} ms (andere allianties onaangeroerd):\n${summary}\n` +
    "npm run setup maakt de demo niet opnieuw aan.\n",
);
