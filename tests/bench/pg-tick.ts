/**
 * What one tick of a board costs on PostgreSQL: the commit of its updates
 * (before anyone sees them) and the record of the activity they carry (after
 * the broadcast), through the storage the server uses
 * (server/sync/storage.ts `postgresRoomStorage`), against a PostgreSQL of
 * Debian's package that syncs each commit to disk as in production
 * (tests/infra/postgres.ts `durable`), seeded with the demo alliance.
 *
 * `BENCH_TICKS` ticks (default 2,000; 400 with --quick) one after the other,
 * each one update of a card's description and one "edited" entry, as a
 * server at a low edit rate runs them. Printed: p50/p99 of the append, of
 * the record and of both; the CPU per tick of PostgreSQL's processes and of
 * this process (node-postgres and Drizzle); and the round trips per tick
 * (the queries node-postgres sent: it sends the next only after the
 * answer, so each is one, BEGIN and COMMIT included).
 *
 *   npx tsx tests/bench/pg-tick.ts [--quick]
 *   npm run bench -- --only pg-tick
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { eq } from "drizzle-orm";
import * as Y from "yjs";
import { openPostgres } from "../../db/client";
import { seedDemo } from "../../db/seed";
import { postgresRoomStorage } from "../../server/sync/storage";
import { percentile } from "../hostile/results";
import { start as startPostgres } from "../infra/postgres";
import { postgresStats } from "./sync/servers";

export interface PgTickResult {
  ticks: number;
  append: { p50: number | null; p99: number | null };
  record: { p50: number | null; p99: number | null };
  tick: { p50: number | null; p99: number | null };
  /** PostgreSQL's processes, µs of CPU per tick. */
  postgresCpuUs: number;
  /** This process (node-postgres, Drizzle, the storage), µs of CPU per tick. */
  clientCpuUs: number;
  /** Round trips per tick, counted by the client: each query node-postgres sent. */
  queriesPerTick: number;
  loadAverage: number;
  cores: number;
}

const round = (n: number | null, d = 100) => (n === null ? null : Math.round(n * d) / d);
const pair = (v: number[]) => ({ p50: round(percentile(v, 50), 1000), p99: round(percentile(v, 99), 1000) });
const cpuOf = (stats: Array<{ cpu_s: number }>) => stats.reduce((s, x) => s + x.cpu_s, 0);

export async function benchPgTick(opts: { ticks?: number; quick?: boolean } = {}): Promise<PgTickResult> {
  const ticks = opts.ticks ?? Number(process.env.BENCH_TICKS ?? (opts.quick ? 400 : 2000));
  const pg = await startPostgres({ durable: true });
  try {
    const database = await openPostgres(await pg.createDatabase("tick"), { migrate: true });
    try {
      const h = database.async;
      const { boardId } = await seedDemo(h);
      if (!boardId) throw new Error("the demo seed made no board");
      const [req] = await h.q
        .select({ id: h.t.requests.id, org: h.t.requests.createdByOrgId })
        .from(h.t.requests)
        .where(eq(h.t.requests.boardId, boardId))
        .limit(1);
      const [user] = await h.q.select({ id: h.t.users.id }).from(h.t.users).where(eq(h.t.users.organisationId, req.org)).limit(1);
      const storage = postgresRoomStorage(h);
      const { generation } = await storage.load(boardId);
      // Each query node-postgres sends is one round trip (it sends the next only after the answer).
      let queries = 0;
      const counted = new WeakSet<object>();
      database.pool.on("acquire", (client) => {
        if (counted.has(client)) return;
        counted.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => (queries++, query(...args));
      });
      const doc = new Y.Doc();
      const text = doc.getMap("bench");
      const nextUpdate = (n: number) => {
        let update: Uint8Array | null = null;
        doc.once("update", (u: Uint8Array) => (update = u));
        text.set("description", `bench-${n}`);
        return update!;
      };
      const activity = { requestId: req.id, userId: user?.id ?? null, orgId: req.org, type: "edited", data: { fields: ["description"] } };
      const tick = async (n: number) => {
        const t0 = performance.now();
        const { stale } = await storage.append([{ boardId, generation, updates: [nextUpdate(n)] }]);
        if (stale.length) throw new Error("the bench's board went stale");
        const t1 = performance.now();
        await storage.record([{ boardId, activity: [activity] }]);
        return [t1 - t0, performance.now() - t1];
      };
      for (let n = 0; n < 50; n++) await tick(n); // warm-up: connections, plans, caches
      const appendMs: number[] = [];
      const recordMs: number[] = [];
      const pgBefore = cpuOf(postgresStats(pg));
      const meBefore = process.cpuUsage();
      queries = 0;
      for (let n = 0; n < ticks; n++) {
        const [a, r] = await tick(50 + n);
        appendMs.push(a);
        recordMs.push(r);
      }
      const me = process.cpuUsage(meBefore);
      const pgCpu = cpuOf(postgresStats(pg)) - pgBefore;
      return {
        ticks,
        append: pair(appendMs),
        record: pair(recordMs),
        tick: pair(appendMs.map((a, i) => a + recordMs[i])),
        postgresCpuUs: Math.round((pgCpu * 1e6) / ticks),
        clientCpuUs: Math.round((me.user + me.system) / ticks),
        queriesPerTick: round(queries / ticks)!,
        loadAverage: round(os.loadavg()[0])!,
        cores: os.cpus().length,
      };
    } finally {
      await database.close();
    }
  } finally {
    await pg.stop();
  }
}

export function printPgTick(r: PgTickResult): void {
  console.log(`${r.ticks} ticks of one update and one activity entry each, one after the other, on a PostgreSQL that syncs each commit (ms)`);
  console.log("| part | p50 | p99 |");
  console.log("|---|---|---|");
  console.log(`| commit the update (before the broadcast) | ${r.append.p50} | ${r.append.p99} |`);
  console.log(`| record the activity (after it) | ${r.record.p50} | ${r.record.p99} |`);
  console.log(`| the whole tick | ${r.tick.p50} | ${r.tick.p99} |`);
  console.log(`round trips per tick ${r.queriesPerTick}; CPU per tick: PostgreSQL ${r.postgresCpuUs} µs, this process ${r.clientCpuUs} µs`);
  console.log(`load average ${r.loadAverage} on ${r.cores} cores`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchPgTick({ quick: process.argv.includes("--quick") });
  printPgTick(r);
  process.exit(0);
}
