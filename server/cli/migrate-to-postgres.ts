/**
 * `npm run migrate-to-postgres -- [--from <sqlite>] [--to <postgres://…>]`:
 * move an installation from its SQLite file into an empty PostgreSQL
 * database. `--from`: a file name or `file:` URL, default DATABASE_URL when
 * that is SQLite; `--to`: default DATABASE_URL when that is PostgreSQL (so
 * either may come from the environment, the other as an argument).
 *
 * Refuses (exit 1, nothing written) while a server runs on the SQLite file
 * (its `<db>.pid`) or another process has it open, when the file's
 * migrations are not exactly this release's, and when the target has rows
 * in any of the app's tables. Holds the same lock as a server while it
 * copies, so no server starts on the file meanwhile. The copy itself is
 * db/migrate-to-postgres.ts. Exit 2: wrong arguments.
 */
import fs from "node:fs";
import path from "node:path";
import { parseEnv } from "../../app/services/env.server";
import { dataKeyProblem } from "../../app/services/contacts.server";
import { resolveDataKey } from "../../app/services/seal.server";
import { databasePath, isPostgresUrl } from "../../db/client";
import { migrateToPostgres, MigrationRefused, openSqliteSource, type TableResult } from "../../db/migrate-to-postgres";
import { databaseInUse, holdServerLock } from "../backup";
import { fail } from "./services";
import { errorForLog } from "../../db/health";

const USAGE = `Gebruik / usage:
  npm run migrate-to-postgres -- [--from <sqlite-bestand of file:…>] [--to postgres://…]
  --from: standaard DATABASE_URL als die SQLite is / default DATABASE_URL when it is SQLite
  --to:   standaard DATABASE_URL als die PostgreSQL is / default DATABASE_URL when it is PostgreSQL`;

const args = process.argv.slice(2);
const options: Record<string, string> = {};
for (let i = 0; i < args.length; i++) {
  const m = /^--(from|to)(?:=(.*))?$/.exec(args[i]);
  if (!m) fail(`Onbekend / unknown: ${args[i]}\n\n${USAGE}`, 2);
  const value = m[2] ?? args[++i];
  if (!value || options[m[1]] !== undefined) fail(USAGE, 2);
  options[m[1]] = value;
}

let env;
try {
  env = parseEnv(process.env);
} catch (e) {
  fail((e as Error).message, 2);
}
const fromUrl = options.from ?? (isPostgresUrl(env.DATABASE_URL) ? undefined : env.DATABASE_URL);
const toUrl = options.to ?? (isPostgresUrl(env.DATABASE_URL) ? env.DATABASE_URL : undefined);
if (!fromUrl) fail(`Geef --from: DATABASE_URL is PostgreSQL / give --from: DATABASE_URL is PostgreSQL\n\n${USAGE}`, 2);
if (!toUrl) fail(`Geef --to postgres://… / give --to postgres://…\n\n${USAGE}`, 2);
if (isPostgresUrl(fromUrl)) fail(`--from moet een SQLite-bestand zijn / --from must be a SQLite file\n\n${USAGE}`, 2);
if (!isPostgresUrl(toUrl)) fail(`--to moet een postgres://-adres zijn / --to must be a postgres:// URL\n\n${USAGE}`, 2);
const fromPath = databasePath(fromUrl);
if (fromPath === ":memory:") fail("--from is :memory:; daar valt niets van te verhuizen / nothing to move", 2);
// npm runs scripts in the project folder; a relative name means where the command was typed.
const file = path.resolve(process.env.INIT_CWD ?? process.cwd(), fromPath);

/** The URL without its password, for printing. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(postgres://…)";
  }
}

if (!fs.existsSync(file)) fail(`${file} bestaat niet / does not exist`, 1);
const busy = databaseInUse(file);
if (busy) {
  fail(
    `Niets verhuisd: ${busy}. Stop de server eerst (systemctl stop …) en probeer het opnieuw.\n` +
      "Nothing moved: the SQLite database is in use (a running server?). Stop it first, then run this again.",
    1,
  );
}
let lock: { release(): void };
try {
  // A server's own lock: no server starts on the file while we copy it.
  lock = holdServerLock(file);
} catch (e) {
  fail(`Niets verhuisd / nothing moved: ${(e as Error).message}`, 1);
}

let source;
try {
  source = openSqliteSource(file);
} catch (e) {
  lock.release();
  fail(`Kan ${file} niet openen / cannot open: ${(e as Error).message}`, 1);
}

try {
  // Sealed values move as bytes: whoever runs on PostgreSQL needs the key they were sealed with.
  const key = resolveDataKey(env.DATA_KEY, file);
  const keyProblem = await dataKeyProblem(source, key.key);

  console.log(`Verhuizen van ${file} naar ${shown(toUrl)}`);
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  let header = false;
  const line = (t: TableResult) => {
    // After the refusals: the first table copied.
    if (!header) console.log(`${"tabel / table".padEnd(24)} ${pad("SQLite", 9)} ${pad("PostgreSQL", 11)}  controle / checksum`);
    header = true;
    console.log(
      `${t.table.padEnd(24)} ${pad(t.sqliteRows, 9)} ${pad(t.postgresRows, 11)}  ${t.sqliteRows === t.postgresRows && t.sqliteChecksum === t.postgresChecksum ? `ok ${t.postgresChecksum}` : "VERSCHILT / DIFFERS"}`,
    );
  };
  const result = await migrateToPostgres(source, toUrl, { onTable: line });
  const total = result.tables.reduce((n, t) => n + t.postgresRows, 0);
  console.log(`${"totaal / total".padEnd(24)} ${pad(total, 9)} ${pad(total, 11)}`);
  for (const s of result.sequences) console.log(`reeks / sequence ${s.table}.${s.column}: volgende / next ${s.next}`);
  const sealed = result.tables.filter((t) => t.table === "request_contacts" || t.table === "user_two_factor").reduce((n, t) => n + t.postgresRows, 0);
  console.log(
    `Verzegelde gegevens (${sealed} rijen contactgegevens en tweestapsgeheimen) zijn als bytes gekopieerd en blijven verzegeld: ` +
      "de servers op PostgreSQL hebben dezelfde DATA_KEY nodig.\n" +
      "Sealed data (contact details, two-factor secrets) was copied as bytes and stays sealed: the servers on PostgreSQL need the same DATA_KEY.",
  );
  if (key.from === "file") console.log(`De sleutel staat in ${key.file}: zet die als DATA_KEY in de omgeving van de servers / the key is in that file: set it as DATA_KEY.`);
  if (keyProblem) console.log(`LET OP / NOTE: ${keyProblem}`);
  console.log(
    `Klaar in ${result.ms} ms. Het SQLite-bestand is niet veranderd. / Done; the SQLite file is unchanged.\n` +
      "Zet DATABASE_URL op het PostgreSQL-adres zodra de server op PostgreSQL draait (README, Meerdere servers).",
  );
} catch (e) {
  process.exitCode = 1;
  if (e instanceof MigrationRefused) console.error(`Niets verhuisd / nothing moved: ${e.message}`);
  else {
    // Each cause and where, never a failed statement's parameters: those are the rows being moved, people's requests among them.
    const failure = errorForLog(e);
    console.error(`Verhuizen mislukt, PostgreSQL teruggedraaid / move failed, PostgreSQL rolled back: ${failure.error}\n  ${failure.at.join("\n  ")}`);
  }
} finally {
  source.close();
  lock.release();
}
