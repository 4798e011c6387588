/**
 * The Yjs endpoint: `GET /yjs/<boardId>` upgraded to a WebSocket. Every
 * upgrade is checked before any document byte is sent: Origin, session, and
 * that the board belongs to the person's alliance.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { getBoard, getBoardNow } from "../../db/accounts";
import type { AsyncDb, DB } from "../../db/client";
import { canOpenBoard, pendingDuty, sessionKeyFromCookieHeader, userFromCookieHeader } from "../../app/services/auth.server";
import { limitsForDb, type AppLimits } from "../../app/services/limits.server";
import { rawResponse } from "../http/headers";
import { isAllowedOrigin, type OriginPolicy } from "../origin";
import { CLOSE, type BoardRoom } from "./room";
import type { RoomManager } from "./rooms";
import type { Logger, Outgoing, SyncConnection } from "./types";
import { binaryFrame } from "./ws-frame";

export const YJS_PATH = /^\/yjs\/([A-Za-z0-9_-]{1,64})\/?$/;
export const MAX_FRAME_BYTES = 1024 * 1024;

export interface YjsEndpointOptions {
  /** The database (sessions, boards). */
  async: AsyncDb;
  /** SQLite's synchronous handle, when the server runs on SQLite: the board's generation read in the join's own turn. */
  db?: DB;
  rooms: RoomManager;
  /** Who may connect (server/origin.ts): the origin policy, or just the ALLOWED_ORIGINS list. */
  allowedOrigins: OriginPolicy | readonly string[];
  log: Logger;
  now: () => number;
  /**
   * How often every connection is pinged (SYNC_PING_MS). A connection that
   * has not answered the previous ping by the next one is dead (network gone,
   * laptop lid closed) and is closed: its presence leaves the board with it,
   * so others see a person disappear within one to two intervals.
   */
  pingMs?: number;
  /** This server's limits (server/app.ts); found by the database handle when omitted. */
  limits?: AppLimits;
}

export const DEFAULT_PING_MS = 5_000;
/** Connections pinged per turn of the event loop (the rest in the next turns). */
const PING_CHUNK = 100;
/** How long a connection whose frame ws refused may take to close by itself (its close frame is on its way). */
const ERROR_LINGER_MS = 1_000;

/**
 * The document generation the client holds (`?gen=`, app/lib/sync-client.ts).
 * None: 0, the generation every board starts with (clients from before
 * generations existed); anything but a whole number: -1, which matches no board.
 */
export function clientGeneration(url: URL): number {
  const raw = url.searchParams.get("gen");
  if (raw === null) return 0;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : -1;
}

/** The security headers are added to this head, as to every upgrade's, by server/http (onUpgrade). */
export function refuseUpgrade(socket: Duplex, status: number): void {
  if (socket.writable) socket.write(rawResponse(status));
  socket.destroy();
}

