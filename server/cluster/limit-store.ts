/**
 * The limits' store shared by the servers (app/services/limits.server.ts
 * `LimitStore`, REDIS_URL set): synchronous like the memory store, so a
 * request never waits for Redis. Each server counts in its own memory and
 * reconciles every key it touched in the background, a few times a second
 * at most per key: one Lua call adds the local delta (INCRBY), starts the
 * window when the key is new (PEXPIRE, so the window opens with the first
 * hit anywhere in the cluster) and reads back the cluster's count and the
 * time left. The count a server decides on is then the cluster's count at
 * the last reconcile plus what it added since: shared a moment late.
 *
 * Every store on one Redis connection sends through one `LimitFlusher`:
 * whatever any of them has to send or read goes out in one pipeline, one
 * round trip. `sync` (a door about to decide) asks for a flush at the end of
 * the current turn (setImmediate), so the syncs of one request, or of
 * several, asked for in the same turn ride the same round trip.
 *
 * While Redis is away the server keeps counting locally (the deltas wait),
 * and sends them when it is back; when Redis lost its keys in a restart,
 * the servers put the counts back (RECONCILE_LUA): every send after the
 * flusher's own connection closed carries what this server knew. Keys are
 * `ab:limit:<store>:<hash>`, the counted key (an e-mail address, a network
 * address, a session) as a keyed hash (server/cluster/keys.ts); a key put
 * back has a mark `ab:limit-restored:<store>:<hash>` for its window. Windows
 * run on Redis's clock. Which life of Redis a count was read in is told by
 * `ab:limit-epoch`, set by the first send into a Redis without it: a count
 * read in the Redis that still holds the key is never put back (only the
 * connection dropped, not the keys).
 *
 * A send whose answer is lost (the connection dropped after Redis ran it)
 * cannot be told from one Redis never got, so it goes again. Each send that
 * changes a key is an op numbered by the connection's flusher, and Redis
 * keeps per key the highest op it counted from each flusher
 * (`ab:limit-ops:<store>:<hash>`, a field per flusher): an op sent again
 * after Redis counted it adds nothing. A flusher sends one flush at a time,
 * and an op not known to be counted goes again in every send of its key,
 * before the newer ones, until one is answered: a flusher's ops reach Redis
 * in order, so the highest counted tells all of them apart.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Counter, LimitStore } from "../../app/services/limits.server";
import type { Logger } from "../sync/types";
import type { KeyHasher } from "./keys";
import { redisKey, type RedisLink } from "./redis";
import { within } from "../within";

/**
 * KEYS[1]: the key; KEYS[2]: its mark after a Redis restart (the count put
 * back); KEYS[3]: the epoch of this Redis's life; KEYS[4]: the highest op
 * counted per flusher. ARGV: window ms, "1" to delete the key first (with
 * the first op), known, ms left, a new epoch (set when Redis has none: it
 * started empty), the epoch `known` was read in, the flusher's id, then
 * the ops as pairs of number and delta, oldest first (none: a read). Only
 * the ops above the highest counted from this flusher count. Returns
 * [count, ms left, epoch] ([0, -2, epoch]: no key).
 *
 * `known` (-1 but on a key's first send after the flusher's connection
 * closed) is the count this server last read from Redis. Read in the
 * Redis that is there now (the same epoch), it is in the key already: only
 * the connection dropped. Read in an earlier one, Redis restarted since and
 * may have lost the key: the first server back puts back what it knew plus
 * its own delta, and marks the key with what it knew; a server back later
 * that knew more (it read after the other's last send) adds the
 * difference. So the key holds the most any server knew plus what each
 * counted since, whichever server comes back first, and a connection that
 * drops again later adds nothing.
 */
