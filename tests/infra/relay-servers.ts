/**
 * Several app servers' rooms in one test process, each a RoomManager with a
 * RedisRelay on one real Redis (tests/infra/redis.ts), as server/app.ts wires
 * them: server i has the id `s<i+1>` and the storage `storages[i]`.
 */
import { connectRedis } from "../../server/cluster/redis";
import { RedisRelay } from "../../server/cluster/relay";
import { RoomManager } from "../../server/sync/rooms";
import type { RoomStorage } from "../../server/sync/types";

const quiet = { info() {}, warn() {}, error() {} };

export async function relayServers(redisUrl: string, storages: RoomStorage[]) {
  const links = storages.map((_, i) => connectRedis({ url: redisUrl, serverId: `s${i + 1}`, log: quiet }));
  await Promise.all(links.map((l) => l.ready(10_000)));
  const servers = storages.map((storage, i) => {
    const relay = new RedisRelay({ serverId: `s${i + 1}`, commands: links[i].command, blocking: links[i].connection("relay"), storage, log: quiet, blockMs: 200 });
    const rooms = new RoomManager({ storage, log: quiet, compactAfter: 1_000_000, idleMs: 60_000, relay });
    relay.start(rooms);
    return { relay, rooms };
  });
  return {
    servers,
    /** A Redis command connection (what a third server would publish with). */
    redis: links[0].command,
    async close() {
      await Promise.all(servers.map((s) => s.relay.close()));
      for (const s of servers) await s.rooms.drain();
      await Promise.all(links.map((l) => l.close()));
    },
  };
}
