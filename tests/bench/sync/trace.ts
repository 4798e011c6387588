/**
 * BENCH_TRACE=1 (with BENCH_DEBUG=1 to see the server's stderr): where our
 * server's time per client message goes. Wraps a few methods of the room
 * and the room manager and prints count, mean and max of each at exit, plus
 * the time from a message's arrival to the end of the broadcast it caused.
 */
import fs from "node:fs";
import inspector from "node:inspector";
import { getHeapStatistics } from "node:v8";
import { PerformanceObserver, constants, monitorEventLoopDelay } from "node:perf_hooks";
import { BoardRoom } from "../../../server/sync/room";
import { RoomManager } from "../../../server/sync/rooms";

type Method = (...args: unknown[]) => unknown;

export function installTrace(): void {
  if (process.env.BENCH_TRACE === "alloc") return traceAllocations();
  const sums = new Map<string, { n: number; total: number; max: number }>();
  // BENCH_TRACE=timeline: the same sums per second as well (when a step's cost changes during it).
  const timeline = process.env.BENCH_TRACE === "timeline";
  const seconds = new Map<number, Map<string, { n: number; total: number; max: number }>>();
  const add = (label: string, ms: number) => {
    if (timeline) {
      const sec = Math.floor(performance.now() / 1000);
      const at = seconds.get(sec) ?? new Map();
      seconds.set(sec, at);
      const e = at.get(label) ?? { n: 0, total: 0, max: 0 };
      e.n++;
      e.total += ms;
      e.max = Math.max(e.max, ms);
      at.set(label, e);
    }
    const s = sums.get(label) ?? { n: 0, total: 0, max: 0 };
    s.n++;
    s.total += ms;
    s.max = Math.max(s.max, ms);
    sums.set(label, s);
  };
  // BENCH_TRACE=events: every broadcast and every collection with its wall-clock time (performance.timeOrigin + now), printed at exit, to set beside the load generator's BENCH_LAT_DUMP.
  const events: string[] | null = process.env.BENCH_TRACE === "events" ? [] : null;
  const wall = (t: number) => (performance.timeOrigin + t).toFixed(2);
  // The monotonic clock of a --cpu-prof profile (µs) beside the wall clock, to find a slow message's samples.
  events?.push(`M ${wall(performance.now())} ${process.hrtime.bigint() / 1000n}`);
  let arrivedAt = 0;
  let receiveMs = 0;
  let broadcastAt = 0;
  const wrap = (proto: object, name: string, after?: () => void) => {
    const target = proto as Record<string, Method>;
    const original = target[name];
    target[name] = function (this: unknown, ...args: unknown[]) {
      const t = performance.now();
      if (name === "receive") arrivedAt = t;
      if (name === "broadcast" && arrivedAt) add("arrival → broadcast start", t - arrivedAt);
      if (name === "broadcast") broadcastAt = t;
      try {
        return original.apply(this, args);
      } finally {
        const end = performance.now();
        add(name, end - t);
        if (name === "receive") receiveMs = end - t;
        if (events && name === "broadcast" && arrivedAt) {
          events.push(`B ${wall(arrivedAt)} receive ${receiveMs.toFixed(3)} wait ${(broadcastAt - arrivedAt - receiveMs).toFixed(3)} broadcast ${(end - broadcastAt).toFixed(3)}`);
        }
        after?.();
      }
    };
  };
  wrap(BoardRoom.prototype, "receive");
  wrap(BoardRoom.prototype, "applyClientUpdate");
  wrap(BoardRoom.prototype, "broadcast", () => {
    if (arrivedAt) add("arrival → broadcast end", performance.now() - arrivedAt);
    arrivedAt = 0;
  });
  wrap(RoomManager.prototype, "flushNow");
  wrap(RoomManager.prototype, "compact");
  // The disk flush is handed to libuv's thread pool: what it costs the event loop to hand it over.
  wrap(fs as unknown as object, "fdatasync");
  // Stalls of the event loop (anything that holds it: a compaction, a GC, a long tick), as a histogram.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  // timeline: every stall of the loop over 15 ms, with its wall-clock time (to set beside the load generator's BENCH_SAT_DUMP).
  if (timeline) {
    let last = Date.now();
    setInterval(() => {
      const now = Date.now();
      if (now - last > 20) process.stderr.write(`TRACE stall ${now - last - 5} ms ending at ${now}\n`);
      last = now;
    }, 5).unref();
  }
  // Garbage collections, by kind: a pause in the middle of a fan-out is a latency tail.
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "gc minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "gc major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "gc incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "gc weak callbacks",
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = kinds[(e as unknown as { detail: { kind: number } }).detail.kind] ?? "gc";
      add(kind, e.duration);
      events?.push(`G ${wall(e.startTime)} ${kind.replace(" ", "-")} ${e.duration.toFixed(3)}`);
    }
  }).observe({ entryTypes: ["gc"] });
  process.on("exit", () => {
    if (events && process.env.BENCH_TRACE_FILE) fs.writeFileSync(process.env.BENCH_TRACE_FILE, events.join("\n") + "\n");
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    const heap = getHeapStatistics();
    process.stderr.write(`TRACE heap used=${(heap.used_heap_size / 1e6).toFixed(0)} MB total=${(heap.total_heap_size / 1e6).toFixed(0)} MB\n`);
    process.stderr.write(`TRACE event-loop delay p50=${ms(loop.percentile(50))} p99=${ms(loop.percentile(99))} p99.9=${ms(loop.percentile(99.9))} max=${ms(loop.max)} ms\n`);
    for (const [label, s] of sums) {
      process.stderr.write(`TRACE ${label.padEnd(24)} n=${s.n} mean=${((s.total / s.n) * 1000).toFixed(0)} µs max=${s.max.toFixed(2)} ms\n`);
    }
    for (const [sec, at] of [...seconds].sort((a, b) => a[0] - b[0])) {
      const cols = [...at].map(([label, e]) => `${label} ${e.n}×${((e.total / e.n) * 1000).toFixed(0)}µs≤${e.max.toFixed(0)}`);
      process.stderr.write(`TRACE @${sec}s ${cols.join(" | ")}\n`);
    }
  });
}

/**
 * BENCH_TRACE=alloc (with BENCH_TRACE_FILE=<file>.heapprofile): where the
 * server allocates, garbage included (V8's sampling heap profiler with the
 * objects young and full collections took), written at exit; open it in
 * Chrome's DevTools (Memory) or sum it by function. What a collection costs
 * follows from what is allocated, which a CPU profile does not say.
 */
function traceAllocations(): void {
  const session = new inspector.Session();
  session.connect();
  session.post("HeapProfiler.startSampling", { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  process.on("exit", () => {
    // An in-process session answers synchronously.
    session.post("HeapProfiler.stopSampling", (error, result) => {
      if (!error && process.env.BENCH_TRACE_FILE) fs.writeFileSync(process.env.BENCH_TRACE_FILE, JSON.stringify((result as { profile: unknown }).profile));
    });
  });
}
