/**
 * The sync benchmark: ours against the y-websocket reference server (2.1.x)
 * and Hocuspocus (3.4.x), in one run on one machine. Each server runs alone
 * on core 0, the load generator (loadgen.ts) on core 1.
 *
 * Scenarios (see README.md in this folder):
 *   a  N = 50, 200, 1000 clients on one board, 20 edits/s: p50/p99, CPU, RSS;
 *      also against floor-server.ts, the lower bound of this harness, and
 *      the same storing each edit before sending it (FLOOR_STORE), the lower
 *      bound of a server that keeps what it sends, and checking it with
 *      ours' checker first (FLOOR_CHECK), that of a server that checks every
 *      write (BENCH_FLOOR_STORE=1 adds both to a run narrowed with
 *      BENCH_SERVERS)
 *   b  storm: 50 fresh clients on a 3.7 MB board; 50 up-to-date reconnects
 *   c  idle memory per connection (from the largest run of a)
 *   d  cold load of 10,000 cards / 100,000 edits to the first board page (ours)
 *   e  persistence: ours with synchronous=FULL group commit against none
 *   f  100 boards × 10 clients, storms on another board: added p50 (ours)
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cachedBoardState, makeOursDatabase, type OursDatabase } from "./fixture";
import type { Job } from "./loadgen";
import { LOAD_CORE, pinned, startServer, type ProcStats, type RunningServer } from "./servers";
import { summarise, type LatencySummary } from "./shared";
import { SERVER_KINDS, type ServerKind, type Target } from "./wire";

export interface SyncBenchOptions {
  root: string;
  quick: boolean;
  log?: (line: string) => void;
}

export interface LatencyRow extends LatencySummary {
  server: ServerKind;
  N: number;
  cpu_s: number;
  rss_kb: number;
  seconds: number;
  idle_kb_per_conn: number;
  /** the same from the V8 heap and external memory (what the server's objects hold, without allocator slack) */
  idle_heap_kb_per_conn: number;
  /**
   * Rounds pooled into this row (BENCH_ROUNDS): the latencies of every round
   * together give p50/p99/max and lost; CPU and idle memory are the rounds'
   * mean, RSS the largest. Absent: one round.
   */
  rounds?: number;
  /** each round's own p99, in the order run */
  rounds_p99_ms?: number[];
}

/** One latency run: its row and every measured latency, for pooling. */
interface Measured {
  row: LatencyRow;
  samples: number[];
}

export interface StormRow {
  server: ServerKind;
  fresh_s: number;
  uptodate_s: number;
  state_bytes: number;
}

export interface SyncBenchResults {
  latency: LatencyRow[];
  /** The same runs against floor-server.ts: the least latency any server can have on this harness. */
  floor: LatencyRow[];
  /** And against floor-server.ts with FLOOR_STORE: the least latency of a server that stores each edit before sending it (as ours must). */
  floor_store: LatencyRow[];
  /** And with FLOOR_CHECK as well: each edit judged by ours' checker and applied before it is stored and sent. */
  floor_checked: LatencyRow[];
  storm: StormRow[];
  idle_kb_per_conn: Partial<Record<ServerKind, number>>;
  cold_load_s: number | null;
  cold_load: { server_start_s: number; first_page_s: number; second_page_s: number; html_bytes: number; state_bytes: number } | null;
  persistence_ratio: number | null;
  /** full: as shipped (SYNC_FSYNC=after-broadcast); strict: before-broadcast; off: no persistence */
  persistence: { full: LatencySummary; strict: LatencySummary; off: LatencySummary } | null;
  isolation_added_p50_ms: number | null;
  isolation: { baseline: LatencySummary; during: LatencySummary; storms: number } | null;
}

const RATE = 20;

interface Marks {
  [name: string]: ProcStats;
}

