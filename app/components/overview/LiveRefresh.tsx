/**
 * Keeps a server-rendered page current: revalidates its loaders when the
 * board's socket says duplicates, owners or cards changed (a burst of events
 * makes one reload), and every 30 s while the tab is visible in any case.
 *
 * The pause between reloads grows with what a reload costs: at least 2 s,
 * and at least five times the last reload's duration (a board of thousands of
 * requests takes seconds of server time to summarise; one open overview must
 * not keep the server busy). Must sit inside <RealtimeProvider>. Renders nothing.
 */
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { useRealtime } from "~/hooks/useRealtime";

const PERIOD_MS = 30_000;
const MIN_GAP_MS = 2_000;

export function LiveRefresh({ boardId }: { boardId: string }) {
  const realtime = useRealtime();
  const revalidator = useRevalidator();
  const revalidateRef = useRef(revalidator.revalidate);
  revalidateRef.current = revalidator.revalidate;
  const state = useRef({ idle: true, startedAt: 0, lastDuration: 0, lastAt: 0 });
  state.current.idle = revalidator.state === "idle";

  // How long the last reload took.
  useEffect(() => {
    const s = state.current;
    if (revalidator.state === "idle" && s.startedAt) {
      s.lastDuration = Date.now() - s.startedAt;
      s.startedAt = 0;
    }
  }, [revalidator.state]);

  useEffect(() => {
    const s = state.current;
    let timer: number | undefined;
    const gap = () => Math.max(MIN_GAP_MS, 5 * s.lastDuration);
    /** Reload now, or — while a reload is still running (its answer may predate the news) — once it is done. */
    const revalidate = () => {
      if (!s.idle) {
        window.clearTimeout(timer);
        timer = window.setTimeout(revalidate, gap());
        return;
      }
      s.startedAt = s.lastAt = Date.now();
      revalidateRef.current();
    };
    const soon = (p?: { boardId?: string }) => {
      if (p?.boardId && p.boardId !== boardId) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(revalidate, Math.max(400, s.lastAt + gap() - Date.now()));
    };

    const tick = () => {
      const due = Date.now() - s.lastAt >= Math.max(PERIOD_MS, 10 * s.lastDuration) - 1000;
      if (document.visibilityState === "visible" && s.idle && due) revalidate();
    };
    const interval = window.setInterval(tick, PERIOD_MS);

    const offs = realtime
      ? [
          realtime.on("duplicates:changed", soon),
          realtime.on("request:owner", () => soon()),
          realtime.on("claim:expired", soon),
          realtime.on("activity:new", () => soon()),
        ]
      : [];
    return () => {
      window.clearInterval(interval);
      window.clearTimeout(timer);
      offs.forEach((off) => off());
    };
  }, [realtime, boardId]);

  return null;
}
