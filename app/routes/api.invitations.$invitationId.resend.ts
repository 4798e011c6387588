import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { resendInvitation } from "~/services/invitations.server";

/**
 * POST /api/invitations/<id>/resend (coordinator): a new link (the old one
 * stops working), valid 7 days from now, e-mailed when mail is configured.
 * 200 { id, link, mailed }; 404 for an invitation that is not open or not of
 * this alliance.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const res = await resendInvitation(svc, user, params.invitationId);
  if (res.ok) return json({ id: res.id, link: res.link, mailed: res.mailed, ...(res.mailLimited ? { mailLimited: true } : {}) });
  return res.status === 403
    ? apiError(403, "forbidden", "Only a coordinator may send invitations.")
    : apiError(404, "not_found", "No such open invitation.");
}