/** Run one job in the load generator (core 1), sampling the server at each mark. */
export function runLoadgen(
  root: string,
  job: Job,
  server: RunningServer,
  opts: {
    nice?: boolean;
    onMark?: (mark: string) => void;
    /** Before a settle mark is sampled (the load generator waits meanwhile). */
    beforeSettle?: (mark: string) => Promise<void>;
    /** Gets a function that asks an idle job to stop. */
    onStart?: (stop: () => void) => void;
  } = {},
): Promise<{ result: any; marks: Marks }> {
  const node: [string, string[]] = opts.nice
    ? ["nice", ["-n", "19", "node", "--import", "tsx", path.join(root, "tests/bench/sync/loadgen.ts"), JSON.stringify(job)]]
    : ["node", ["--import", "tsx", path.join(root, "tests/bench/sync/loadgen.ts"), JSON.stringify(job)]];
  const [cmd, args] = pinned(LOAD_CORE, ...node);
  const child = spawn(cmd, args, { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
  opts.onStart?.(() => child.stdin.write("stop\n"));
  const marks: Marks = {};
  let buffer = "";
  let stderr = "";
  let result: any;
  let error: string | null = null;
  child.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let msg: any;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      if (msg.mark && msg.settle) {
        // The load generator waits: collect the server's garbage, then sample.
        void (opts.beforeSettle?.(msg.mark) ?? Promise.resolve()).then(() => server.collectGarbage()).then(() => {
          marks[msg.mark] = server.stats();
          child.stdin.write("ok\n");
        });
      } else if (msg.mark) marks[msg.mark] = server.stats();
      if (msg.mark) opts.onMark?.(msg.mark);
      if (msg.result) result = msg.result;
      if (msg.error) error = msg.error;
    }
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15 * 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (result !== undefined) resolve({ result, marks });
      else reject(new Error(`load generator failed (${code}): ${error ?? stderr.slice(-2000)}`));
    });
  });
}

export function target(server: RunningServer, ours?: OursDatabase): Target {
  return {
    kind: server.kind,
    httpUrl: server.httpUrl,
    headers: ours ? { cookie: ours.cookie, origin: server.httpUrl } : {},
  };
}

