/**
 * What two servers' limit stores (server/cluster/limit-store.ts) put back
 * into a Redis that restarted empty, against a real redis-server: the count
 * Redis held before plus what each server counted while it was away, not
 * more and not less, whichever server comes back first. The stores do not
 * read their keys again in the background here, so a server's count of the
 * key is what it read at its own last send: the one whose last send came
 * first knows less of what the other counted before the restart.
 */
import type { Socket } from "node:net";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newDataKey } from "../../app/services/seal.server";
import { createKeyHasher, type KeyHasher } from "../../server/cluster/keys";
import { RedisLimitStore } from "../../server/cluster/limit-store";
import { connectRedis, redisKey, type RedisLink } from "../../server/cluster/redis";
import { start as startRedis, type TestRedis } from "../infra/redis";
import { sleep, waitFor } from "./harness";

const quiet = { info() {}, warn() {}, error() {} };
const WINDOW = 60_000;

let redis: TestRedis;
let links: RedisLink[];
let hasher: KeyHasher;

beforeAll(async () => {
  redis = await startRedis();
  links = [0, 1].map((i) => connectRedis({ url: redis.url, serverId: `s${i}`, log: quiet }));
  await Promise.all(links.map((l) => l.ready(15_000)));
  const dataKey = newDataKey();
  hasher = createKeyHasher(links[0], dataKey);
});

afterAll(async () => {
  await Promise.all((links ?? []).map((l) => l.close()));
  await redis?.stop();
});

/** The first link, as a new link object (a flusher of its own), with the connections it makes for the limits at hand. */
function watchedLink(): { link: RedisLink; made: Redis[] } {
  const made: Redis[] = [];
  const link: RedisLink = Object.create(links[0], {
    connection: {
      value: (n: string, o?: { offlineQueue?: boolean; replay?: boolean }) => {
        const r = links[0].connection(n, o);
        made.push(r);
        return r;
      },
    },
  });
  return { link, made };
}