const RECONCILE_LUA = `
local d = 0
local fresh = false
local ops = #ARGV >= 9
local seen = -1
local top = -1
if ops then
  seen = tonumber(redis.call('HGET', KEYS[4], ARGV[7]) or '-1')
  top = seen
  for i = 8, #ARGV, 2 do
    local op = tonumber(ARGV[i])
    if op > seen then
      d = d + tonumber(ARGV[i + 1])
      if i == 8 then fresh = true end
      if op > top then top = op end
    end
  end
end
-- The ops are marked counted once they are (an error before leaves them to count when sent again),
-- for at least the window (another flusher's shorter window does not cut this one's short).
local function counted()
  if not ops then return end
  if top > seen then redis.call('HSET', KEYS[4], ARGV[7], top) end
  if redis.call('PTTL', KEYS[4]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[4], ARGV[1]) end
end
if ARGV[2] == '1' and fresh then redis.call('DEL', KEYS[1], KEYS[2]) end
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[5]
  redis.call('SET', KEYS[3], epoch)
end
local known = tonumber(ARGV[3])
if known >= 0 and ARGV[6] ~= epoch then
  local left = tonumber(ARGV[4])
  if redis.call('EXISTS', KEYS[1]) == 0 then
    if known + d > 0 then
      redis.call('SET', KEYS[1], known + d, 'PX', left)
      redis.call('SET', KEYS[2], known, 'PX', left)
      counted()
      return {known + d, left, epoch}
    end
  else
    local put = tonumber(redis.call('GET', KEYS[2]) or '-1')
    if put >= 0 and known > put then
      redis.call('INCRBY', KEYS[1], known - put)
      local t = redis.call('PTTL', KEYS[2])
      if t > 0 then redis.call('SET', KEYS[2], known, 'PX', t) end
    end
  end
end
local n
if d == 0 then
  n = tonumber(redis.call('GET', KEYS[1]) or '0')
else
  n = redis.call('INCRBY', KEYS[1], d)
end
counted()
if n <= 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {0, -2, epoch}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl, epoch}
`;

/** The epoch of Redis's life (RECONCILE_LUA's KEYS[3]), one for every store. */
const EPOCH_KEY = redisKey("limit-epoch");

/** RECONCILE_LUA's keys and arguments: key, mark, epoch key, ops key, window ms, reset, known, ms left, new epoch, known's epoch, flusher id, then op number and delta pairs. */
type ReconcileArgs = [string, string, string, string, number, string, number, number, string, string, string, ...number[]];

/** A change of a key sent to Redis: counted there once, however often it is sent (RECONCILE_LUA). */
interface Op {
  n: number;
  delta: number;
  /** Delete the key in Redis before adding `delta` (a reset here): only ever a key's first op after the reset. */
  reset: boolean;
}

type ReconcilingRedis = Redis & {
  abLimitReconcile(...args: ReconcileArgs): Promise<[number, number, string]>;
};

function withScript(r: Redis): ReconcilingRedis {
  const c = r as ReconcilingRedis;
  if (typeof c.abLimitReconcile !== "function") r.defineCommand("abLimitReconcile", { numberOfKeys: 4, lua: RECONCILE_LUA });
  return c;
}

interface Entry {
  /** The cluster's count at the last reconcile (our own earlier deltas included). */
  base: number;
  /** Added here and not sent yet. */
  pending: number;
  /** Sent, answer not back yet. */
  inflight: number;
  /** Sent, and not known to be counted (the answer was lost): sent again, as they are, before anything newer. */
  unsure: Op[];
  /** Ops sent, answer not back yet (a reset's op adds nothing to `inflight`). */
  sending: number;
  /** Delete the key in Redis before adding `pending` (a reset here). */
  reset: boolean;
  resetAt: number;
  windowMs: number;
  /** When the cluster's count was last read (0: never). */
  syncedAt: number;
  /** The life of Redis it was read in (RECONCILE_LUA's epoch; "" before the first read). */
  epoch: string;
  /** Bumped by a local delete: answers to what was sent before it are ignored. */
  gen: number;
  /** The flusher's connection closed since: if Redis lost this key (a restart), put back what this server knew. */
  restore: boolean;
  /** When this server last used the key. */
  touchedAt: number;
}

