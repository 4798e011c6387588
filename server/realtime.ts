/**
 * socket.io: server-decided events (claims, referrals; activity and presence
 * next) on the same port. Every connection passes the same Origin and
 * session check (no connection-state recovery that could skip it), and every
 * event re-reads the session, so a logout or a removed account takes effect
 * on open sockets at once.
 */
import type { Server as HttpServer } from "node:http";
import { Server as IOServer, type ServerOptions, type Socket } from "socket.io";
import { getBoard } from "../db/accounts";
import type { AsyncDb } from "../db/client";
import { canOpenBoard, pendingDuty, sessionKeyFromCookieHeader, userFromCookieHeader, type SessionUser } from "../app/services/auth.server";
import { appLimits, limitsForDb, retryAfterSeconds, type AppLimits } from "../app/services/limits.server";
import type { AppServices, Broadcaster } from "../app/services/context.server";
import * as ownership from "../app/services/ownership.server";
import { addComment } from "../app/services/comments.server";
import { acceptFocus, runningMeeting } from "../app/services/meetings.server";
import { checkFocusInput, MEETING_EVENTS, type FollowState } from "../app/board/meeting";
import { isAllowedOrigin, type OriginPolicy } from "./origin";
import type { Logger } from "./sync/types";

export interface RealtimeOptions {
  /** The database (sessions, boards). */
  async: AsyncDb;
  /** Who may connect (server/origin.ts): the origin policy, or just the ALLOWED_ORIGINS list. */
  allowedOrigins: OriginPolicy | readonly string[];
  log: Logger;
  now: () => number;
  /** This server's limits (server/app.ts); found by the database handle when omitted. */
  limits?: AppLimits;
  /**
   * How rooms reach the other servers: socket.io's Redis adapter with
   * REDIS_URL (server/app.ts); omitted, the in-memory adapter of one server.
   */
  adapter?: ServerOptions["adapter"];
}

export interface SocketData {
  user: SessionUser;
  /** The stored id of the session this socket was opened with. */
  session: string;
  boards: Set<string>;
}

/** What engine.io answers: every request and upgrade whose URL starts with this (its own test, path + "/"). */
export const SOCKET_IO_PREFIX = "/socket.io/";

export const boardChannel = (boardId: string) => `board:${boardId}`;
export const orgChannel = (orgId: string) => `org:${orgId}`;
export const userChannel = (userId: string) => `user:${userId}`;
/** Every socket opened with one session (its stored id, a hash of the cookie's token). */
export const sessionChannel = (sessionId: string) => `session:${sessionId}`;

type Ack = (reply: unknown) => void;

/** What the servers tell each other through the adapter (Redis only). */
interface ServerSideEvents {
  /** A facilitator's focus on another server: kept here too, so `meeting:current` answers the same on every server. */
  "meeting:follow-state": (state: FollowState) => void;
}

/** Events that change nothing (or have their own rate) and so do not spend the session's write budget. */
const UNBUDGETED_EVENTS = new Set<string>(["board:join", MEETING_EVENTS.current, MEETING_EVENTS.focus]);
/**
 * The facilitator's focus (scrolling, throttled by the browser to ~10/s): per
 * person (all their sockets together, else twenty sockets of one session
 * would relay twenty times as much), this rate with this burst.
 */
const FOCUS_PER_S = 20;
const FOCUS_BURST = 40;
type AnySocket = Socket<Record<string, (...args: never[]) => void>, Record<string, (...args: never[]) => void>, Record<string, never>, SocketData>;

