/**
 * Keeps a server-rendered page current: revalidates its loaders when the
 * board's socket says duplicates, owners or cards changed (a burst of events
 * makes one reload, at most one every 2 s), and every 30 s while the tab is
 * visible in any case.
 * Must sit inside <RealtimeProvider>. Renders nothing.
 */
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { useRealtime } from "~/hooks/useRealtime";

const PERIOD_MS = 30_000;
const MIN_GAP_MS = 2_000;

export function LiveRefresh({ boardId }: { boardId: string }) {
  const realtime = useRealtime();
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  const idle = useRef(true);
  idle.current = revalidator.state === "idle";

  useEffect(() => {
    const tick = () => {
      if (document.visibilityState === "visible" && idle.current) revalidate.current();
    };
    const timer = window.setInterval(tick, PERIOD_MS);
    return () => window.clearInterval(timer);
  }, []);

  useEffect(() => {
    if (!realtime) return;
    let timer: number | undefined;
    let last = 0;
    const soon = (p?: { boardId?: string }) => {
      if (p?.boardId && p.boardId !== boardId) return;
      window.clearTimeout(timer);
      const wait = Math.max(400, last + MIN_GAP_MS - Date.now());
      timer = window.setTimeout(() => {
        last = Date.now();
        revalidate.current();
      }, wait);
    };
    const offs = [
      realtime.on("duplicates:changed", soon),
      realtime.on("request:owner", () => soon()),
      realtime.on("claim:expired", soon),
      realtime.on("activity:new", () => soon()),
    ];
    return () => {
      window.clearTimeout(timer);
      offs.forEach((off) => off());
    };
  }, [realtime, boardId]);

  return null;
}
