/**
 * GET /healthz and GET /readyz, for a load balancer, systemd or a container
 * runtime. Both answer before sessions, CSRF checks, rate limits and Remix
 * (server/app.ts mounts them first), and both are cheap.
 *
 * - /healthz (live): 200 `{ "status": "ok" }` as long as the process serves.
 *   Nothing is checked: a failing database is no reason to restart it.
 * - /readyz (ready for traffic): runs the probes registered here, each giving
 *   one word (`ok`, `unreachable`, `behind`, `timeout`, `error`). All `ok`:
 *   200 `{ status: "ready", checks }`; otherwise 503 `{ status: "not_ready",
 *   checks }`. While draining (SIGTERM): 503 `{ status: "draining" }`.
 *   The result is kept for CACHE_MS, and concurrent requests share one run,
 *   so a balancer polling many times a second costs one probe run a second.
 *
 * A probe never reports more than its word: no error message, host or
 * connection string reaches the answer (errors are logged, once per change).
 * The server registers `database` and `migrations`; the Redis client
 * (server/cluster/redis.ts) registers `redis` when REDIS_URL is set.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "./sync/types";
import { within } from "./within";

export const HEALTHZ_PATH = "/healthz";
export const READYZ_PATH = "/readyz";
/** How long one readiness result is reused. */
export const CACHE_MS = 1000;
/** A probe that has not answered after this long counts as `timeout`. */
export const PROBE_TIMEOUT_MS = 2000;

/** One word: `ok`, or what is wrong (`unreachable`, `behind`, …). */
export type ProbeResult = string;
export type Probe = () => ProbeResult | Promise<ProbeResult>;

export interface Readiness {
  status: 200 | 503;
  body: { status: "ready" | "not_ready"; checks: Record<string, string> } | { status: "draining" };
}

export interface HealthOptions {
  log: Logger;
  now?: () => number;
  cacheMs?: number;
  probeTimeoutMs?: number;
}

/** Only a short lowercase word leaves a probe; anything else becomes `error`. */
function word(v: unknown): string {
  return typeof v === "string" && /^[a-z_]{1,32}$/.test(v) ? v : "error";
}

export function createHealth(opts: HealthOptions) {
  const now = opts.now ?? Date.now;
  const cacheMs = opts.cacheMs ?? CACHE_MS;
  const probeTimeoutMs = opts.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  const probes = new Map<string, Probe>();
  let draining = false;
  let cached: { at: number; result: Readiness } | null = null;
  let running: Promise<Readiness> | null = null;
  let lastFailing = "";

  async function runProbe(name: string, probe: Probe): Promise<string> {
    try {
      return word(await within(Promise.resolve().then(probe), probeTimeoutMs, "timeout"));
    } catch (e) {
      opts.log.warn("readiness probe failed", { check: name, error: (e as Error)?.message ?? String(e) });
      return "error";
    }
  }

  async function evaluate(): Promise<Readiness> {
    const names = [...probes.keys()];
    const words = await Promise.all(names.map((n) => runProbe(n, probes.get(n)!)));
    const checks = Object.fromEntries(names.map((n, i) => [n, words[i]]));
    const failing = names.filter((n) => checks[n] !== "ok").map((n) => `${n}=${checks[n]}`).join(",");
    if (failing !== lastFailing) {
      if (failing) opts.log.warn("not ready", { checks });
      else opts.log.info("ready again", { checks });
      lastFailing = failing;
    }
    return failing ? { status: 503, body: { status: "not_ready", checks } } : { status: 200, body: { status: "ready", checks } };
  }

  async function readiness(): Promise<Readiness> {
    if (draining) return { status: 503, body: { status: "draining" } };
    if (cached && now() - cached.at < cacheMs) return cached.result;
    running ??= evaluate().finally(() => (running = null));
    const result = await running;
    cached = { at: now(), result };
    return draining ? { status: 503, body: { status: "draining" } } : result;
  }

  function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.statusCode = status;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", Buffer.byteLength(text));
    res.setHeader("Cache-Control", "no-store");
    res.end(req.method === "HEAD" ? undefined : text);
  }

  /** Answers /healthz and /readyz (GET and HEAD; 405 otherwise); false for every other path. */
  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== HEALTHZ_PATH && path !== READYZ_PATH) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      send(req, res, 405, { error: "method_not_allowed", message: "Use GET or HEAD." });
      return true;
    }
    if (path === HEALTHZ_PATH) {
      send(req, res, 200, { status: "ok" });
      return true;
    }
    readiness().then(
      (r) => send(req, res, r.status, r.body),
      () => send(req, res, 503, { status: "not_ready", checks: {} }),
    );
    return true;
  }

  return {
    /**
     * Add (or replace) a readiness check; `probe` answers one word, `ok` when
     * all is well. Returns a function that removes it again.
     */
    register(name: string, probe: Probe): () => void {
      probes.set(name, probe);
      cached = null;
      return () => {
        if (probes.get(name) !== probe) return;
        probes.delete(name);
        cached = null;
      };
    },
    /** From now on /readyz answers 503 draining (SIGTERM). */
    setDraining(): void {
      draining = true;
    },
    isDraining: () => draining,
    readiness,
    handle,
  };
}

export type Health = ReturnType<typeof createHealth>;
