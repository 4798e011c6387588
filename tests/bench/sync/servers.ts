/**
 * Starting the three servers on core 0 (`taskset -c 0`), each on its own
 * free port, and reading their CPU time and memory from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../e2e/server";
import type { TestPostgres } from "../../infra/postgres";
import type { ServerKind } from "./wire";
import { buildSync } from "esbuild";
import { SERVER_BUILD_DIR } from "../../../server/files";
import { SERVER_BUILD_OPTIONS, serverBuildStale } from "../../../scripts/build-server";
import { serveCommand } from "../../../scripts/build-state.mjs";

export const SERVER_CORE = "0";
export const LOAD_CORE = "1";

export function hasTaskset(): boolean {
  return spawnSync("taskset", ["-c", "0", "true"]).status === 0;
}

/** Run `command` pinned to one core when taskset is there (it is on Debian). */
export function pinned(core: string, command: string, args: string[]): [string, string[]] {
  return hasTaskset() ? ["taskset", ["-c", core, command, ...args]] : [command, args];
}

export interface ProcStats {
  /** user + system CPU seconds since the process started */
  cpu_s: number;
  rss_kb: number;
  /** V8 heap in use and memory outside it (Buffers), after the last collectGarbage() */
  heap_kb?: number;
  external_kb?: number;
  /** Several processes as one server under test: the CPU seconds of each (s0, s1, redis, postgres). */
  parts?: Record<string, number>;
}

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;

export function procStats(pid: number, opts: { endedChildren?: boolean } = {}): ProcStats {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) in parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // endedChildren: with the CPU of its children that have ended and been waited for (cutime, cstime).
  const utime = Number(fields[11]) + (opts.endedChildren ? Number(fields[13]) : 0);
  const stime = Number(fields[12]) + (opts.endedChildren ? Number(fields[14]) : 0);
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpu_s: (utime + stime) / CLK_TCK, rss_kb: rss };
}

/**
 * PostgreSQL's CPU and memory as one figure: the postmaster with the CPU of
 * its children that have ended (cutime, cstime), and each child running now.
 */
export function postgresStats(pg: TestPostgres): ProcStats[] {
  const [postmaster, ...children] = pg.pids();
  if (!postmaster) return [];
  const out: ProcStats[] = [];
  try {
    out.push(procStats(postmaster, { endedChildren: true }));
  } catch {
    return [];
  }
  for (const pid of children) {
    try {
      out.push(procStats(pid));
    } catch {
      // ended meanwhile (its CPU is in the postmaster's cutime from now on)
    }
  }
  return out;
}

export interface RunningServer {
  kind: ServerKind;
  pid: number;
  port: number;
  httpUrl: string;
  stats(): ProcStats;
  /** Ask the server for a full garbage collection (gc-hook.cjs) and give it time to finish. */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  root: string;
  /** ours: the SQLite file */
  database?: string;
  /** ours: persistence on (default) or off */
  persist?: boolean;
  /** more environment for the server (ours: SYNC_FSYNC) */
  env?: Record<string, string>;
}

/** The node flags of the `serve` script in package.json (`node <flags> build/server/index.js`). */
export function serveFlags(root: string): string[] {
  return serveCommand(root).flags;
}

/**
 * ours-server.ts built as the product is (scripts/build-server.ts): plain
 * JavaScript beside the server's bundle in build/server/, whose storage
 * worker it starts (server/files.ts), so ours runs as `npm run serve` runs
 * it, not through tsx (whose worker thread, at the lowest priority on the
 * pinned core, was still loading its modules in the first measured window).
 * Built again on every run of the bench (about a second).
 */
function oursBuilt(root: string): string {
  const out = path.join(root, SERVER_BUILD_DIR, "bench-ours-server.js");
  if (!oursBuiltOnce) {
    // Its storage worker is the server's own bundle: that must be the current code (bench/run.ts builds it).
    if (serverBuildStale()) throw new Error("build/server/ is missing or older than its sources: npm run build first");
    buildSync({ ...SERVER_BUILD_OPTIONS, entryPoints: [path.join(root, "tests/bench/sync/ours-server.ts")], outfile: out });
    oursBuiltOnce = true;
  }
  return out;
}
let oursBuiltOnce = false;

function commandFor(kind: ServerKind, root: string): [string, string[]] {
  const peers = path.join(root, "tests/bench/peers");
  // BENCH_NODE_OPTIONS: extra node flags for the server under test (e.g. --cpu-prof to see where time goes).
  const extra = [
    "--expose-gc",
    "--require",
    path.join(root, "tests/bench/sync/gc-hook.cjs"),
    ...(process.env.BENCH_NODE_OPTIONS ?? "").split(" ").filter(Boolean),
  ];
  // Ours with the node flags of `npm run serve`, read from package.json so the
  // bench measures what users run (README decision 7).
  if (kind === "ours") {
    return ["node", [...serveFlags(root), ...extra, oursBuilt(root)]];
  }
  if (kind === "y-websocket") return ["node", [...extra, path.join(peers, "node_modules/y-websocket/bin/server.cjs")]];
  if (kind === "floor") return ["node", [...extra, "--import", "tsx", path.join(root, "tests/bench/sync/floor-server.ts")]];
  return ["node", [...extra, path.join(peers, "hocuspocus.mjs")]];
}

export async function startServer(kind: ServerKind, opts: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  const httpUrl = `http://127.0.0.1:${port}`;
  const [cmd, args] = commandFor(kind, opts.root);
  const memoryFile = path.join(os.tmpdir(), `alliantiebord-bench-memory-${port}.json`);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BENCH_MEMORY_FILE: memoryFile,
    HOST: "127.0.0.1",
    PORT: String(port),
    NODE_ENV: "production",
  };
  if (kind === "ours") {
    if (!opts.database) throw new Error("ours needs a database (a SQLite file or a postgres:// URL)");
    Object.assign(env, {
      DATABASE_URL: opts.database,
      ALLOWED_ORIGINS: httpUrl,
      LOG_LEVEL: "error",
      // Every simulated member shares one session: the per-session connection limit would refuse the 21st.
      CONNECTIONS_PER_SESSION: "100000",
      BENCH_PERSIST: opts.persist === false ? "off" : "full",
    });
  }
  Object.assign(env, opts.env);
  const [pcmd, pargs] = pinned(SERVER_CORE, cmd, args);
  const child: ChildProcess = spawn(pcmd, pargs, { cwd: opts.root, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/ready|running at/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => {
      output += d.toString();
      if (process.env.BENCH_DEBUG) process.stderr.write(d);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited (${code}) before it was ready:\n${output}`));
    });
  });
  await ready;
  // After start the server's own output is not needed, but must be drained.
  child.stdout!.removeAllListeners("data");
  child.stdout!.resume();
  const pid = child.pid!;
  return {
    kind,
    pid,
    port,
    httpUrl,
    stats: () => {
      const s = procStats(pid);
      try {
        const m = JSON.parse(fs.readFileSync(memoryFile, "utf8"));
        s.heap_kb = Math.round(m.heapUsed / 1024);
        s.external_kb = Math.round(m.external / 1024);
      } catch {
        // no collection asked for yet
      }
      return s;
    },
    collectGarbage: async () => {
      process.kill(pid, "SIGUSR2");
      await new Promise((r) => setTimeout(r, 700));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
