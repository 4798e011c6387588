/**
 * Every limit of the server in one place: login throttling, writes per
 * session, the reference check budget, connections per session. One small
 * interface, `LimitStore` (a counter per key with a window), holds the counts;
 * `Limiter` (take / peek / reset, fixed or sliding window), `Backoff`
 * (a growing wait) and `Concurrency` (open connections) are built on it.
 *
 * The store is synchronous on purpose: the checks run inside `requireUser`
 * and the socket handlers, which are synchronous. The in-memory store here is
 * bounded (at most `maxKeys` keys per store; expired keys are swept at most
 * once per `sweepEveryMs`, and when full the oldest key goes first). A store
 * shared between servers (REDIS_URL: server/cluster/limit-store.ts) implements
 * the same interface with a local counter that it reconciles with Redis in the
 * background (INCRBY of the local delta with PEXPIRE, reading back the
 * cluster's count), so the counts are shared across servers a moment late,
 * never blocking a request. Every limit gets its store from `createLimits`'s
 * factory by name (`AppLimits.store(name)` for limits kept elsewhere); open
 * connections per session stay per server.
 *
 * What is counted exactly, from SQL and not from here, is the hourly request
 * quota per organisation (db/limits.ts): it has to survive restarts.
 */
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import type { AsyncDb, DB } from "../../db/client";
import type { AppServices } from "./context.server";
import { parseEnv, type Env } from "./env.server";

// ------------------------------------------------------------------ the store

export interface Counter {
  count: number;
  /** When this window ends (ms since the epoch); the count is forgotten then. */
  resetAt: number;
}

export interface LimitStore {
  /**
   * Add `by` (may be negative) to the count of `key`. A key without an open
   * window starts at 0 in a new window of `windowMs`. Returns the count after;
   * a count that drops to 0 or below removes the key.
   */
  add(key: string, by: number, windowMs: number, now: number): Counter;
  /** The open window of `key`, or null. */
  get(key: string, now: number): Counter | null;
  delete(key: string): void;
  readonly size: number;
  /**
   * A store shared between servers (server/cluster/limit-store.ts): send what
   * this server counted of these keys and read what the cluster counted, now.
   * Absent on a store of one server's memory.
   */
  sync?(keys: readonly string[]): Promise<void>;
}

export class MemoryStore implements LimitStore {
  private readonly map = new Map<string, Counter>();
  private lastSweep = 0;
  readonly maxKeys: number;
  readonly sweepEveryMs: number;

  constructor(opts: { maxKeys?: number; sweepEveryMs?: number } = {}) {
    this.maxKeys = Math.max(1, opts.maxKeys ?? 100_000);
    this.sweepEveryMs = opts.sweepEveryMs ?? 60_000;
  }

  get size(): number {
    return this.map.size;
  }

  /** Drop every key whose window has ended. */
  sweep(now: number): void {
    this.lastSweep = now;
    for (const [k, c] of this.map) if (c.resetAt <= now) this.map.delete(k);
  }

  get(key: string, now: number): Counter | null {
    const c = this.map.get(key);
    if (!c) return null;
    if (c.resetAt <= now) {
      this.map.delete(key);
      return null;
    }
    return { ...c };
  }

