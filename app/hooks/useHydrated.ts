import { useEffect, useState } from "react";

let hydrated = false;

/**
 * False while the server renders and during the browser's first render
 * (hydration), true from then on. Lets a page send a light first paint (a
 * 10,000-card board: the first cards of each column) and fill in the rest
 * right after, without a hydration mismatch.
 */
export function useHydrated(): boolean {
  const [value, setValue] = useState(hydrated);
  useEffect(() => {
    hydrated = true;
    setValue(true);
  }, []);
  return value;
}
