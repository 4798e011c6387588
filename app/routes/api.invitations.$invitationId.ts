import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { withdrawInvitation } from "~/services/invitations.server";

/**
 * DELETE /api/invitations/<id> (coordinator): withdraw an open invitation;
 * its link stops working. 200 { ok: true }; 404 for an invitation that is
 * not open or not of this alliance.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "DELETE") return methodNotAllowed("DELETE");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const res = await withdrawInvitation(svc, user, params.invitationId);
  if (res.ok) return json({ ok: true });
  return res.status === 403
    ? apiError(403, "forbidden", "Only a coordinator may withdraw invitations.")
    : apiError(404, "not_found", "No such open invitation.");
}
