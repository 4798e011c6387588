/**
 * One server's Redis side through an outage, in a process of its own
 * (redis-outage-child.ts), watched from here: the relay, its read loop and a
 * shared limit store must wait for Redis, never spin. Once, the integration
 * run stopped in a busy loop that took the heap to V8's 4 GB ceiling: the
 * relay's outbox tried again in a microtask after every failed publish, and
 * a command connection whose socket has ended but not yet closed still says
 * "ready" and refuses each command without I/O, so the "close" that would
 * have ended it never got its turn. Checked here by CPU time over 2 s of
 * quiet in each phase (a generous bound: spinning uses all of it) and by the
 * child answering at all; after everything is closed it must exit by itself.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start as startRedis, type TestRedis } from "../infra/redis";
import { ROOT, withTimeout } from "./harness";

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

/** Of 2,000 ms of quiet, a process that waits uses a few; one that spins, nearly all its core. */
const QUIET_CPU_MS = 600;

describe("a server's Redis side through an outage", () => {
  it("waits without spinning while the connection ends, while Redis is down and after closing, and then exits by itself", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "tests/integration/redis-outage-child.ts"], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redis.url },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const phases: Array<{ phase: string; cpuMs?: number; heapMB?: number }> = [];
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    /** The child's next line; a child that spins never writes it. */
    const next = async (phase: string) => {
      const line = await withTimeout(lines.next(), 20_000, `the child's "${phase}" line (it spins, or failed: ${stderr.slice(-2_000)})`);
      if (line.done) throw new Error(`the child ended before "${phase}": ${stderr.slice(-2_000)}`);
      const p = JSON.parse(line.value) as (typeof phases)[number];
      expect(p.phase).toBe(phase);
      phases.push(p);
      return p;
    };
    try {
      await next("up");
      await next("ending");
      await next("kill me");
      await redis.kill();
      child.stdin.write("killed\n");
      await next("down");
      await next("closed");
      expect(await withTimeout(exited, 10_000, "the child's exit after closing everything")).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await redis.restart().catch(() => undefined);
    }
    console.log(`redis outage: CPU ms per 2 s of quiet: ${phases.filter((p) => p.cpuMs !== undefined).map((p) => `${p.phase} ${p.cpuMs} (heap ${p.heapMB} MB)`).join(", ")}`);
    for (const p of phases) if (p.cpuMs !== undefined) expect(p.cpuMs, `CPU over 2 s in phase "${p.phase}"`).toBeLessThan(QUIET_CPU_MS);
  });
});
