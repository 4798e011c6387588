/**
 * `npm run setup`: create the database folder, apply migrations, and seed the
 * demo alliance once, when the database is empty and SEED_DEMO is not false
 * (and the demo was not removed before).
 */
import { parseEnv } from "../app/services/env.server";
import { ensureDataKeyFile } from "../app/services/seal.server";
import { databaseForLog, databasePath, isPostgresUrl, openAppDatabase } from "./client";
import { demoSeedBlocked, seedDemo } from "./seed";

const env = parseEnv(process.env);
const where = databaseForLog(env.DATABASE_URL);
const database = await openAppDatabase(env.DATABASE_URL, { migrate: true });
if (!env.SEED_DEMO) {
  const empty = (await demoSeedBlocked(database.async)) !== "not_empty";
  console.log(
    empty
      ? `Database ${where} bijgewerkt, zonder demo (SEED_DEMO=false). Maak een alliantie aan met: npm run alliance -- create --name "…" --coordinator-email … --coordinator-name "…"`
      : `Database ${where} bijgewerkt (SEED_DEMO=false)`,
  );
} else {
  // The demo on a fresh machine: a data key in a file next to the database (never in it), so contact details can be sealed.
  // (PostgreSQL: no file of ours beside the database; contact details wait for DATA_KEY.)
  const keyFile = isPostgresUrl(env.DATABASE_URL) ? null : ensureDataKeyFile(env.DATA_KEY, databasePath(env.DATABASE_URL));
  if (keyFile) {
    console.log(
      `Sleutel voor contactgegevens aangemaakt in ${keyFile} (alleen voor de demo). Voor een echte installatie: zet hem als DATA_KEY in de omgeving en verwijder het bestand; bewaar hem apart van de back-ups.`,
    );
  }
  const result = await seedDemo(database.async);
  console.log(
    result.seeded
      ? `Demo-alliantie AVE Emmen aangemaakt in ${where}`
      : result.reason === "demo_removed"
        ? `Database ${where} bijgewerkt; de demo is eerder verwijderd en wordt niet opnieuw aangemaakt`
        : `Database ${where} bevat al gegevens: niets overschreven`,
  );
}
await database.close();
