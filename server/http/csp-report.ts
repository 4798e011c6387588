/**
 * POST /csp-report: where browsers report Content-Security-Policy violations,
 * both the old way (report-uri, `application/csp-report`, one report) and the
 * Reporting API way (report-to, `application/reports+json`, a list).
 *
 * Browsers send these from any context, so this one path has no CSRF check;
 * it changes nothing but a counter and the log. Bodies are capped at 64 KB
 * and each client address may send 60 reports a minute, all together 1000
 * (then 429, counted by getCspReportsRefused). Every violation is counted
 * (getCspReportCount, and the `count` in the log line);
 * each distinct violation (directive, blocked resource, page, source line) is
 * logged once, in one compact line.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../sync/types";
import { mediaType } from "./guard";
import { clientAddress, type ProxyTrust } from "./proxy";

export const MAX_REPORT_BYTES = 64 * 1024;
export const REPORTS_PER_MINUTE = 60;
/** Reports a minute from all addresses together, and how many addresses are remembered. */
export const REPORTS_PER_MINUTE_TOTAL = 1000;
const MAX_ADDRESSES = 10_000;
const REPORT_TYPES = new Set(["application/csp-report", "application/reports+json", "application/json"]);
const MAX_LOGGED_KINDS = 1000;

let processTotal = 0;
let processRefused = 0;

/** CSP violations reported to any server of this process since it started. */
export function getCspReportCount(): number {
  return processTotal;
}

/** Report requests refused by the rate limit (their violations are not in getCspReportCount). */
export function getCspReportsRefused(): number {
  return processRefused;
}

export interface CspViolation {
  directive: string;
  blocked: string;
  document: string;
  source: string;
  disposition: string;
}

function str(v: unknown, max = 200): string {
  return typeof v === "string" ? v.slice(0, max) : typeof v === "number" ? String(v) : "";
}

/** The path of a URL (no query: it may carry personal data), or the keyword a browser puts there ("inline", "eval"). */
function shortUrl(v: unknown): string {
  const s = str(v, 2000);
  if (!s) return "";
  try {
    const u = new URL(s);
    return u.origin + u.pathname;
  } catch {
    return s.slice(0, 100);
  }
}

/** The violations in a report body of either format; anything else is ignored. */
export function parseCspReports(type: string, body: unknown): CspViolation[] {
  const out: CspViolation[] = [];
  if (type === "application/reports+json" || Array.isArray(body)) {
    if (!Array.isArray(body)) return out;
    for (const r of body.slice(0, 100)) {
      if (!r || typeof r !== "object") continue;
      const { type: kind, body: b } = r as { type?: unknown; body?: Record<string, unknown> };
      if (kind !== "csp-violation" || !b || typeof b !== "object") continue;
      out.push({
        directive: str(b.effectiveDirective, 60),
        blocked: shortUrl(b.blockedURL),
        document: shortUrl(b.documentURL),
        source: b.sourceFile ? `${shortUrl(b.sourceFile)}:${str(b.lineNumber, 10)}` : "",
        disposition: str(b.disposition, 20) || "enforce",
      });
    }
    return out;
  }
  const r = body && typeof body === "object" ? (body as Record<string, unknown>)["csp-report"] : null;
  if (!r || typeof r !== "object") return out;
  const b = r as Record<string, unknown>;
  out.push({
    directive: str(b["effective-directive"] ?? b["violated-directive"], 60),
    blocked: shortUrl(b["blocked-uri"]),
    document: shortUrl(b["document-uri"]),
    source: b["source-file"] ? `${shortUrl(b["source-file"])}:${str(b["line-number"], 10)}` : "",
    disposition: str(b.disposition, 20) || "enforce",
  });
  return out;
}

function reply(res: ServerResponse, status: number, error?: string, message?: string) {
  if (!error) {
    res.statusCode = status;
    res.end();
    return;
  }
  const body = JSON.stringify({ error, message });
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}

export function createCspReportHandler(opts: { log: Logger; trust: ProxyTrust; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const perAddress = new Map<string, { count: number; resetAt: number }>();
  const logged = new Set<string>();
  let count = 0;
  let refused = 0;

  let total = { count: 0, resetAt: 0 };

  function allow(address: string): boolean {
    const t = now();
    // All addresses together: bounded work and log lines, whatever the number of senders.
    if (total.resetAt <= t) total = { count: 0, resetAt: t + 60_000 };
    if (++total.count > REPORTS_PER_MINUTE_TOTAL) return false;
    const a = perAddress.get(address);
    if (!a || a.resetAt <= t) {
      if (perAddress.size >= MAX_ADDRESSES) for (const [k, v] of perAddress) if (v.resetAt <= t) perAddress.delete(k);
      // Still full of live senders: a new one waits (memory stays bounded).
      if (perAddress.size >= MAX_ADDRESSES && !a) return false;
      perAddress.set(address, { count: 1, resetAt: t + 60_000 });
      return true;
    }
    a.count++;
    return a.count <= REPORTS_PER_MINUTE;
  }

  function record(v: CspViolation) {
    count++;
    processTotal++;
    const kind = `${v.directive}|${v.blocked}|${v.document}|${v.source}`;
    if (logged.has(kind) || logged.size >= MAX_LOGGED_KINDS) return;
    logged.add(kind);
    opts.log.warn("csp violation", { ...v, count });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      return reply(res, 405, "method_not_allowed", "Use POST.");
    }
    const type = mediaType(req.headers["content-type"]);
    if (!REPORT_TYPES.has(type)) return reply(res, 415, "unsupported_media_type", "Send application/csp-report or application/reports+json.");
    const length = Number(req.headers["content-length"] ?? NaN);
    if (!Number.isFinite(length)) return reply(res, 411, "length_required", "Send a Content-Length.");
    if (length > MAX_REPORT_BYTES) return reply(res, 413, "payload_too_large", "A report is at most 64 KB.");
    if (!allow(clientAddress(req, opts.trust))) {
      refused++;
      processRefused++;
      return reply(res, 429, "too_many_reports", "Too many reports from this address; try again in a minute.");
    }

    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REPORT_BYTES) chunks.push(c);
    });
    req.on("end", () => {
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return reply(res, 400, "bad_json", "The report is not valid JSON.");
      }
      for (const v of parseCspReports(type, body)) record(v);
      reply(res, 204);
    });
    req.on("error", () => res.destroy());
  }

  return {
    handle,
    /** Violations reported to this server. */
    count: () => count,
    /** Report requests this server refused by the rate limit. */
    refused: () => refused,
  };
}
