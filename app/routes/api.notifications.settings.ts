import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { emailSettings, updateEmailSettings } from "~/services/notifications.server";

/**
 * GET /api/notifications/settings: { mailEnabled, email: { referral,
 * comment, duplicate, claim_expiring, digest } } (true: also by e-mail; for
 * digest: the daily digest at all). In-app notifications are always on.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  return json({ mailEnabled: svc.mail.enabled, email: await emailSettings(svc, user.id) }, { headers: { "Cache-Control": "private, no-store" } });
}

/** PUT /api/notifications/settings { email: { <kind>: boolean, ... } }: 200 as GET; 422 for an unknown kind or a non-boolean. */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "PUT") return methodNotAllowed("GET, PUT");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await updateEmailSettings(svc, user, body.email);
  if (!res.ok) return apiError(422, "invalid", res.message);
  return json({ mailEnabled: svc.mail.enabled, email: res.email });
}
