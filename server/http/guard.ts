/**
 * What every HTTP request passes before any route sees it (server/app.ts
 * mounts this in front of the static files and Remix):
 *
 * 1. Body size, decided from the headers before a byte of the body is read:
 *    a body must declare its Content-Length (no chunked uploads: browsers
 *    never send them over HTTP/1.1), at most 1 MB, or 10 MB where an upload
 *    type is declared for that path. Larger: 413.
 * 2. CSRF: a state-changing request (any method but GET/HEAD/OPTIONS) must
 *    come from an allowed origin (server/origin.ts). Else 403.
 * 3. /api/ writes take JSON only, or a type declared for that path (a CSV
 *    upload, say): never the form, multipart or text/plain bodies a foreign
 *    page can send without asking. Else 415.
 *
 * Refusals are JSON `{ error, message }` under /api/ and a short Dutch page
 * elsewhere. A refused body is never buffered: Node discards it as it
 * arrives (up to DISCARD_BYTES; a larger one closes the connection, and
 * requestTimeout ends a sender that never finishes).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isSameOriginRequest, type OriginPolicy } from "../origin";
import { CSP_REPORT_PATH } from "./headers";

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** A refused body up to this size is read and thrown away (so the sender gets the answer); a larger one ends the connection. */
export const DISCARD_BYTES = 64 * 1024 * 1024;

/** An endpoint that takes a file: its path, method and the media types it accepts (up to maxBytes). */
export interface UploadDeclaration {
  method: string;
  path: RegExp;
  /** Media types without parameters, lower case: "text/csv". */
  types: readonly string[];
  maxBytes?: number;
}

/**
 * The upload endpoints of the app; each reads its body with readUpload or
 * readUploadBytes (app/services/api.server.ts).
 */
export const DECLARED_UPLOADS: readonly UploadDeclaration[] = [
  // A list to import (app/services/import.server.ts): CSV or XLSX, up to 5 MB.
  {
    method: "POST",
    path: /^\/api\/boards\/[^/]+\/import$/,
    types: ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    maxBytes: 5 * 1024 * 1024,
  },
];

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * One-click unsubscribe (RFC 8058): mail programs POST to a mail's
 * unsubscribe link from their own servers, without an Origin. The random
 * token in the path is the whole authority (no session is used), and all it
 * can do is turn one kind of mail off for one person.
 */
const UNSUBSCRIBE_PATH = /^\/afmelden\/[A-Za-z0-9_-]{20,100}$/;

/**
 * The public front door's JSON endpoint (issue 15): embedding websites post
 * to it from their own pages, so it is exempt from the Origin check here. It
 * uses no session or cookie (nothing a foreign page could ride on), takes
 * JSON only (rule 3 still applies), and the route itself answers CORS only
 * for the alliance's configured sites and 403 to any other Origin.
 */
export const PUBLIC_API_PATH = /^\/api\/public\/[a-z0-9-]{1,80}\/requests$/;

export function mediaType(header: string | undefined | null): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

export function isJsonType(type: string): boolean {
  return type === "application/json";
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const q = raw.indexOf("?");
  return q < 0 ? raw : raw.slice(0, q);
}

/** Whether a path is the JSON API's, as the router would match it (case-insensitive, percent-decoded). */
export function isApiPath(path: string): boolean {
  let p = path;
  try {
    p = decodeURIComponent(path);
  } catch {
    /* a malformed path matches no route */
  }
  p = p.toLowerCase();
  return p === "/api" || p.startsWith("/api/");
}

function declaredUpload(uploads: readonly UploadDeclaration[], method: string, path: string, type: string) {
  return uploads.find((u) => u.method === method && u.path.test(path) && u.types.includes(type)) ?? null;
}

export type Verdict =
  | { ok: true }
  | { ok: false; status: 403 | 411 | 413 | 415; error: string; message: string; dutch: string };

/**
 * The verdict on a request from its method, path and headers alone. Pure, so
 * the same rules can be tested without a server.
 */
