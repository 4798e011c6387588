/**
 * `npm run restore -- <file>`: put a backup in place of DATABASE_URL in a
 * stopped installation. Refuses while a server (its `<db>.pid`) or any other
 * process has the database open, and when the backup fails its check. The
 * database that was there is kept as `<db>.before-restore-<time>`. A backup
 * of an earlier release is migrated when the server starts.
 */
import path from "node:path";
import { parseEnv } from "../../app/services/env.server";
import { fileBackupRefusal } from "../../db/backup";
import { databasePath } from "../../db/client";
import { BackupError, describeCheck, restoreFrom } from "../backup";
import { unexpectedMessage } from "./services";

const args = process.argv.slice(2);
if (args.length !== 1 || args[0].startsWith("--")) {
  console.error("Gebruik: npm run restore -- <bestand>");
  process.exit(2);
}

// npm runs scripts in the project folder; a relative name means where the command was typed.
const backupFile = path.resolve(process.env.INIT_CWD ?? process.cwd(), args[0]);
const env = parseEnv(process.env);
const refused = fileBackupRefusal(env.DATABASE_URL, "restore");
if (refused) {
  console.error(refused);
  process.exit(1);
}
const dbFile = databasePath(env.DATABASE_URL);
if (dbFile === ":memory:") {
  console.error("DATABASE_URL is :memory:; daar valt niets in te herstellen");
  process.exit(1);
}

try {
  console.log(`Herstel van ${backupFile} naar ${dbFile}`);
  const result = await restoreFrom(backupFile, dbFile);
  for (const line of describeCheck(result.check)) console.log(line);
  if (result.aside) console.log(`De vorige database staat nu in ${result.aside}`);
  console.log(
    result.check.pendingMigrations
      ? `Klaar. De server past bij de start ${result.check.pendingMigrations} migratie(s) toe.`
      : "Klaar. Start de server weer.",
  );
} catch (e) {
  console.error(e instanceof BackupError ? e.message : unexpectedMessage(e));
  process.exitCode = 1;
}
