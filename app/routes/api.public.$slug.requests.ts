/**
 * POST /api/public/<slug>/requests (issue 15): the front door for an
 * embedding website. `{ kind: "request" | "offer", category, text, language,
 * area?, organisation?, contact?: { name?, phone?, email?, consent } }` →
 * 201 `{ code }`; 422 with field errors (or `personal_data` unless
 * `acknowledgePersonalData`); 404 for an unknown slug or a door that is off;
 * 403/422/429 from the guard. No session, no cookies.
 *
 * CORS: only the alliance's configured sites (`front_door_sites`) get
 * CORS headers, on the preflight (OPTIONS) and the answer; any other Origin
 * gets none and a 403. server/http/guard.ts lets this one path through its
 * own Origin check (PUBLIC_API_PATH); every other write keeps it.
 */
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, readBody } from "~/services/api.server";
import { services } from "~/services/context.server";
import { corsHeaders, publicDoor, submitPublic, type PublicDoor } from "~/services/front-door.server";
import { clientAddress } from "~/services/limits.server";

function withHeaders(res: Response, headers: Record<string, string> | null): Response {
  if (headers) for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
}

/** Whether the request may go on: no Origin (not a browser page), the app's own, or one of the door's sites. */
function originAllowed(request: Request, door: PublicDoor | null): boolean {
  const origin = request.headers.get("Origin");
  if (origin === null) return true;
  if (origin === new URL(request.url).origin) return true;
  return !!door && door.sites.includes(origin);
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const door = await publicDoor(svc, params.slug ?? "");
  if (request.method === "OPTIONS") {
    const cors = corsHeaders(door, request.headers.get("Origin"));
    // A preflight from anywhere else gets no CORS headers: the browser stops there.
    return new Response(null, { status: cors ? 204 : 403, headers: cors ?? {} });
  }
  return withHeaders(json({ error: "method_not_allowed", message: "Use POST." }, { status: 405, headers: { Allow: "POST, OPTIONS" } }), corsHeaders(door, request.headers.get("Origin")));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const door = await publicDoor(svc, params.slug ?? "");
  const cors = corsHeaders(door, request.headers.get("Origin"));
  if (request.method !== "POST") return withHeaders(json({ error: "method_not_allowed", message: "Use POST." }, { status: 405, headers: { Allow: "POST, OPTIONS" } }), cors);
  if (!originAllowed(request, door)) {
    if (!door) return apiError(404, "not_found", "No open front door here.");
    return apiError(403, "forbidden_origin", "This site may not send to this front door.");
  }
  if (!door) return withHeaders(apiError(404, "not_found", "No open front door here."), cors);
  let body: Record<string, unknown>;
  try {
    body = await readBody(request);
  } catch (e) {
    if (e instanceof Response) return withHeaders(e, cors);
    throw e;
  }
  const res = await submitPublic(svc, door, body, {
    address: clientAddress(request, context),
    honeypot: body.website,
    token: body.formToken,
    powSolution: body.pow,
    acknowledged: body.acknowledgePersonalData === true,
    channel: "api",
  });
  if (res.ok) return withHeaders(json({ code: res.code }, { status: 201, headers: { "Cache-Control": "no-store" } }), cors);
  if ("errors" in res) return withHeaders(apiError(422, "invalid", "Some fields are not valid.", { errors: res.errors }), cors);
  if ("personalData" in res) {
    return withHeaders(
      apiError(422, "personal_data", "The text looks like it holds personal data; put contact details in `contact`, or send again with acknowledgePersonalData: true.", {
        found: res.personalData,
      }),
      cors,
    );
  }
  if ("guard" in res) {
    const r = apiError(res.status, res.guard, "Refused by the front door's guard.", {
      ...(res.retryAfterSeconds ? { retryAfter: res.retryAfterSeconds } : {}),
      ...(res.pow ? { pow: res.pow } : {}),
    });
    if (res.retryAfterSeconds) r.headers.set("Retry-After", String(res.retryAfterSeconds));
    return withHeaders(r, cors);
  }
  return withHeaders(apiError(503, res.error, "Contact details cannot be stored on this server now."), cors);
}
