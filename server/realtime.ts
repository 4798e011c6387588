/**
 * socket.io: server-decided events (claims, referrals, activity, presence in
 * the next issue) on the same port. Every connection, including one that
 * recovers after a reconnect, passes the same Origin and session check.
 */
import type { Server as HttpServer } from "node:http";
import { Server as IOServer, type Socket } from "socket.io";
import { getBoard } from "../db/accounts";
import type { DB } from "../db/client";
import { canOpenBoard, userFromCookieHeader, type SessionUser } from "../app/services/auth.server";
import { isAllowedOrigin } from "./origin";
import type { Logger } from "./sync/types";

export interface RealtimeOptions {
  db: DB;
  allowedOrigins: readonly string[];
  log: Logger;
  now: () => number;
}

export interface SocketData {
  user: SessionUser;
  boards: Set<string>;
}

export function boardChannel(boardId: string): string {
  return `board:${boardId}`;
}

export function createRealtime(http: HttpServer, opts: RealtimeOptions) {
  const io = new IOServer<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(http, {
    path: "/socket.io",
    serveClient: false,
    // Leave /yjs upgrades to the Yjs endpoint instead of destroying them.
    destroyUpgrade: false,
    maxHttpBufferSize: 64 * 1024,
    allowRequest: (req, callback) => callback(null, isAllowedOrigin(req, opts.allowedOrigins)),
  });

  io.use((socket, next) => {
    const user = userFromCookieHeader(opts.db, socket.request.headers.cookie, opts.now());
    if (!user) return next(new Error("unauthenticated"));
    socket.data.user = user;
    socket.data.boards = new Set();
    next();
  });

  io.on("connection", (socket: Socket) => {
    socket.on("board:join", (payload: unknown, ack?: (r: unknown) => void) => {
      const reply = typeof ack === "function" ? ack : () => {};
      const boardId = (payload as { boardId?: unknown })?.boardId;
      if (typeof boardId !== "string") return reply({ ok: false, error: "bad_request" });
      const board = getBoard(opts.db, boardId);
      if (!canOpenBoard(socket.data.user, board)) return reply({ ok: false, error: "forbidden" });
      socket.data.boards.add(boardId);
      void socket.join(boardChannel(boardId));
      reply({ ok: true });
    });
  });

  return {
    io,
    /** Send a server-decided event to everyone on a board. */
    toBoard(boardId: string, event: string, payload: unknown) {
      io.to(boardChannel(boardId)).emit(event as never, payload as never);
    },
    disconnectUser(userId: string) {
      for (const s of io.sockets.sockets.values()) if (s.data.user?.id === userId) s.disconnect(true);
    },
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}
