/**
 * Work that must run once per cluster, not once per server (the sweeps of
 * server/app.ts's beat, the daily backup, the mail worker's sending): only
 * the server holding the lock `<name>` runs it; the others skip that turn.
 *
 * Redis (REDIS_URL): acquire is `SET ab:lock:<name> <serverId>:<token> NX PX
 * <ttl>`; while the work runs the holder renews it every third of the ttl
 * (PEXPIRE only if the value is still ours: a Lua compare); at the end it is
 * released only if still ours (Lua compare-and-delete), or kept for
 * `keepMs` (so no server repeats the work within that time). A holder that
 * stops renewing (stuck, killed) loses the lock when the ttl runs out and
 * another server takes it; its renewal then finds the lock lost, logs it
 * once, and its `release` leaves the new holder's lock alone. While Redis is
 * away nobody gets the lock: the work waits for Redis (it is driven by
 * database state, so nothing is lost, only later).
 *
 * Memory (one server, no Redis): the same rules in this process's memory, on
 * the server's clock.
 *
 * The work itself stays idempotent (driven by the database): the lock saves
 * duplicate work and duplicate mail and backups, it is not what makes the
 * work correct.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../sync/types";
import { redisKey } from "./redis";

/** A lock this server holds. */
export interface HeldLock {
  readonly name: string;
  /** True once a renewal found the lock expired or taken by another server. */
  readonly lost: boolean;
  /** Extend the lock by its ttl if it is still ours; false (and `lost`) when it is not. */
  renew(): Promise<boolean>;
  /**
   * Let go: deleted if still ours; with `keepMs` > 0 kept (still ours, no
   * renewal) for that long instead. Never touches another server's lock.
   */
  release(opts?: { keepMs?: number }): Promise<void>;
}

export interface AcquireOptions {
  /** How long the lock holds without renewal (ms). */
  ttlMs: number;
  /** How often it is renewed while held (default a third of the ttl). */
  renewEveryMs?: number;
}

export interface ClusterLock {
  readonly kind: "memory" | "redis";
  /** The lock if this server got it; null when another holds it (or Redis is away). */
  acquire(name: string, opts: AcquireOptions): Promise<HeldLock | null>;
  /**
   * Run `work` holding the lock `name`, or skip it (`ran: false`) when
   * another server holds it. Renewed while the work runs, released after
   * (kept `keepMs` when given: a number, or computed from the result).
   */
  run<T>(
    name: string,
    work: (held: HeldLock) => Promise<T> | T,
    opts?: Partial<AcquireOptions> & { keepMs?: number | ((value: T) => number) },
  ): Promise<{ ran: true; value: T } | { ran: false }>;
  /** Stop every renewal (shutdown); held locks run out by their ttl unless released. */
  close(): void;
}

/** The default time a lock holds without renewal. */
export const LOCK_TTL_MS = 30_000;

