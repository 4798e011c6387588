/**
 * The security headers of every response: pages, the JSON API, errors and
 * 404s, static files, socket.io's HTTP responses, and every response written
 * raw on a socket: WebSocket handshakes (101) and refusals of upgrades (ours,
 * engine.io's and ws's), and Node's own answers to requests it cannot parse
 * (400, 408, 431). server/http/index.ts puts them on each of those paths.
 *
 * The Content-Security-Policy allows scripts only from our own origin plus
 * Remix's inline scripts, which carry a per-request nonce (no
 * 'unsafe-inline' for scripts). Styles come from our own stylesheet; React
 * `style={{...}}` props render as style attributes, so those, and only those,
 * are allowed inline (style-src-attr). Violations are reported to
 * /csp-report: report-uri for every browser, and on https pages also
 * report-to (the Reporting API, which browsers that know it prefer).
 */
import { randomBytes } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { isPlainHost } from "./proxy";

export const CSP_REPORT_PATH = "/csp-report";
const REPORT_GROUP = "csp";

export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

export interface CspOptions {
  /** The nonce of this response's inline scripts; without one no inline script runs. */
  nonce?: string | null;
  /** The Host the page was served from: the sync sockets connect back to it over ws:/wss:. */
  host?: string | null;
  https?: boolean;
}

export function contentSecurityPolicy(o: CspOptions = {}): string {
  const scripts = ["'self'"];
  if (o.nonce) scripts.push(`'nonce-${o.nonce}'`);
  const connect = ["'self'"];
  // 'self' covers ws:/wss: of the same host in current browsers; named too for older ones.
  if (isPlainHost(o.host)) connect.push(`wss://${o.host}`, ...(o.https ? [] : [`ws://${o.host}`]));
  const directives = [
    "default-src 'self'",
    `script-src ${scripts.join(" ")}`,
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src ${connect.join(" ")}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'self'",
    "manifest-src 'self'",
    ...(o.https ? ["upgrade-insecure-requests"] : []),
    `report-uri ${CSP_REPORT_PATH}`,
    // Chromium sends reports through the Reporting API only for https pages,
    // and once report-to is there it ignores report-uri: over plain http
    // (development, tests) report-to would silence every report.
    ...(o.https ? [`report-to ${REPORT_GROUP}`] : []),
  ];
  return directives.join("; ");
}

export const PERMISSIONS_POLICY = [
  "camera=()",
  "microphone=()",
  "geolocation=()",
  "payment=()",
  "usb=()",
  "serial=()",
  "hid=()",
  "midi=()",
  "magnetometer=()",
  "gyroscope=()",
  "accelerometer=()",
  "display-capture=()",
].join(", ");

/**
 * The service worker script (public/sw.js): revalidated on every check, so a
 * new version (or the logout's unregistering) is never held back by a cache,
 * and allowed to control the whole site. It gets the same CSP as everything
 * else (worker-src 'self' lets the page register it; connect-src 'self'
 * covers its fetches).
 */
export const SERVICE_WORKER_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-cache",
  "Service-Worker-Allowed": "/",
};

export const HSTS = "max-age=31536000; includeSubDomains";

export interface HeaderOptions extends CspOptions {}

/** Every security header for one response. */
export function securityHeaders(o: HeaderOptions = {}): Record<string, string> {
  const h: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy(o),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
  };
  if (o.https) {
    h["Strict-Transport-Security"] = HSTS;
    h["Reporting-Endpoints"] = `${REPORT_GROUP}="${CSP_REPORT_PATH}"`;
  }
  return h;
}

/**
 * A whole response written straight to a socket, where no ServerResponse
 * exists: a refused WebSocket upgrade, a request Node could not parse. The
 * caller passes the security headers (securityHeaders) with any others.
 */
export function rawResponse(status: number, headers: Record<string, string> = {}, body = STATUS_CODES[status] ?? ""): string {
  const lines = Object.entries({
    Connection: "close",
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    ...headers,
  }).map(([k, v]) => `${k}: ${v}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n${lines.join("")}\r\n${body}`;
}

/**
 * The headers added to a response head that another library writes raw on an
 * upgrade's socket (ws's 101, engine.io's refusals of an upgrade, our own):
 * after the status line, each header the head does not carry yet. Anything
 * that is not a response head is returned as it is.
 */
export function withRawHeaders(head: string, headers: Record<string, string>): string {
  if (!head.startsWith("HTTP/1.")) return head;
  const end = head.indexOf("\r\n\r\n");
  const firstLine = head.indexOf("\r\n");
  if (end < 0 || firstLine < 0) return head;
  const present = new Set(
    head
      .slice(firstLine + 2, end)
      .split("\r\n")
      .map((l) => l.slice(0, l.indexOf(":")).trim().toLowerCase()),
  );
  const added = Object.entries(headers)
    .filter(([k]) => !present.has(k.toLowerCase()))
    .map(([k, v]) => `\r\n${k}: ${v}`)
    .join("");
  return head.slice(0, end) + added + head.slice(end);
}
