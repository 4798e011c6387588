/**
 * The relay's close() against a real redis-server: it ends the read loop at
 * once, also when its UNBLOCK reaches Redis before the XREAD it means. The
 * two go on different connections (the command connection and the relay's
 * own blocking one), so either can arrive first. An UNBLOCK that came first
 * did nothing, the XREAD then blocked for its whole time (5 s in a server),
 * and the drain waited for it: in the rolling restart of pg-server.test.ts
 * a server was killed after 5 s of draining (fresh clone of 87b1c24; 1 of 3
 * runs beside two busy loops).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import { openDatabase, type Database_ } from "../../db/client";
import { RedisRelay, type RelayRooms } from "../../server/cluster/relay";
import { connectRedis, type RedisLink } from "../../server/cluster/redis";
import { sqliteRoomStorage } from "../../server/sync/storage";
import { within } from "../../server/within";
import { start as startRedis, type TestRedis } from "../infra/redis";
import { sleep, waitFor } from "./harness";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
/** Longer than the test may take: a close that waited for the XREAD's own end would show. */
const BLOCK_MS = 120_000;

const noRooms: RelayRooms = {
  applyRemote: () => false,
  applyRemotePresence: () => {},
  catchUpFromStorage: () => {},
  dropRebuilt: () => {},
  disconnectUser: () => {},
  disconnectSessions: () => {},
  reconnectBoard: () => {},
};

let redis: TestRedis;
let db: Database_;
const links: RedisLink[] = [];

beforeAll(async () => {
  redis = await startRedis();
  db = openDatabase(":memory:", { migrate: true });
});

afterAll(async () => {
  await Promise.all(links.map((l) => l.close()));
  await redis?.stop();
  db?.close();
});

/** The socket under an ioredis connection. */
const socketOf = (connection: unknown) => (connection as { stream: Socket }).stream;

describe("the relay's close", () => {
  it("ends the read loop at once when its UNBLOCK reaches Redis before the XREAD", async () => {
    const link = connectRedis({ url: redis.url, serverId: "s0", log: quiet });
    links.push(link);
    await link.ready(15_000);
    const blocking = link.connection("relay");
    const relay = new RedisRelay({ serverId: "s0", commands: link.command, blocking, storage: sqliteRoomStorage(db), log: quiet, blockMs: BLOCK_MS });
    relay.start(noRooms);
    const blockedClients = async () => Number(/blocked_clients:(\d+)/.exec(String(await link.command.info("clients")))![1]);
    await waitFor(async () => (await blockedClients()) === 1, { message: "the relay's first XREAD is blocked in Redis" });

    // Its next XREAD stays in this process (the socket corked) until after close() sent its UNBLOCK.
    const socket = socketOf(blocking);
    socket.cork();
    try {
      // An entry on the control stream ends the first XREAD; the loop comes round to the next one.
      relay.control({ type: "reconnectBoard", boardId: "no-such-board" });
      await waitFor(async () => socket.writableLength > 0 && (await blockedClients()) === 0, { message: "the next XREAD waits in the corked socket" });
      const closing = relay.close();
      // The UNBLOCK on the command connection is in Redis before the XREAD.
      await sleep(100);
      socket.uncork();
      const ended = await within(
        closing.then(() => "closed"),
        10_000,
        "still waiting for the XREAD",
      );
      expect(ended).toBe("closed");
    } finally {
      if (socket.writableCorked) socket.uncork();
    }
  });
});
