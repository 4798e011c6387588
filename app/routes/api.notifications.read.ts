import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { markRead } from "~/services/notifications.server";

export function loader() {
  return methodNotAllowed("POST");
}

/**
 * POST /api/notifications/read { ids?: string[] }: mark these of the person's
 * notifications read (ids of others are ignored), or all without `ids`.
 * 200 { marked, unread }; 422 when ids is not a list of ids.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await markRead(svc, user, body.ids);
  if (!res.ok) return apiError(422, "invalid", res.message);
  return json({ marked: res.marked, unread: res.unread });
}