export interface RedisLimitStoreOptions {
  /** The store's name in its keys (`ab:limit:<name>:…`): one per limit. */
  name: string;
  /** What a key is written as in Redis (server/cluster/keys.ts): never the e-mail or address it counts. */
  hasher: KeyHasher;
  maxKeys?: number;
  /** A key used here is read again from Redis every `refreshMs` for `followMs` after its last use (what the other servers counted meanwhile). */
  refreshMs?: number;
  followMs?: number;
  /** How long changes gather before they are sent together. */
  flushDelayMs?: number;
  log?: Logger;
}

/** One key's reconcile in a flush: what was taken from the entry, to settle its answer. */
interface Sent {
  key: string;
  e: Entry;
  /** The ops it carries, the unsure ones first; their deltas together. */
  ops: Op[];
  delta: number;
  gen: number;
  restore: boolean;
  /** The script's keys and arguments (RECONCILE_LUA). */
  args: ReconcileArgs;
}

/** What one store puts into a flush (LimitFlusher): its keys, in the order of their commands. */
interface Batch {
  store: RedisLimitStore;
  sent: Sent[];
}

type Waiter = { target: number; resolve: () => void };

/**
 * The round trips of every limit store on one Redis connection: a flush
 * takes what each store has to send or read and sends it all as one
 * pipeline. One flush at a time; what is asked for meanwhile goes out in the
 * next one, which starts as soon as this one has ended.
 */
class LimitFlusher {
  private readonly stores = new Set<RedisLimitStore>();
  private flushing = false;
  /** Flushes that took their batches, and of those the ones whose answer was read (`next`). */
  private started = 0;
  private ended = 0;
  /** Asked for while a flush was under way: another one follows it. */
  private again = false;
  private immediate: NodeJS.Immediate | null = null;
  private readonly waiters = new Set<Waiter>();

  /**
   * A connection of its own, whose unanswered sends are never replayed: a
   * reconcile is a delta meant for the Redis that held the counts it was
   * added to. Replayed by ioredis into a Redis that came back empty, it
   * would start the key at the delta as if nothing had been lost, and the
   * count this server knew would never be put back (RECONCILE_LUA puts back
   * only into a missing key). Dropped, it fails here and goes again with
   * the restore.
   *
   * Its own close is what marks the keys for the restore, not the command
   * connection's state: the two sockets hear of a restart apart, turns or
   * more on a busy machine, and a send that goes on this connection after
   * it closed may reach a new, empty Redis while the link still says up
   * (the command connection not told yet). Marked at the close, before
   * anything can go on the connection that follows, every send on it
   * carries what this server knew, whichever connection hears first.
   */
  private readonly redis: ReconcilingRedis;
  /**
   * The epoch a send sets when Redis has none (it started empty). New at
   * every close of this connection: a Redis that restarts is reached only
   * on a connection after that, so the epoch it gets differs from every
   * epoch of its earlier life.
   */
  private newEpoch = randomUUID();
  /** This flusher among every one counting in Redis (RECONCILE_LUA's ARGV[7]), and the number of its last op. */
  private readonly id = randomUUID();
  private lastOp = 0;
  private readonly nextOp = (): number => ++this.lastOp;

  constructor(private readonly link: RedisLink) {
    this.redis = withScript(link.connection("limits", { replay: false }));
    this.redis.on("close", () => {
      this.newEpoch = randomUUID();
      for (const store of this.stores) store.connectionClosed();
    });
    // What the close marked goes as soon as it can (the first server back puts the counts back).
    this.redis.on("ready", () => this.soon());
  }

  add(store: RedisLimitStore): void {
    this.stores.add(store);
  }

  remove(store: RedisLimitStore): void {
    this.stores.delete(store);
  }