  add(key: string, by: number, windowMs: number, now: number): Counter {
    if (now - this.lastSweep >= this.sweepEveryMs) this.sweep(now);
    let c = this.map.get(key);
    if (c && c.resetAt <= now) {
      this.map.delete(key);
      c = undefined;
    }
    if (!c) {
      if (this.map.size >= this.maxKeys) {
        this.sweep(now);
        // Still full: the oldest keys (insertion order) make room.
        for (const k of this.map.keys()) {
          if (this.map.size < this.maxKeys) break;
          this.map.delete(k);
        }
      }
      c = { count: 0, resetAt: now + windowMs };
      this.map.set(key, c);
    }
    c.count += by;
    if (c.count <= 0) {
      this.map.delete(key);
      return { count: 0, resetAt: c.resetAt };
    }
    return { ...c };
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

// ------------------------------------------------------------------ limiter

export interface LimitRule {
  /** How many per window. */
  limit: number;
  windowMs: number;
  /**
   * "fixed": the window starts with the first hit and the count is forgotten
   * at its end. "sliding": the current fixed window plus the previous one,
   * weighted by how much of it still lies within `windowMs` (no burst of
   * twice the limit across a window's edge).
   */
  mode?: "fixed" | "sliding";
}

export interface Decision {
  ok: boolean;
  /** The count (after this take when it was allowed). */
  count: number;
  limit: number;
  remaining: number;
  /** 0 when allowed; else how long until this take would be allowed. */
  retryAfterMs: number;
}

export class Limiter {
  constructor(
    readonly rule: LimitRule,
    private readonly store: LimitStore,
    private readonly now: () => number,
  ) {}

  private decide(key: string, cost: number): { decision: Decision; commit: () => number } {
    const { limit, windowMs } = this.rule;
    const now = this.now();
    if (this.rule.mode === "sliding") {
      const index = Math.floor(now / windowMs);
      const start = index * windowMs;
      const curr = this.store.get(`${key}@${index}`, now)?.count ?? 0;
      const prev = this.store.get(`${key}@${index - 1}`, now)?.count ?? 0;
      const weight = 1 - (now - start) / windowMs;
      const count = curr + prev * weight;
      const ok = count + cost <= limit;
      let retryAfterMs = 0;
      if (!ok) {
        if (curr + cost > limit) {
          // Only after this window ends, once enough of it has slid out.
          const into = curr > 0 ? windowMs * (1 - (limit - cost) / curr) : 0;
          retryAfterMs = start + windowMs - now + Math.max(0, Math.ceil(into));
        } else {
          // Once enough of the previous window has slid out.
          const elapsed = windowMs * (1 - (limit - curr - cost) / prev);
          retryAfterMs = Math.max(1, Math.ceil(start + elapsed - now));
        }
      }
      return {
        decision: { ok, count: Math.ceil(count), limit, remaining: Math.max(0, Math.floor(limit - count)), retryAfterMs },
        commit: () => Math.ceil(this.store.add(`${key}@${index}`, cost, 2 * windowMs, now).count + prev * weight),
      };
    }
    const c = this.store.get(key, now);
    const count = c?.count ?? 0;
    const ok = count + cost <= limit;
    return {
      decision: { ok, count, limit, remaining: Math.max(0, limit - count), retryAfterMs: ok ? 0 : Math.max(1, (c?.resetAt ?? now) - now) },
      commit: () => this.store.add(key, cost, windowMs, now).count,
    };
  }

  /** The store's keys of `key` now (a sliding window counts in two). */
  private keysOf(key: string): string[] {
    if (this.rule.mode !== "sliding") return [key];
    const index = Math.floor(this.now() / this.rule.windowMs);
    return [`${key}@${index}`, `${key}@${index - 1}`];
  }

  /**
   * Bring `key`'s count up to date with what the other servers counted (a
   * store shared between servers; at once otherwise). Counts are otherwise
   * shared a moment late; every door that refuses over a budget (logins,
   * codes, resets, reference checks, mails, writes per session) syncs
   * before it decides and after it counts, so a burst spread over several
   * servers counts as one.
   */
  async sync(key: string): Promise<void> {
    await this.store.sync?.(this.keysOf(key));
  }

  /** `take`, with the count synced with the other servers before the decision and the hit sent after it. */
  async takeShared(key: string, cost = 1): Promise<Decision> {
    await this.sync(key);
    const d = this.take(key, cost);
    if (d.ok) await this.sync(key);
    return d;
  }

  /** Count one hit (or `cost`) if it fits; a refused take is not counted. */
  take(key: string, cost = 1): Decision {
    const { decision, commit } = this.decide(key, cost);
    if (!decision.ok) return decision;
    const count = commit();
    return { ...decision, count, remaining: Math.max(0, this.rule.limit - count) };
  }

  /** Whether a take of `cost` would be allowed now, without counting it. */
  peek(key: string, cost = 1): Decision {
    return this.decide(key, cost).decision;
  }

  /** Give back what a take counted (the attempt turned out not to count, e.g. a correct password). */
  refund(key: string, cost = 1): void {
    const now = this.now();
    const k = this.rule.mode === "sliding" ? `${key}@${Math.floor(now / this.rule.windowMs)}` : key;
    if (this.store.get(k, now)) this.store.add(k, -cost, this.rule.windowMs, now);
  }

  reset(key: string): void {
    if (this.rule.mode === "sliding") {
      const index = Math.floor(this.now() / this.rule.windowMs);
      this.store.delete(`${key}@${index}`);
      this.store.delete(`${key}@${index - 1}`);
    } else this.store.delete(key);
  }
}

// ------------------------------------------------------------------ growing wait

export interface BackoffRule {
  /** Failures without any wait. */
  free: number;
  /** The wait after the first failure beyond `free`; each further failure doubles it. */
  baseMs: number;
  maxMs: number;
  /** Failures are forgotten this long after the first one. */
  memoryMs: number;
}

/** A wait that doubles with every failure beyond the free ones, capped. */
export class Backoff {
  constructor(
    readonly rule: BackoffRule,
    private readonly failures: LimitStore,
    private readonly blocks: LimitStore,
    private readonly now: () => number,
  ) {}

  /** How long to wait before the next attempt (0: none). */
  waitMs(key: string): number {
    const now = this.now();
    const b = this.blocks.get(key, now);
    return b ? Math.max(0, b.resetAt - now) : 0;
  }

  /** Record a failure; returns the wait it causes. */
  fail(key: string): number {
    const now = this.now();
    const n = this.failures.add(key, 1, this.rule.memoryMs, now).count;
    if (n <= this.rule.free) return 0;
    const wait = Math.min(this.rule.maxMs, this.rule.baseMs * 2 ** Math.min(40, n - this.rule.free - 1));
    this.blocks.delete(key);
    this.blocks.add(key, 1, wait, now);
    return wait;
  }

  reset(key: string): void {
    this.failures.delete(key);
    this.blocks.delete(key);
  }

  /** As Limiter.sync: the failures and the wait of `key` as the cluster counted them. */
  async sync(key: string): Promise<void> {
    await Promise.all([this.failures.sync?.([key]), this.blocks.sync?.([key])]);
  }
}

// ------------------------------------------------------------------ open connections

/** At most `max` open connections per key; `release` gives a place back. */
export class Concurrency {
  /** A connection that outlives this is no longer counted (a missed release cannot block a key for ever). */
  static readonly TTL_MS = 24 * 3600_000;
  constructor(
    readonly max: number,
    private readonly store: LimitStore,
    private readonly now: () => number,
  ) {}

  open(key: string): number {
    return this.store.get(key, this.now())?.count ?? 0;
  }

  /** Take a place; false when `max` are open already. */
  acquire(key: string): boolean {
    if (this.open(key) >= this.max) return false;
    this.store.add(key, 1, Concurrency.TTL_MS, this.now());
    return true;
  }

  release(key: string): void {
    if (this.store.get(key, this.now())) this.store.add(key, -1, Concurrency.TTL_MS, this.now());
  }
}

// ------------------------------------------------------------------ client address

/**
 * The address a request came from, for every per-address limit. For Remix
 * routes it is what the server put in the load context (`clientAddress`,
 * server/app.ts): the TCP peer of the socket, or behind a proxy trusted by
 * TRUST_PROXY the client that proxy saw (server/http/proxy.ts); for a raw
 * Node request, the socket's peer. IPv4-mapped IPv6 addresses are written as
 * IPv4; "unknown" when nothing says.
 */
export function clientAddress(request: Request | IncomingMessage, context?: unknown): string {
  let raw: string | undefined;
  if ("socket" in request && request.socket) raw = request.socket.remoteAddress;
  else raw = (context as { clientAddress?: unknown } | undefined)?.clientAddress as string | undefined;
  if (typeof raw !== "string" || !raw) return "unknown";
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw);
  return v4 ? v4[1] : raw.toLowerCase();
}

/**
 * The key an address is counted under: IPv4 as is, IPv6 by its /64 (one
 * household or machine usually holds a whole /64, so counting single IPv6
 * addresses would give it billions of budgets).
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head, tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail !== undefined && tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g || "0", 16).toString(16))
    .join(":")}::/64`;
}

// ------------------------------------------------------------------ the limits of one server

export interface AppLimits {
  settings: LimitSettings;
  login: {
    /** Failed logins per client address (across accounts). */
    address: Limiter;
    /** The growing wait per account, for strangers (see auth.server.ts). */
    account: Backoff;
    /** Which addresses failed on which account (`account|address`): those are no longer fresh for it. */
    pairs: LimitStore;
    /** Failed logins per known browser and account: past this, the browser counts as a stranger. */
    device: Limiter;
  };
  /** Write requests and socket events per session. */
  writes: Limiter;
  /** Reference checks per person. */
  referenceChecks: Limiter;
  /** Downloads of a person's own data (AVG art. 15) per person. */
  personalExports: Limiter;
  /**
   * Invitation mails (a new invitation or a resend): per alliance and per
   * recipient address. Past them the link is made but not mailed, so a
   * coordinator's account (or a stolen session of one) cannot make the
   * server send mail to anyone, as often as it likes.
   */
  invitationMails: { alliance: Limiter; address: Limiter };
  /** Status lookups of the public front door's receipt codes, per alliance and address (app/services/front-door.server.ts). */
  frontDoorStatus: Limiter;
  /**
   * Open connections per session, counted on this server only (a server
   * that dies cannot leave connections counted in a shared store).
   */
  yjsConnections: Concurrency;
  ioConnections: Concurrency;
  /**
   * The store of a limit kept elsewhere (one name per limit: the same name is
   * the same store), of the same kind as these: shared by the servers when
   * REDIS_URL is set.
   */
  store(name: string): LimitStore;
}

