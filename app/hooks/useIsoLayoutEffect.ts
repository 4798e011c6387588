import { useEffect, useLayoutEffect } from "react";

/** useLayoutEffect in the browser (before paint: measure and place), useEffect on the server (where it would warn). */
export const useIsoLayoutEffect = typeof window === "undefined" ? useEffect : useLayoutEffect;
