import { useEffect, useState } from "react";

/** The width (in rem, as in the style sheets) under which the board shows one column at a time. */
export const PHONE_QUERY = "(max-width: 40rem)";

/**
 * Whether a CSS media query matches, kept up to date. False while the server
 * renders and during hydration (the style sheets decide what a phone sees
 * first; this only adds what needs scripts, such as tab semantics).
 */
export function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(false);
  useEffect(() => {
    const list = window.matchMedia(query);
    const update = () => setMatches(list.matches);
    update();
    list.addEventListener("change", update);
    return () => list.removeEventListener("change", update);
  }, [query]);
  return matches;
}
