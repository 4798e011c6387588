/**
 * Keeps `--topbar-bottom` on <html> at the top bar's lower edge in the
 * viewport (0 once it has scrolled away), while `active`: fixed panels and
 * toasts start there, so they never cover the navigation.
 */
import { useEffect } from "react";

export function useTopbarBottom(active: boolean) {
  useEffect(() => {
    if (!active) return;
    let frame = 0;
    const place = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const bar = document.querySelector(".topbar");
        const bottom = bar ? Math.max(0, Math.round(bar.getBoundingClientRect().bottom)) : 0;
        document.documentElement.style.setProperty("--topbar-bottom", `${bottom}px`);
      });
    };
    place();
    window.addEventListener("scroll", place, { passive: true });
    window.addEventListener("resize", place);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener("scroll", place);
      window.removeEventListener("resize", place);
    };
  }, [active]);
}
