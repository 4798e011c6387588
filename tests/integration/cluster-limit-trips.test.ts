/**
 * How many Redis round trips a door that counts across servers makes a
 * request wait for (server/cluster/limit-store.ts, app/services/auth.server.ts
 * loginGate): one login attempt through a real server with REDIS_URL reads
 * its keys' counts once before the decision and sends its hit once after,
 * and syncs asked for in the same turn, by any limiters of the server, ride
 * one pipeline. Counted on the server's own Redis command connection
 * (ioredis's `sendCommand`, which every command and every pipelined command
 * passes): a pipeline is one round trip, a command outside one is another.
 *
 * The stores' background work (a change sent 10 ms after it was counted,
 * keys read again every 200 ms while they are in use) runs on timers: how
 * much of it falls inside a request depends on how long the password hash
 * took. It is switched off on the counted servers, so what is counted is
 * what the request itself waits for.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appLimits, type LimitStore } from "../../app/services/limits.server";
import { startTestCluster, type TestCluster } from "./cluster-harness";
import { postForm } from "./harness";

let c: TestCluster;

/** Every store a test here counts through: their timers never fire (see above). */
const STORES = ["login-address", "login-account-failures", "login-account-waits", "login-pairs", "login-device", "writes", "reference-checks"];

function quiet(store: LimitStore): void {
  Object.assign(store, { followMs: -1, flushDelayMs: 600_000 });
}

interface Trips {
  /** Round trips: pipelines plus commands sent alone. */
  trips: number;
  /** Limit commands, each key's reconcile one. */
  commands: number;
}

/**
 * The round trips server `i` made to Redis for its limits (keys `ab:limit:…`) while `run` ran, on any of
 * its connections (the limits have one of their own: limit-store.ts LimitFlusher).
 */
async function counted(i: number, run: () => Promise<void>): Promise<Trips> {
  type Send = (command: { args: unknown[] }, stream?: { isPipeline?: boolean }, ...rest: unknown[]) => unknown;
  const target = Redis.prototype as unknown as { sendCommand: Send };
  const original = target.sendCommand;
  const mine = `ab-s${i}-`;
  const pipelines = new Set<object>();
  let alone = 0;
  let commands = 0;
  target.sendCommand = function (this: Redis, command, stream, ...rest) {
    if (this.options.connectionName?.startsWith(mine) && command.args.some((a) => String(a).startsWith("ab:limit:"))) {
      commands++;
      if (stream?.isPipeline) pipelines.add(stream);
      else alone++;
    }
    return original.call(this, command, stream, ...rest);
  };
  try {
    await run();
  } finally {
    target.sendCommand = original;
  }
  return { trips: pipelines.size + alone, commands };
}

beforeAll(async () => {
  c = await startTestCluster(2, { LOGIN_FREE_FAILURES: "100", LOGIN_FAILURES_PER_ADDRESS: "100" });
  for (const s of c.servers) for (const name of STORES) quiet(appLimits(s.services).store(name));
});

afterAll(async () => {
  await c?.close();
});

const login = async (i: number, password: string) => {
  const res = await postForm(c.url(i), "/login", { email: c.seed.memberA1.email, password, redirectTo: "/boards" });
  await res.arrayBuffer();
  return res.status;
};

describe("Redis round trips of the doors that count across servers", () => {
  it("a wrong password: one read of the gate's counts before the decision, one send after", async () => {
    let status = 0;
    const wrong = await counted(0, async () => {
      status = await login(0, "niet-het-wachtwoord");
    });
    expect(status).toBe(401);
    console.log(`one wrong login: ${wrong.trips} round trips, ${wrong.commands} limit commands`);
    expect(wrong.trips).toBeLessThanOrEqual(2);
    // The other server, told nothing by its own background reads, has the failure counted.
    expect(appLimits(c.servers[1].services).login.address.peek("127.0.0.1").count).toBe(0);
    await appLimits(c.servers[1].services).login.address.sync("127.0.0.1");
    expect(appLimits(c.servers[1].services).login.address.peek("127.0.0.1").count).toBe(1);
  });

  it("the right password: the same two", async () => {
    let status = 0;
    const right = await counted(1, async () => {
      status = await login(1, c.seed.password);
    });
    expect(status).toBe(302);
    console.log(`one right login: ${right.trips} round trips, ${right.commands} limit commands`);
    expect(right.trips).toBeLessThanOrEqual(2);
  });

  it("syncs asked for in the same turn, by limiters of different stores, ride one pipeline", async () => {
    const limits = appLimits(c.servers[0].services);
    const same = await counted(0, async () => {
      await Promise.all([limits.writes.sync("session-1"), limits.writes.sync("session-2"), limits.referenceChecks.sync("person-1"), limits.login.account.sync("x@y.test")]);
    });
    console.log(`four syncs in one turn: ${same.trips} round trips, ${same.commands} limit commands`);
    expect(same.trips).toBe(1);
  });
});
