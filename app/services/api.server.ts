/** Small helpers for the JSON API: one error shape, one body reader. */
import { json } from "@remix-run/node";

export function apiError(status: number, error: string, message: string, extra: Record<string, unknown> = {}) {
  return json({ error, message, ...extra }, { status });
}

/** Reads a JSON body that may also be an array (for PUT of a whole list). */
export async function readJsonValue(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(400, "bad_json", "The body is not valid JSON.");
  }
}

/** Reads a JSON object or a form body; anything else is a 400 with a message. */
export async function readBody(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get("Content-Type") ?? "";
  if (type.includes("application/json")) {
    const text = await request.text();
    if (!text.trim()) return {};
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw apiError(400, "bad_json", "The body is not valid JSON.");
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      throw apiError(400, "bad_request", "The body must be a JSON object.");
    }
    return value as Record<string, unknown>;
  }
  if (type.includes("application/x-www-form-urlencoded") || type.includes("multipart/form-data")) {
    return Object.fromEntries(await request.formData());
  }
  return {};
}

export function methodNotAllowed(allowed: string) {
  return json({ error: "method_not_allowed", message: `Use ${allowed}.` }, { status: 405, headers: { Allow: allowed } });
}
