import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { invite, pendingInvitations } from "~/services/invitations.server";

/**
 * GET /api/invitations (coordinator): the alliance's open invitations
 * `[{ id, email, name, role, organisationId, organisationName, invitedBy,
 * createdAt, lastSentAt, expiresAt, expired }]`.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  if (user.role !== "coordinator") return apiError(403, "forbidden", "Only a coordinator may see the invitations.");
  return json(await pendingInvitations(svc, user));
}

/**
 * POST /api/invitations { email, name, organisationId, role, locale? }
 * (coordinator): 201 { id, link, mailed }. The link is the only copy of the
 * token (e-mailed too when mail is configured). 422 { errors } for fields
 * (an organisation of another alliance is `unknown`); 409 when the address
 * has an account or a pending invitation; 403 for anyone but a coordinator.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  if (user.role !== "coordinator") return apiError(403, "forbidden", "Only a coordinator may invite people.");
  const body = await readBody(request);
  const res = await invite(svc, user, body);
  if (res.ok) return json({ id: res.id, link: res.link, mailed: res.mailed, ...(res.mailLimited ? { mailLimited: true } : {}) }, { status: 201 });
  if (res.status === 409) {
    return apiError(
      409,
      res.errors.email === "pending" ? "invitation_pending" : "account_exists",
      res.errors.email === "pending" ? "This address has a pending invitation already." : "An account with this address exists already.",
      { errors: res.errors },
    );
  }
  if (res.status === 403) return apiError(403, "forbidden", "Only a coordinator may invite people.");
  return apiError(422, "invalid", "Some fields are not valid.", { errors: res.errors });
}
