/**
 * The cost of the Redis hop per update: two app servers sharing one board
 * through the relay (server/cluster/relay.ts), as in the integration tests
 * (startTestCluster: both servers in this process over one database and one
 * real redis-server). A writer on server A edits a card's description 1,000
 * times (a sequence number in it, `BENCH_CLUSTER_HZ` a second, default 50);
 * one reader on A and one on B (real y-websocket providers) note when each
 * edit arrives. Printed: p50/p99/max of A→A and of A→B, and their difference
 * per percentile: what the stream adds to an update's way.
 *
 *   npx tsx tests/bench/cluster.ts [--quick]
 *   npm run bench -- --only cluster      (figures into results.json's details.cluster)
 *
 * Both servers and the three clients share this process's event loop (the
 * SQLite `<db>.pid` lock keeps two processes off one file until PostgreSQL
 * lands): A→B includes B's work on the same core, so the figure is an upper
 * bound of the hop on two machines.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { getCard, updateCard } from "../../app/board/domain";
import { percentile } from "../hostile/results";
import { startTestCluster } from "../integration/cluster-harness";
import { sleep, waitFor } from "../integration/harness";

export interface ClusterFigures {
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface ClusterBenchResult {
  edits: number;
  hz: number;
  sameServer: ClusterFigures;
  otherServer: ClusterFigures;
  /** otherServer − sameServer, per percentile: the Redis hop. */
  hop: { p50: number | null; p99: number | null };
  lost: { sameServer: number; otherServer: number };
  loadAverage: number;
  cores: number;
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
const figures = (v: number[]): ClusterFigures => ({ p50: round(percentile(v, 50)), p99: round(percentile(v, 99)), max: round(v.length ? Math.max(...v) : null) });

export async function benchCluster(opts: { edits?: number; hz?: number; quick?: boolean } = {}): Promise<ClusterBenchResult> {
  const edits = opts.edits ?? (opts.quick ? 300 : 1000);
  const hz = opts.hz ?? Number(process.env.BENCH_CLUSTER_HZ ?? 50);
  const c = await startTestCluster(2, { ROOM_IDLE_MS: "0", LOG_LEVEL: "error" });
  try {
    const boardId = c.seed.boardA.id;
    const card = c.seed.boardA.cardIds[0]; // organisation A1's: its member may edit it
    const writer = await c.connect(0, boardId, { cookie: c.seed.cookies.memberA1 });
    const readers = [await c.connect(0, boardId, { cookie: c.seed.cookies.viewerA }), await c.connect(1, boardId, { cookie: c.seed.cookies.viewerA })];
    const sent = new Map<number, number>();
    const arrived = readers.map(() => new Map<number, number>());
    readers.forEach((r, i) => {
      r.doc.on("update", () => {
        const m = /^bench-(\d+)$/.exec(getCard(r.doc, card)?.description ?? "");
        if (!m) return;
        // A later edit of the same field holds the earlier ones (a tick's updates travel as one entry): they arrived now too.
        const now = performance.now();
        for (let k = Number(m[1]); k >= 0 && !arrived[i].has(k); k--) arrived[i].set(k, now);
      });
    });
    // Warm up: both servers have loaded, positioned and relayed once.
    updateCard(writer.doc, card, { description: "bench-0" }, Date.now());
    await waitFor(() => readers.every((_, i) => arrived[i].has(0)), { timeout: 20_000, message: "warm-up edit on both servers" });
    const gap = 1000 / hz;
    const start = performance.now();
    for (let n = 1; n <= edits; n++) {
      const due = start + n * gap;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sent.set(n, performance.now());
      updateCard(writer.doc, card, { description: `bench-${n}` }, Date.now());
    }
    await waitFor(() => readers.every((_, i) => arrived[i].has(edits)), { timeout: 30_000, message: "the last edit on both servers" }).catch(() => null);
    const latencies = arrived.map((a) => [...sent].filter(([n]) => a.has(n)).map(([n, t]) => a.get(n)! - t));
    const [same, other] = latencies.map(figures);
    writer.destroy();
    for (const r of readers) r.destroy();
    return {
      edits,
      hz,
      sameServer: same,
      otherServer: other,
      hop: {
        p50: same.p50 === null || other.p50 === null ? null : round(other.p50 - same.p50),
        p99: same.p99 === null || other.p99 === null ? null : round(other.p99 - same.p99),
      },
      lost: { sameServer: edits - latencies[0].length, otherServer: edits - latencies[1].length },
      loadAverage: round(os.loadavg()[0])!,
      cores: os.cpus().length,
    };
  } finally {
    await c.close();
  }
}

export function printClusterBench(r: ClusterBenchResult): void {
  console.log(`${r.edits} edits at ${r.hz}/s by a writer on server A; readers on A and on B (ms)`);
  console.log("| path | p50 | p99 | max | lost |");
  console.log("|---|---|---|---|---|");
  console.log(`| A → A (same server) | ${r.sameServer.p50} | ${r.sameServer.p99} | ${r.sameServer.max} | ${r.lost.sameServer} |`);
  console.log(`| A → B (through Redis) | ${r.otherServer.p50} | ${r.otherServer.p99} | ${r.otherServer.max} | ${r.lost.otherServer} |`);
  console.log(`| the Redis hop | ${r.hop.p50} | ${r.hop.p99} | | |`);
  console.log(`load average ${r.loadAverage} on ${r.cores} cores`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchCluster({ quick: process.argv.includes("--quick") });
  printClusterBench(r);
  process.exit(0);
}