  /** A flush at the end of this turn: whatever every store asks for until then goes in it. */
  soon(): void {
    if (this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      void this.flush();
    });
    this.immediate.unref();
  }

  /**
   * Resolves once a flush that started after this call has ended, or after
   * `timeoutMs`, or as soon as a flush finds nothing it can send (Redis
   * away, the key secret not known yet).
   */
  async next(timeoutMs: number): Promise<void> {
    const w: Waiter = { target: this.started + 1, resolve: () => {} };
    const done = new Promise<void>((resolve) => (w.resolve = resolve));
    this.waiters.add(w);
    this.soon();
    await within(done, timeoutMs, undefined);
    this.waiters.delete(w);
  }

  private release(all: boolean): void {
    for (const w of this.waiters) {
      if (!all && w.target > this.ended) continue;
      this.waiters.delete(w);
      w.resolve();
    }
  }

  async flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return;
    }
    // Counted here meanwhile; sent when Redis is back (RedisLimitStore's onState).
    if (!this.link.up || ![...this.stores].some((store) => store.due)) {
      this.release(true);
      return;
    }
    this.flushing = true;
    const redis = this.redis as unknown as Redis;
    // Its own connection may still be on its way (just made, or back after Redis returned): a moment, not a failure.
    if (redis.status !== "ready") await readyWithin(redis, 1_000);
    // Taken only now, in the turn that writes them: a close meanwhile (a reconnect attempt that failed)
    // marks the keys for the restore before they are taken, never once a send carries it (marked again
    // after that send put the count back, the next one would add it twice).
    const batches: Batch[] = [];
    for (const store of this.stores) {
      const b = store.batch({ newEpoch: this.newEpoch, sender: this.id, nextOp: this.nextOp });
      if (b) batches.push(b);
    }
    if (!batches.length) {
      this.flushing = false;
      this.release(true);
      return;
    }
    this.started++;
    const pipe = redis.pipeline() as unknown as ReconcilingRedis;
    for (const b of batches) for (const s of b.sent) void pipe.abLimitReconcile(...s.args);
    let results: Array<[Error | null, unknown]> | null = null;
    // The connection dropped with the pipeline unanswered: failed (not replayed, so it never answers).
    // A turn later than the close: a pipeline Redis answered in part is settled by ioredis's abort of the
    // rest just after the close, and its answered part must count as sent (re-sent, it would count twice).
    let onClose!: () => void;
    const closed = new Promise<null>((resolve) => (onClose = () => setImmediate(() => resolve(null))));
    redis.once("close", onClose);
    try {
      results = (await Promise.race([(pipe as unknown as ReturnType<Redis["pipeline"]>).exec(), closed])) as Array<[Error | null, unknown]> | null;
    } catch {
      results = null;
    } finally {
      redis.off("close", onClose);
    }
    let at = 0;
    try {
      for (const b of batches) {
        b.store.settle(b, results ? results.slice(at, at + b.sent.length) : null);
        at += b.sent.length;
      }
    } finally {
      this.flushing = false;
      this.ended++;
    }
    this.release(false);
    // Asked for meanwhile (a sync, a store's timer): the next flush, once this turn ends.
    if (this.again || this.waiters.size) {
      this.again = false;
      this.soon();
    }
  }
}

/** Resolves when the connection is ready, or after `ms`. */
/**
 * Waits for the connection's "ready", at most `ms`. Not `events.once`: that rejects on the first
 * "error", which ioredis emits at each failed attempt while it reconnects, so it would stop waiting
 * exactly when the wait is meant for.
 */
async function readyWithin(redis: Redis, ms: number): Promise<void> {
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  redis.once("ready", onReady);
  try {
    await within(ready, ms, undefined);
  } finally {
    redis.off("ready", onReady);
  }
}

const flushers = new WeakMap<RedisLink, LimitFlusher>();

function flusherOf(link: RedisLink): LimitFlusher {
  let f = flushers.get(link);
  if (!f) flushers.set(link, (f = new LimitFlusher(link)));
  return f;
}