export async function runSyncBench(opts: SyncBenchOptions): Promise<SyncBenchResults> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const { root, quick } = opts;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-bench-"));
  const stateFile = (name: string, state: Uint8Array) => {
    const f = path.join(tmp, `${name}.bin`);
    fs.writeFileSync(f, state);
    return f;
  };

  log("fixtures: building boards (cached in tests/bench/.cache) …");
  const small = cachedBoardState(root, 300, 0, 1);
  const big = cachedBoardState(root, 10_000, 0, 2);
  const smallFile = stateFile("small", small);
  const bigFile = stateFile("big", big);
  log(`  working board ${(small.length / 1024).toFixed(0)} KB, storm board ${(big.length / 1e6).toFixed(2)} MB`);

  const results: SyncBenchResults = {
    latency: [],
    floor: [],
    floor_store: [],
    floor_checked: [],
    storm: [],
    idle_kb_per_conn: {},
    cold_load_s: null,
    cold_load: null,
    persistence_ratio: null,
    persistence: null,
    isolation_added_p50_ms: null,
    isolation: null,
  };

  const seconds = quick ? 6 : 20;
  // BENCH_WARMUP_S: seconds of edits before each measured window (the servers compile their hot code meanwhile).
  const warmupS = process.env.BENCH_WARMUP_S ? Number(process.env.BENCH_WARMUP_S) : quick ? 1 : 2;
  // BENCH_SIZES / BENCH_SERVERS narrow a run while working on one figure (e.g. BENCH_SIZES=200 BENCH_SERVERS=ours).
  const sizes = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(",").map(Number) : quick ? [50, 200] : [50, 200, 1000];
  const kinds = process.env.BENCH_SERVERS ? (process.env.BENCH_SERVERS.split(",") as ServerKind[]) : SERVER_KINDS;

  /** floor: "store" stores each update before the fan-out, "check" checks and applies it too (floor-server.ts). */
  async function latencyRun(kind: ServerKind, N: number, persist = true, fsync?: string, floor?: "store" | "check"): Promise<Measured> {
    const ours = kind === "ours" ? await makeOursDatabase(path.join(tmp, `ours-${N}.sqlite`), [{ state: small }]) : undefined;
    const env: Record<string, string> = fsync ? { SYNC_FSYNC: fsync } : floor ? { FLOOR_STORE: path.join(tmp, `floor-${floor}-${N}.sqlite`), FLOOR_CHECK: floor === "check" ? "1" : "0" } : {};
    const server = await startServer(kind, { root, database: ours?.file, persist, env });
    try {
      const tgt = target(server, ours);
      const doc = ours ? ours.boardIds[0] : "bench-board";
      let idle: Promise<{ result: any }> | null = null;
      let stopIdle = () => {};
      const { result, marks } = await runLoadgen(
        root,
        {
          type: "latency",
          target: tgt,
          doc,
          stateFile: ours ? undefined : smallFile,
          cards: 300,
          idle: N,
          rate: RATE,
          warmupS,
          seconds,
          idleElsewhere: true,
          samples: true,
        },
        server,
        {
          // The idle members connect from their own process (low priority on the load core).
          beforeSettle: (mark) => {
            if (mark !== "idle-connected") return Promise.resolve();
            return new Promise<void>((resolve, reject) => {
              idle = runLoadgen(root, { type: "idle", target: tgt, doc, idle: N }, server, {
                nice: true,
                onMark: (m) => m === "idle-ready" && resolve(),
                onStart: (stop) => (stopIdle = stop),
              });
              idle.catch(reject);
            });
          },
        },
      );
      stopIdle();
      const idleResult = idle ? ((await idle) as { result: { received: number } }).result : null;
      if (idleResult && idleResult.received < N * result.count * 0.99) log(`  (idle members received ${idleResult.received} updates)`);
      const row: LatencyRow = {
        server: kind,
        N,
        p50_ms: result.p50_ms,
        p99_ms: result.p99_ms,
        max_ms: result.max_ms,
        count: result.count,
        lost: result.lost,
        cpu_s: round(marks["measure-end"].cpu_s - marks["measure-start"].cpu_s, 2),
        rss_kb: marks["measure-end"].rss_kb,
        seconds,
        idle_kb_per_conn: round((marks["idle-connected"].rss_kb - marks["before-idle"].rss_kb) / N, 1),
        idle_heap_kb_per_conn: round(
          ((marks["idle-connected"].heap_kb ?? 0) + (marks["idle-connected"].external_kb ?? 0) - (marks["before-idle"].heap_kb ?? 0) - (marks["before-idle"].external_kb ?? 0)) / N,
          1,
        ),
      };
      log(
        `  ${(floor ? `floor-${floor === "store" ? "store" : "checked"}` : kind).padEnd(11)} N=${String(N).padEnd(4)} p50 ${fmt(row.p50_ms)} ms  p99 ${fmt(row.p99_ms)} ms  max ${fmt(row.max_ms)} ms  ` +
          `lost ${row.lost}/${row.count + row.lost}  cpu ${row.cpu_s} s/${seconds} s  rss ${(row.rss_kb / 1024).toFixed(0)} MB  ` +
          `idle ${row.idle_kb_per_conn} KB/conn (heap+external ${row.idle_heap_kb_per_conn})${persist ? (fsync ? `  (SYNC_FSYNC=${fsync})` : "") : "  (persistence off)"}`,
      );
      return { row, samples: result.samples };
    } finally {
      await server.stop();
    }
  }

  // (a) and (c)
  log(`\n(a) latency: N clients on one board, ${RATE} edits/s, ${seconds} s measured`);
  // The floor runs with the others unless BENCH_SERVERS names the servers (BENCH_SERVERS=floor for it alone).
  const withFloor = !process.env.BENCH_SERVERS;
  // A p99 of one 20 s window is its 4th-slowest of 400 edits: one stall moves
  // it by a third. BENCH_ROUNDS runs every server that many times, in turn
  // and starting one further along each round (drift in the machine falls on
  // all alike), and pools each server's latencies.
  const rounds = process.env.BENCH_ROUNDS ? Number(process.env.BENCH_ROUNDS) : quick ? 1 : 2;
  if (rounds > 1) log(`  ${rounds} rounds, the servers in turn; each server's latencies pooled over its rounds`);
  for (const N of sizes) {
    type Spec = { label: string; kind: ServerKind; floor?: "store" | "check"; into: LatencyRow[] };
    const specs: Spec[] = kinds.map((kind) => ({ label: kind, kind, into: kind === "floor" ? results.floor : results.latency }));
    if (withFloor) specs.push({ label: "floor", kind: "floor", into: results.floor });
    if (withFloor || process.env.BENCH_FLOOR_STORE) {
      specs.push({ label: "floor-store", kind: "floor", floor: "store", into: results.floor_store });
      specs.push({ label: "floor-checked", kind: "floor", floor: "check", into: results.floor_checked });
    }
    const runs: Measured[][] = specs.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < specs.length; i++) {
        const j = (i + r) % specs.length;
        runs[j].push(await latencyRun(specs[j].kind, N, true, undefined, specs[j].floor));
      }
    }
    specs.forEach((spec, j) => {
      const row = pool(runs[j]);
      spec.into.push(row);
      if (row.rounds) {
        log(
          `  = ${spec.label.padEnd(11)} N=${String(N).padEnd(4)} p50 ${fmt(row.p50_ms)} ms  p99 ${fmt(row.p99_ms)} ms  max ${fmt(row.max_ms)} ms  lost ${row.lost}/${row.count + row.lost}` +
            `  (${row.rounds} rounds; each round's p99 ${row.rounds_p99_ms!.map(fmt).join(", ")} ms)`,
        );
      }
    });
  }
  const largest = Math.max(...sizes);
  // Whichever measure is larger: RSS misses what V8 has yet to return after a
  // collection (pages freed late make it shrink), the heap misses native memory.
  for (const row of results.latency) {
    if (row.N === largest) results.idle_kb_per_conn[row.server] = Math.max(row.idle_kb_per_conn, row.idle_heap_kb_per_conn);
  }

  // (b)
  log(`\n(b) reconnect storm: 50 clients on the ${(big.length / 1e6).toFixed(1)} MB board`);
  for (const kind of process.env.BENCH_SKIP_STORM ? [] : kinds.filter((k) => k !== "floor")) {
    const ours = kind === "ours" ? await makeOursDatabase(path.join(tmp, "ours-storm.sqlite"), [{ state: big }]) : undefined;
    const server = await startServer(kind, { root, database: ours?.file });
    try {
      const { result } = await runLoadgen(
        root,
        {
          type: "storm",
          target: target(server, ours),
          doc: ours ? ours.boardIds[0] : "bench-storm",
          stateFile: ours ? undefined : bigFile,
          clients: 50,
          rounds: quick ? 1 : 3,
        },
        server,
      );
      const row: StormRow = { server: kind, fresh_s: round(result.fresh_s, 3), uptodate_s: round(result.uptodate_s, 3), state_bytes: result.stateBytes };
      results.storm.push(row);
      log(`  ${kind.padEnd(11)} fresh ${row.fresh_s} s  up-to-date ${row.uptodate_s} s  (step 2 of ${(row.state_bytes / 1e6).toFixed(2)} MB; rounds ${JSON.stringify(result.fresh)} / ${JSON.stringify(result.upToDate)})`);
    } finally {
      await server.stop();
    }
  }

  if (!quick && !process.env.BENCH_SERVERS) {
    // (d)
    log("\n(d) cold load: 10,000 cards after 100,000 edits, SQLite → first server-rendered board page");
    results.cold_load = await coldLoad(root, tmp, log);
    results.cold_load_s = results.cold_load.first_page_s;

    // (e)
    log("\n(e) persistence: ours at N=200, flush after / before the broadcast against no persistence (alternating, 2 runs each)");
    const after: LatencyRow[] = [];
    const before: LatencyRow[] = [];
    const off: LatencyRow[] = [];
    for (let i = 0; i < 2; i++) {
      off.push((await latencyRun("ours", 200, false)).row);
      after.push((await latencyRun("ours", 200, true, "after-broadcast")).row);
      before.push((await latencyRun("ours", 200, true, "before-broadcast")).row);
    }
    const best = (rows: LatencyRow[]) => rows.reduce((a, b) => (a.p50_ms <= b.p50_ms ? a : b));
    const a = best(after);
    const b = best(before);
    const o = best(off);
    results.persistence = { full: a, strict: b, off: o };
    results.persistence_ratio = round(a.p50_ms / o.p50_ms, 2);
    log(
      `  p50 ${fmt(a.p50_ms)} ms flushing after the broadcast (default), ${fmt(b.p50_ms)} ms flushing before, ${fmt(o.p50_ms)} ms without persistence: ` +
        `×${results.persistence_ratio} (before-broadcast ×${round(b.p50_ms / o.p50_ms, 2)})`,
    );

    // (f)
    log("\n(f) isolation: 100 boards × 10 clients; waves of 50 fresh clients on another 3.7 MB board");
    results.isolation = await isolation(root, tmp, small, big, seconds, warmupS, log);
    results.isolation_added_p50_ms = round(results.isolation.during.p50_ms - results.isolation.baseline.p50_ms, 3);
    log(`  added p50 ${results.isolation_added_p50_ms} ms`);
  }

  fs.rmSync(tmp, { recursive: true, force: true });
  return results;
}