export function judgeRequest(req: IncomingMessage, policy: OriginPolicy, uploads: readonly UploadDeclaration[] = DECLARED_UPLOADS): Verdict {
  const method = (req.method ?? "GET").toUpperCase();
  const path = pathOf(req.url);
  const api = isApiPath(path);
  const type = mediaType(req.headers["content-type"]);
  const upload = declaredUpload(uploads, method, path, type);

  // 1. Size, from the headers. A body without a length is refused before it is read.
  if (req.headers["transfer-encoding"] !== undefined) {
    return {
      ok: false,
      status: 411,
      error: "length_required",
      message: "Send the body with a Content-Length.",
      dutch: "Dit verzoek had geen lengte; verstuur het opnieuw vanuit het formulier.",
    };
  }
  const length = Number(req.headers["content-length"] ?? 0);
  const limit = upload ? (upload.maxBytes ?? MAX_UPLOAD_BYTES) : MAX_BODY_BYTES;
  if (length > limit) {
    return {
      ok: false,
      status: 413,
      error: "payload_too_large",
      message: `The body is larger than ${Math.round(limit / 1024 / 1024)} MB.`,
      dutch: `Wat u verstuurde is groter dan ${Math.round(limit / 1024 / 1024)} MB en is niet verwerkt.`,
    };
  }
  if (SAFE_METHODS.has(method)) return { ok: true };

  // 2. CSRF. Browsers send CSP reports from any context: that one path has no session effect and is exempt.
  if (path !== CSP_REPORT_PATH && !UNSUBSCRIBE_PATH.test(path) && !PUBLIC_API_PATH.test(path) && !isSameOriginRequest(req, policy)) {
    return {
      ok: false,
      status: 403,
      error: "forbidden_origin",
      message: "This request did not come from the app's own pages (Origin not allowed).",
      dutch: "Dit verzoek kwam niet van de pagina's van Alliantiebord zelf en is daarom geweigerd. Er is niets gewijzigd.",
    };
  }

  // 3. /api/ writes: JSON, or a declared upload type; a write without a body needs no type.
  if (api && (length > 0 || type) && !isJsonType(type) && !upload) {
    return {
      ok: false,
      status: 415,
      error: "unsupported_media_type",
      message: "Send the body as JSON (Content-Type: application/json).",
      dutch: "Dit soort inhoud wordt hier niet aangenomen.",
    };
  }
  return { ok: true };
}

const TITLES: Record<number, string> = {
  403: "Verzoek geweigerd",
  411: "Lengte ontbreekt",
  413: "Te groot",
  415: "Niet ondersteund",
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A short, self-contained Dutch page (no scripts, no inline styles: it passes the CSP as is). */
export function refusalPage(status: number, title: string, text: string): string {
  return `<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Alliantiebord</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
<p><a href="/boards">Terug naar de borden</a></p>
<p lang="en"><small>${status}: this request was refused.</small></p>
</main>
</body>
</html>
`;
}

/** Answer a refusal without reading the body: JSON under /api/, a Dutch page elsewhere. */
export function sendRefusal(req: IncomingMessage, res: ServerResponse, v: Exclude<Verdict, { ok: true }>): void {
  const api = isApiPath(pathOf(req.url));
  const body = api ? JSON.stringify({ error: v.error, message: v.message }) : refusalPage(v.status, TITLES[v.status] ?? "Geweigerd", v.dutch);
  res.statusCode = v.status;
  res.setHeader("Content-Type", api ? "application/json; charset=utf-8" : "text/html; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.setHeader("Cache-Control", "no-store");
  // The body is never read. Up to DISCARD_BYTES Node discards it as it arrives,
  // so the browser that is still sending gets this answer; beyond that the
  // connection is closed once the answer is out (the sender sees a reset).
  const length = Number(req.headers["content-length"] ?? 0);
  if (!(length <= DISCARD_BYTES) || req.headers["transfer-encoding"] !== undefined) res.setHeader("Connection", "close");
  res.end(req.method === "HEAD" ? undefined : body);
}
