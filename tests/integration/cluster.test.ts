/**
 * Two app servers in one process (tests/integration/cluster-harness.ts): one
 * database object, one real redis-server, each server on its own port with
 * its own Redis connections, which survive a Redis restart.
 */
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateCard } from "../../app/board/domain";
import { countBoardUpdates } from "../../db/board-store";
import { startTestCluster, type TestCluster } from "./cluster-harness";
import { waitFor } from "./harness";

let c: TestCluster;

beforeAll(async () => {
  c = await startTestCluster(2);
});

afterAll(async () => {
  await c?.close();
});

/** The names of the connections Redis has open now (CLIENT LIST), from server 0's command connection. */
async function clientNames(): Promise<string[]> {
  const list = (await c.servers[0].server.redis!.command.client("LIST")) as string;
  return list
    .split("\n")
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "")
    .filter(Boolean);
}

describe("two servers, one database, one Redis", () => {
  it("serves on two ports, each connected to Redis under its own server id", async () => {
    expect(c.url(0)).not.toBe(c.url(1));
    for (const s of c.servers) expect(await s.server.redis!.ping()).toBe(true);
    const names = await clientNames();
    expect(names).toContain("ab-s0-command");
    expect(names).toContain("ab-s1-command");
  });

  it("a change made through server 0 is read through server 1", async () => {
    const { seed } = c;
    const cardId = seed.boardA.cardIds[0];
    const path = `/api/boards/${seed.boardA.id}/requests/${cardId}`;
    const res = await c.api(0, path, { method: "PATCH", cookie: seed.cookies.memberA1, body: { title: "Woning gezocht, via server 0" } });
    expect(res.status).toBe(200);
    const read = await c.api(1, path, { cookie: seed.cookies.memberA2 });
    expect(read.status).toBe(200);
    expect(read.body.card.title).toBe("Woning gezocht, via server 0");
  });

  it("both servers see Redis go away, and reconnect by themselves when it is back on the same port", async () => {
    const links = c.servers.map((s) => s.server.redis!);
    const seen = links.map(() => [] as string[]);
    const stops = links.map((l, i) => l.onState((s) => seen[i].push(s)));
    await c.redis.kill();
    await waitFor(() => links.every((l) => !l.up), { message: "both links down" });
    for (const l of links) expect(await l.ping()).toBe(false);
    // /readyz tells the load balancer (server/health.ts): Redis is one of its checks.
    const notReady = await waitFor(async () => {
      const r = await c.api(1, "/readyz");
      return r.status === 503 ? r : null;
    });
    expect(notReady.body.checks.redis).toBe("unreachable");
    await c.redis.restart();
    await waitFor(() => links.every((l) => l.up), { timeout: 15_000, message: "both links up again" });
    for (const l of links) expect(await l.ping()).toBe(true);
    await waitFor(async () => (await c.api(1, "/readyz")).status === 200, { message: "/readyz ready again" });
    // One change each way per server: logged once, not once per failed attempt.
    for (const s of seen) expect(s).toEqual(["down", "up"]);
    for (const stop of stops) stop();
    expect(await clientNames()).toEqual(expect.arrayContaining(["ab-s0-command", "ab-s1-command"]));
  });
});

describe("the drain of a server with Redis", () => {
  it("compacts the boards it unloads before its storage worker stops: the compaction's lease is taken first, and the worker waits for it", async () => {
    // Found by review: the unloads' compactions wait for Redis (the lease) before they reach the worker, and the drain
    // closed the worker meanwhile, so each was refused ("storage worker closed") and the log stayed long.
    const one = await startTestCluster(1, { COMPACT_AFTER_UPDATES: "100000", STORAGE_WORKER_NICE: "0" });
    const boardId = one.seed.boardA.id;
    const warnings: string[] = [];
    const log = one.servers[0].server.log as { warn: (msg: string, data?: unknown) => void };
    const warn = log.warn.bind(log);
    log.warn = (msg, data) => (warnings.push(`${msg}: ${JSON.stringify(data)}`), warn(msg, data));
    let closed = false;
    try {
      const client = await one.connect(0, boardId, { cookie: one.seed.cookies.memberA1 });
      for (let i = 0; i < 5; i++) updateCard(client.doc, one.seed.boardA.cardIds[0], { description: `voor de drain ${i}` }, Date.now());
      await waitFor(() => countBoardUpdates(one.db, boardId) >= 5, { message: "the edits stored" });
      // What this case judges is the order of the drain, not how long the thread takes to load its modules (through
      // tsx here): at nice 19 on a CI machine whose other test files keep both cores busy it was starved past the 5 s
      // the drain gives its compactions on purpose ("storage worker stopped"). So at the server's priority, and loaded
      // (0, or the test runner's own nice value if it runs niced: a thread cannot raise its priority above that).
      expect(await one.servers[0].server.storageWorker!.priority()).toBe(Math.max(0, os.getPriority()));
      client.destroy();
      await one.servers[0].close();
      closed = true;
      expect(warnings.filter((w) => /compaction/.test(w))).toEqual([]);
      expect(countBoardUpdates(one.db, boardId)).toBe(0);
    } finally {
      if (!closed) await one.close();
      else await one.close().catch(() => {});
    }
  });
});