export class RedisLimitStore implements LimitStore {
  private readonly map = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private followTimer: NodeJS.Timeout | null = null;
  private waitingForKey = false;
  private closed = false;
  private readonly prefix: string;
  /** A key's mark after a Redis restart (RECONCILE_LUA's KEYS[2]): `ab:limit-restored:<store>:<hash>`. */
  private readonly markPrefix: string;
  /** The highest op counted per flusher (RECONCILE_LUA's KEYS[4]): `ab:limit-ops:<store>:<hash>`. */
  private readonly opsPrefix: string;
  private readonly maxKeys: number;
  private readonly refreshMs: number;
  private readonly followMs: number;
  /** Keys used lately, read again in the background while they are. */
  private readonly following = new Set<string>();
  private readonly flushDelayMs: number;
  private readonly stopWatching: () => void;
  private readonly hasher: KeyHasher;
  /** Sends and reads for this store and every other on the same connection, one round trip at a time. */
  private readonly flusher: LimitFlusher;
  /**
   * The callers' clock (the `now` they pass) minus this process's: windows
   * end on the callers' clock, as with the memory store. Zero on a real
   * server; a server with an injected clock (tests) moves it. Redis's time
   * to live runs on Redis's own clock: a window the injected clock moved
   * past still counts there until Redis forgets it.
   */
  private offset = 0;
  private clock(): number {
    return Date.now() + this.offset;
  }

  constructor(
    private readonly link: RedisLink,
    opts: RedisLimitStoreOptions,
  ) {
    this.prefix = redisKey("limit", opts.name) + ":";
    this.markPrefix = redisKey("limit-restored", opts.name) + ":";
    this.opsPrefix = redisKey("limit-ops", opts.name) + ":";
    this.hasher = opts.hasher;
    this.maxKeys = Math.max(1, opts.maxKeys ?? 100_000);
    this.refreshMs = opts.refreshMs ?? 200;
    this.followMs = opts.followMs ?? 1_000;
    this.flushDelayMs = opts.flushDelayMs ?? 10;
    this.flusher = flusherOf(link);
    this.flusher.add(this);
    // Back from an outage: everything counted meanwhile goes out now, what Redis lost in a restart
    // put back from what this server knew (marked when the flusher's connection closed, not here:
    // marked again after a send that already put the count back, it would add it twice).
    this.stopWatching = link.onState((s) => {
      if (s === "up") this.schedule(0);
    });
  }

  /**
   * The flusher's connection closed (LimitFlusher): Redis may come back
   * without the keys. Every key with a count in its window goes again with
   * what this server knew, a send on its way now included (it fails, or its
   * answer is from the Redis that then went).
   */
  connectionClosed(): void {
    const now = this.clock();
    for (const [k, e] of this.map) {
      if (e.resetAt > now && this.count(e) > 0) {
        e.restore = true;
        this.dirty.add(k);
      }
    }
  }

  get size(): number {
    return this.map.size;
  }

  /** Keys to send or read in the next flush (LimitFlusher). */
  get due(): boolean {
    return this.dirty.size > 0;
  }

  private count(e: Entry): number {
    let n = e.base + e.inflight + e.pending;
    for (const op of e.unsure) n += op.delta;
    return n;
  }

  /** Nothing of the entry waits to be sent or answered. */
  private settled(e: Entry): boolean {
    return e.pending === 0 && e.inflight === 0 && e.sending === 0 && e.unsure.length === 0 && !e.reset;
  }

  private mark(key: string): void {
    this.dirty.add(key);
    this.schedule(this.flushDelayMs);
  }

