import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { methodNotAllowed } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { notificationsFor } from "~/services/notifications.server";

/**
 * GET /api/notifications: the person's notifications, latest first (at most
 * 50): { unread, items: [{ id, kind, boardId, requestId, createdAt, readAt,
 * href, vars }] }. `vars` fills the kind's sentence (organisation names, the
 * request's title as the board has it now, counts); never a reference, a
 * description or a comment's text.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  return json(await notificationsFor(svc, user), { headers: { "Cache-Control": "private, no-store" } });
}

export function action(_: ActionFunctionArgs) {
  return methodNotAllowed("GET");
}
