/**
 * The one definition of an allowed origin, used by the HTTP guard (pages and
 * /api/), the Yjs endpoint and socket.io:
 *
 * - the app's own origin: the Host the request was sent to, over http or
 *   https (only https once the request is known to be https: TLS on our own
 *   socket, or X-Forwarded-Proto from a trusted proxy);
 * - behind a trusted proxy (TRUST_PROXY), also the host the browser asked
 *   that proxy for (X-Forwarded-Host);
 * - the origins listed in ALLOWED_ORIGINS.
 *
 * `Origin: null` (sandboxed frames, some cross-origin redirects) and anything
 * that is not an exact http(s) origin are refused. Browsers always send
 * Origin on WebSocket and socket.io requests, so a socket without one is
 * refused; for plain HTTP see isSameOriginRequest.
 */
import type { IncomingMessage } from "node:http";
import { forwardedHost, isPlainHost, proxyTrust, requestScheme, type ProxyTrust, type TrustProxySetting } from "./http/proxy";

export interface OriginPolicy {
  /** ALLOWED_ORIGINS, each as scheme://host[:port]. */
  allowed: readonly string[];
  trust: ProxyTrust;
}

export function originPolicy(env: { ALLOWED_ORIGINS: readonly string[]; TRUST_PROXY: TrustProxySetting }): OriginPolicy {
  return { allowed: env.ALLOWED_ORIGINS, trust: proxyTrust(env.TRUST_PROXY) };
}

function asPolicy(p: OriginPolicy | readonly string[]): OriginPolicy {
  return Array.isArray(p) ? { allowed: p as readonly string[], trust: proxyTrust(false) } : (p as OriginPolicy);
}

/** The exact serialisation of an http(s) origin, or null (malformed, "null", a path, user info...). */
function parseOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return url.origin === value.toLowerCase() ? url.origin : null;
}

function originOf(scheme: string, host: string): string | null {
  if (!isPlainHost(host)) return null;
  try {
    return new URL(`${scheme}://${host}`).origin;
  } catch {
    return null;
  }
}

/** The origins this request counts as the app's own. */
export function ownOrigins(req: IncomingMessage, policy: OriginPolicy | readonly string[]): string[] {
  const { trust } = asPolicy(policy);
  const schemes = requestScheme(req, trust) === "https" ? ["https"] : ["http", "https"];
  const hosts = [req.headers.host?.toLowerCase(), forwardedHost(req, trust)].filter((h): h is string => !!h);
  const out: string[] = [];
  for (const host of hosts) for (const s of schemes) {
    const o = originOf(s, host);
    if (o && !out.includes(o)) out.push(o);
  }
  return out;
}

/** Whether the request's Origin header names an allowed origin (false without one). */
export function isAllowedOrigin(req: IncomingMessage, policy: OriginPolicy | readonly string[]): boolean {
  const header = req.headers.origin;
  if (typeof header !== "string" || !header) return false;
  const origin = parseOrigin(header);
  if (!origin) return false;
  const p = asPolicy(policy);
  if (p.allowed.includes(origin)) return true;
  return ownOrigins(req, p).includes(origin);
}

/**
 * For a state-changing HTTP request: its Origin is allowed, or, when the
 * browser sent no Origin, Sec-Fetch-Site says it came from our own pages.
 * Neither header: refused (a browser always sends one of them on a POST).
 */
export function isSameOriginRequest(req: IncomingMessage, policy: OriginPolicy | readonly string[]): boolean {
  if (req.headers.origin !== undefined) return isAllowedOrigin(req, policy);
  return req.headers["sec-fetch-site"] === "same-origin";
}