  /** The changes go out in `delay` ms (with whatever the other stores have then). */
  private schedule(delay: number): void {
    if (this.timer || this.closed || this.dirty.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flusher.soon();
    }, delay);
    this.timer.unref();
  }

  /** A fresh entry for `key`, making room when full (clean keys first, oldest first). */
  private fresh(key: string, windowMs: number, now: number): Entry {
    if (this.map.size >= this.maxKeys) {
      for (const [k, e] of this.map) if (e.resetAt <= now && !this.dirty.has(k) && e.inflight === 0 && e.sending === 0 && e.unsure.length === 0) this.map.delete(k);
      for (const k of this.map.keys()) {
        if (this.map.size < this.maxKeys) break;
        this.map.delete(k);
        this.dirty.delete(k);
      }
    }
    const e: Entry = { base: 0, pending: 0, inflight: 0, unsure: [], sending: 0, reset: false, resetAt: now + windowMs, windowMs, syncedAt: 0, epoch: "", gen: 0, restore: false, touchedAt: Date.now() };
    this.map.set(key, e);
    return e;
  }

  private touch(key: string, e: Entry): void {
    e.touchedAt = Date.now();
    this.following.add(key);
  }

  get(key: string, now: number): Counter | null {
    this.offset = now - Date.now();
    let e = this.map.get(key);
    if (e && e.resetAt <= now && this.settled(e)) {
      this.map.delete(key);
      e = undefined;
    }
    if (!e) {
      // Unknown here: perhaps counted on another server. Asked now, known a moment later.
      const probe = this.fresh(key, 60_000, now);
      probe.resetAt = now; // nothing counted here: no open window until Redis says so
      this.touch(key, probe);
      this.mark(key);
      return null;
    }
    this.touch(key, e);
    if (now - e.syncedAt >= this.refreshMs) this.mark(key);
    const n = this.count(e);
    return n > 0 && e.resetAt > now ? { count: n, resetAt: e.resetAt } : null;
  }

  add(key: string, by: number, windowMs: number, now: number): Counter {
    this.offset = now - Date.now();
    let e = this.map.get(key);
    if (e && e.resetAt <= now && e.inflight === 0) {
      // The window ended here; Redis forgets it at the same moment (its own TTL), what it was not told of too.
      // A reset not known to have reached Redis still goes (it is the key's first op: nothing counted before it).
      e.base = 0;
      e.pending = 0;
      e.unsure = e.unsure[0]?.reset ? [{ ...e.unsure[0], delta: 0 }] : [];
      e.resetAt = now + windowMs;
      e.windowMs = windowMs;
    }
    if (!e) e = this.fresh(key, windowMs, now);
    this.touch(key, e);
    e.windowMs = windowMs;
    e.pending += by;
    this.mark(key);
    const n = this.count(e);
    if (n <= 0) return { count: 0, resetAt: e.resetAt };
    return { count: n, resetAt: e.resetAt };
  }

  delete(key: string): void {
    const e = this.map.get(key);
    const gen = (e?.gen ?? 0) + 1;
    const now = this.clock();
    const next: Entry = { base: 0, pending: 0, inflight: 0, unsure: [], sending: 0, reset: true, resetAt: now, windowMs: e?.windowMs ?? 60_000, syncedAt: now, epoch: "", gen, restore: false, touchedAt: Date.now() };
    this.map.set(key, next);
    this.mark(key);
  }

  /**
   * What this store sends in the flush that is starting (LimitFlusher), or
   * null: nothing to send, or the key secret is not known yet. `newEpoch`:
   * the epoch its sends set in a Redis that has none; `sender` and `nextOp`:
   * the flusher's id and the number of a new op (RECONCILE_LUA).
   */
  batch({ newEpoch, sender, nextOp }: { newEpoch: string; sender: string; nextOp: () => number }): Batch | null {
    if (this.dirty.size === 0) return null;
    if (this.hasher.hash("") === null) {
      // The servers' shared key secret is not known yet: send once it is (one wait, not one per flush).
      if (!this.waitingForKey) {
        this.waitingForKey = true;
        void this.hasher.ready().then(() => {
          this.waitingForKey = false;
          if (!this.closed) this.schedule(0);
        });
      }
      return null;
    }
    const sentAt = this.clock();
    const sent: Sent[] = [];
    for (const key of this.dirty) {
      const e = this.map.get(key);
      if (!e) continue;
      // What is not known to be counted goes again first, as it went; what was counted since, as a new op.
      const ops = e.unsure;
      if (e.pending !== 0 || e.reset) ops.push({ n: nextOp(), delta: e.pending, reset: e.reset });
      const reset = ops.length > 0 && ops[0].reset;
      // The flusher's connection closed since the last send: what this server last read from Redis (nothing of it
      // is in flight: one flush at a time, and every earlier one has settled), for Redis to put back if it lost it.
      const known = e.restore && !reset ? Math.max(0, e.base) : -1;
      const hashed = this.hasher.hash(key)!;
      const delta = ops.reduce((sum, op) => sum + op.delta, 0);
      sent.push({
        key,
        e,
        ops,
        delta,
        gen: e.gen,
        restore: e.restore,
        args: [
          this.prefix + hashed,
          this.markPrefix + hashed,
          EPOCH_KEY,
          this.opsPrefix + hashed,
          e.windowMs,
          reset ? "1" : "0",
          known,
          Math.max(1, e.resetAt - sentAt),
          newEpoch,
          e.epoch,
          sender,
          ...ops.flatMap((op) => [op.n, op.delta]),
        ],
      });
      e.inflight += delta;
      e.sending += ops.length;
      e.unsure = [];
      e.pending = 0;
      e.reset = false;
      e.restore = false;
    }
    this.dirty.clear();
    return sent.length ? { store: this, sent } : null;
  }

  /** The answers to this store's part of a flush (null: the flush failed). */
  settle(batch: Batch, results: Array<[Error | null, unknown]> | null): void {
    const now = this.clock();
    let failed = false;
    batch.sent.forEach((b, i) => {
      const r = results?.[i];
      const e = b.e;
      if (this.map.get(b.key) !== e || e.gen !== b.gen) return; // deleted or replaced meanwhile
      if (!r || r[0]) {
        // Perhaps counted in Redis, perhaps not (an answer lost with the connection): the same ops go again.
        failed = true;
        e.inflight -= b.delta;
        e.sending -= b.ops.length;
        e.unsure = b.ops;
        if (b.restore) e.restore = true;
        this.dirty.add(b.key);
        return;
      }
      const [n, ttl, epoch] = r[1] as [number, number, string];
      e.inflight -= b.delta;
      e.sending -= b.ops.length;
      e.base = Number(n);
      e.syncedAt = now;
      e.epoch = String(epoch);
      if (Number(ttl) >= 0) e.resetAt = now + Number(ttl);
      else if (e.pending <= 0) e.resetAt = now; // the cluster has nothing: nor have we
    });
    if (this.closed) return;
    if (failed) {
      // Retried when Redis is back (onState), or shortly if it never left; never at once (a refused send costs no I/O).
      if (this.link.up) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.flusher.soon();
        }, 500);
        this.timer.unref();
      }
      return;
    }
    this.schedule(this.flushDelayMs);
    // Keys used lately are read again shortly: what another server counts
    // reaches this one without waiting for a request here.
    for (const key of this.following) {
      const e = this.map.get(key);
      if (!e || Date.now() - e.touchedAt > this.followMs) this.following.delete(key);
    }
    if (this.following.size && !this.followTimer) {
      this.followTimer = setTimeout(() => {
        this.followTimer = null;
        for (const key of this.following) this.dirty.add(key);
        this.flusher.soon();
      }, this.refreshMs);
      this.followTimer.unref();
    }
  }

  /**
   * Send what this server counted of `keys` and read back the cluster's
   * counts, now (LimitStore.sync): resolves once a flush that started after
   * this call has ended, or after `timeoutMs` (Redis slow or away: the
   * caller decides on what this server knows, as it always may). The flush
   * starts at the end of this turn and carries every key any store on this
   * connection asked for until then: syncs asked for together (one door's
   * several limits, or several requests) cost one round trip.
   */
  async sync(keys: readonly string[], timeoutMs = 500): Promise<void> {
    if (this.closed || !this.link.up || this.hasher.hash("") === null) return;
    const now = this.clock();
    for (const key of keys) {
      let e = this.map.get(key);
      if (!e) {
        e = this.fresh(key, 60_000, now);
        e.resetAt = now; // nothing counted here: no open window until Redis says so
      }
      this.touch(key, e);
      this.dirty.add(key);
    }
    await this.flusher.next(timeoutMs);
  }

  /** Keys with changes not yet in Redis (tests and the shutdown). */
  get unsent(): number {
    let n = 0;
    for (const e of this.map.values()) if (!this.settled(e)) n++;
    return n;
  }

  close(): void {
    this.closed = true;
    this.flusher.remove(this);
    this.stopWatching();
    if (this.timer) clearTimeout(this.timer);
    if (this.followTimer) clearTimeout(this.followTimer);
    this.timer = this.followTimer = null;
  }
}
