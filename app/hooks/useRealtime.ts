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
 *
 * Never call connectRealtime() elsewhere on the board page: one connection per page.
 */
import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from "react";
import { connectRealtime, type BoardRealtime } from "~/lib/sync-client";

export type { BoardRealtime, BoardEvents, OwnerChange, Ack, ActivityEntry, CommentEntry } from "~/lib/sync-client";

interface RealtimeContextValue {
  realtime: BoardRealtime | null;
  connected: boolean;
}

const RealtimeContext = createContext<RealtimeContextValue>({ realtime: null, connected: false });

export function RealtimeProvider({ boardId, children }: { boardId: string; children?: ReactNode }) {
  const [value, setValue] = useState<RealtimeContextValue>({ realtime: null, connected: false });

  useEffect(() => {
    let alive = true;
    const rt = connectRealtime(boardId, (connected) => {
      if (alive) setValue((v) => (v.realtime === rt && v.connected === connected ? v : { realtime: rt, connected }));
    });
    setValue({ realtime: rt, connected: false });
    return () => {
      alive = false;
      rt.destroy();
      setValue({ realtime: null, connected: false });
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
