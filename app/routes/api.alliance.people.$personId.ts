import type { ActionFunctionArgs } from "@remix-run/node";
import { eraseAccount, isCoordinator } from "~/services/admin.server";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";

export function loader() {
  return methodNotAllowed("DELETE");
}

/**
 * DELETE /api/alliance/people/<personId> (coordinator): erase the person's
 * account for good (AVG/GDPR art. 17; `eraseAccount`): 204. Only once their
 * access is removed (409 `still_active`), never one's own (422 `self`);
 * 404 for an unknown person and another alliance's alike; 403 for anyone
 * but a coordinator.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "DELETE") return methodNotAllowed("DELETE");
  const svc = services(context);
  const user = await requireUser(svc, request);
  if (!isCoordinator(user)) return apiError(403, "forbidden", "Only a coordinator may erase accounts.");
  const res = await eraseAccount(svc, user, params.personId);
  if (res.ok) return new Response(null, { status: 204 });
  if (res.status === 404) return apiError(404, "not_found", "No such person.");
  if (res.status === 409) return apiError(409, "still_active", "Remove the person's access first; then the account can be erased.");
  return apiError(422, "self", "You cannot erase your own account here.");
}
