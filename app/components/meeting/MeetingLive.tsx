/**
 * Keeps a meeting page current: when the server says a meeting of this
 * board changed (`meeting:changed`: planned, started, ended, an item,
 * decision, action or the present list), the page loads its data again,
 * so a secretary on a second laptop sees decisions appear. A burst of
 * events makes one reload. Must sit inside <RealtimeProvider>.
 */
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { MEETING_EVENTS } from "~/board/meeting";
import { useRealtime, useRealtimeConnected } from "~/hooks/useRealtime";

const GAP_MS = 250;

export function MeetingLive({ boardId, meetingId }: { boardId: string; meetingId?: string }) {
  const realtime = useRealtime();
  const connected = useRealtimeConnected();
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;

  useEffect(() => {
    if (!realtime) return;
    let timer: number | undefined;
    const off = realtime.on(MEETING_EVENTS.changed, (p) => {
      if (p.boardId !== boardId || (meetingId && p.meetingId !== meetingId)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => revalidate.current(), GAP_MS);
    });
    return () => {
      window.clearTimeout(timer);
      off();
    };
  }, [realtime, boardId, meetingId]);

  // Joined again after a lost connection: events may have been missed (the first join needs nothing).
  const joins = useRef(0);
  useEffect(() => {
    if (!connected) return;
    joins.current += 1;
    if (joins.current > 1) revalidate.current();
  }, [connected]);

  return null;
}