export async function coldLoad(root: string, tmp: string, log: (l: string) => void): Promise<NonNullable<SyncBenchResults["cold_load"]>> {
  const state = cachedBoardState(root, 10_000, 100_000, 3);
  const ours = await makeOursDatabase(path.join(tmp, "ours-cold.sqlite"), [{ state }]);
  const t0 = performance.now();
  const server = await startServer("ours", { root, database: ours.file });
  const started = performance.now();
  try {
    const get = async () => {
      const t = performance.now();
      const res = await fetch(`${server.httpUrl}/boards/${ours.boardIds[0]}`, { headers: { cookie: ours.cookie } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`board page: ${res.status}`);
      return { s: (performance.now() - t) / 1000, bytes: body.length };
    };
    const first = await get();
    const second = await get();
    const out = {
      server_start_s: round((started - t0) / 1000, 3),
      first_page_s: round(first.s, 3),
      second_page_s: round(second.s, 3),
      html_bytes: first.bytes,
      state_bytes: state.length,
    };
    log(`  board ${(state.length / 1e6).toFixed(2)} MB; server start ${out.server_start_s} s; first page ${out.first_page_s} s (${(out.html_bytes / 1e6).toFixed(1)} MB HTML); next ${out.second_page_s} s`);
    return out;
  } finally {
    await server.stop();
  }
}

export async function isolation(
  root: string,
  tmp: string,
  small: Uint8Array,
  big: Uint8Array,
  seconds: number,
  warmupS: number,
  log: (l: string) => void,
): Promise<NonNullable<SyncBenchResults["isolation"]>> {
  const boards = [{ state: big }, ...Array.from({ length: 100 }, () => ({ state: small }))];
  const ours = await makeOursDatabase(path.join(tmp, "ours-isolation.sqlite"), boards);
  const server = await startServer("ours", { root, database: ours.file });
  try {
    let storm: Promise<{ result: any }> | null = null;
    const { result } = await runLoadgen(
      root,
      {
        type: "latency",
        target: target(server, ours),
        doc: ours.boardIds[1],
        cards: 300,
        idle: 0,
        rate: RATE,
        warmupS,
        seconds,
        twoWindows: true,
        holdDocs: [ours.boardIds[0]],
        otherBoards: { docs: ours.boardIds.slice(1), perBoard: 10 },
      },
      server,
      {
        onMark: (mark) => {
          if (mark !== "second-window") return;
          storm = runLoadgen(
            root,
            { type: "stormloop", target: target(server, ours), doc: ours.boardIds[0], clients: 50, seconds: seconds + 1 },
            server,
            { nice: true },
          );
        },
      },
    );
    const waves: number[] = storm ? ((await storm) as { result: { waves: number[] } }).result.waves : [];
    if (process.env.BENCH_DEBUG) log(JSON.stringify(result));
    const during: LatencySummary = { count: result.count, lost: result.lost, p50_ms: result.p50_ms, p99_ms: result.p99_ms, max_ms: result.max_ms };
    log(
      `  without storm p50 ${fmt(result.baseline.p50_ms)} ms p99 ${fmt(result.baseline.p99_ms)} ms; during ${waves.length} storms ` +
        `p50 ${fmt(during.p50_ms)} ms p99 ${fmt(during.p99_ms)} ms (storm waves took ${waves.map((s) => s.toFixed(2)).join(", ")} s)`,
    );
    return { baseline: result.baseline, during, storms: waves.length };
  } finally {
    await server.stop();
  }
}

/** One row from several rounds of the same server: latencies pooled, CPU and idle memory averaged, RSS the largest. */
export function pool(runs: Measured[]): LatencyRow {
  if (runs.length === 1) return runs[0].row;
  const rows = runs.map((m) => m.row);
  const mean = (f: (r: LatencyRow) => number, digits: number) => round(rows.reduce((a, r) => a + f(r), 0) / rows.length, digits);
  const sent = rows.reduce((a, r) => a + r.count + r.lost, 0);
  return {
    ...rows[0],
    ...summarise(
      runs.flatMap((m) => m.samples),
      sent,
    ),
    cpu_s: mean((r) => r.cpu_s, 2),
    rss_kb: Math.max(...rows.map((r) => r.rss_kb)),
    idle_kb_per_conn: mean((r) => r.idle_kb_per_conn, 1),
    idle_heap_kb_per_conn: mean((r) => r.idle_heap_kb_per_conn, 1),
    rounds: rows.length,
    rounds_p99_ms: rows.map((r) => r.p99_ms),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}
