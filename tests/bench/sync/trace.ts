/**
 * BENCH_TRACE=1 (with BENCH_DEBUG=1 to see the server's stderr): where our
 * server's time per client message goes. Wraps a few methods of the room
 * and the room manager and prints count, mean and max of each at exit, plus
 * the time from a message's arrival to the end of the broadcast it caused.
 */
import { PerformanceObserver, constants } from "node:perf_hooks";
import { BoardRoom } from "../../../server/sync/room";
import { RoomManager } from "../../../server/sync/rooms";

type Method = (...args: unknown[]) => unknown;

export function installTrace(): void {
  const sums = new Map<string, { n: number; total: number; max: number }>();
  const add = (label: string, ms: number) => {
    const s = sums.get(label) ?? { n: 0, total: 0, max: 0 };
    s.n++;
    s.total += ms;
    s.max = Math.max(s.max, ms);
    sums.set(label, s);
  };
  let arrivedAt = 0;
  const wrap = (proto: object, name: string, after?: () => void) => {
    const target = proto as Record<string, Method>;
    const original = target[name];
    target[name] = function (this: unknown, ...args: unknown[]) {
      const t = performance.now();
      if (name === "receive") arrivedAt = t;
      if (name === "broadcast" && arrivedAt) add("arrival → broadcast start", t - arrivedAt);
      try {
        return original.apply(this, args);
      } finally {
        add(name, performance.now() - t);
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
  // Garbage collections, by kind: a pause in the middle of a fan-out is a latency tail.
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "gc minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "gc major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "gc incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "gc weak callbacks",
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) add(kinds[(e as unknown as { detail: { kind: number } }).detail.kind] ?? "gc", e.duration);
  }).observe({ entryTypes: ["gc"] });
  process.on("exit", () => {
    for (const [label, s] of sums) {
      process.stderr.write(`TRACE ${label.padEnd(24)} n=${s.n} mean=${((s.total / s.n) * 1000).toFixed(0)} µs max=${s.max.toFixed(2)} ms\n`);
    }
  });
}