/** Makes the store of each named limit: memory (one server) or shared (server/cluster/limit-store.ts). */
export type LimitStoreFactory = (name: string, maxKeys: number) => LimitStore;

export type LimitSettings = Pick<
  Env,
  | "LOGIN_FAILURES_PER_ADDRESS"
  | "LOGIN_ADDRESS_WINDOW_MINUTES"
  | "LOGIN_FREE_FAILURES"
  | "LOGIN_DELAY_BASE_SECONDS"
  | "LOGIN_DELAY_MAX_SECONDS"
  | "LOGIN_DEVICE_FAILURES"
  | "WRITES_PER_SESSION_PER_MINUTE"
  | "REQUESTS_PER_ORG_PER_HOUR"
  | "CONNECTIONS_PER_SESSION"
  | "REFERENCE_CHECKS_PER_10_MINUTES"
  | "LIMITS_MAX_KEYS"
>;

/** Invitation mails per alliance per hour, and per recipient address per day. */
export const INVITATION_MAILS_PER_ALLIANCE_PER_HOUR = 50;
export const INVITATION_MAILS_PER_ADDRESS_PER_DAY = 3;

/** Downloads of one's own data per person per hour (each reads every table about them). */
export const PERSONAL_EXPORTS_PER_HOUR = 10;

