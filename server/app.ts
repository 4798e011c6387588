/**
 * The whole server on one port: Remix pages and the JSON API, the Yjs sync
 * endpoint at /yjs/<boardId>, and socket.io at /socket.io.
 */
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import { createAdapter } from "@socket.io/redis-adapter";
import express from "express";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { isPostgresUrl, isSqlite, poolCounts, type AppDatabase } from "../db/client";
import { within } from "./within";
import { deleteExpiredSessions } from "../db/accounts";
import { deleteIdempotencyKeysBefore, IDEMPOTENCY_KEEP_MS } from "../db/requests";
import type { AppServices } from "../app/services/context.server";
import type { Env } from "../app/services/env.server";
import { publishActivityRows } from "../app/services/activity.server";
import { expireClaims, holdersForRooms, holdersForSync } from "../app/services/ownership.server";
import { notificationSweep } from "../app/services/notifications.server";
import { presenceJoined } from "../app/services/meetings.server";
import { dailyMoments } from "../app/services/moments.server";
import { retentionSweep } from "../app/services/retention.server";
import { databaseAnswers, migrationsApplied } from "../db/health";
import { createHealth } from "./health";
import { createHttpSecurity } from "./http";
import { SERVICE_WORKER_HEADERS } from "./http/headers";
import { refusalPage, type UploadDeclaration } from "./http/guard";
import { apiErrorsAsJson } from "./http/api-errors";
import { startDailyBackups, type DailyBackupOptions } from "./backup";
import { createLogger } from "./log";
import { createMailQueue } from "../app/services/mail-queue.server";
import { mailConfigured } from "../app/services/env.server";
import { createMailWorker, type MailWorkerOptions } from "./mail/worker";
import { createLimits, registerLimits } from "../app/services/limits.server";
import { createKeyHasher, type KeyHasher } from "./cluster/keys";
import { RedisLimitStore } from "./cluster/limit-store";
import { memoryClusterLock, redisClusterLock } from "./cluster/lock";
import { connectRedis, redisKey, type RedisLink } from "./cluster/redis";
import { redisGuardStore } from "./cluster/front-door-store";
import { MemoryGuardStore, registerGuardStore } from "../app/services/front-door-guard.server";
import { RedisRelay } from "./cluster/relay";
import { createRealtime, SOCKET_IO_PREFIX } from "./realtime";
import { RoomManager } from "./sync/rooms";
import { postgresRoomStorage, sqliteRoomStorage } from "./sync/storage";
import { StorageWorker, storageWorkerFor } from "./sync/storage-worker";
import type { RoomStorage } from "./sync/types";
import { createYjsEndpoint, refuseUpgrade } from "./sync/ws-transport";

export interface AppServerOptions {
  env: Env;
  /** SQLite (openDatabase) or PostgreSQL (openPostgres); `openAppDatabase` picks by DATABASE_URL. */
  database: AppDatabase;
  /** The Remix server build; omitted in tests that exercise only the sockets. */
  build?: ServerBuild;
  /** Folder with public/ (static files and the browser build). */
  publicDir?: string;
  now?: () => number;
  /** Where board documents are kept; SQLite through db/ unless given (the benchmark measures without persistence). */
  storage?: RoomStorage;
  /** Endpoints that take a file upload (server/http/guard.ts DECLARED_UPLOADS unless given). */
  uploads?: readonly UploadDeclaration[];
  /** Timing of the mail worker (tests poll and retry fast); see server/mail/worker.ts. */
  mail?: Partial<Pick<MailWorkerOptions, "pollMs" | "retryBaseMs" | "retryMaxMs" | "giveUpAfterMs" | "leaseMs" | "random">>;
  /** Timing of the daily backup (BACKUP_DIR turns it on); tests shorten it. */
  backups?: Partial<Pick<DailyBackupOptions, "firstDelayMs" | "checkEveryMs" | "pagesPerStep" | "onStep">>;
}

/** How long the drain gives clients to answer the close of their connection before it is cut. */
const CLOSE_HANDSHAKE_MS = 1000;