export function createRealtime(http: HttpServer, opts: RealtimeOptions) {
  const io = new IOServer<Record<string, never>, Record<string, never>, ServerSideEvents, SocketData>(http, {
    path: "/socket.io",
    serveClient: false,
    // Leave /yjs upgrades to the Yjs endpoint instead of destroying them.
    destroyUpgrade: false,
    maxHttpBufferSize: 64 * 1024,
    ...(opts.adapter ? { adapter: opts.adapter } : {}),
    // WebSocket only, as the browser connects: engine.io's HTTP long-polling
    // requests that carry a session id skip allowRequest (the Origin check).
    transports: ["websocket"],
    // Engine.IO protocol 4 only (socket.io-client 4): engine.io would accept an
    // EIO=3 upgrade first and refuse it inside the open WebSocket.
    allowRequest: (req, callback) =>
      callback(null, isAllowedOrigin(req, opts.allowedOrigins) && new URL(req.url ?? "/", "http://localhost").searchParams.get("EIO") === "4"),
  });

  const h = opts.async;

  io.use(async (socket, next) => {
    let user: SessionUser | null;
    try {
      user = await userFromCookieHeader(h, socket.request.headers.cookie, opts.now());
    } catch (e) {
      opts.log.error("session lookup failed", { error: (e as Error).message });
      return next(new Error("server_error"));
    }
    if (!user) return next(new Error("unauthenticated"));
    // A one-time password opens nothing but the password page (as on the API).
    // A pending duty (a one-time password, two-factor login the alliance demands) opens nothing else (as on the API).
    const duty = pendingDuty(user);
    if (duty) return next(new Error(duty));
    // At most CONNECTIONS_PER_SESSION open socket.io connections per session.
    const sessionKey = sessionKeyFromCookieHeader(socket.request.headers.cookie)!;
    const connections = (opts.limits ?? limitsForDb(opts.async, opts.now)).ioConnections;
    if (!connections.acquire(sessionKey)) return next(new Error("too_many_connections"));
    // Released once, when the socket disconnects or its connection closes: one that closed during the
    // session lookup above never connects, so it never disconnects either (socket.io drops it at next()).
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      connections.release(sessionKey);
    };
    if (socket.conn.readyState !== "open") {
      release();
      return next(new Error("closed"));
    }
    socket.on("disconnect", release);
    socket.conn.once("close", release);
    socket.data.user = user;
    socket.data.session = sessionKey;
    socket.data.boards = new Set();
    next();
  });

  const broadcaster: Broadcaster = {
    toBoard: (boardId, event, payload) => io.to(boardChannel(boardId)).emit(event as never, payload as never),
    toOrganisation: (orgId, event, payload) => io.to(orgChannel(orgId)).emit(event as never, payload as never),
    toUser: (userId, event, payload) => io.to(userChannel(userId)).emit(event as never, payload as never),
  };

  /**
   * Where each board's running meeting is (the facilitator's last focus), and
   * the last seq per meeting: in memory, as it is worth nothing after a
   * restart (the facilitator's next focus sends it again, with a seq that
   * starts from the clock so it is newer than any before the restart).
   */
  const followState = new Map<string, FollowState>();
  const followSeq = new Map<string, number>();
  /** Each person's focus bucket (a full one is dropped, so the map holds only people who sent focus in the last few seconds). */
  const focusBuckets = new Map<string, { tokens: number; refillAt: number }>();
  /** Keep a follow state (this server's or another's) unless a newer one of the same meeting is known. */
  const keepFollow = (state: FollowState) => {
    const known = followState.get(state.boardId);
    if (known && known.meetingId === state.meetingId && known.seq >= state.seq) return;
    followState.set(state.boardId, state);
    followSeq.set(state.meetingId, Math.max(followSeq.get(state.meetingId) ?? 0, state.seq));
  };
  if (opts.adapter) io.on("meeting:follow-state", keepFollow);

  /** The person a socket's session belongs to now, or null when it ended, is someone else's or has a duty pending. */
  async function currentUser(socket: { request: { headers: { cookie?: string } }; data: Partial<SocketData> }): Promise<SessionUser | null> {
    const user = await userFromCookieHeader(h, socket.request.headers.cookie, opts.now());
    if (!user || user.id !== socket.data.user?.id || pendingDuty(user)) return null;
    socket.data.user = user;
    return user;
  }

  /** Register the event handlers; they call the same services as the pages and the API. */
  function attach(svc: AppServices) {
    const limits = appLimits(svc);
    io.on("connection", (raw) => {
      const socket = raw as unknown as AnySocket;
      void socket.join(orgChannel(socket.data.user.organisationId));
      void socket.join(userChannel(socket.data.user.id));
      // Per person and per session: disconnectUser / disconnectSessions reach this socket from any server.
      void socket.join(sessionChannel(socket.data.session));
      // The middleware's session check was answered before this socket was
      // in these rooms, where a removal or a log-out reaches it: one made in
      // between missed it. Asked again now (as the Yjs endpoint does).
      void currentUser(socket).then(
        (user) => {
          if (!user) socket.disconnect(true);
        },
        () => socket.disconnect(true),
      );

      /** This socket's focus messages being accepted (the facilitator's, in the order sent). */
      let focusQueue: Promise<unknown> = Promise.resolve();
      /** The current user for this event, or null when the session ended meanwhile (the caller then closes the socket). */
      const current = (): Promise<SessionUser | null> => currentUser(socket);
      /**
       * The session checks of this socket's events, one after another: each
       * event's handler starts when its check answers, in the order the
       * events arrived (a pool's queries may answer out of order).
       */
      let checks: Promise<unknown> = Promise.resolve();

      /**
       * `holds`: the event's own completion is in the chain too, so a later
       * event of this socket starts only once this one was answered (joining
       * a board awaits the database; a claim sent right after the join must
       * find the board joined).
       */
      const on = (event: string, handler: (user: SessionUser, payload: Record<string, unknown>) => unknown, holds = false) => {
        socket.on(event, ((payload: unknown, ack?: Ack) => {
          const reply: Ack = typeof ack === "function" ? ack : () => {};
          const failed = (e: unknown) => {
            opts.log.error("socket handler failed", { event, error: (e as Error).message });
            reply({ ok: false, error: "server_error" });
          };
          const handle = (user: SessionUser | null): Promise<unknown> | void => {
            if (!user) {
              // Answer first: an acknowledgement sent after the disconnect never arrives.
              reply({ ok: false, error: "unauthenticated" });
              socket.disconnect(true);
              return;
            }
            if (!payload || typeof payload !== "object") return reply({ ok: false, error: "bad_request" });
            // Every event but joining a board and reading the running meeting changes state: it counts
            // against the session's write budget; the facilitator's focus has its own rate (below).
            const run = (): Promise<unknown> | void => {
              try {
                const answer = handler(user, payload as Record<string, unknown>);
                // Handlers on the asynchronous database layer answer with a promise.
                if (answer instanceof Promise) return answer.then(reply, failed);
                reply(answer);
              } catch (e) {
                failed(e);
              }
            };
            if (UNBUDGETED_EVENTS.has(event)) return run();
            return limits.writes.takeShared(sessionKeyFromCookieHeader(socket.request.headers.cookie) ?? user.id).then(
              (budget) => (budget.ok ? run() : reply({ ok: false, error: "rate_limited", retryAfter: retryAfterSeconds(budget.retryAfterMs) })),
              failed,
            );
          };
          const checked = checks.then(current);
          const handled = checked.then(handle, failed);
          checks = (holds ? handled : checked).catch(() => null);
        }) as never);
      };

      // Held: the socket's next events wait until the board is joined (or refused).
      on(
        "board:join",
        async (user, p) => {
          if (typeof p.boardId !== "string") return { ok: false, error: "bad_request" };
          const board = await getBoard(svc.async, p.boardId);
          if (!canOpenBoard(user, board)) return { ok: false, error: "forbidden" };
          socket.data.boards.add(board.id);
          void socket.join(boardChannel(board.id));
          // The board's name and read-only state as of joining: a page that
          // loaded before a rename or an archive it did not hear about (its
          // socket was not yet joined, or was away) loads them again.
          return { ok: true, board: { name: board.name, archived: board.archivedAt !== null } };
        },
        true,
      );

      const target = (p: Record<string, unknown>) =>
        typeof p.boardId === "string" && typeof p.requestId === "string" && socket.data.boards.has(p.boardId)
          ? { boardId: p.boardId, requestId: p.requestId }
          : null;
      const withTarget =
        (fn: (user: SessionUser, t: { boardId: string; requestId: string }, p: Record<string, unknown>) => unknown) =>
        (user: SessionUser, p: Record<string, unknown>) => {
          const t = target(p);
          return t ? fn(user, t, p) : { ok: false, error: "bad_request", message: "Join the board first." };
        };

      on("request:claim", withTarget((u, t) => ownership.claim(svc, u, t)));
      on("request:unclaim", withTarget((u, t) => ownership.unclaim(svc, u, t)));
      on("request:reassign", withTarget((u, t, p) => ownership.reassign(svc, u, t, p.to)));
      on("request:refer", withTarget((u, t, p) => ownership.refer(svc, u, t, { to: p.to, note: p.note })));
      on("referral:accept", withTarget((u, t) => ownership.answerReferral(svc, u, t, "accepted")));
      on("referral:decline", withTarget((u, t, p) => ownership.answerReferral(svc, u, t, "declined", p.reason)));
      on("referral:revoke", withTarget((u, t) => ownership.answerReferral(svc, u, t, "revoked")));
      on("comment:add", withTarget((u, t, p) => addComment(svc, u, t, p.body, p.acknowledgePersonalData)));

      // The meeting: the facilitator's focus relayed to the board, and the running meeting for a page that opens.
      on(MEETING_EVENTS.focus, async (user, p) => {
        const t = opts.now();
        for (const [id, b] of focusBuckets) if (b.tokens + ((t - b.refillAt) / 1000) * FOCUS_PER_S >= FOCUS_BURST) focusBuckets.delete(id);
        const focusBucket = focusBuckets.get(user.id) ?? { tokens: FOCUS_BURST, refillAt: t };
        focusBucket.tokens = Math.min(FOCUS_BURST, focusBucket.tokens + ((t - focusBucket.refillAt) / 1000) * FOCUS_PER_S);
        focusBucket.refillAt = t;
        if (focusBucket.tokens < 1) return { ok: false, error: "rate_limited", retryAfter: 1 };
        focusBucket.tokens -= 1;
        focusBuckets.set(user.id, focusBucket);
        const checked = checkFocusInput(p);
        if (!checked.value) return { ok: false, error: checked.error ?? "bad_request" };
        const f = checked.value;
        if (!socket.data.boards.has(f.boardId)) return { ok: false, error: "bad_request", message: "Join the board first." };
        // One after another, in the order sent: followers keep only the
        // newest seq, so a message whose acceptance took longer (a new item
        // is a transaction) must not get its seq after the one sent next.
        const accepted = focusQueue.then(async () => {
          const res = await acceptFocus(svc, user, f);
          if (!res.ok) return { ok: false, error: res.error };
          // Never smaller than the clock: after a restart the seq still grows for followers who kept theirs.
          const seq = Math.max((followSeq.get(f.meetingId) ?? 0) + 1, opts.now());
          const state: FollowState = { boardId: f.boardId, meetingId: f.meetingId, itemId: f.itemId, view: f.view, scroll: f.scroll, seq, at: opts.now() };
          keepFollow(state);
          if (opts.adapter) io.serverSideEmit("meeting:follow-state", state);
          socket.to(boardChannel(f.boardId)).emit(MEETING_EVENTS.follow as never, state as never);
          return { ok: true, seq };
        });
        focusQueue = accepted.catch(() => undefined);
        return accepted;
      });
      on(MEETING_EVENTS.current, async (user, p) => {
        if (typeof p.boardId !== "string" || !socket.data.boards.has(p.boardId)) return { ok: false, error: "bad_request", message: "Join the board first." };
        const meeting = await runningMeeting(svc, user, p.boardId);
        const follow = meeting ? followState.get(p.boardId) : undefined;
        return { ok: true, meeting, follow: follow && follow.meetingId === meeting?.id ? follow : null };
      });
    });
  }

  return {
    io,
    broadcaster,
    attach,
    /** Close a person's socket.io connections, on every server (through the adapter). */
    disconnectUser(userId: string) {
      io.in(userChannel(userId)).disconnectSockets(true);
    },
    /** Close the socket.io connections opened with these sessions (stored session ids), and no others, on every server. */
    disconnectSessions(sessionIds: readonly string[]) {
      if (!sessionIds.length) return;
      io.in(sessionIds.map(sessionChannel)).disconnectSockets(true);
    },
    /**
     * Close this server's sockets whose session ended, or whose person
     * changed role, organisation or has a duty pending, meanwhile: after
     * Redis was away, when another server's disconnect may have been lost.
     */
    async recheck() {
      for (const s of [...io.sockets.sockets.values()]) {
        const before = s.data.user;
        const now = await currentUser(s);
        if (!now || now.role !== before.role || now.organisationId !== before.organisationId) s.disconnect(true);
      }
    },
    /** Open socket.io connections: the drain reports what is left. */
    openCount: () => io.engine.clientsCount,
    /**
     * The drain: every client is told to reconnect by closing its transport
     * (after the packets queued for it, acknowledgements included). A
     * socket.io client reconnects by itself after a "transport close", never
     * after a server-side `socket.disconnect()` ("io server disconnect").
     * Waits up to `graceMs` for them to go, then stops socket.io (its
     * adapter too). The HTTP server is closed by its owner (server/app.ts):
     * socket.io's own close of it would wait for every connection.
     */
    async close(graceMs = 0) {
      for (const s of io.sockets.sockets.values()) s.conn.close();
      const deadline = Date.now() + graceMs;
      while (io.engine.clientsCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await io.close();
    },
  };
}
