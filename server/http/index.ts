/**
 * The HTTP doors of the server, wired by server/app.ts:
 *
 * - `onRequest` runs first for every request on the port (prepended to the
 *   HTTP server's "request" listeners, so socket.io's responses get it too):
 *   it drops forwarding headers from untrusted peers, makes the request's
 *   CSP nonce and sets the security headers (headers.ts).
 * - `engineHeaders` adds them to engine.io's WebSocket handshake (101).
 * - `middleware` (express, before the static files and Remix): the CSP
 *   report endpoint, then size, origin and media type (guard.ts).
 * - `nonceFor` hands the nonce to Remix through the load context.
 * - `isHttps` decides the session cookie's Secure flag and HSTS.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Env } from "../../app/services/env.server";
import { originPolicy, type OriginPolicy } from "../origin";
import type { Logger } from "../sync/types";
import { createCspReportHandler } from "./csp-report";
import { judgeRequest, sendRefusal, DECLARED_UPLOADS, type UploadDeclaration } from "./guard";
import { CSP_REPORT_PATH, newNonce, securityHeaders } from "./headers";
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

  function middleware(req: Request, res: Response, next: NextFunction): void {
    if (req.path === CSP_REPORT_PATH) return cspReports.handle(req, res);
    const verdict = judgeRequest(req, policy, uploads);
    if (!verdict.ok) return sendRefusal(req, res, verdict);
    // Remix runs a check of its own on page actions: it compares Origin's host
    // with X-Forwarded-Host or Host and throws (a 500) when they differ. The
    // origin was judged above, by the one rule; an allowed origin on another
    // host (ALLOWED_ORIGINS) must not end in a 500, so Remix does not see it.
    const origin = req.headers.origin;
    if (origin && req.method !== "GET" && req.method !== "HEAD") {
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
    /** engine.io "headers" event: the same headers on socket.io's handshake and polling responses. */
    engineHeaders(headers: Record<string, string>, req: IncomingMessage): void {
      Object.assign(headers, headersFor(req, nonces.get(req)));
    },
    nonceFor: (req: IncomingMessage): string | undefined => nonces.get(req),
    /** The client's address: the peer, or behind a trusted proxy the address it saw (X-Forwarded-For). */
    clientAddress: (req: IncomingMessage): string => clientAddress(req, policy.trust),
    isHttps,
    cspReports,
    /** For express's "trust proxy": the same trust as everywhere else. */
    trustsPeer: (address: string | undefined) => policy.trust.trusts(address),
  };
}

export type HttpSecurity = ReturnType<typeof createHttpSecurity>;