/** Status lookups of front-door receipt codes per address per 10 minutes (a 60-bit code is not found by asking). */
export const FRONT_DOOR_STATUS_PER_10_MINUTES = 30;

/** Failures on an account are remembered this long after the first. */
export const LOGIN_FAILURE_MEMORY_MS = 24 * 3600_000;

export function createLimits(settings: LimitSettings, now: () => number, makeStore?: LimitStoreFactory): AppLimits {
  const memory = () => new MemoryStore({ maxKeys: settings.LIMITS_MAX_KEYS });
  const named = new Map<string, LimitStore>();
  const store = (name: string): LimitStore => {
    let s = named.get(name);
    if (!s) named.set(name, (s = makeStore ? makeStore(name, settings.LIMITS_MAX_KEYS) : memory()));
    return s;
  };
  const addressWindow = settings.LOGIN_ADDRESS_WINDOW_MINUTES * 60_000;
  return {
    settings,
    login: {
      address: new Limiter({ limit: settings.LOGIN_FAILURES_PER_ADDRESS, windowMs: addressWindow }, store("login-address"), now),
      account: new Backoff(
        {
          free: settings.LOGIN_FREE_FAILURES,
          baseMs: settings.LOGIN_DELAY_BASE_SECONDS * 1000,
          maxMs: settings.LOGIN_DELAY_MAX_SECONDS * 1000,
          memoryMs: LOGIN_FAILURE_MEMORY_MS,
        },
        store("login-account-failures"),
        store("login-account-waits"),
        now,
      ),
      pairs: store("login-pairs"),
      device: new Limiter({ limit: settings.LOGIN_DEVICE_FAILURES, windowMs: addressWindow }, store("login-device"), now),
    },
    writes: new Limiter({ limit: settings.WRITES_PER_SESSION_PER_MINUTE, windowMs: 60_000, mode: "sliding" }, store("writes"), now),
    referenceChecks: new Limiter({ limit: settings.REFERENCE_CHECKS_PER_10_MINUTES, windowMs: 10 * 60_000 }, store("reference-checks"), now),
    personalExports: new Limiter({ limit: PERSONAL_EXPORTS_PER_HOUR, windowMs: 3600_000 }, store("personal-exports"), now),
    invitationMails: {
      alliance: new Limiter({ limit: INVITATION_MAILS_PER_ALLIANCE_PER_HOUR, windowMs: 3600_000, mode: "sliding" }, store("invitation-mails-alliance"), now),
      address: new Limiter({ limit: INVITATION_MAILS_PER_ADDRESS_PER_DAY, windowMs: 24 * 3600_000 }, store("invitation-mails-address"), now),
    },
    frontDoorStatus: new Limiter({ limit: FRONT_DOOR_STATUS_PER_10_MINUTES, windowMs: 10 * 60_000 }, store("front-door-status"), now),
    yjsConnections: new Concurrency(settings.CONNECTIONS_PER_SESSION, memory(), now),
    ioConnections: new Concurrency(settings.CONNECTIONS_PER_SESSION, memory(), now),
    store,
  };
}

