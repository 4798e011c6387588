/**
 * The saturation scenario (issue 16): the highest edit rate a server keeps
 * under p99 50 ms, on one board with 200 members and across 100 boards of
 * 10 members (the rate summed over the boards), for ours, y-websocket,
 * Hocuspocus, the floor, and ours as two servers sharing the boards through
 * Redis (on one SQLite file, and on PostgreSQL). Reuses the sync bench's
 * servers, load generator and wire code:
 *
 *   - members: idle raw sockets (wire.ts), in their own low-priority
 *     process(es) on the load core, one per server (two servers: half the
 *     members on each);
 *   - edits: writer connections (raw sockets with a document of their own,
 *     the board domain's updateCard), a few per board, more when the rate
 *     needs them (ours closes a connection past 200 frames a second), on a
 *     2 ms clock, round-robin over boards and writers;
 *   - latency: one reader per board, noting when each edit's sequence number
 *     first appears in a frame it is sent (merged or not);
 *   - the search (loadgen.ts `saturate`): from 20 edits/s on one board and
 *     100 across the boards (twice that with --quick), ×2 per step (×4
 *     with --quick) until p99 ≥ 50 ms or an edit is lost, then bisected 3
 *     times (2 with --quick); a step is 1 s of warm-up and 3 s measured
 *     (0.5 + 1.5 s with --quick);
 *   - CPU: the server's user + system time from /proc over the best step's
 *     window (two servers: both and the redis-server), per thousand
 *     deliveries (edits × the members that receive them).
 *
 * The two servers share core 0 with each other and with redis-server (the
 * load core is the other one), so on this machine "two servers" shows what
 * the cluster costs, not how it scales on more machines. ours-x2: they share
 * one SQLite file (the bench's server, ours-server.ts, takes no `<db>.pid`
 * lock, and SQLite's WAL lets two processes commit to one file). ours-x2-pg:
 * the same boards copied into a PostgreSQL that syncs its commits (its
 * processes on core 0 too), as servers on several machines share them.
 *
 *   npx tsx tests/bench/sync/saturate.ts [--quick]
 *   npm run bench -- --only saturate [--quick]
 *   BENCH_SAT_SERVERS=ours,floor BENCH_SAT_SCENARIOS=one BENCH_SAT_STEP_S=1 … (narrow a run)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { start as startPostgres, type TestPostgres } from "../../infra/postgres";
import { start as startRedis, type TestRedis } from "../../infra/redis";
import { migrateToPostgres, openSqliteSource } from "../../../db/migrate-to-postgres";
import { cachedBoardState, makeOursDatabase } from "./fixture";
import { runLoadgen, target } from "./index";
import type { SaturateStep } from "./loadgen";
import { hasTaskset, postgresStats, procStats, SERVER_CORE, startServer, type ProcStats, type RunningServer } from "./servers";
import type { ServerKind, Target } from "./wire";

/**
 * What the search runs against: the four servers alone, and ours as two
 * servers through Redis, sharing one SQLite file (ours-x2) or, as several
 * machines would, one PostgreSQL (ours-x2-pg).
 */
export type SaturationServer = ServerKind | "ours-x2" | "ours-x2-pg" | "floor-batch";
export const SATURATION_SERVERS: readonly SaturationServer[] = ["ours", "y-websocket", "hocuspocus", "floor", "floor-batch", "ours-x2", "ours-x2-pg"];

export interface SaturationScenario {
  name: "one" | "many";
  boards: number;
  /** connections per board: idle members, writers and the reader (and a peer's holder) */
  members: number;
  writersPerBoard: number;
  startRate: number;
}

export const SCENARIOS: readonly SaturationScenario[] = [
  { name: "one", boards: 1, members: 200, writersPerBoard: 4, startRate: 20 },
  { name: "many", boards: 100, members: 10, writersPerBoard: 1, startRate: 100 },
];

export interface SaturationRow {
  scenario: SaturationScenario["name"];
  boards: number;
  members: number;
  server: SaturationServer;
  /** the highest rate (edits a second, summed over boards) with p99 < 50 ms and nothing lost; 0 if even the first step failed */
  rate: number;
  p50_ms: number | null;
  p99_ms: number | null;
  /** server CPU seconds in that step's window (two servers: both and redis-server) */
  cpu_s: number | null;
  deliveries: number;
  cpu_s_per_1000_deliveries: number | null;
  /** server CPU per edit at that rate, µs */
  cpu_us_per_edit: number | null;
  /** the first rate that failed, and why */
  failed_at: number | null;
  failed_because: string | null;
  steps: Array<Pick<SaturateStep, "rate" | "sentRate" | "p50_ms" | "p99_ms" | "lost" | "ok" | "stop"> & { cpu_s: number | null; cpu_parts?: Record<string, number> }>;
}