/** Request headers larger than this are refused by Node (431) before any route runs. */
export const MAX_HEADER_BYTES = 16 * 1024;

export function createAppServer(opts: AppServerOptions) {
  const { env, database } = opts;
  const now = opts.now ?? Date.now;
  const log = createLogger(env.LOG_LEVEL);
  // The servers' shared live state (server/cluster/); null: one server, everything in this process's memory.
  const redis = env.REDIS_URL ? connectRedis({ url: env.REDIS_URL, serverId: env.SERVER_ID, log }) : null;
  // PostgreSQL's through the asynchronous layer (the room manager's asynchronous path), SQLite's synchronous one otherwise.
  // SQLite's own handles, absent on PostgreSQL.
  const sqlite = isSqlite(database) ? database : null;
  // Compactions (and SQLite's checkpoints) run on a connection of their own in a worker thread (server/sync/storage-worker.ts).
  const storageWorker = opts.storage
    ? null
    : sqlite
      ? storageWorkerFor(sqlite.sqlite.name, sqlite.sqlite.memory, log, env.STORAGE_WORKER_NICE)
      : isPostgresUrl(env.DATABASE_URL)
        ? new StorageWorker(env.DATABASE_URL, log, env.STORAGE_WORKER_NICE)
        : null;
  const storage = opts.storage ?? (sqlite ? sqliteRoomStorage(sqlite, now, { worker: storageWorker }) : postgresRoomStorage(database.async, now, { worker: storageWorker }));
  // Work done once per cluster (the beat's sweeps, the daily backup, sending mail): in Redis, or this server's memory.
  const clusterLock = redis
    ? redisClusterLock({ serverId: env.SERVER_ID, log, command: redis.command })
    : memoryClusterLock({ serverId: env.SERVER_ID, log, now });
  // Board documents across servers: committed updates and presence over Redis streams.
  const relay = redis
    ? new RedisRelay({
        serverId: env.SERVER_ID,
        commands: redis.command,
        blocking: redis.connection("relay"),
        storage,
        log,
        maxLen: env.RELAY_STREAM_MAXLEN,
      })
    : null;
  // Every limit of this server; with Redis their counts are shared (server/cluster/limit-store.ts).
  const limitStores: RedisLimitStore[] = [];
  let keyHasher: KeyHasher | undefined;
  const hasher = (link: RedisLink) => (keyHasher ??= createKeyHasher(link, env.DATA_KEY));
  const limits = createLimits(
    env,
    now,
    redis
      ? (name, maxKeys) => {
          const store = new RedisLimitStore(redis, { name, maxKeys, log, hasher: hasher(redis) });
          limitStores.push(store);
          return store;
        }
      : undefined,
  );
  const rooms = new RoomManager({
    storage,
    relay: relay ?? undefined,
    fsync: env.SYNC_FSYNC,
    log,
    compactAfter: env.COMPACT_AFTER_UPDATES,
    idleMs: env.ROOM_IDLE_MS,
    // Who holds which request: read and decided in the room's synchronous step (SQLite), or kept in memory and awaited (the asynchronous storage).
    requests: storage.async
      ? holdersForRooms(
          () => services,
          (boardId, requestIds) => relay?.control({ type: "holdersChanged", boardId, requestIds }),
        )
      : holdersForSync(() => services),
    onActivity: (boardId, activity) => {
      try {
        publishActivityRows(services, boardId, activity);
      } catch (error) {
        log.error("activity not published", { boardId, error: String(error) });
      }
    },
    onPresence: (boardId, user) =>
      void presenceJoined(services, boardId, user).catch((e) => log.error("meeting attendance failed", { boardId, error: (e as Error).message })),
  });
  relay?.start(rooms);

  const health = createHealth({ log, now });
  health.register("database", () => databaseAnswers(database.async));
  health.register("migrations", () => migrationsApplied(database.async));
  if (redis) health.register("redis", async () => ((await redis.ping()) ? "ok" : "unreachable"));
  const security = createHttpSecurity({ env, log, uploads: opts.uploads, now });
  const app = express();
  app.disable("x-powered-by");
  // req.protocol and req.hostname (and so the URL Remix sees) follow the same proxy trust as everything else.
  app.set("trust proxy", (address: string) => security.trustsPeer(address));
  const httpServer = http.createServer(
    {
      // Node's limits for what arrives before any route runs: 16 KB of headers
      // (431 beyond), headers within 20 s, the whole request within 2 minutes
      // (a 10 MB upload over a slow line), so a slow sender cannot hold a socket.
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: 20_000,
      requestTimeout: 120_000,
    },
    app,
  );
  // socket.io's rooms across servers: with Redis every broadcast and disconnectSockets goes to every server (channels `ab:io…`).
  const ioRedis = redis?.pubSub("io");
  const realtime = createRealtime(httpServer, {
    async: database.async,
    allowedOrigins: security.policy,
    log,
    now,
    limits,
    adapter: ioRedis ? createAdapter(ioRedis.pub, ioRedis.sub, { key: redisKey("io") }) : undefined,
  });
  // A disconnect another server published while Redis was away was lost: judge this server's sockets again.
  let redisWasUp = false;
  redis?.onState((state) => {
    if (state === "up" && redisWasUp) realtime.recheck().catch((e) => log.error("socket recheck failed", { error: (e as Error).message }));
    if (state === "up") redisWasUp = true;
  });
  const yjs = createYjsEndpoint({ async: database.async, db: sqlite?.db, rooms, allowedOrigins: security.policy, log, now, pingMs: env.SYNC_PING_MS, limits });
  // socket.io took over the "request" listeners (it answers /socket.io itself)
  // and added one for "upgrade": ours run before them, so every response on
  // the port carries the headers, raw ones on upgrades included.
  httpServer.prependListener("request", security.onRequest);
  // Every connection on the port (HTTP, and upgraded to WebSocket), so the drain can end what is left.
  const connections = new Set<Socket>();
  httpServer.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });
  // HTTP requests in flight, for the drain: it waits for them before the rooms close.
  let inFlight = 0;
  let inFlightIdle: Array<() => void> = [];
  httpServer.prependListener("request", (_req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight++;
    // Draining: this connection is not kept open for another request (the balancer sends that one elsewhere).
    if (health.isDraining()) res.setHeader("Connection", "close");
    res.once("close", () => {
      if (--inFlight > 0) return;
      const waiting = inFlightIdle;
      inFlightIdle = [];
      for (const resolve of waiting) resolve();
    });
  });
  httpServer.prependListener("upgrade", security.onUpgrade);
  httpServer.on("clientError", security.onClientError);
  // /healthz and /readyz first: no session, no CSRF check, no limit, no Remix (server/health.ts).
  app.use((req, res, next) => {
    if (!health.handle(req, res)) next();
  });
  app.use(security.middleware);

  const services: AppServices = {
    db: sqlite?.db,
    async: database.async,
    env,
    now,
    log,
    realtime: realtime.broadcaster,
    // The SQLite mail queue; off (enqueue does nothing) without SMTP_URL and MAIL_FROM.
    mail: createMailQueue({ h: database.async, env, now, onQueued: () => mailWorker?.kick() }),
    rooms: {
      withDoc: (boardId, fn, origin) => rooms.withDoc(boardId, fn, origin),
      readDoc: (boardId, fn) => rooms.readDoc(boardId, fn),
      // Board connections close on every server (the relay's `ab:control`; socket.io's sockets through its adapter).
      disconnectUser: (userId, reason) => {
        rooms.disconnectUser(userId, reason);
        relay?.control({ type: "disconnectUser", userId, reason });
        realtime.disconnectUser(userId);
      },
      reconnectBoard: (boardId, reason) => {
        rooms.reconnectBoard(boardId, reason);
        relay?.control({ type: "reconnectBoard", boardId, reason });
      },
      rebuild: (boardId, fn) => rooms.rebuild(boardId, fn),
      disconnectSessions: (sessionIds, reason) => {
        rooms.disconnectSessions(sessionIds, reason);
        relay?.control({ type: "disconnectSessions", sessionIds: [...sessionIds], reason });
        realtime.disconnectSessions(sessionIds);
      },
      presentUsers: (boardId) => rooms.presentUsers(boardId).map((u) => ({ id: u.id, name: u.name, organisationId: u.organisationId })),
      holdersAsync: Boolean(storage.async),
      holdersChanged: async (boardId, requestIds) => {
        if (!storage.async) return;
        relay?.control({ type: "holdersChanged", boardId, requestIds: requestIds && [...requestIds] });
        await rooms.holdersChanged(boardId, requestIds);
      },
    },
  };

  registerLimits(services, limits);
  // The front door's day secret and used tokens: shared through Redis, or this server's own.
  registerGuardStore(services, redis ? redisGuardStore(redis, hasher(redis)) : new MemoryGuardStore());
  realtime.attach(services);
  const mailWorker = mailConfigured(env)
    ? createMailWorker({ h: database.async, smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, now, log, lock: clusterLock, ...opts.mail })
    : null;

  if (opts.build) {
    const publicDir = opts.publicDir ?? path.resolve("public");
    app.use("/build", express.static(path.join(publicDir, "build"), { immutable: true, maxAge: "1y" }));
    const serviceWorker = path.join(publicDir, "sw.js");
    app.use(
      express.static(publicDir, {
        maxAge: "1h",
        setHeaders: (res, file) => {
          if (file === serviceWorker) for (const [k, v] of Object.entries(SERVICE_WORKER_HEADERS)) res.setHeader(k, v);
        },
      }),
    );
    app.all("*", createRequestHandler({ build: apiErrorsAsJson(opts.build, log, () => poolCounts(database)), getLoadContext: (req) => ({ services, cspNonce: security.nonceFor(req), clientAddress: security.clientAddress(req) }) }));
  }
  // What no route answered, or what failed outside Remix: the same shape as every other error.
  app.use((err: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = typeof (err as { status?: unknown })?.status === "number" ? (err as { status: number }).status : 500;
    const code = status >= 500 || status < 400 ? 500 : 400;
    // A malformed URL ("/%") is the client's mistake: answered, not logged.
    if (code === 500) log.error("request failed", { path: req.path, error: (err as Error)?.message ?? String(err) });
    if (req.path.startsWith("/api/")) {
      res.status(code).json({ error: code === 500 ? "server_error" : "bad_request", message: code === 500 ? "Something went wrong on the server." : "The request could not be read." });
    } else {
      res.status(code).type("html").send(refusalPage(code, code === 500 ? "Er ging iets mis" : "Ongeldig verzoek", code === 500 ? "Er ging iets mis op de server. Probeer het zo opnieuw." : "Dit verzoek kon niet worden gelezen."));
    }
  });

  // socket.io registered its own upgrade listener for what starts with
  // /socket.io/ (the same test as engine.io's); ours handles /yjs and answers
  // every other upgrade 404 (with the headers, like any other response).
  httpServer.on("upgrade", (req, socket, head) => {
    if (yjs.handleUpgrade(req, socket, head)) return;
    if (!req.url?.startsWith(SOCKET_IO_PREFIX)) refuseUpgrade(socket, 404);
  });

  // Each sweep runs on one server of the cluster at a time (server/cluster/lock.ts): the holder of its lock; the others skip that turn.
  const once = <T>(name: string, work: () => Promise<T> | T, keepMs?: number | ((value: T) => number)) =>
    clusterLock.run(name, work, { keepMs }).then((r) => (r.ran ? r.value : undefined));
  let purgingSessions: Promise<void> | null = null;
  const runSessionPurge = () => {
    if (purgingSessions) return;
    // With them the idempotency keys of created requests older than a day (a retry comes within minutes).
    purgingSessions = once("sessions", async () => {
      await deleteExpiredSessions(database.async, now());
      await deleteIdempotencyKeysBefore(database.async, now() - IDEMPOTENCY_KEEP_MS);
    })
      .then(() => undefined)
      .catch((e) => log.error("expired sessions purge failed", { error: (e as Error).message }))
      .finally(() => (purgingSessions = null));
  };
  const sweep = setInterval(runSessionPurge, 3600_000);
  sweep.unref();
  let expiring: Promise<void> | null = null;
  const runExpiry = () => {
    if (expiring) return;
    expiring = once("claim-expiry", () => expireClaims(services))
      .then((expired) => {
        if (expired?.length) log.info("claims expired", { count: expired.length });
      })
      .catch((e) => log.error("claim expiry failed", { error: (e as Error).message }))
      .finally(() => (expiring = null));
  };
  // Claims about to expire and the daily digest (app/services/notifications.server.ts), on the same beat.
  let sweeping: Promise<void> | null = null;
  const runNotificationSweep = () => {
    if (sweeping) return;
    sweeping = once("notifications", () => notificationSweep(services))
      .then((r) => {
        if (r && (r.warned || r.digestPeople)) log.info("notifications sent", r);
      })
      .catch((e) => log.error("notification sweep failed", { error: (e as Error).message }))
      .finally(() => (sweeping = null));
  };
  // A stored moment a day for every board that changed (app/services/moments.server.ts), on the same beat.
  let storingMoments: Promise<void> | null = null;
  const runDailyMoments = () => {
    if (storingMoments) return;
    storingMoments = once("moments", () => dailyMoments(services))
      .then((r) => {
        if (!r) return;
        if (r.stored.length) log.info("daily moments stored", { count: r.stored.length });
        for (const f of r.failed) log.error("daily moment failed", f);
      })
      .catch((e) => log.error("daily moments failed", { error: (e as Error).message }))
      .finally(() => (storingMoments = null));
  };
  // Requests past their board's retention anonymised (app/services/retention.server.ts): at the first beat, then every
  // RETENTION_SWEEP_MS. The server that swept keeps the lock that long, so no other server sweeps again meanwhile.
  let retaining: Promise<void> | null = null;
  let retainedAt: number | null = null;
  const runRetention = () => {
    if (retaining || (retainedAt !== null && now() - retainedAt < env.RETENTION_SWEEP_MS)) return;
    const started = now();
    retaining = once(
      "retention",
      () => {
        retainedAt = started;
        return retentionSweep(services);
      },
      () => env.RETENTION_SWEEP_MS - (now() - started),
    )
      .then((r) => {
        if (!r) return;
        // Counts only: never a title, a reference or an id of a person's request.
        if (r.swept.length) {
          const keys = ["requests", "comments", "contacts", "referrals", "meetingTexts", "auditTexts", "moments"] as const;
          const sum = (k: (typeof keys)[number]) => r.swept.reduce((n, b) => n + b[k], 0);
          log.info("retention sweep", { boards: r.swept.length, ...Object.fromEntries(keys.map((k) => [k, sum(k)])) });
        }
        for (const f of r.failed) log.error("retention sweep failed for a board", f);
      })
      .catch((e) => log.error("retention sweep failed", { error: (e as Error).message }))
      .finally(() => (retaining = null));
  };
  const beat = () => {
    runExpiry();
    runNotificationSweep();
    runDailyMoments();
    runRetention();
  };
  const expiry = setInterval(beat, env.CLAIM_SWEEP_MS);
  expiry.unref();
  // Kept, so close() can cancel it: it must not run against a closed database.
  const firstExpiry = setTimeout(() => {
    beat();
    // And the first purge of sessions and idempotency keys: servers restarted more often than hourly still purge.
    runSessionPurge();
  }, 1000);
  firstExpiry.unref();
  mailWorker?.start();
  // SQLite's file copy (PostgreSQL is backed up with its own tools; the environment refuses BACKUP_DIR there).
  const backups = env.BACKUP_DIR && sqlite
    ? startDailyBackups({ sqlite: sqlite.sqlite, dir: path.resolve(env.BACKUP_DIR), keep: env.BACKUP_KEEP, log, now, lock: clusterLock, ...opts.backups })
    : null;

  let closing: Promise<void> | null = null;
  let drainStage = "serving";

  return {
    app,
    httpServer,
    security,
    health,
    rooms,
    relay,
    realtime,
    services,
    log,
    mailWorker,
    /** The thread that compacts boards apart from the event loop (null: in-memory SQLite, or storage given by the caller). */
    storageWorker,
    backups,
    redis,
    limits,
    clusterLock,
    /** Run the sweep beat now (what the timer does), resolving when its sweeps have finished or skipped. */
    async sweepNow(): Promise<void> {
      if (closing) return;
      beat();
      await Promise.all([expiring, sweeping, storingMoments, retaining]);
    },
    listen(port = env.PORT, host = env.HOST): Promise<{ port: number; url: string }> {
      return new Promise((resolve) => {
        // The storage thread loads its modules now, while nothing waits for it.
        storageWorker?.warm();
        httpServer.listen(port, host, () => {
          const addr = httpServer.address() as AddressInfo;
          resolve({ port: addr.port, url: `http://${host === "0.0.0.0" ? "localhost" : host}:${addr.port}` });
        });
      });
    },
    /** What the drain still waits for (logged when DRAIN_TIMEOUT_MS runs out). */
    drainLeft(): Record<string, unknown> {
      return {
        stage: drainStage,
        httpRequests: inFlight,
        yjsConnections: yjs.openCount(),
        socketIoConnections: realtime.openCount(),
        boardsLoaded: rooms.stats.rooms,
        sweeps: [
          expiring && "claim expiry",
          sweeping && "notifications",
          storingMoments && "moments",
          retaining && "retention",
          purgingSessions && "sessions",
        ].filter(Boolean),
      };
    },
    /**
     * The drain (SIGTERM, server/index.ts; every test's close): /readyz says
     * "draining" at once; the server stops listening (idle keep-alive
     * connections close, a request in flight finishes and its connection
     * closes after it); the sweeps and the backup stop, the running ones and
     * the HTTP requests in flight are waited for, the mail worker stops;
     * then the Yjs endpoint stops reading, the rooms commit, flush to disk
     * and close every board connection with 1012 (the clients reconnect,
     * with jitter, elsewhere), and every socket.io client's transport is
     * closed so it reconnects by itself. The caller closes the database.
     */
    async close(): Promise<void> {
      if (closing) return closing;
      closing = (async () => {
        health.setDraining();
        drainStage = "stop listening";
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections?.();
        clearInterval(sweep);
        clearInterval(expiry);
        clearTimeout(firstExpiry);
        drainStage = "backup";
        await backups?.stop();
        drainStage = "http requests";
        if (inFlight > 0) await new Promise<void>((resolve) => inFlightIdle.push(resolve));
        drainStage = "sweeps";
        // Each running sweep finishes and releases its cluster lock.
        await Promise.all([expiring, sweeping, storingMoments, retaining, purgingSessions]);
        drainStage = "mail worker";
        await mailWorker?.stop();
        clusterLock.close();
        drainStage = "boards";
        yjs.stopReading();
        await rooms.drain();
        // The unloads' compactions finish (at most 5 s) before the caller closes the database. With Redis each first
        // takes its lease there and only then asks the worker: wait for them, not only for what the worker has been asked.
        const compactionsBy = Date.now() + 5_000;
        await within(rooms.compacted(), 5_000, undefined);
        await storageWorker?.close(Math.max(0, compactionsBy - Date.now()));
        // What was committed is published (the presence of the closed connections leaving, too) before Redis goes.
        if (relay) {
          drainStage = "relay";
          await relay.flushed(2_000);
          await relay.close();
        }
        drainStage = "sockets";
        await Promise.all([yjs.close(CLOSE_HANDSHAKE_MS), realtime.close(CLOSE_HANDSHAKE_MS)]);
        drainStage = "connections";
        httpServer.closeAllConnections?.();
        for (const socket of connections) socket.destroy();
        await stopped;
        drainStage = "redis";
        for (const store of limitStores) store.close();
        await redis?.close();
        drainStage = "done";
      })();
      return closing;
    },
  };
}
