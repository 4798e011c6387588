/**
 * server/cluster/lock.ts, the memory lock (one server without Redis): one
 * holder at a time, a holder that stops renewing is taken over when its ttl
 * runs out, and a release or renewal never touches another holder's lock.
 * The Redis lock is tested across two servers in
 * tests/integration/cluster-once.test.ts.
 */
import { describe, expect, it } from "vitest";
import { memoryClusterLock } from "../../server/cluster/lock";

function setup() {
  let t = 1_000_000;
  const lines: Array<{ lvl: string; msg: string; extra?: Record<string, unknown> }> = [];
  const log = {
    info: (msg: string, extra?: Record<string, unknown>) => lines.push({ lvl: "info", msg, extra }),
    warn: (msg: string, extra?: Record<string, unknown>) => lines.push({ lvl: "warn", msg, extra }),
    error: (msg: string, extra?: Record<string, unknown>) => lines.push({ lvl: "error", msg, extra }),
  };
  const lock = memoryClusterLock({ serverId: "s0", log, now: () => t });
  return { lock, lines, advance: (ms: number) => (t += ms) };
}

// Renewal timers that never fire during a test: the test renews by hand.
const NO_TIMER = 3600_000;

describe("the memory cluster lock", () => {
  it("has one holder at a time, and is free again after release", async () => {
    const { lock } = setup();
    const a = await lock.acquire("sweep", { ttlMs: 1000, renewEveryMs: NO_TIMER });
    expect(a).not.toBeNull();
    expect(await lock.acquire("sweep", { ttlMs: 1000, renewEveryMs: NO_TIMER })).toBeNull();
    // Another name is another lock.
    expect(await lock.acquire("mail", { ttlMs: 1000, renewEveryMs: NO_TIMER })).not.toBeNull();
    await a!.release();
    expect(await lock.acquire("sweep", { ttlMs: 1000, renewEveryMs: NO_TIMER })).not.toBeNull();
    lock.close();
  });

  it("holds while it is renewed; a holder that stops renewing is taken over, finds it lost (logged once), and its release leaves the new holder alone", async () => {
    const { lock, lines, advance } = setup();
    const a = (await lock.acquire("sweep", { ttlMs: 1000, renewEveryMs: NO_TIMER }))!;
    advance(800);
    expect(await a.renew()).toBe(true);
    advance(800);
    // 1.6 s since it was taken, 0.8 s since renewed: still a's.
    expect(await lock.acquire("sweep", { ttlMs: 1000, renewEveryMs: NO_TIMER })).toBeNull();
    advance(1000);
    const b = await lock.acquire("sweep", { ttlMs: 1000, renewEveryMs: NO_TIMER });
    expect(b).not.toBeNull();
    expect(await a.renew()).toBe(false);
    expect(a.lost).toBe(true);
    expect(await a.renew()).toBe(false);
    expect(lines.filter((l) => l.msg === "cluster lock lost while its work ran")).toEqual([
      { lvl: "error", msg: "cluster lock lost while its work ran", extra: { lock: "sweep", server: "s0" } },
    ]);
    await a.release();
    // Still b's: neither a's renewal nor its release took it.
    expect(await lock.acquire("sweep", { ttlMs: 1000, renewEveryMs: NO_TIMER })).toBeNull();
    expect(b!.lost).toBe(false);
    expect(await b!.renew()).toBe(true);
    lock.close();
  });

  it("run() skips the work while another holds the lock, and a kept lock stays taken for keepMs", async () => {
    const { lock, advance } = setup();
    const other = (await lock.acquire("moments", { ttlMs: 1000, renewEveryMs: NO_TIMER }))!;
    let runs = 0;
    expect(await lock.run("moments", () => ++runs)).toEqual({ ran: false });
    await other.release();
    expect(await lock.run("moments", () => ++runs, { keepMs: 5000 })).toEqual({ ran: true, value: 1 });
    advance(4000);
    expect(await lock.run("moments", () => ++runs)).toEqual({ ran: false });
    advance(1001);
    expect(await lock.run("moments", () => ++runs, { keepMs: (n) => (n > 5 ? 1 : 0) })).toEqual({ ran: true, value: 2 });
    // keepMs 0 from the result: released at once.
    expect(await lock.run("moments", () => ++runs)).toEqual({ ran: true, value: 3 });
    expect(runs).toBe(3);
    lock.close();
  });

  it("releases after work that throws", async () => {
    const { lock } = setup();
    await expect(lock.run("retention", () => Promise.reject(new Error("disk full")))).rejects.toThrow("disk full");
    expect(await lock.run("retention", () => "again")).toEqual({ ran: true, value: "again" });
    lock.close();
  });
});
