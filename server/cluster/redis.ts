/**
 * The one owner of this server's Redis connections (REDIS_URL): a command
 * connection for everything that answers at once, and separate connections
 * for what blocks or subscribes (XREAD BLOCK, SUBSCRIBE), made by
 * `connection()`. Every connection reconnects by itself with a growing wait
 * (100 ms doubling to 2 s, with jitter) for as long as the server runs.
 *
 * Commands on the command connection fail at once while Redis is away (no
 * offline queue): its users keep working from their own memory and catch up
 * later (limits reconcile, readers resume from their last id), so a request
 * never waits for Redis. `up`/`down` events fire, and are logged, once per
 * change. Keys are namespaced `ab:` (`redisKey`). The URL carries the
 * password: it is never logged, only host and port.
 */
import { randomBytes } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../sync/types";
import { within } from "../within";

/** Every key this app writes starts with this. */
export const KEY_PREFIX = "ab:";

/** `ab:` + the parts joined by `:` (`redisKey("lock", "backup")` is `ab:lock:backup`). */
export function redisKey(...parts: string[]): string {
  return KEY_PREFIX + parts.join(":");
}

export type RedisState = "up" | "down";

export interface RedisLink {
  /** Who this server is among the servers (SERVER_ID). */
  readonly serverId: string;
  /** The command connection: answers at once, fails at once while Redis is away. */
  readonly command: Redis;
  /**
   * A new connection of its own, for blocking reads or a subscription (it may
   * not share the command connection); closed by `close()`. With
   * `offlineQueue`, commands given while Redis is away wait for it instead of
   * failing (what a subscriber needs, whose SUBSCRIBE must outlast a restart).
   */
  connection(name: string, opts?: { offlineQueue?: boolean; replay?: boolean }): Redis;
  /**
   * A publisher and a subscriber of their own (socket.io's Redis adapter,
   * which never awaits them): the publisher fails at once while Redis is
   * away and its failures are swallowed (what it published then reaches
   * this server only); the subscriber's SUBSCRIBE waits for Redis, however
   * long, and is renewed by ioredis after every reconnect. Neither ever
   * leaves a rejected promise unhandled (that would end the process).
   */
  pubSub(name: string): { pub: Redis; sub: Redis };
  /** Whether the command connection is ready now. */
  readonly up: boolean;
  /** PING on the command connection within `timeoutMs`: true when Redis answered (for /readyz). */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Resolves when the command connection is ready (rejects after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>;
  /** Called on every change between up and down; returns a function that stops it. */
  onState(fn: (state: RedisState) => void): () => void;
  /** Quit every connection (the server's shutdown); no reconnecting after. */
  close(): Promise<void>;
}

export interface RedisLinkOptions {
  url: string;
  serverId: string;
  log: Logger;
  /** Longest wait between reconnect attempts (ms). */
  maxBackoffMs?: number;
}

/** Where a REDIS_URL points, without its user and password (for logs). */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "6379"}${u.pathname && u.pathname !== "/" ? u.pathname : ""}`;
  } catch {
    return "(unreadable REDIS_URL)";
  }
}

/** The wait before reconnect attempt `times` (1, 2, …): 100 ms doubling up to `max`, ±20 %. */
export function reconnectDelay(times: number, max = 2_000): number {
  const base = Math.min(max, 100 * 2 ** Math.min(10, Math.max(0, times - 1)));
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}

export function connectRedis(opts: RedisLinkOptions): RedisLink {
  const { log } = opts;
  const address = redisAddress(opts.url);
  const tag = randomBytes(2).toString("hex");
  let closing = false;
  const base: RedisOptions = {
    // Never give up: a server outlives a Redis restart.
    retryStrategy: (times) => (closing ? null : reconnectDelay(times, opts.maxBackoffMs)),
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    enableReadyCheck: true,
  };
  const make = (name: string, offlineQueue: boolean, replay = true): Redis => {
    const r = new Redis(opts.url, {
      ...base,
      enableOfflineQueue: offlineQueue,
      // A queued command waits for Redis however long it is away (ioredis would fail it after one reconnect attempt).
      ...(offlineQueue ? { maxRetriesPerRequest: null } : {}),
      // replay: false: a command sent and not answered when the connection dropped is not sent again on the
      // next connection (ioredis then never settles it: its user stops waiting at the "close" event).
      ...(replay ? {} : { autoResendUnfulfilledCommands: false }),
      connectionName: `ab-${opts.serverId}-${name}`.slice(0, 100),
    });
    // Failed attempts are reported through the state below; without a listener ioredis would print each.
    r.on("error", () => {});
    return r;
  };

  const command = make("command", false);
  const extra = new Set<Redis>();
  const listeners = new Set<(s: RedisState) => void>();
  let state: RedisState = "down";
  let everUp = false;
  let lastError = "";
  const setState = (next: RedisState) => {
    if (next === state) return;
    state = next;
    if (next === "up") {
      log.info(everUp ? "redis up again" : "redis up", { redis: address, server: opts.serverId });
      everUp = true;
    } else {
      log.error("redis down", { redis: address, server: opts.serverId, error: lastError || undefined });
    }
    for (const fn of listeners) {
      try {
        fn(next);
      } catch (e) {
        log.error("redis state listener failed", { error: (e as Error).message });
      }
    }
  };
  command.on("error", (e: Error) => {
    lastError = e.message;
  });
  command.on("ready", () => setState("up"));
  command.on("close", () => {
    if (!closing) setState("down");
  });
  // The first attempt failed: "down" from the start is said once, too.
  const firstFailure = setTimeout(() => {
    if (!everUp && !closing) log.error("redis not reachable yet", { redis: address, server: opts.serverId, error: lastError || undefined });
  }, 5_000);
  firstFailure.unref();

  return {
    serverId: opts.serverId,
    command,
    connection(name, o = {}) {
      const r = make(`${name}-${tag}`, o.offlineQueue ?? false, o.replay ?? true);
      extra.add(r);
      r.once("end", () => extra.delete(r));
      return r;
    },
    pubSub(name) {
      const pub = this.connection(`${name}-pub`);
      const sub = this.connection(`${name}-sub`, { offlineQueue: true });
      quiet(pub, ["publish"]);
      quiet(sub, ["subscribe", "psubscribe", "unsubscribe", "punsubscribe"]);
      return { pub, sub };
    },
    get up() {
      return state === "up";
    },
    async ping(timeoutMs = 1_000) {
      if (command.status !== "ready") return false;
      return (await within(command.ping(), timeoutMs, "timeout").catch(() => "error")) === "PONG";
    },
    ready(timeoutMs = 10_000) {
      if (state === "up") return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          stop();
          reject(new Error(`redis at ${address} not ready within ${timeoutMs} ms${lastError ? `: ${lastError}` : ""}`));
        }, timeoutMs);
        const stop = this.onState((s) => {
          if (s !== "up") return;
          clearTimeout(t);
          stop();
          resolve();
        });
      });
    },
    onState(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async close() {
      if (closing) return;
      closing = true;
      state = "down";
      clearTimeout(firstFailure);
      const all = [command, ...extra];
      await Promise.all(
        all.map(async (r) => {
          try {
            if (r.status === "ready") await Promise.race([r.quit(), new Promise((res) => setTimeout(res, 1_000))]);
          } catch {
            /* going anyway */
          }
          r.disconnect(false);
        }),
      );
      listeners.clear();
    },
  };
}

/**
 * Commands whose callers never look at the answer: a failure resolves to
 * undefined instead of rejecting (a rejection nobody handles ends the process).
 */
function quiet(r: Redis, methods: readonly string[]): void {
  const target = r as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const m of methods) {
    const original = target[m]!.bind(r);
    target[m] = (...args) => original(...args).catch(() => undefined);
  }
}
