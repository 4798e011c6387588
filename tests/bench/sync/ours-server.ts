/**
 * Our server as the benchmark runs it: server/index.ts (environment,
 * migrations, the Remix build, the sync endpoint, socket.io on one port),
 * with one switch the product does not have: BENCH_PERSIST=off keeps board
 * updates in memory only, to measure what persistence costs.
 */
import type { ServerBuild } from "@remix-run/node";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { openDatabase } from "../../../db/client";
import { parseEnv } from "../../../app/services/env.server";
import { createAppServer } from "../../../server/app";
import { sqliteRoomStorage } from "../../../server/sync/storage";
import type { RoomStorage } from "../../../server/sync/types";

if (process.env.BENCH_TRACE) (await import("./trace")).installTrace();
const env = parseEnv(process.env);
const database = openDatabase(env.DATABASE_URL, { migrate: true });
const buildPath = path.resolve("build/index.js");
const build = fs.existsSync(buildPath) ? ((await import(pathToFileURL(buildPath).href)) as ServerBuild) : undefined;

let storage: RoomStorage | undefined;
if (process.env.BENCH_PERSIST === "off") {
  const sqlite = sqliteRoomStorage(database);
  storage = {
    load: (boardId) => sqlite.load(boardId),
    append: () => {},
    record: () => [],
    compact: () => {},
    latestUpdateId: () => 0,
  };
}

const server = createAppServer({ env, database, build, storage });
const { url } = await server.listen();
console.log(JSON.stringify({ ready: url, persist: storage ? "off" : env.SYNC_FSYNC, build: Boolean(build) }));
const stop = async () => {
  await server.close();
  database.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
