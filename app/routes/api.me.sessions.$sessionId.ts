import { json, type ActionFunctionArgs } from "@remix-run/node";
import { logoutSession } from "~/services/account.server";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { clearedSessionCookie, requireUser, sessionKeyFromCookieHeader } from "~/services/auth.server";
import { services } from "~/services/context.server";

export function loader() {
  return methodNotAllowed("DELETE");
}

/**
 * DELETE /api/me/sessions/<id> (an id from GET /api/me/sessions): that
 * session ends and its live connections close. 200 { current } (true when it
 * was this session: the cookie is cleared too); 404 when it is not one of
 * the person's live sessions.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "DELETE") return methodNotAllowed("DELETE");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const current = sessionKeyFromCookieHeader(request.headers.get("Cookie"));
  const r = await logoutSession(svc, user, params.sessionId, current);
  if (!r.ok) return apiError(404, "not_found", "No such session.");
  return json({ current: r.current }, r.current ? { headers: { "Set-Cookie": clearedSessionCookie(svc, request) } } : undefined);
}
