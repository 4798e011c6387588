/**
 * Small helpers for the JSON API: one error shape, one body reader.
 *
 * Writes to /api/ take JSON only (server/http/guard.ts refuses anything else
 * with 415 before a route runs; these readers refuse it again, so a route
 * never parses a form a foreign page could have sent). An endpoint that takes
 * a file declares its type in DECLARED_UPLOADS and reads it with readUpload.
 */
import { json } from "@remix-run/node";

export function apiError(status: number, error: string, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) {
  return json({ error, message, ...extra }, { status, headers });
}

function mediaType(request: Request): string {
  return (request.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
}

function unsupported(): Response {
  return apiError(415, "unsupported_media_type", "Send the body as JSON (Content-Type: application/json).");
}

/** Reads a JSON body that may also be an array (for PUT of a whole list); no body reads as {}. */
export async function readJsonValue(request: Request): Promise<unknown> {
  const type = mediaType(request);
  // Refused before reading: a form or text body is never parsed here.
  if (type && type !== "application/json") throw unsupported();
  const text = await request.text();
  if (!text.trim()) return {};
  if (!type) throw unsupported();
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(400, "bad_json", "The body is not valid JSON.");
  }
}

/** Reads a JSON object; no body reads as {}. Anything but JSON is a 415, JSON that is not an object a 400. */
export async function readBody(request: Request): Promise<Record<string, unknown>> {
  const value = await readJsonValue(request);
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw apiError(400, "bad_request", "The body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/** Reads an upload of one of `types` (as declared for the endpoint in DECLARED_UPLOADS) as text. */
export async function readUpload(request: Request, types: readonly string[]): Promise<{ type: string; text: string }> {
  const type = mediaType(request);
  if (!types.includes(type)) throw apiError(415, "unsupported_media_type", `Send ${types.join(" or ")}.`);
  return { type, text: await request.text() };
}

/** Reads an upload of one of `types` as bytes (a spreadsheet, or text whose encoding is still to be found out). */
export async function readUploadBytes(request: Request, types: readonly string[]): Promise<{ type: string; bytes: Uint8Array }> {
  const type = mediaType(request);
  if (!types.includes(type)) throw apiError(415, "unsupported_media_type", `Send ${types.join(" or ")}.`);
  return { type, bytes: new Uint8Array(await request.arrayBuffer()) };
}

export function methodNotAllowed(allowed: string) {
  return json({ error: "method_not_allowed", message: `Use ${allowed}.` }, { status: 405, headers: { Allow: allowed } });
}

/**
 * Whether a GET that hands over a file of personal data comes from another
 * site: the browser says so (`Sec-Fetch-Site` cross-site or same-site), or
 * it names an Origin that is neither this server's nor one of
 * ALLOWED_ORIGINS. A link on our own pages (same-origin), a typed address
 * (none) and a script without these headers pass. The guard in server/http
 * checks only writes; a download of the processing register asks this too.
 */
export function fromAnotherSite(request: Request, allowedOrigins: readonly string[]): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") return true;
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  return origin !== new URL(request.url).origin && !allowedOrigins.includes(origin);
}
