/**
 * Which peer is a reverse proxy we believe (TRUST_PROXY), and what a request
 * then says about itself: its scheme (X-Forwarded-Proto), the host the
 * browser asked for (X-Forwarded-Host) and the client's address
 * (X-Forwarded-For). From any other peer these headers are ignored; the
 * server also deletes them before the request reaches Remix (see
 * dropUntrustedForwarding), so no code further on can be fooled by them.
 */
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";
import type { TLSSocket } from "node:tls";

/** What TRUST_PROXY parses to (app/services/env.server.ts): off, any peer, or a list of addresses, ranges and "loopback". */
export type TrustProxySetting = boolean | readonly string[];

export interface ProxyTrust {
  /** Whether the peer at this socket address is a proxy we believe. */
  trusts(address: string | undefined): boolean;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same peer. */
function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

export function proxyTrust(setting: TrustProxySetting): ProxyTrust {
  if (setting === false) return { trusts: () => false };
  if (setting === true) return { trusts: (a) => !!a };
  const list = new BlockList();
  for (const entry of setting) {
    if (entry === "loopback") {
      list.addSubnet("127.0.0.0", 8, "ipv4");
      list.addAddress("::1", "ipv6");
      continue;
    }
    const [addr, prefix] = entry.split("/");
    const type = isIP(addr) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(plainAddress(addr), type);
    else list.addSubnet(addr, Number(prefix), type);
  }
  return {
    trusts(address) {
      if (!address) return false;
      const a = plainAddress(address);
      const family = isIP(a);
      return family !== 0 && list.check(a, family === 6 ? "ipv6" : "ipv4");
    },
  };
}

/** The first value of a header that may carry a comma separated list (the one the first proxy saw). */
function firstValue(header: string | string[] | undefined): string | null {
  const raw = Array.isArray(header) ? header[0] : header;
  const v = raw?.split(",")[0]?.trim();
  return v ? v : null;
}

function fromTrustedProxy(req: IncomingMessage, trust: ProxyTrust): boolean {
  return trust.trusts(req.socket?.remoteAddress);
}

/** The scheme the browser used: TLS on our own socket, else what a trusted proxy says. */
export function requestScheme(req: IncomingMessage, trust: ProxyTrust): "https" | "http" {
  if ((req.socket as TLSSocket | undefined)?.encrypted) return "https";
  if (fromTrustedProxy(req, trust)) {
    const proto = firstValue(req.headers["x-forwarded-proto"])?.toLowerCase();
    if (proto === "https") return "https";
  }
  return "http";
}

/** A host[:port] as a browser puts it in Origin: letters, digits, dots, dashes, or an [IPv6] literal, and a port. */
const HOST_RE = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

export function isPlainHost(host: string | null | undefined): host is string {
  return !!host && host.length <= 255 && HOST_RE.test(host);
}

/** The host the browser asked a trusted proxy for (X-Forwarded-Host), or null. */
export function forwardedHost(req: IncomingMessage, trust: ProxyTrust): string | null {
  if (!fromTrustedProxy(req, trust)) return null;
  const host = firstValue(req.headers["x-forwarded-host"])?.toLowerCase();
  return isPlainHost(host) ? host : null;
}

/** The client's address: the socket's peer, or behind a trusted proxy the address that proxy saw (last X-Forwarded-For entry). */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  const peer = plainAddress(req.socket?.remoteAddress ?? "");
  if (!fromTrustedProxy(req, trust)) return peer;
  const raw = req.headers["x-forwarded-for"];
  const list = (Array.isArray(raw) ? raw.join(",") : raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  // Walk from the right: the first address that is not one of our proxies is the client.
  for (let i = list.length - 1; i >= 0; i--) {
    const a = plainAddress(list[i]);
    if (!isIP(a)) return peer;
    if (!trust.trusts(a)) return a;
  }
  return list.length ? plainAddress(list[0]) : peer;
}

const FORWARDING_HEADERS = ["x-forwarded-proto", "x-forwarded-host", "x-forwarded-for", "x-forwarded-port", "forwarded"];

/** Forwarding headers from a peer that is not a trusted proxy are the client's own words: remove them. */
export function dropUntrustedForwarding(req: IncomingMessage, trust: ProxyTrust): void {
  if (fromTrustedProxy(req, trust)) return;
  for (const h of FORWARDING_HEADERS) delete req.headers[h];
}