/** What the two implementations differ in: three atomic steps on one key. */
interface LockBackend {
  /** Set `value` with `ttlMs` if nobody holds the key. */
  take(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Set the key's ttl to `ttlMs` if it still holds `value`. */
  extend(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Delete the key if it still holds `value`. */
  drop(key: string, value: string): Promise<boolean>;
}

function lockCore(kind: ClusterLock["kind"], backend: LockBackend, serverId: string, log: Logger): ClusterLock {
  const timers = new Set<NodeJS.Timeout>();
  // Redis failing on acquire is said once per lock name until it answers again.
  const unreachable = new Set<string>();

  const lock: ClusterLock = {
    kind,
    async acquire(name, opts) {
      const key = redisKey("lock", name);
      const value = `${serverId}:${randomBytes(9).toString("base64url")}`;
      let ok: boolean;
      try {
        ok = await backend.take(key, value, opts.ttlMs);
        unreachable.delete(name);
      } catch (e) {
        if (!unreachable.has(name)) {
          unreachable.add(name);
          log.warn("cluster lock not available, skipping its work until redis answers", { lock: name, server: serverId, error: (e as Error).message });
        }
        return null;
      }
      if (!ok) return null;
      let lost = false;
      let released = false;
      const markLost = () => {
        if (lost) return;
        lost = true;
        stopRenewing();
        log.error("cluster lock lost while its work ran", { lock: name, server: serverId });
      };
      const held: HeldLock = {
        name,
        get lost() {
          return lost;
        },
        async renew() {
          if (lost) return false;
          if (released) return true;
          let still: boolean;
          try {
            still = await backend.extend(key, value, opts.ttlMs);
          } catch {
            // Redis away for a moment: the next renewal tries again (the ttl decides meanwhile).
            return true;
          }
          if (!still && !released) markLost();
          return still || released;
        },
        async release(o = {}) {
          if (released) return;
          released = true;
          stopRenewing();
          if (lost) return;
          try {
            if (o.keepMs && o.keepMs > 0) await backend.extend(key, value, Math.ceil(o.keepMs));
            else await backend.drop(key, value);
          } catch {
            // Redis away: the lock runs out by its ttl.
          }
        },
      };
      const timer = setInterval(() => void held.renew(), opts.renewEveryMs ?? Math.max(10, Math.floor(opts.ttlMs / 3)));
      timer.unref();
      timers.add(timer);
      const stopRenewing = () => {
        clearInterval(timer);
        timers.delete(timer);
      };
      return held;
    },
    async run(name, work, opts = {}) {
      const held = await lock.acquire(name, { ttlMs: opts.ttlMs ?? LOCK_TTL_MS, renewEveryMs: opts.renewEveryMs });
      if (!held) return { ran: false };
      let value: Awaited<ReturnType<typeof work>> | undefined;
      let keepMs = 0;
      try {
        value = await work(held);
        keepMs = typeof opts.keepMs === "function" ? opts.keepMs(value as never) : (opts.keepMs ?? 0);
      } finally {
        await held.release({ keepMs });
      }
      return { ran: true, value: value as never };
    },
    close() {
      for (const t of timers) clearInterval(t);
      timers.clear();
    },
  };
  return lock;
}

// ------------------------------------------------------------------ memory

/** One server's locks, in its memory, on its clock (`now`). */
export function memoryClusterLock(opts: { serverId: string; log: Logger; now?: () => number }): ClusterLock {
  const now = opts.now ?? Date.now;
  const held = new Map<string, { value: string; until: number }>();
  const current = (key: string) => {
    const h = held.get(key);
    if (h && h.until <= now()) {
      held.delete(key);
      return undefined;
    }
    return h;
  };
  return lockCore(
    "memory",
    {
      async take(key, value, ttlMs) {
        if (current(key)) return false;
        held.set(key, { value, until: now() + ttlMs });
        return true;
      },
      async extend(key, value, ttlMs) {
        const h = current(key);
        if (h?.value !== value) return false;
        h.until = now() + ttlMs;
        return true;
      },
      async drop(key, value) {
        if (current(key)?.value !== value) return false;
        held.delete(key);
        return true;
      },
    },
    opts.serverId,
    opts.log,
  );
}

// ------------------------------------------------------------------ Redis

/** KEYS[1]: the lock; ARGV[1]: our value, ARGV[2]: ttl ms. 1 when it was ours and now runs ttl from now. */
const EXTEND_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** KEYS[1]: the lock; ARGV[1]: our value. 1 when it was ours and is gone. */
const DROP_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

type LockingRedis = Redis & {
  abLockExtend(key: string, value: string, ttlMs: number): Promise<number>;
  abLockDrop(key: string, value: string): Promise<number>;
};

function withScripts(r: Redis): LockingRedis {
  const c = r as LockingRedis;
  if (typeof c.abLockExtend !== "function") r.defineCommand("abLockExtend", { numberOfKeys: 1, lua: EXTEND_LUA });
  if (typeof c.abLockDrop !== "function") r.defineCommand("abLockDrop", { numberOfKeys: 1, lua: DROP_LUA });
  return c;
}

/** The cluster's locks in Redis, on the command connection (fails at once while Redis is away: the turn is skipped). */
export function redisClusterLock(opts: { serverId: string; log: Logger; command: Redis }): ClusterLock {
  const r = withScripts(opts.command);
  return lockCore(
    "redis",
    {
      async take(key, value, ttlMs) {
        return (await r.set(key, value, "PX", ttlMs, "NX")) === "OK";
      },
      async extend(key, value, ttlMs) {
        return (await r.abLockExtend(key, value, ttlMs)) === 1;
      },
      async drop(key, value) {
        return (await r.abLockDrop(key, value)) === 1;
      },
    },
    opts.serverId,
    opts.log,
  );
}
