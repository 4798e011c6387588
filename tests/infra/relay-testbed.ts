/**
 * A file of relay tests against a real redis-server: one Redis and one
 * in-memory SQLite database for the file (vitest hooks registered by the
 * call), and `relay(name)`, a RedisRelay on a Redis link of its own, as
 * server/app.ts makes one; every relay and link a test opened is closed
 * after it. The relay is not started: a test starts its read loop when it
 * needs one.
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import { openDatabase, type Database_ } from "../../db/client";
import { connectRedis, type RedisLink } from "../../server/cluster/redis";
import { RedisRelay, type RelayOptions } from "../../server/cluster/relay";
import { sqliteRoomStorage } from "../../server/sync/storage";
import { within } from "../../server/within";
import { start as startRedis, type TestRedis } from "./redis";

export const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export function relayTestbed() {
  let redis: TestRedis | null = null;
  let db: Database_ | null = null;
  const links: RedisLink[] = [];
  const relays: RedisRelay[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    db = openDatabase(":memory:", { migrate: true });
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => within(r.close(), 1_000, null)));
    await Promise.all(links.splice(0).map((l) => l.close()));
  });
  afterAll(async () => {
    await redis?.stop();
    db?.close();
  });

  return {
    get redis(): TestRedis {
      if (!redis) throw new Error("relayTestbed: Redis is not started yet (use it inside a test)");
      return redis;
    },
    /** A server's relay on a Redis link of its own (its blocking connection too), over the file's database. */
    async relay(name: string, opts: Pick<RelayOptions, "blockMs"> = {}) {
      const link = connectRedis({ url: this.redis.url, serverId: name, log: quiet });
      links.push(link);
      await link.ready(15_000);
      const blocking = link.connection("relay");
      const relay = new RedisRelay({ serverId: name, commands: link.command, blocking, storage: sqliteRoomStorage(db!), log: quiet, ...opts });
      relays.push(relay);
      return { relay, link, blocking };
    },
  };
}
