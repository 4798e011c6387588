import { useEffect, useState } from "react";

/**
 * The current time, refreshed every 30 seconds.
 * Starts from `initial` (the server's clock) so the first client render
 * matches the server-rendered HTML.
 */
export function useNow(initial: number): number {
  const [now, setNow] = useState(initial);
  useEffect(() => {
    const tick = () => setNow(Date.now());
    tick();
    const timer = window.setInterval(tick, 30_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}
