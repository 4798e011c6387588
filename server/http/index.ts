/**
 * The HTTP doors of the server, wired by server/app.ts:
 *
 * - `onRequest` runs first for every request on the port (prepended to the
 *   HTTP server's "request" listeners, so socket.io's responses get it too):
 *   it drops forwarding headers from untrusted peers, makes the request's
 *   CSP nonce and sets the security headers (headers.ts).
 * - `onUpgrade` runs first for every WebSocket upgrade (prepended to the
 *   "upgrade" listeners): the same forwarding rule, and the same headers on
 *   whatever response head is written raw on that socket — the 101 of ws
 *   (Yjs and socket.io), engine.io's refusals (allowRequest, transport,
 *   handshake), ours (ws-transport, unknown paths).
 * - `onClientError` answers what Node cannot parse (400, 408, 431) with them.
 * - `middleware` (express, before the static files and Remix): the CSP
 *   report endpoint, then size, origin and media type (guard.ts).
 * - `nonceFor` hands the nonce to Remix through the load context.
 * - `isHttps` decides the session cookie's Secure flag and HSTS.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { NextFunction, Request, Response } from "express";
import type { Env } from "../../app/services/env.server";
import { originPolicy, type OriginPolicy } from "../origin";
import type { Logger } from "../sync/types";
import { createCspReportHandler } from "./csp-report";
import { judgeRequest, sendRefusal, DECLARED_UPLOADS, PUBLIC_API_PATH, type UploadDeclaration } from "./guard";
import { CSP_REPORT_PATH, newNonce, rawResponse, securityHeaders, withRawHeaders } from "./headers";
import { clientAddress, dropUntrustedForwarding, requestScheme } from "./proxy";

export { getCspReportCount, getCspReportsRefused } from "./csp-report";

export interface HttpSecurityOptions {
  env: Pick<Env, "ALLOWED_ORIGINS" | "TRUST_PROXY" | "COOKIE_SECURE">;
  log: Logger;
  /** Endpoints that take a file (guard.ts); DECLARED_UPLOADS unless given. */
  uploads?: readonly UploadDeclaration[];
  now?: () => number;
}

export function createHttpSecurity(opts: HttpSecurityOptions) {
  const policy: OriginPolicy = originPolicy(opts.env);
  const uploads = opts.uploads ?? DECLARED_UPLOADS;
  const cspReports = createCspReportHandler({ log: opts.log, trust: policy.trust, now: opts.now });
  const nonces = new WeakMap<IncomingMessage, string>();

  const isHttps = (req: IncomingMessage) => opts.env.COOKIE_SECURE || requestScheme(req, policy.trust) === "https";
  const headersFor = (req: IncomingMessage, nonce?: string) =>
    securityHeaders({ nonce, host: req.headers.host ?? null, https: isHttps(req) });

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    dropUntrustedForwarding(req, policy.trust);
    const nonce = newNonce();
    nonces.set(req, nonce);
    for (const [k, v] of Object.entries(headersFor(req, nonce))) res.setHeader(k, v);
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex): void {
    dropUntrustedForwarding(req, policy.trust);
    stampRawHead(socket, headersFor(req));
  }

  /**
   * Node's own answer to a request it could not read (malformed, headers over
   * MAX_HEADER_BYTES, too slow), which it would write without any header of
   * ours. No request, so no host in the CSP and HTTPS only by COOKIE_SECURE.
   */
  function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const status =
      err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    // As Node does: a connection that already got a response, or is gone, is only closed.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (err.code !== "ECONNRESET" && socket.writable && !inFlight?.headersSent) {
      socket.end(rawResponse(status, securityHeaders({ https: opts.env.COOKIE_SECURE })));
    }
    socket.destroy();
  }

  function middleware(req: Request, res: Response, next: NextFunction): void {
    if (req.path === CSP_REPORT_PATH) return cspReports.handle(req, res);
    const verdict = judgeRequest(req, policy, uploads);
    if (!verdict.ok) return sendRefusal(req, res, verdict);
    // Remix runs a check of its own on page actions: it compares Origin's host
    // with X-Forwarded-Host or Host and throws (a 500) when they differ. The
    // origin was judged above, by the one rule; an allowed origin on another
    // host (ALLOWED_ORIGINS) must not end in a 500, so Remix does not see it.
    // The front door's JSON endpoint is a resource route (Remix does not check
    // it) that judges the Origin itself against the alliance's sites: it keeps it.
    const origin = req.headers.origin;
    if (origin && req.method !== "GET" && req.method !== "HEAD" && !PUBLIC_API_PATH.test(req.path)) {
      const host = (req.headers["x-forwarded-host"] as string | undefined)?.split(",")[0]?.trim() || req.headers.host;
      let originHost: string | null = null;
      try {
        originHost = new URL(origin).host;
      } catch {
        /* judged allowed, so never here */
      }
      if (originHost !== host) delete req.headers.origin;
    }
    next();
  }

  return {
    policy,
    onRequest,
    middleware,
    onUpgrade,
    onClientError,
    nonceFor: (req: IncomingMessage): string | undefined => nonces.get(req),
    /** The client's address: the peer, or behind a trusted proxy the address it saw (X-Forwarded-For). */
    clientAddress: (req: IncomingMessage): string => clientAddress(req, policy.trust),
    isHttps,
    cspReports,
    /** For express's "trust proxy": the same trust as everywhere else. */
    trustsPeer: (address: string | undefined) => policy.trust.trusts(address),
  };
}

/**
 * The first thing written on an upgrade's socket is its response head, written
 * raw by whoever answers (ws with write or end, engine.io, us); engine.io's
 * refusals and ws's own have no hook for headers, so the socket's write and
 * end are wrapped for that one chunk: the head gets the headers it lacks
 * (withRawHeaders), then both are the socket's own again.
 */
function stampRawHead(socket: Duplex, headers: Record<string, string>): void {
  type Method = (this: Duplex, ...a: unknown[]) => unknown;
  const own = socket as unknown as Record<"write" | "end", Method>;
  const original = { write: own.write, end: own.end };
  const stamp = (chunk: unknown) => {
    if (typeof chunk === "string") return withRawHeaders(chunk, headers);
    if (Buffer.isBuffer(chunk)) return Buffer.from(withRawHeaders(chunk.toString("latin1"), headers), "latin1");
    return chunk;
  };
  for (const name of ["write", "end"] as const) {
    own[name] = function (this: Duplex, chunk?: unknown, ...rest: unknown[]): unknown {
      // end() without a chunk writes nothing: the next chunk may still be the head.
      if (name === "write" || (chunk !== undefined && typeof chunk !== "function")) {
        own.write = original.write;
        own.end = original.end;
        return original[name].call(this, stamp(chunk), ...rest);
      }
      return original[name].call(this, chunk, ...rest);
    };
  }
}

export type HttpSecurity = ReturnType<typeof createHttpSecurity>;
