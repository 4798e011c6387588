/**
 * Several app servers over one database and one Redis, for the end-to-end
 * test of two browsers on two servers (tests/e2e/two-servers.spec.ts).
 *
 * Run as a child process: `tsx tests/e2e/cluster-server.ts <n>` with
 * DATABASE_URL (already set up by db/setup.ts) and REDIS_URL in the
 * environment. It serves n servers (SERVER_ID s0, s1, …) on free ports and
 * prints one line `listening <url0> <url1> …` when all are up.
 *
 * The servers share one SQLite connection in this process: SQLite allows one
 * server per file (the `<db>.pid` lock of server/index.ts), so servers in
 * separate processes wait for the server on PostgreSQL (issue 16). Everything
 * between them — Yjs updates and presence over Redis streams, socket.io,
 * limits — goes through Redis exactly as between processes.
 */
import type { ServerBuild } from "@remix-run/node";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { openDatabase } from "../../db/client";
import { parseEnv } from "../../app/services/env.server";
import { createAppServer } from "../../server/app";
import { ROOT } from "../../server/files";
import { REMIX_BUILD } from "../../scripts/build-state.mjs";

const n = Number(process.argv[2] ?? "2");
const base = parseEnv(process.env);
if (!base.REDIS_URL) throw new Error("REDIS_URL is needed: the servers share live traffic through Redis");
const database = openDatabase(base.DATABASE_URL, { migrate: true });
const build = (await import(pathToFileURL(path.join(ROOT, REMIX_BUILD)).href)) as ServerBuild;

const servers = Array.from({ length: n }, (_, i) => createAppServer({ env: parseEnv({ ...process.env, SERVER_ID: `s${i}`, PORT: "0" }), database, build }));
const urls: string[] = [];
for (const s of servers) urls.push((await s.listen(0, "127.0.0.1")).url);
await Promise.all(servers.map((s) => s.redis?.ready(15_000)));
process.stdout.write(`listening ${urls.join(" ")}\n`);

async function stop() {
  await Promise.allSettled(servers.map((s) => s.close()));
  database.close();
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
