/**
 * Our server as the benchmark runs it: server/index.ts (environment,
 * migrations, the Remix build, the sync endpoint, socket.io on one port),
 * with one switch the product does not have: BENCH_PERSIST=off keeps board
 * updates in memory only, to measure what persistence costs. SQLite by
 * default; a postgres:// DATABASE_URL runs it on PostgreSQL.
 */
import type { ServerBuild } from "@remix-run/node";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isSqlite, openAppDatabase } from "../../../db/client";
import { parseEnv } from "../../../app/services/env.server";
import { createAppServer } from "../../../server/app";
import { sqliteRoomStorage } from "../../../server/sync/storage";
import type { RoomStorage } from "../../../server/sync/types";
import { REMIX_BUILD } from "../../../scripts/build-state.mjs";
import { ROOT } from "../../../server/files";

if (process.env.BENCH_TRACE) (await import("./trace")).installTrace();
const env = parseEnv(process.env);
// SQLite as users run one server; a postgres:// DATABASE_URL as several servers do (the saturation bench's ours-x2-pg).
const database = await openAppDatabase(env.DATABASE_URL, { migrate: true });
const buildPath = path.join(ROOT, REMIX_BUILD);
const build = fs.existsSync(buildPath) ? ((await import(pathToFileURL(buildPath).href)) as ServerBuild) : undefined;

let storage: RoomStorage | undefined;
if (process.env.BENCH_PERSIST === "off") {
  if (!isSqlite(database)) throw new Error("BENCH_PERSIST=off: SQLite only");
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
  await database.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
