/**
 * The whole server on one port: Remix pages and the JSON API, the Yjs sync
 * endpoint at /yjs/<boardId>, and socket.io at /socket.io.
 */
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Database_ } from "../db/client";
import { deleteExpiredSessions } from "../db/accounts";
import type { AppServices } from "../app/services/context.server";
import type { Env } from "../app/services/env.server";
import { publishActivityIds } from "../app/services/activity.server";
import { expireClaims } from "../app/services/ownership.server";
import { createLogger } from "./log";
import { createRealtime } from "./realtime";
import { RoomManager } from "./sync/rooms";
import { sqliteRoomStorage } from "./sync/storage";
import type { RoomStorage } from "./sync/types";
import { createYjsEndpoint } from "./sync/ws-transport";

export interface AppServerOptions {
  env: Env;
  database: Database_;
  /** The Remix server build; omitted in tests that exercise only the sockets. */
  build?: ServerBuild;
  /** Folder with public/ (static files and the browser build). */
  publicDir?: string;
  now?: () => number;
  /** Where board documents are kept; SQLite through db/ unless given (the benchmark measures without persistence). */
  storage?: RoomStorage;
}

export function createAppServer(opts: AppServerOptions) {
  const { env, database } = opts;
  const now = opts.now ?? Date.now;
  const log = createLogger(env.LOG_LEVEL);
  const rooms = new RoomManager({
    storage: opts.storage ?? sqliteRoomStorage(database, now),
    fsync: env.SYNC_FSYNC,
    log,
    compactAfter: env.COMPACT_AFTER_UPDATES,
    idleMs: env.ROOM_IDLE_MS,
    onActivity: (boardId, activity) =>
      publishActivityIds(
        services,
        boardId,
        activity.map((a) => a.id),
      ),
  });

  const app = express();
  app.disable("x-powered-by");
  app.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "same-origin");
    res.setHeader("X-Frame-Options", "DENY");
    next();
  });
  const httpServer = http.createServer(app);
  const realtime = createRealtime(httpServer, { db: database.db, allowedOrigins: env.ALLOWED_ORIGINS, log, now });
  const yjs = createYjsEndpoint({ db: database.db, rooms, allowedOrigins: env.ALLOWED_ORIGINS, log, now });

  const services: AppServices = {
    db: database.db,
    env,
    now,
    realtime: realtime.broadcaster,
    rooms: {
      withDoc: (boardId, fn, origin) => rooms.withDoc(boardId, fn, origin),
      disconnectUser: (userId, reason) => {
        rooms.disconnectUser(userId, reason);
        realtime.disconnectUser(userId);
      },
    },
  };

  realtime.attach(services);

  if (opts.build) {
    const publicDir = opts.publicDir ?? path.resolve("public");
    app.use("/build", express.static(path.join(publicDir, "build"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(publicDir, { maxAge: "1h" }));
    app.all("*", createRequestHandler({ build: opts.build, getLoadContext: () => ({ services }) }));
  }

  // socket.io registered its own upgrade listener for /socket.io; ours handles /yjs.
  httpServer.on("upgrade", (req, socket, head) => {
    if (yjs.handleUpgrade(req, socket, head)) return;
    if (!req.url?.startsWith("/socket.io")) socket.destroy();
  });

  const sweep = setInterval(() => deleteExpiredSessions(database.db, now()), 3600_000);
  sweep.unref();
  const runExpiry = () => {
    try {
      const expired = expireClaims(services);
      if (expired.length) log.info("claims expired", { count: expired.length });
    } catch (e) {
      log.error("claim expiry failed", { error: (e as Error).message });
    }
  };
  const expiry = setInterval(runExpiry, env.CLAIM_SWEEP_MS);
  expiry.unref();
  // Kept, so close() can cancel it: it must not run against a closed database.
  const firstExpiry = setTimeout(runExpiry, 1000);
  firstExpiry.unref();

  return {
    app,
    httpServer,
    rooms,
    realtime,
    services,
    log,
    listen(port = env.PORT, host = env.HOST): Promise<{ port: number; url: string }> {
      return new Promise((resolve) => {
        httpServer.listen(port, host, () => {
          const addr = httpServer.address() as AddressInfo;
          resolve({ port: addr.port, url: `http://${host === "0.0.0.0" ? "localhost" : host}:${addr.port}` });
        });
      });
    },
    async close(): Promise<void> {
      clearInterval(sweep);
      clearInterval(expiry);
      clearTimeout(firstExpiry);
      rooms.closeAll();
      yjs.close();
      await realtime.close();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections?.();
    },
  };
}
