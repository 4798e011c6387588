/** The one schema for the environment, validated once at start. */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { z } from "zod";
import { isPostgresUrl } from "../../db/client";
import { parseDataKey } from "./seal.server";

/** An entry of TRUST_PROXY: an IP address, a CIDR range (address/prefix) or "loopback". */
function isProxyAddress(entry: string): boolean {
  if (entry === "loopback") return true;
  const [addr, prefix, ...rest] = entry.split("/");
  const family = isIP(addr);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** hostname-pid-random: unique per process, readable in a log. */
function defaultServerId(): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, "").slice(0, 40) || "server";
  return `${host}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().min(1).default("file:data/alliantiebord.sqlite"),
  /**
   * With a PostgreSQL DATABASE_URL: how many connections this server's pool
   * opens at most. Every server of the installation opens its own, so the
   * servers' sum (plus one lock and one storage-thread connection each) must
   * stay under PostgreSQL's max_connections (100 in Debian's package). A
   * request that waits this pool out for 10 s is answered 503 `server_busy`,
   * logged with the pool's counts.
   */
  PG_POOL_MAX: z.coerce.number().int().min(2).max(500).default(10),
  /**
   * Extra origins allowed to open sockets and to send state-changing requests,
   * comma separated (the app's own origin is always allowed). Each is
   * normalised to scheme://host[:port].
   */
  ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((s, ctx) =>
      s
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean)
        .map((o) => {
          let url: URL | null = null;
          try {
            url = new URL(o);
          } catch {
            /* reported below */
          }
          if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || (url.pathname !== "/" && url.pathname !== "")) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${o}" is not an origin like https://bord.example.org` });
            return o;
          }
          return url.origin;
        }),
    ),
  /** Set when served behind TLS: session cookies always get the Secure flag, and HSTS is sent. */
  COOKIE_SECURE: z
    .enum(["true", "false", "1", "0", ""])
    .default("")
    .transform((v) => v === "true" || v === "1"),
  /**
   * Which peers are reverse proxies whose X-Forwarded-Proto/-Host/-For are
   * believed: off (default), `true` (any peer), or a comma list of addresses,
   * CIDR ranges and `loopback`. Behind a trusted proxy that says https, the
   * session cookie gets Secure and HSTS is sent.
   */
  TRUST_PROXY: z
    .string()
    .default("")
    .transform((v, ctx): boolean | string[] => {
      const s = v.trim().toLowerCase();
      if (s === "" || s === "false" || s === "0") return false;
      if (s === "true" || s === "1") return true;
      const entries = s.split(",").map((e) => e.trim()).filter(Boolean);
      for (const e of entries) {
        if (!isProxyAddress(e)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${e}" is not an address, a CIDR range or "loopback"` });
      }
      return entries;
    }),
  SESSION_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  /**
   * When a board update reaches the disk, relative to the moment the other
   * participants see it. Either way it is committed to SQLite first (a crash
   * of the server keeps it). "after-broadcast": the fdatasync runs right
   * after the broadcast, off the event loop (a power cut in that millisecond
   * loses it on the server; every client that has it gives it back on
   * reconnect). "before-broadcast": nobody sees an update before it is on disk.
   */
  SYNC_FSYNC: z.enum(["after-broadcast", "before-broadcast"]).default("after-broadcast"),
  /** Compact a board's update log into a snapshot after this many updates. */
  COMPACT_AFTER_UPDATES: z.coerce.number().int().min(10).default(500),
  /**
   * The nice value of the thread that compacts boards (server/sync/storage-worker.ts). 19, the lowest priority, lets
   * the event loop go first; a machine that is busy for long stretches starves that thread (its compactions wait, a
   * drain's too, and the board logs stay long), and a lower value lets it keep pace. Below the server's own nice value
   * needs the right to raise priority; without it the thread runs at the server's.
   */
  STORAGE_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(19),
  /** Keep an idle board document in memory this long after its last client left. */
  ROOM_IDLE_MS: z.coerce.number().int().min(0).default(0),
  /**
   * How often the sync server pings each board connection; one that has not
   * answered by the next ping is closed and its presence removed (so a person
   * whose connection went away leaves the board within one to two intervals).
   */
  SYNC_PING_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** How often claims without activity are returned to open. */
  CLAIM_SWEEP_MS: z.coerce.number().int().min(1000).default(3600_000),
  /**
   * How often the retention sweep anonymises what outlived its board's
   * retention (app/services/retention.server.ts): once at start, then when
   * this long has passed, checked on the CLAIM_SWEEP_MS beat. A day.
   */
  RETENTION_SWEEP_MS: z.coerce.number().int().min(1000).default(86_400_000),
  /**
   * The drain on SIGTERM/SIGINT (server/index.ts) ends within this long: what
   * is left then (a hanging request, a slow disk) is logged and the process
   * exits anyway (code 1). Keep systemd's TimeoutStopSec above it.
   */
  DRAIN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  LOG_LEVEL: z.enum(["silent", "error", "info", "debug"]).default("info"),
  /**
   * The address people reach the board at, for links in e-mails and in what
   * the command line prints (https://bord.example.org). Defaults to
   * http://localhost:<PORT>.
   */
  PUBLIC_URL: z
    .string()
    .default("")
    .refine((s) => s === "" || /^https?:\/\/[^/\s]+\/?$/.test(s), { message: "must be an origin like https://bord.example.org" })
    .transform((s) => s.replace(/\/$/, "")),
  /** Seed the demo alliance (AVE Emmen) when the database is empty: true for a first look, false for a real installation. */
  SEED_DEMO: z
    .enum(["true", "false", "1", "0", ""])
    .default("")
    .transform((v) => v !== "false" && v !== "0"),
  /** smtp://user:pass@mail.example:587 (or smtps://… for TLS from the start). Without it and MAIL_FROM, no mail is sent. */
  SMTP_URL: z
    .string()
    .default("")
    .refine((s) => s === "" || /^smtps?:\/\/[^\s]+$/.test(s), { message: "must look like smtp://user:pass@mail.example:587" }),
  /** Sender of every mail: "Alliantiebord <bord@example.org>" or bord@example.org. */
  MAIL_FROM: z
    .string()
    .default("")
    .refine((s) => s === "" || /^([^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(s.trim()), { message: "must be an address like bord@example.org" }),
  /**
   * The key that seals contact details (and other sealed values) in the
   * database: 32 bytes as base64 (44 characters) or 64 hex characters. When
   * unset, the file `data-key` next to the database is used if it exists
   * (the demo's `npm run setup` writes one); see app/services/seal.server.ts.
   */
  DATA_KEY: z
    .string()
    .default("")
    .refine((s) => s.trim() === "" || parseDataKey(s) !== null, {
      message: "must be 32 bytes as base64 (44 characters, e.g. from `openssl rand -base64 32`) or 64 hex characters",
    }),
  /** Folder for the daily backup the server takes itself; none without it. */
  BACKUP_DIR: z.string().default(""),
  /** How many daily backups BACKUP_DIR keeps (the oldest removed first). */
  BACKUP_KEEP: z.coerce.number().int().min(1).max(3650).default(14),
  /**
   * redis://[user:password@]host:port[/db] (or rediss:// for TLS): the
   * servers of one installation share their live state through it (limits,
   * socket.io, board updates, once-per-cluster work; server/cluster/). Without
   * it this server keeps all of that in its own memory: one server only.
   */
  REDIS_URL: z
    .string()
    .default("")
    .refine((s) => s.trim() === "" || /^rediss?:\/\/[^\s/]+(\/\d{1,2})?\/?$/.test(s.trim()), {
      message: "must look like redis://:password@127.0.0.1:6379 or redis://user:password@redis.internal:6379/0",
    })
    .transform((s) => s.trim()),
  /**
   * This server's name among the servers of one installation (in Redis
   * messages, locks and logs): letters, digits, dot, dash, underscore.
   * Default: hostname-pid-random, new at every start.
   */
  SERVER_ID: z
    .string()
    .default("")
    .refine((s) => s === "" || /^[A-Za-z0-9._-]{1,64}$/.test(s), { message: "must be 1–64 letters, digits, dots, dashes or underscores" })
    .transform((s) => s || defaultServerId()),
  /**
   * With REDIS_URL: how many entries each board's update stream keeps
   * (`XADD … MAXLEN ~`, server/cluster/relay.ts). A server that was away
   * longer than that many commits of a board reloads it from the database.
   */
  RELAY_STREAM_MAXLEN: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  // Limits (app/services/limits.server.ts).
  /** Failed logins per client address (over all accounts) in LOGIN_ADDRESS_WINDOW_MINUTES. */
  LOGIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(15),
  LOGIN_ADDRESS_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),
  /** Failed logins on one account before strangers have to wait; each further failure doubles the wait. */
  LOGIN_FREE_FAILURES: z.coerce.number().int().min(0).default(5),
  LOGIN_DELAY_BASE_SECONDS: z.coerce.number().int().min(1).default(1),
  LOGIN_DELAY_MAX_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Failed logins from a browser that logged into the account before, before it counts as a stranger. */
  LOGIN_DEVICE_FAILURES: z.coerce.number().int().min(1).default(10),
  /** Write requests (API, forms) and state-changing socket.io events per session per minute. */
  WRITES_PER_SESSION_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** Requests each organisation may create per hour (a coordinator can lift it for the alliance). */
  REQUESTS_PER_ORG_PER_HOUR: z.coerce.number().int().min(1).default(100),
  /** Open Yjs sockets, and open socket.io connections, per session. */
  CONNECTIONS_PER_SESSION: z.coerce.number().int().min(1).default(20),
  /** Reference checks ("werkt iemand al voor deze persoon?") per person per 10 minutes. */
  REFERENCE_CHECKS_PER_10_MINUTES: z.coerce.number().int().min(1).default(30),
  /** Keys each in-memory limit remembers at most (oldest forgotten first). */
  LIMITS_MAX_KEYS: z.coerce.number().int().min(100).default(100_000),
}).superRefine((env, ctx) => {
  // Settings that belong to SQLite's file, refused with a PostgreSQL DATABASE_URL rather than silently doing nothing.
  if (!isPostgresUrl(env.DATABASE_URL)) return;
  if (env.BACKUP_DIR.trim()) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["BACKUP_DIR"],
      message: "copies SQLite's database file; with a PostgreSQL DATABASE_URL back up with pg_dump (docs/deploy/alliantiebord.env) and leave BACKUP_DIR empty",
    });
  }
});

export type Env = z.infer<typeof EnvSchema>;

/** The origin links point at: PUBLIC_URL, or this machine on PORT. */
export function publicUrl(env: Pick<Env, "PUBLIC_URL" | "PORT">): string {
  return env.PUBLIC_URL || `http://localhost:${env.PORT}`;
}

/** Mail is on only with both a server and a sender. */
export function mailConfigured(env: Pick<Env, "SMTP_URL" | "MAIL_FROM">): boolean {
  return env.SMTP_URL !== "" && env.MAIL_FROM !== "";
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${lines}`);
  }
  return parsed.data;
}