/**
 * The limits of one running server. The server registers them for its
 * services object (`registerLimits`), which reaches the routes, socket.io and
 * the Yjs endpoint, so every door counts in the same place, and two servers
 * in one process (tests) never share counts, even over one database handle.
 * Code with services that no server registered (the command line) gets
 * memory limits of its own, found by the database handle.
 */
// Kept on globalThis: the Remix build carries its own copy of this module,
// and the routes (in the build) and the sockets (in server/) must count in
// the same place.
const REGISTRY = Symbol.for("alliantiebord.limits");
const registry: WeakMap<object, AppLimits & { defaults?: boolean }> = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= new WeakMap()) as WeakMap<
  object,
  AppLimits & { defaults?: boolean }
>;

/**
 * The database handles of a services object: the synchronous SQLite one
 * (absent on a PostgreSQL server) and the asynchronous layer's.
 */
function handles(svc: Partial<Pick<AppServices, "db" | "async">>): object[] {
  return [svc.db, svc.async].filter((x): x is NonNullable<typeof x> => !!x);
}

/** The server's own limits, for its services (server/app.ts, before any request); also what `limitsForDb` finds by its database handles. */
export function registerLimits(svc: Partial<Pick<AppServices, "db" | "async">>, limits: AppLimits): void {
  registry.set(svc, limits);
  for (const h of handles(svc)) registry.set(h, limits);
}

/** The limits of this server, with its settings. */
export function appLimits(svc: Pick<AppServices, "env" | "now"> & Partial<Pick<AppServices, "db" | "async">>): AppLimits {
  const own = registry.get(svc);
  if (own) return own;
  const keys = handles(svc);
  let l = keys.map((k) => registry.get(k)).find((x) => x !== undefined);
  if (!l || l.defaults) {
    l = createLimits(svc.env, svc.now);
    for (const k of keys) registry.set(k, l);
    if (!keys.length) registry.set(svc, l);
  }
  return l;
}

/** For a door that has only a database handle (SQLite's or the asynchronous layer's); the default settings if nothing registered any. */
export function limitsForDb(db: DB | AsyncDb, now: () => number = Date.now): AppLimits {
  let l = registry.get(db);
  if (!l) registry.set(db, (l = { ...createLimits(parseEnv({}), now), defaults: true }));
  return l;
}

// ------------------------------------------------------------------ answers

/** Whole seconds to wait, at least 1 (for Retry-After). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** 429 JSON `{ error, message, retryAfter }` with Retry-After. */
export function tooManyResponse(retryAfterMs: number, error = "rate_limited", message = "Too many requests. Try again later."): Response {
  const retryAfter = retryAfterSeconds(retryAfterMs);
  return new Response(JSON.stringify({ error, message, retryAfter }), {
    status: 429,
    headers: { "Content-Type": "application/json; charset=utf-8", "Retry-After": String(retryAfter) },
  });
}
