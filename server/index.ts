/** Entry point: validate the environment, migrate, serve. */
import type { ServerBuild } from "@remix-run/node";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { databasePath, openDatabase } from "../db/client";
import { parseEnv } from "../app/services/env.server";
import { createAppServer } from "./app";
import { holdServerLock } from "./backup";

const env = parseEnv(process.env);
// <db>.pid: a restore refuses while it is there and this process lives; a second server refuses too.
let serverLock: { release(): void };
try {
  serverLock = holdServerLock(databasePath(env.DATABASE_URL));
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
const database = openDatabase(env.DATABASE_URL, { migrate: true });
const buildPath = path.resolve("build/index.js");
const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;

const server = createAppServer({ env, database, build });
const { url } = await server.listen();
server.log.info(`Alliantiebord luistert op ${url}`, { port: env.PORT, database: env.DATABASE_URL });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  server.log.info("stopping", { signal });
  await server.close();
  database.close();
  serverLock.release();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
