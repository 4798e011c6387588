/**
 * Runs the benchmarks of this folder and records their figures:
 *
 *   npm run bench                  everything (about 15 minutes)
 *   npm run bench -- --quick       sync at N = 50 and 200 and one storm (under 5 minutes)
 *   npm run bench -- --only sync   one bench: sync, saturate, repaint, overview, import, kill, digest, follow, i18n, flood, cluster or pg-tick
 *
 * The sync bench writes tests/bench/results.json and the results section of
 * tests/bench/README.md (date, machine, commit, one table per scenario).
 * Peers (y-websocket, Hocuspocus) are installed into tests/bench/peers on
 * first use; the Remix build is made when it is missing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RepaintResult } from "./repaint";
import { writeResults } from "./sync/report";
import { buildServer, serverBuildStale } from "../../scripts/build-server";
import { REMIX_BUILD } from "../../scripts/build-state.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyIndex = args.indexOf("--only");
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : null;
const wanted = (name: string) => only === null || only === name;

function run(cmd: string, cmdArgs: string[], cwd = ROOT): void {
  const r = spawnSync(cmd, cmdArgs, { cwd, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(" ")} failed (${r.status})`);
}

/** The peers are installed for the bench only, from their own lockfile, again when it changes. */
function installPeers(): void {
  const dir = path.join(ROOT, "tests/bench/peers");
  const lock = fs.readFileSync(path.join(dir, "package-lock.json"), "utf8");
  const stamp = path.join(dir, "node_modules/.installed-lock");
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === lock) return;
  console.log("installing the peers (tests/bench/peers) …");
  run("npm", ["ci", "--no-audit", "--no-fund"], dir);
  fs.writeFileSync(stamp, lock);
}


async function repaintBench(): Promise<RepaintResult | null> {
  console.log("\n=== board page repaint (2,000 cards, Chromium)");
  try {
    const { runRepaintBench } = await import("./repaint");
    const figures = await runRepaintBench({ quick });
    console.log(figures);
    return figures;
  } catch (e) {
    console.log(`repaint bench failed: ${(e as Error).message}`);
    return null;
  }
}

if (!fs.existsSync(path.join(ROOT, REMIX_BUILD))) run("npx", ["remix", "build"]);
// The server as `npm run build` makes it (ours runs built, sync/servers.ts), again when a source changed.
if (serverBuildStale()) await buildServer();

if (wanted("sync")) {
  installPeers();
  const { runSyncBench } = await import("./sync/index");
  console.log(`\n=== sync${quick ? " (quick)" : ""}: ours against y-websocket 2.1 and Hocuspocus 3.4`);
  const results = await runSyncBench({ root: ROOT, quick });
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
    if (execFileSync("git", ["status", "--porcelain", "--", "server", "app", "db"], { cwd: ROOT }).toString().trim()) commit += "+changes";
  } catch {
    // not a git checkout
  }
  let repaint: RepaintResult | null = null;
  if (only === null && !quick) repaint = await repaintBench();
  writeResults(ROOT, {
    results,
    repaint,
    quick,
    commit,
    machine: `${os.cpus()[0]?.model ?? "cpu"} · ${os.cpus().length} cores · ${Math.round(os.totalmem() / 2 ** 30)} GiB · Node ${process.version} · ${os.platform()} ${os.release()}`,
  });
}

if (only === "repaint") await repaintBench();

if (only === "overview" || (only === null && !quick)) {
  const { benchOverview } = await import("./overview");
  console.log("\n=== overview (5,000 requests)");
  await benchOverview();
}
if (only === "import" || (only === null && !quick)) {
  const { benchImport } = await import("./import");
  console.log("\n=== import (10,000 rows, CSV and XLSX) and the board page afterwards");
  await benchImport();
}
if (only === "digest" || (only === null && !quick)) {
  const { benchDigest } = await import("./digest");
  console.log("\n=== daily digest (100 organisations, mails queued in SQLite)");
  await benchDigest();
}
/** Add one bench's figures to results.json as details.<key>, leaving the rest of the file as the sync bench wrote it. */
function recordDetails(key: string, figures: object): void {
  const file = path.join(ROOT, "tests/bench/results.json");
  const json = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as { details?: Record<string, unknown> }) : {};
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
  } catch {
    // not a git checkout
  }
  json.details = { ...(json.details ?? {}), [key]: { date: new Date().toISOString(), commit, quick, ...figures } };
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
}

if (only === "kill" || (only === null && !quick)) {
  // kill -9 at 50 random moments during 20 clients × 500 edits (tests/bench/kill.ts).
  const { benchKill } = await import("./kill");
  recordDetails("kill", await benchKill({ quick }));
}
if (only === "follow" || only === null) {
  // One facilitator, 50 followers on socket.io (tests/bench/meeting-follow.ts).
  const { benchMeetingFollow, printFollowBench } = await import("./meeting-follow");
  console.log("\n=== follow the facilitator: 50 followers");
  const follow = await benchMeetingFollow(quick ? { paced: 100, bursts: 2 } : {});
  printFollowBench(follow);
  recordDetails("meetingFollow", follow);
}
if (only === "i18n" || only === null) {
  // Formatting texts: plain, {name}s, plurals, compiling every message (tests/bench/i18n.ts).
  const { benchI18n, printI18nBench } = await import("./i18n");
  console.log("\n=== texts (ICU messages, intl-messageformat)");
  const figures = benchI18n();
  printI18nBench(figures);
  recordDetails("i18n", figures);
}

if (only === "cluster" || only === null) {
  // The Redis hop per update: a writer on server A, readers on A and B (tests/bench/cluster.ts).
  const { benchCluster, printClusterBench } = await import("./cluster");
  console.log("\n=== two servers, one board: the Redis hop per update");
  const cluster = await benchCluster({ quick });
  printClusterBench(cluster);
  recordDetails("cluster", cluster);
}
if (only === "pg-tick" || only === null) {
  // One tick's commit and activity record on a PostgreSQL that syncs each commit: time, round trips, CPU (tests/bench/pg-tick.ts).
  const { benchPgTick, printPgTick } = await import("./pg-tick");
  console.log("\n=== a tick on PostgreSQL: commit and activity record");
  const tick = await benchPgTick({ quick });
  printPgTick(tick);
  recordDetails("pgTick", tick);
}
if (only === "saturate" || (only === null && !quick)) {
  // The highest edit rate under p99 50 ms: one board of 200, 100 boards of 10; ours, the peers, the floor, ours ×2 through Redis on SQLite and on PostgreSQL (tests/bench/sync/saturate.ts).
  installPeers();
  const { runSaturationBench, printSaturation } = await import("./sync/saturate");
  console.log(`\n=== (g) saturation${quick ? " (quick)" : ""}: the highest edit rate with p99 under 50 ms`);
  const saturation = await runSaturationBench({ root: ROOT, quick });
  printSaturation(saturation);
  recordDetails("saturation", saturation);
}
if (only === "flood" || (only === null && !quick)) {
  // The public front door under a flood while two members edit (tests/bench/front-door-flood.ts).
  const { benchFrontDoorFlood, printFloodBench } = await import("./front-door-flood");
  console.log("\n=== front door flood: 64 senders, members' edit round-trip before and during");
  const flood = await benchFrontDoorFlood();
  printFloodBench(flood);
  recordDetails("frontDoorFlood", flood);
}

process.exit(0);
