import { useEffect, useState } from "react";

/**
 * The current time, rounded down to the minute, refreshed every 30 seconds.
 * Starts from `initial` (the server's clock) so the first client render
 * matches the server-rendered HTML.
 */
export function useNow(initial: number): number {
  const [now, setNow] = useState(() => floorMinute(initial));
  useEffect(() => {
    const tick = () => setNow(floorMinute(Date.now()));
    tick();
    const timer = window.setInterval(tick, 30_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

function floorMinute(ms: number): number {
  return ms - (ms % 60_000);
}
