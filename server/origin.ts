/**
 * Which Origins may open a socket: the app's own (the Host the request was
 * sent to, over http or https) and those listed in ALLOWED_ORIGINS. Browsers
 * always send Origin on WebSocket and socket.io requests; a request without
 * one is refused too.
 */
import type { IncomingMessage } from "node:http";

export function isAllowedOrigin(req: IncomingMessage, extra: readonly string[]): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (!origin || !host) return false;
  if (extra.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  return url.host === host.toLowerCase();
}
