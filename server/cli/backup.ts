/**
 * `npm run backup -- <file> [--force]`: an online backup of DATABASE_URL
 * while the server keeps running (a second connection; WAL lets it read
 * while the server writes), checked before it gets its name. Exit code 0
 * when the backup is written and sound, 1 when refused or the check fails.
 */
import path from "node:path";
import { parseEnv } from "../../app/services/env.server";
import { databasePath } from "../../db/client";
import { fileBackupRefusal, openExisting } from "../../db/backup";
import { backupTo, BackupError, describeCheck } from "../backup";
import { unexpectedMessage } from "./services";

const args = process.argv.slice(2);
const force = args.includes("--force");
const files = args.filter((a) => !a.startsWith("--"));
const unknown = args.filter((a) => a.startsWith("--") && a !== "--force");
if (files.length !== 1 || unknown.length) {
  console.error("Gebruik: npm run backup -- <bestand> [--force]");
  process.exit(2);
}

// npm runs scripts in the project folder; a relative name means where the command was typed.
const target = path.resolve(process.env.INIT_CWD ?? process.cwd(), files[0]);
const env = parseEnv(process.env);
const refused = fileBackupRefusal(env.DATABASE_URL, "backup");
if (refused) {
  console.error(refused);
  process.exit(1);
}
const dbFile = databasePath(env.DATABASE_URL);
if (dbFile === ":memory:") {
  console.error("DATABASE_URL is :memory:; daar valt niets van te bewaren");
  process.exit(1);
}

let source;
try {
  source = openExisting(dbFile);
} catch (e) {
  console.error(`Kan ${dbFile} niet openen: ${(e as Error).message}`);
  process.exit(1);
}
try {
  console.log(`Back-up van ${dbFile} naar ${target}`);
  const result = await backupTo(source, target, { force });
  for (const line of describeCheck(result.check)) console.log(line);
  console.log(`Klaar: ${result.file} (${result.ms} ms)`);
} catch (e) {
  console.error(e instanceof BackupError ? `Back-up mislukt: ${e.message}` : unexpectedMessage(e));
  process.exitCode = 1;
} finally {
  source.close();
}
