/**
 * The board page's ONE socket.io connection (claims, referrals, inbox,
 * activity, comments), shared through React context.
 *
 *   <RealtimeProvider boardId={board.id}>…</RealtimeProvider>   (in BoardPage)
 *
 *   const rt = useRealtime();            // BoardRealtime | null (null during SSR / first render)
 *   useEffect(() => rt?.on("comment:new", (c) => …), [rt]);   // `on` returns the unsubscribe
 *
 *   const connected = useRealtimeConnected();   // true once joined to the board
 *   const joined = useJoinedBoard();            // the board's name and read-only state at the last join
 *   const down = useRealtimeDown(documentLive); // the document is live, and this connection is not
 *
 * Never call connectRealtime() elsewhere on the board page: one connection per page.
 */
import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from "react";
import { connectRealtime, FIRST_JOIN_WAIT_MS, type BoardRealtime, type JoinedBoard } from "~/lib/sync-client";

export type { BoardRealtime, BoardEvents, OwnerChange, Ack, ActivityEntry, CommentEntry, JoinedBoard } from "~/lib/sync-client";

interface RealtimeContextValue {
  realtime: BoardRealtime | null;
  connected: boolean;
  joined: JoinedBoard | null;
}

const NOT_CONNECTED: RealtimeContextValue = { realtime: null, connected: false, joined: null };
const RealtimeContext = createContext<RealtimeContextValue>(NOT_CONNECTED);

export function RealtimeProvider({ boardId, children }: { boardId: string; children?: ReactNode }) {
  const [value, setValue] = useState<RealtimeContextValue>(NOT_CONNECTED);

  useEffect(() => {
    let alive = true;
    const rt = connectRealtime(boardId, (connected, board) => {
      if (!alive) return;
      // Each join is a new answer (the board page compares every one with what it shows).
      if (board) setValue({ realtime: rt, connected, joined: board });
      else setValue((v) => (v.realtime === rt && v.connected === connected ? v : { realtime: rt, connected, joined: v.joined }));
    });
    setValue({ realtime: rt, connected: false, joined: null });
    return () => {
      alive = false;
      rt.destroy();
      setValue(NOT_CONNECTED);
    };
  }, [boardId]);

  return createElement(RealtimeContext.Provider, { value }, children);
}

/** The board's realtime connection, or null before it exists (server render, first paint). */
export function useRealtime(): BoardRealtime | null {
  return useContext(RealtimeContext).realtime;
}

/** True while the socket is connected and has joined the board. */
export function useRealtimeConnected(): boolean {
  return useContext(RealtimeContext).connected;
}

/**
 * True while the board's document is live (`documentLive`) and this
 * connection, which carries claims, referrals and comments, is not joined,
 * as long as its requests would answer "Geen verbinding": at once after a
 * join (connectRealtime's `ready`), before the first one once a request has
 * waited FIRST_JOIN_WAIT_MS for it. The page says so instead of "Verbonden".
 */
export function useRealtimeDown(documentLive: boolean): boolean {
  const { realtime, connected, joined } = useContext(RealtimeContext);
  const waiting = documentLive && realtime !== null && !connected;
  const everJoined = joined !== null;
  const [late, setLate] = useState(false);
  useEffect(() => {
    if (!waiting || everJoined) return;
    const timer = setTimeout(() => setLate(true), FIRST_JOIN_WAIT_MS);
    return () => {
      clearTimeout(timer);
      setLate(false);
    };
  }, [waiting, everJoined]);
  return waiting && (everJoined || late);
}

/** The board's name and read-only state as the server said at the last join, or null before one. */
export function useJoinedBoard(): JoinedBoard | null {
  return useContext(RealtimeContext).joined;
}
