import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { listSessions, logoutOtherSessions } from "~/services/account.server";
import { methodNotAllowed } from "~/services/api.server";
import { loginClient, requireUser, sessionKeyFromCookieHeader } from "~/services/auth.server";
import { services } from "~/services/context.server";

/**
 * GET /api/me/sessions: [{ id, browser, os, mobile, createdAt, lastSeenAt,
 * current }], this session first (`id` is a handle for DELETE
 * /api/me/sessions/<id>, not the session's key).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const current = sessionKeyFromCookieHeader(request.headers.get("Cookie"));
  return json(await listSessions(svc, user, current), { headers: { "Cache-Control": "private, no-store" } });
}

/** DELETE /api/me/sessions: every other session ends and its live connections close; this one stays. 200 { ended }. */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "DELETE") return methodNotAllowed("GET, DELETE");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const current = sessionKeyFromCookieHeader(request.headers.get("Cookie"));
  return json(await logoutOtherSessions(svc, user, current, loginClient(request, context)));
}