export function createYjsEndpoint(opts: YjsEndpointOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  const h = opts.async;
  /** Draining (stopReading): no new connection, and no frame of an open one is read any more. */
  let draining = false;

  // Dead peers (a laptop lid closed, the network gone: no close frame ever
  // comes) are found by ping and dropped; closing them removes their presence.
  // PING_CHUNK connections per turn of the event loop: a thousand pings in one
  // go held it for about 25 ms, and every edit arriving meanwhile waited.
  const beat = (list: WebSocket[] = [...sockets], from = 0) => {
    const end = Math.min(list.length, from + PING_CHUNK);
    for (let i = from; i < end; i++) {
      const ws = list[i];
      if (!sockets.has(ws)) continue;
      const s = ws as WebSocket & { alive?: boolean };
      if (s.alive === false) {
        ws.terminate();
        continue;
      }
      s.alive = false;
      ws.ping();
    }
    if (end < list.length) setImmediate(() => beat(list, end));
  };
  // Judged after the event loop's I/O phase (setImmediate), not in the timer
  // phase before it: after a long synchronous task (loading or compacting a
  // large board) the pongs that arrived meanwhile are read first, so healthy
  // connections are not taken for dead.
  const heartbeat = setInterval(() => setImmediate(() => beat()), opts.pingMs ?? DEFAULT_PING_MS);
  heartbeat.unref();

  /** Returns true when the request was for this endpoint (handled or refused). */
  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!url.pathname.startsWith("/yjs")) return false;
    if (draining) {
      refuseUpgrade(socket, 503);
      return true;
    }
    const m = YJS_PATH.exec(url.pathname);
    if (!m) {
      refuseUpgrade(socket, 404);
      return true;
    }
    if (!isAllowedOrigin(req, opts.allowedOrigins)) {
      refuseUpgrade(socket, 403);
      return true;
    }
    // The rest asks the database (awaited); the request is ours either way.
    admit(req, socket, head, url, m[1]).catch((e: unknown) => {
      opts.log.error("could not admit a connection", { error: (e as Error).message });
      refuseUpgrade(socket, 503);
    });
    return true;
  }

  /** The checks that read the database, in order: session, pending duty, board, connections per session; then the join. */
  async function admit(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, boardId: string): Promise<void> {
    const user = await userFromCookieHeader(h, req.headers.cookie, opts.now());
    if (!user) return refuseUpgrade(socket, 401);
    if (pendingDuty(user)) {
      // A one-time password, or two-factor login the alliance demands and the person has not set up, opens nothing else (as on the API: 403).
      return refuseUpgrade(socket, 403);
    }
    // Another alliance's board is answered like one that does not exist.
    const board = await getBoard(h, boardId);
    if (!canOpenBoard(user, board)) return refuseUpgrade(socket, 404);
    // The drain may have begun while the database answered.
    if (draining || socket.destroyed) return refuseUpgrade(socket, 503);
    // At most CONNECTIONS_PER_SESSION open Yjs sockets per session; the place
    // is given back when the TCP connection ends, however it ends.
    const sessionKey = sessionKeyFromCookieHeader(req.headers.cookie)!;
    const connections = (opts.limits ?? limitsForDb(opts.async, opts.now)).yjsConnections;
    if (!connections.acquire(sessionKey)) return refuseUpgrade(socket, 429);
    socket.once("close", () => connections.release(sessionKey));
    const generation = clientGeneration(url);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A copy of an older (or unknown) build of the document is refused
      // before any of its frames is read: it may hold erased words, and its
      // sync would bring them back. Read now, in the same turn as the join
      // below, so a rebuild cannot fall between the check and the join
      // (synchronously: getBoardNow, SQLite's own). On the asynchronous
      // storage the room's own generation decides, once joined (below).
      const current = opts.db ? (getBoardNow(opts.db, board.id)?.docGeneration ?? board.docGeneration) : generation;
      if (generation !== current) {
        ws.close(CLOSE.rebuilt, "board rebuilt");
        return;
      }
      sockets.add(ws);
      // Frames are written straight to the socket: built once per message
      // (binaryFrame), not once per connection as ws.send would. Everything
      // this connection sends goes this way, so the order of frames holds.
      const socket = (ws as unknown as { _socket: Socket })._socket;
      const write = (m: Outgoing) => {
        if (ws.readyState === ws.OPEN) socket.write((m.wire ??= binaryFrame(m.data)));
      };
      const conn: SyncConnection = {
        id: randomUUID(),
        user,
        session: sessionKeyFromCookieHeader(req.headers.cookie)!,
        // An archived board is read-only for everyone (until a coordinator puts it back).
        readOnly: user.role === "viewer" || board.archivedAt !== null,
        send: write,
        close: (code, reason) => {
          if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
        },
        bufferedAmount: () => socket.writableLength,
      };
      (ws as WebSocket & { alive?: boolean }).alive = true;
      ws.on("pong", () => ((ws as WebSocket & { alive?: boolean }).alive = true));
      const unavailable = (e: unknown) => {
        opts.log.error("could not open board", { board: board.id, error: (e as Error).message });
        ws.close(1011, "board unavailable");
        sockets.delete(ws);
      };
      // Without SQLite's synchronous read (above), the room's generation is
      // the board's (read with its document, checked by every append; a
      // rebuild drops the room): the room refuses a copy of another one,
      // before anything is sent or any of its frames read.
      const stale = () => {
        ws.close(CLOSE.rebuilt, "board rebuilt");
        sockets.delete(ws);
      };
      let joined: BoardRoom | null | Promise<BoardRoom | null>;
      try {
        joined = opts.rooms.connect(board.id, conn, opts.db ? undefined : generation);
      } catch (e) {
        return unavailable(e);
      }
      if (joined === null) return stale();
      // A room still loading (asynchronous storage): the connection's frames
      // wait here, in order, and go to the room once it has joined.
      let room = joined instanceof Promise ? null : joined;
      let held: Uint8Array[] = [];
      let heldBytes = 0;
      let closed = false;
      // The checks above were answered before this connection was in a room,
      // where a removal, a role change or a log-out closes it: one made in
      // between missed it. Asked again now that it is in one, nothing falls
      // between (made before this read: seen here; after: it closes the room's connections).
      const confirm = () => {
        userFromCookieHeader(h, req.headers.cookie, opts.now()).then(
          (again) => {
            const same = again && again.id === user.id && again.role === user.role && again.organisationId === user.organisationId && !pendingDuty(again);
            if (!same) conn.close(CLOSE.removed, "access changed");
          },
          (e: unknown) => {
            opts.log.error("could not check a joined connection's session", { error: (e as Error).message });
            conn.close(CLOSE.serverError, "try again");
          },
        );
      };
      if (room) confirm();
      if (joined instanceof Promise) {
        joined.then(
          (r) => {
            if (r === null) return stale();
            if (closed) return opts.rooms.disconnect(r, conn);
            room = r;
            confirm();
            const frames = held;
            held = [];
            for (const f of frames) if (!draining) r.receive(conn, f);
          },
          (e) => {
            if (!closed) unavailable(e);
          },
        );
      }
      ws.on("message", (data, isBinary) => {
        if (draining) return;
        if (!isBinary) return conn.close(4400, "binary frames only");
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        const frame = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
        if (room) return room.receive(conn, frame);
        heldBytes += frame.byteLength;
        if (heldBytes > MAX_FRAME_BYTES) return conn.close(1009, "too much before the board loaded");
        held.push(frame);
      });
      ws.on("close", () => {
        closed = true;
        sockets.delete(ws);
        if (room) opts.rooms.disconnect(room, conn);
      });
      // A frame ws cannot take (over MAX_FRAME_BYTES, or no valid WebSocket) makes ws send its close
      // (1009, 1002), read and drop what still comes, and then report the error. Cut at once, the
      // connection ended with a reset while the peer was still sending, and the reset could overtake
      // the close frame (behind a proxy: every time), so the peer saw 1006 and never the reason. Our
      // side ends now (FIN, after the close frame); cut after ERROR_LINGER_MS if the peer does not close.
      ws.on("error", () => {
        socket.end();
        setTimeout(() => ws.terminate(), ERROR_LINGER_MS).unref();
      });
    });
  }

  return {
    handleUpgrade,
    /** The drain's first step: refuse new connections and read no more frames (the rooms then commit and close with 1012). */
    stopReading() {
      draining = true;
    },
    /** Open connections: the drain reports what is left. */
    openCount: () => sockets.size,
    /**
     * Wait up to `graceMs` for the connections to finish their close
     * handshake (their 1012 sent by the rooms), then end what is left.
     */
    async close(graceMs = 0) {
      clearInterval(heartbeat);
      const deadline = Date.now() + graceMs;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const ws of sockets) ws.terminate();
      wss.close();
    },
  };
}