export interface SaturationResults {
  rows: SaturationRow[];
  p99_limit_ms: number;
  step_s: number;
  quick: boolean;
  /** ours ÷ the best peer's rate, per scenario (target ≥ 2) */
  ratio: Partial<Record<SaturationScenario["name"], number | null>>;
  /** CPU per edit of two servers through Redis minus one server's, single board, µs: what the Redis hop costs the servers per update */
  redis_hop_cpu_us_per_edit: number | null;
}

const P99_LIMIT_MS = 50;
const PEERS: SaturationServer[] = ["y-websocket", "hocuspocus"];

/** The redis-server listening on `port` (its process title names the port). */
function redisPid(port: number): number | null {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes("redis-server") && (cmd.includes(`:${port}`) || cmd.includes(`--port ${port}`))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** Several processes as one server under test: CPU and RSS summed (`extraStats`: processes that come and go, PostgreSQL's). */
function group(servers: RunningServer[], extraPids: number[], stopExtra: () => Promise<void>, extraStats: () => ProcStats[] = () => []): RunningServer {
  const first = servers[0];
  return {
    ...first,
    stats: () => {
      const sum = (list: ProcStats[]) => list.reduce((n, s) => n + s.cpu_s, 0);
      const own = servers.map((s) => s.stats());
      const redis: ProcStats[] = [];
      for (const pid of extraPids) {
        try {
          redis.push(procStats(pid));
        } catch {
          // gone
        }
      }
      const postgres = extraStats();
      const all = [...own, ...redis, ...postgres];
      const parts: Record<string, number> = Object.fromEntries(own.map((s, i) => [`s${i}`, s.cpu_s]));
      parts.redis = sum(redis);
      if (postgres.length) parts.postgres = sum(postgres);
      return { cpu_s: sum(all), rss_kb: all.reduce((n, s) => n + s.rss_kb, 0), parts };
    },
    collectGarbage: async () => {
      await Promise.all(servers.map((s) => s.collectGarbage()));
    },
    stop: async () => {
      for (const s of servers) await s.stop();
      await stopExtra();
    },
  };
}

export async function runSaturationBench(opts: { root: string; quick: boolean; log?: (line: string) => void }): Promise<SaturationResults> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const { root, quick } = opts;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-saturate-"));
  const small = cachedBoardState(root, 300, 0, 1);
  const smallFile = path.join(tmp, "small.bin");
  fs.writeFileSync(smallFile, small);
  const env = process.env;
  const stepS = Number(env.BENCH_SAT_STEP_S ?? (quick ? 1.5 : 3));
  const warmupS = quick ? 0.5 : 1;
  const growth = quick ? 4 : 2;
  const bisect = quick ? 2 : 3;
  const servers = env.BENCH_SAT_SERVERS ? (env.BENCH_SAT_SERVERS.split(",") as SaturationServer[]) : SATURATION_SERVERS;
  const scenarios = SCENARIOS.filter((s) => !env.BENCH_SAT_SCENARIOS || env.BENCH_SAT_SCENARIOS.split(",").includes(s.name)).map((s) => ({
    ...s,
    // BENCH_SAT_MEMBERS / BENCH_SAT_BOARDS: a smaller smoke run (e.g. 20 members, 5 boards).
    members: env.BENCH_SAT_MEMBERS && s.name === "one" ? Number(env.BENCH_SAT_MEMBERS) : s.members,
    boards: env.BENCH_SAT_BOARDS && s.name === "many" ? Number(env.BENCH_SAT_BOARDS) : s.boards,
    // --quick starts higher (and grows ×4): fewer steps to the top. BENCH_SAT_RATE: one step at that rate (a fixed load to profile).
    startRate: env.BENCH_SAT_RATE ? Number(env.BENCH_SAT_RATE) : env.BENCH_SAT_START ? Number(env.BENCH_SAT_START) : quick ? s.startRate * 2 : s.startRate,
  }));
  const maxRate = Number(env.BENCH_SAT_RATE ?? env.BENCH_SAT_MAX_RATE ?? 20_000);
  const rows: SaturationRow[] = [];

  async function one(kind: SaturationServer, sc: (typeof scenarios)[number]): Promise<SaturationRow> {
    const isOurs = kind === "ours" || kind === "ours-x2" || kind === "ours-x2-pg";
    const ours = isOurs ? await makeOursDatabase(path.join(tmp, `ours-${sc.name}.sqlite`), Array.from({ length: sc.boards }, () => ({ state: small }))) : undefined;
    let redis: TestRedis | null = null;
    let under: RunningServer;
    let targets: Target[];
    if (kind === "ours-x2" || kind === "ours-x2-pg") {
      redis = await startRedis();
      const pid = redisPid(redis.port);
      if (pid && hasTaskset()) spawnSync("taskset", ["-a", "-p", "-c", SERVER_CORE, String(pid)]);
      // ours-x2-pg: the same boards (and sessions) copied into a PostgreSQL that syncs its commits to disk, as in production.
      let pg: TestPostgres | null = null;
      const two: RunningServer[] = [];
      try {
        let database = ours!.file;
        if (kind === "ours-x2-pg") {
          pg = await startPostgres({ durable: true });
          // On the servers' core with redis-server; a backend started later inherits the postmaster's.
          if (hasTaskset()) for (const p of pg.pids()) spawnSync("taskset", ["-a", "-p", "-c", SERVER_CORE, String(p)]);
          database = await pg.createDatabase("saturate");
          const source = openSqliteSource(ours!.file);
          try {
            await migrateToPostgres(source, database);
          } finally {
            source.close();
          }
        }
        for (const id of ["s0", "s1"]) two.push(await startServer("ours", { root, database, env: { REDIS_URL: redis.url, SERVER_ID: id } }));
      } catch (e) {
        for (const s of two) await s.stop();
        await redis.stop();
        await pg?.stop();
        throw e;
      }
      const [r, p] = [redis, pg];
      under = group(two, pid ? [pid] : [], async () => (await r.stop(), await p?.stop()), () => (p ? postgresStats(p) : []));
      targets = two.map((s) => target(s, ours));
    } else {
      under = kind === "floor-batch" ? await startServer("floor", { root, env: { FLOOR_BATCH: "1" } }) : await startServer(kind, { root, database: ours?.file });
      targets = [target(under, ours)];
    }
    try {
      const docs = ours ? ours.boardIds : Array.from({ length: sc.boards }, (_, i) => `sat-${i}`);
      const holder = isOurs ? 0 : 1;
      const idlePerDoc = Math.max(0, sc.members - sc.writersPerBoard - 1 - holder);
      const idleJobs: Array<Promise<{ result: any }>> = [];
      const stops: Array<() => void> = [];
      const { result, marks } = await runLoadgen(
        root,
        {
          type: "saturate",
          targets,
          docs,
          cards: 300,
          stateFile: isOurs ? undefined : smallFile,
          idlePerDoc,
          writersPerDoc: sc.writersPerBoard,
          perWriter: 150,
          startRate: sc.startRate,
          growth,
          bisect,
          maxRate,
          warmupS,
          stepS,
          p99LimitMs: P99_LIMIT_MS,
        },
        under,
        {
          // The idle members connect from their own processes (one per server), low priority on the load core.
          beforeSettle: async (mark) => {
            if (mark !== "idle-connected" || idlePerDoc === 0) return;
            await Promise.all(
              targets.map(
                (t, i) =>
                  new Promise<void>((resolve, reject) => {
                    // Two servers: the members split between them.
                    const share = Math.floor(idlePerDoc / targets.length) + (i < idlePerDoc % targets.length ? 1 : 0);
                    const job =
                      docs.length === 1
                        ? { type: "idle" as const, target: t, doc: docs[0], idle: share }
                        : { type: "idle" as const, target: t, doc: docs[0], idle: 0, otherBoards: { docs, perBoard: share } };
                    const p = runLoadgen(root, job, under, { nice: true, onMark: (m) => m === "idle-ready" && resolve(), onStart: (stop) => stops.push(stop) });
                    p.catch(reject);
                    idleJobs.push(p);
                  }),
              ),
            );
          },
        },
      );
      for (const stop of stops) stop();
      await Promise.allSettled(idleJobs);
      const cpuOf = (mark: string) => {
        const a = marks[`${mark}-start`];
        const b = marks[`${mark}-end`];
        return a && b ? round(b.cpu_s - a.cpu_s, 3) : null;
      };
      /** Several processes: each one's CPU seconds in the step's window. */
      const partsOf = (mark: string): Record<string, number> | undefined => {
        const a = marks[`${mark}-start`]?.parts;
        const b = marks[`${mark}-end`]?.parts;
        return a && b ? Object.fromEntries(Object.keys(b).map((k) => [k, round(b[k] - (a[k] ?? 0), 3)])) : undefined;
      };
      if (env.BENCH_DEBUG) log(JSON.stringify(result.steps));
      const best = result.best as SaturateStep | null;
      const bad = result.firstBad as SaturateStep | null;
      const cpu = best ? cpuOf(best.mark) : null;
      const row: SaturationRow = {
        scenario: sc.name,
        boards: sc.boards,
        members: sc.members,
        server: kind,
        rate: best?.rate ?? 0,
        p50_ms: best?.p50_ms ?? null,
        p99_ms: best?.p99_ms ?? null,
        cpu_s: cpu,
        deliveries: best?.deliveries ?? 0,
        cpu_s_per_1000_deliveries: best && cpu !== null && best.deliveries ? round((cpu / best.deliveries) * 1000, 4) : null,
        cpu_us_per_edit: best && cpu !== null && best.count ? round((cpu / (best.count + best.lost)) * 1e6, 0) : null,
        failed_at: bad?.rate ?? null,
        failed_because: bad ? (bad.stop ?? (bad.lost ? `${bad.lost} edits lost` : `p99 ${bad.p99_ms} ms`)) : null,
        steps: (result.steps as SaturateStep[]).map((s) => {
          const cpu_parts = partsOf(s.mark);
          return { rate: s.rate, sentRate: s.sentRate, p50_ms: s.p50_ms, p99_ms: s.p99_ms, lost: s.lost, ok: s.ok, stop: s.stop, cpu_s: cpuOf(s.mark), ...(cpu_parts ? { cpu_parts } : {}) };
        }),
      };
      log(
        `  ${kind.padEnd(11)} ${sc.boards}×${sc.members}: ${row.rate} edits/s  p50 ${fmt(row.p50_ms)} ms  p99 ${fmt(row.p99_ms)} ms  ` +
          `cpu ${row.cpu_s ?? "–"} s = ${row.cpu_s_per_1000_deliveries ?? "–"} s per 1000 deliveries  ` +
          `(failed at ${row.failed_at ?? "–"}: ${row.failed_because ?? "not reached"}; steps ${row.steps.map((s) => `${s.rate}${s.ok ? "✓" : "✗"}`).join(" ")})`,
      );
      // Two servers: which process paid for each step (failed steps too), in CPU seconds of its window.
      for (const step of row.steps) {
        if (step.cpu_parts) log(`    step ${step.rate}${step.ok ? "✓" : "✗"}: cpu ${Object.entries(step.cpu_parts).map(([k, v]) => `${k} ${v} s`).join(", ")}`);
      }
      return row;
    } finally {
      await under.stop();
    }
  }

  for (const sc of scenarios) {
    log(`\n(g) saturation: ${sc.boards === 1 ? `one board, ${sc.members} members` : `${sc.boards} boards × ${sc.members} members`}; highest edit rate with p99 < ${P99_LIMIT_MS} ms (steps of ${stepS} s)`);
    for (const kind of servers) rows.push(await one(kind, sc));
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  const ratio: SaturationResults["ratio"] = {};
  for (const sc of scenarios) {
    const ours = rows.find((r) => r.scenario === sc.name && r.server === "ours");
    const peer = Math.max(0, ...rows.filter((r) => r.scenario === sc.name && PEERS.includes(r.server)).map((r) => r.rate));
    ratio[sc.name] = ours && peer > 0 ? round(ours.rate / peer, 2) : null;
  }
  const single = rows.find((r) => r.scenario === "one" && r.server === "ours");
  const cluster = rows.find((r) => r.scenario === "one" && r.server === "ours-x2");
  const hop = single?.cpu_us_per_edit != null && cluster?.cpu_us_per_edit != null ? cluster.cpu_us_per_edit - single.cpu_us_per_edit : null;
  return { rows, p99_limit_ms: P99_LIMIT_MS, step_s: stepS, quick, ratio, redis_hop_cpu_us_per_edit: hop };
}

export function printSaturation(r: SaturationResults): void {
  console.log(`\nhighest edit rate with p99 < ${r.p99_limit_ms} ms and nothing lost (steps of ${r.step_s} s${r.quick ? ", --quick" : ""})`);
  console.log("| boards × members | server | edits/s | p50 ms | p99 ms | CPU s | CPU s per 1000 deliveries | CPU µs per edit | failed at |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const row of r.rows) {
    console.log(
      `| ${row.boards} × ${row.members} | ${row.server} | ${row.rate} | ${fmt(row.p50_ms)} | ${fmt(row.p99_ms)} | ${row.cpu_s ?? "–"} | ${row.cpu_s_per_1000_deliveries ?? "–"} | ${row.cpu_us_per_edit ?? "–"} | ${row.failed_at ?? "–"} (${row.failed_because ?? "not reached"}) |`,
    );
  }
  for (const [name, x] of Object.entries(r.ratio)) {
    console.log(`${name === "one" ? "one board" : "many boards"}: ours ÷ best peer ${x === null ? "–" : `×${x}`}; target ≥ ×2: ${x === null ? "–" : x >= 2 ? "met" : "**not met**"}`);
  }
  if (r.redis_hop_cpu_us_per_edit !== null) console.log(`the Redis hop (two servers against one, one board): ${r.redis_hop_cpu_us_per_edit} µs more server CPU per edit`);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function fmt(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) ? "–" : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
  const r = await runSaturationBench({ root, quick: process.argv.includes("--quick") });
  printSaturation(r);
  process.exit(0);
}