describe("a Redis restart: the limits' counts put back", () => {
  /**
   * A counts 1 and sends it, then B counts 1 and sends it (B read 2 back, A
   * still knows 1). B's connection is gone before Redis restarts, so A is
   * back first; each counts 1 more while Redis is away. Redis then holds 4.
   */
  for (const first of ["the server that knew less", "the server that knew more"] as const) {
    it(`with ${first} back first, Redis holds what it held plus what both counted meanwhile`, async () => {
      const name = `restore-${first === "the server that knew less" ? "less" : "more"}`;
      const stores = links.map((l) => new RedisLimitStore(l, { name, hasher, followMs: -1, refreshMs: 600_000 }));
      const key = redisKey("limit", name) + ":" + hasher.hash("session")!;
      try {
        const count = async (i: number) => {
          stores[i].add("session", 1, WINDOW, Date.now());
          await stores[i].sync(["session"]);
        };
        await count(0);
        await count(1);
        expect(Number(await links[0].command.get(key))).toBe(2);
        const [early, late] = first === "the server that knew less" ? [0, 1] : [1, 0];
        // The late server's connection goes first, and comes back after the other's.
        links[late].command.disconnect();
        await redis.kill();
        await waitFor(() => links.every((l) => !l.up), { message: "both servers saw Redis go" });
        for (const s of stores) s.add("session", 1, WINDOW, Date.now());
        await redis.restart();
        await waitFor(() => links[early].up && stores[early].unsent === 0, { message: "the first server back sent its count" });
        await links[late].command.connect();
        await waitFor(() => links[late].up && stores[late].unsent === 0, { message: "the second server back sent its count" });
        expect(Number(await links[0].command.get(key))).toBe(4);
      } finally {
        for (const s of stores) s.close();
        if (!links.every((l) => l.up)) await Promise.all(links.map((l) => (l.up ? undefined : l.command.connect().catch(() => {}))));
      }
    });
  }

  it("a send that was on its way when Redis died is not replayed into the new Redis: the count is put back whole", async () => {
    const name = "restore-in-flight";
    const store = new RedisLimitStore(links[0], { name, hasher, followMs: -1, refreshMs: 600_000 });
    const key = redisKey("limit", name) + ":" + hasher.hash("session")!;
    try {
      for (let k = 0; k < 2; k++) {
        store.add("session", 1, WINDOW, Date.now());
        await store.sync(["session"]);
      }
      expect(Number(await links[0].command.get(key))).toBe(2);
      // Redis stops answering: the next send leaves and hangs, unanswered, until Redis dies.
      redis.pause();
      store.add("session", 1, WINDOW, Date.now());
      await store.sync(["session"], 300);
      await redis.restart();
      await waitFor(() => links[0].up && store.unsent === 0, { message: "the server back on Redis sent its count" });
      // Replayed as it was sent (ioredis resends unanswered commands after a reconnect), the send would
      // count 1 on the empty key as if Redis had never lost the 2 before it; the server then put back nothing.
      expect(Number(await links[0].command.get(key))).toBe(3);
    } finally {
      store.close();
    }
  });

  /**
   * After Redis came back empty and the count was put back, the limits'
   * connection drops again while Redis keeps its keys (a network blip, a
   * proxy between them restarting). Its close marks every key for a restore,
   * and what this server then knows (read after the put-back) is more than
   * the put-back's mark: without telling the two apart, the send added the
   * difference a second time (5 + 1 became 9 here). Redis's life is now
   * known by an epoch key: a count read in the same life is not put back.
   */
  it("a drop of the limits' connection after the count was put back, Redis keeping its keys, adds only what was counted", async () => {
    const name = "restore-then-drop";
    const store = new RedisLimitStore(links[0], { name, hasher, followMs: -1, refreshMs: 600_000 });
    const key = redisKey("limit", name) + ":" + hasher.hash("session")!;
    const count = async (n: number) => {
      for (let k = 0; k < n; k++) store.add("session", 1, WINDOW, Date.now());
      await store.sync(["session"]);
    };
    try {
      await count(2);
      await redis.restart();
      await waitFor(() => links[0].up && store.unsent === 0, { message: "the server back on Redis sent its count" });
      await count(2);
      await count(1);
      expect(Number(await links[0].command.get(key))).toBe(5);
      // Only the limits' connection goes; Redis and its keys stay.
      const clients = String(await links[0].command.call("CLIENT", "LIST", "TYPE", "normal"));
      const limits = clients.split("\n").find((l) => /\bname=ab-s0-limits\b/.test(l));
      expect(limits, clients).toBeTruthy();
      await links[0].command.call("CLIENT", "KILL", "ID", /\bid=(\d+)/.exec(limits!)![1]);
      await waitFor(async () => /\bname=ab-s0-limits\b/.test(String(await links[0].command.call("CLIENT", "LIST", "TYPE", "normal"))) && store.unsent === 0, {
        message: "the limits' connection came back",
      });
      await count(1);
      expect(Number(await links[0].command.get(key))).toBe(6);
    } finally {
      store.close();
    }
  });

  /**
   * Redis counted a send, and its answer was lost with the connection (a
   * network blip, a proxy restarting): the server cannot tell that from a
   * send Redis never got, so it sends again. Each send carries its sequence
   * number, and Redis keeps per key the last one it counted from each
   * server: what it counted already adds nothing the second time. Before,
   * the delta went again as new and the count rose twice (3 here).
   */
  it("a send whose answer was lost after Redis counted it is not counted again when it goes again", async () => {
    const name = "answer-lost";
    const { link, made } = watchedLink();
    const store = new RedisLimitStore(link, { name, hasher, followMs: -1, refreshMs: 600_000 });
    const key = redisKey("limit", name) + ":" + hasher.hash("session")!;
    try {
      store.add("session", 1, WINDOW, Date.now());
      await store.sync(["session"]);
      expect(Number(await links[0].command.get(key))).toBe(1);
      expect(made).toHaveLength(1);
      const socket = (made[0] as unknown as { stream: Socket & { _handle: { readStop(): void } } }).stream;
      // Redis gets the next send and answers it; the answer stays unread until the connection goes.
      socket._handle.readStop();
      store.add("session", 1, WINDOW, Date.now());
      await store.sync(["session"], 300);
      await waitFor(async () => Number(await links[0].command.get(key)) === 2, { message: "Redis counted the send" });
      socket.destroy();
      await waitFor(() => store.unsent === 0, { message: "the send went again on the next connection" });
      expect(Number(await links[0].command.get(key))).toBe(2);
      store.add("session", 1, WINDOW, Date.now());
      await store.sync(["session"]);
      expect(Number(await links[0].command.get(key))).toBe(3);
    } finally {
      store.close();
      for (const r of made) r.disconnect();
    }
  });

  /**
   * The count put back into a Redis that restarted empty was answered
   * without Redis's epoch, so the server took the answer as read in some
   * other life of Redis. Its next send after a drop of the limits'
   * connection alone (Redis keeping its keys) then put back again what it
   * knew over what it had put back: 3 became 4.
   */
  it("a count put back after a restart is not put back again when the limits' connection then drops alone", async () => {
    const name = "put-back-then-drop";
    const { link, made } = watchedLink();
    const store = new RedisLimitStore(link, { name, hasher, followMs: -1, refreshMs: 600_000 });
    const key = redisKey("limit", name) + ":" + hasher.hash("session")!;
    try {
      for (let k = 0; k < 2; k++) store.add("session", 1, WINDOW, Date.now());
      await store.sync(["session"]);
      await redis.kill();
      await waitFor(() => !links[0].up, { message: "the server saw Redis go" });
      store.add("session", 1, WINDOW, Date.now());
      await redis.restart();
      await waitFor(() => links[0].up && store.unsent === 0, { message: "the count was put back" });
      expect(Number(await links[0].command.get(key))).toBe(3);
      const limits = made[made.length - 1];
      const back = new Promise((resolve) => limits.once("ready", resolve));
      (limits as unknown as { stream: Socket }).stream.destroy();
      await back;
      // Its close marked the key to go again with what this server knew.
      await store.sync(["session"]);
      expect(Number(await links[0].command.get(key))).toBe(3);
    } finally {
      store.close();
      for (const r of made) r.disconnect();
    }
  });

  /**
   * A reset (a login that succeeded clears its throttle) whose send never
   * reached Redis, then a new count in the next window before it went
   * again: the count's window reset dropped the reset, and Redis kept the
   * old count (4 where 1 is right).
   */
  it("a reset that did not reach Redis still goes when the next window's count is added before it", async () => {
    const name = "reset-unsent";
    const { link, made } = watchedLink();
    const store = new RedisLimitStore(link, { name, hasher, followMs: -1, refreshMs: 600_000 });
    const key = redisKey("limit", name) + ":" + hasher.hash("session")!;
    try {
      for (let k = 0; k < 3; k++) store.add("session", 1, WINDOW, Date.now());
      await store.sync(["session"]);
      expect(Number(await links[0].command.get(key))).toBe(3);
      // The limits' connection stops sending (corked): the reset's send waits in it and goes down with it.
      const socket = (made[0] as unknown as { stream: Socket }).stream;
      socket.cork();
      store.delete("session");
      await store.sync(["session"], 300);
      socket.destroy();
      // The failed send settled (a turn after the close), the connection not back yet (80 ms at the least).
      await sleep(20);
      store.add("session", 1, WINDOW, Date.now());
      await waitFor(() => store.unsent === 0, { message: "the reset and the count went on the next connection" });
      expect(Number(await links[0].command.get(key))).toBe(1);
    } finally {
      store.close();
      for (const r of made) r.disconnect();
    }
  });

  /**
   * The reconciles go on a connection of their own, and it may hear of the
   * restart turns before the command connection does (two sockets, two close
   * events; seen on a busy machine): the link still says up, so what was
   * counted goes at once into the new, empty Redis. It must carry the count
   * this server knew all the same. Here the command connection's socket stops
   * reading (its handle under Node's net.Socket: pausing the stream would not
   * hold back its end) from just before Redis dies until the send is
   * answered, so it hears of the restart only after: with a send on its way
   * when Redis died (sent again as soon as it failed), and with one counted
   * after. Redis stays away 300 ms: a reconnect attempt fails while the send
   * waits for the connection, a close that must not ask for the count to be
   * put back a second time once it has been.
   */
  for (const when of ["on its way when Redis died", "counted after"] as const) {
    it(`the count is put back whole when the limits' connection sees the restart first, the send ${when}`, async () => {
      const name = `restore-limits-first-${when === "counted after" ? "after" : "in-flight"}`;
      const store = new RedisLimitStore(links[0], { name, hasher, followMs: -1, refreshMs: 600_000 });
      const key = redisKey("limit", name) + ":" + hasher.hash("session")!;
      const commandSocket = (links[0].command as unknown as { stream: { _handle: { readStop(): void; readStart(): void } } }).stream._handle;
      const states: string[] = [];
      const stopWatching = links[0].onState((s) => states.push(s));
      try {
        for (let k = 0; k < 2; k++) {
          store.add("session", 1, WINDOW, Date.now());
          await store.sync(["session"]);
        }
        expect(Number(await links[0].command.get(key))).toBe(2);
        if (when === "on its way when Redis died") {
          redis.pause();
          store.add("session", 1, WINDOW, Date.now());
          await store.sync(["session"], 300);
        }
        commandSocket.readStop();
        await redis.restart({ downMs: 300 });
        if (when === "counted after") {
          store.add("session", 1, WINDOW, Date.now());
          await store.sync(["session"], 2_000);
        }
        await waitFor(() => store.unsent === 0, { message: "the count went to the new Redis" });
        // Sent while the command connection had not heard of the restart: the interleaving this test is for.
        expect(links[0].up).toBe(true);
        expect(states).toEqual([]);
        commandSocket.readStart();
        await waitFor(() => states.join() === "down,up", { message: "the command connection came back" });
        await store.sync(["session"]);
        expect(Number(await links[0].command.get(key))).toBe(3);
      } finally {
        if (!states.length) commandSocket.readStart();
        stopWatching();
        store.close();
      }
    });
  }
});
