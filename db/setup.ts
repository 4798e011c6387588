/** `npm run setup`: create the database folder, apply migrations, seed the demo alliance once. */
import { parseEnv } from "../app/services/env.server";
import { openDatabase } from "./client";
import { seedDemo } from "./seed";

const env = parseEnv(process.env);
const database = openDatabase(env.DATABASE_URL, { migrate: true });
const result = await seedDemo(database.db);
console.log(
  result.seeded
    ? `Demo-alliantie AVE Emmen aangemaakt in ${env.DATABASE_URL}`
    : `Database ${env.DATABASE_URL} bevat al gegevens: niets overschreven`,
);
database.close();
