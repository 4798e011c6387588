/**
 * The child process of redis-outage.test.ts: one server's Redis side (the
 * link, the relay with its read loop, a shared limit store) against the
 * redis-server at REDIS_URL, through an outage. It prints one JSON line per
 * phase with the CPU time it used over the next 2 s of quiet
 * (`{"phase":…,"cpuMs":…,"heapMB":…}`); a loop that never yields prints
 * nothing more. Phases: "up" (Redis answering), "ending" (the command
 * connection's socket has ended but not closed: ioredis still says "ready"
 * and refuses every command at once), "down" (the parent killed Redis; it
 * writes a line to stdin when it has), "closed" (everything closed while
 * Redis is down). Then it must exit by itself: nothing left running.
 */
import { createInterface } from "node:readline";
import { createKeyHasher } from "../../server/cluster/keys";
import { RedisLimitStore } from "../../server/cluster/limit-store";
import { connectRedis } from "../../server/cluster/redis";
import { RedisRelay, type RelayRooms } from "../../server/cluster/relay";
import type { RoomStorage } from "../../server/sync/types";

const url = process.env.REDIS_URL;
if (!url) throw new Error("REDIS_URL is missing");
const quiet = { info() {}, warn() {}, error() {} };
const link = connectRedis({ url, serverId: "spin", log: quiet, maxBackoffMs: 200 });
await link.ready(10_000);
// The relay needs nothing of the storage here (compaction is not asked for).
const relay = new RedisRelay({ serverId: "spin", commands: link.command, blocking: link.connection("relay"), storage: {} as RoomStorage, log: quiet, blockMs: 200 });
const none = () => {};
const rooms: RelayRooms = {
  applyRemote: () => false,
  applyRemotePresence: none,
  catchUpFromStorage: none,
  dropRebuilt: none,
  disconnectUser: none,
  disconnectSessions: none,
  reconnectBoard: none,
};
relay.start(rooms);
relay.loaded("board-1", 1);
const store = new RedisLimitStore(link, { name: "spin", hasher: createKeyHasher(link, Buffer.alloc(32, 7).toString("base64")), log: quiet });

/** Some of everything this server sends to Redis: an update, presence, a control message, a count. */
function work(i: number): void {
  relay.committed("board-1", 1, new Uint8Array([i & 255, 1, 2, 3]));
  relay.presence("board-1", 1, new Uint8Array([i & 255]), { 1: "user-1" });
  relay.control({ type: "disconnectUser", userId: `user-${i}` });
  store.add(`address-${i % 3}`, 1, 60_000, Date.now());
}

async function measure(phase: string): Promise<void> {
  const before = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 2_000));
  const used = process.cpuUsage(before);
  const heapMB = Math.round(process.memoryUsage().heapUsed / 1048576);
  process.stdout.write(JSON.stringify({ phase, cpuMs: Math.round((used.user + used.system) / 1000), heapMB }) + "\n");
}

const rl = createInterface({ input: process.stdin });
const lines = rl[Symbol.asyncIterator]();

for (let i = 0; i < 20; i++) work(i);
await relay.flushed(5_000);
await measure("up");

// The moment between the socket's end and its close (a Redis that went away,
// seen by ioredis only on "close"): every command is refused without I/O.
(link.command as unknown as { stream: { end(): void } }).stream.end();
for (let i = 0; i < 20; i++) work(i);
await measure("ending");

process.stdout.write(JSON.stringify({ phase: "kill me" }) + "\n");
await lines.next(); // the parent killed Redis
for (let i = 0; i < 20; i++) work(i);
await measure("down");

store.close();
await relay.close();
await link.close();
await measure("closed");
rl.close();
process.stdin.destroy();
