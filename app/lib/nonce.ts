/**
 * The Content-Security-Policy nonce of the page being rendered. The server
 * makes one per request (server/http/), puts it in the CSP header and in
 * Remix's load context; app/entry.server.tsx provides it here, and root.tsx
 * hands it to Remix's inline scripts. In the browser it is empty: the scripts
 * already ran, and browsers hide the attribute anyway.
 */
import { createContext, useContext } from "react";

export const NonceContext = createContext<string | undefined>(undefined);

export function useNonce(): string | undefined {
  return useContext(NonceContext);
}
