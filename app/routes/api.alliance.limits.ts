import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { limitsOverview, isCoordinator } from "~/services/admin.server";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { setRequestQuota } from "~/services/requests.server";

/**
 * GET /api/alliance/limits (coordinator): { requestQuota: { perHour, custom,
 * fallback }, createdPastHour: [{ orgId, name, created }], referenceChecks:
 * [{ userId, name, email, organisationName, checks, matches, rateLimited,
 * lastAt }] }.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  if (!isCoordinator(user)) return apiError(403, "forbidden", "Only a coordinator may see the alliance's limits.");
  return json(await limitsOverview(svc, user));
}

/**
 * PUT (or POST) /api/alliance/limits { requestQuotaPerHour: 1..100000 or
 * null for the server's default } (coordinator): 200 { requestQuota }.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "PUT" && request.method !== "POST") return methodNotAllowed("GET, PUT");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  if (!("requestQuotaPerHour" in body)) return apiError(400, "bad_request", "Give requestQuotaPerHour (a whole number 1..100000, or null).");
  const res = await setRequestQuota(svc, user, body.requestQuotaPerHour);
  if (!res.ok) {
    return res.status === 403
      ? apiError(403, "forbidden", "Only a coordinator may change the alliance's limits.")
      : apiError(400, "invalid", "requestQuotaPerHour must be a whole number from 1 to 100000, or null for the default.");
  }
  return json({ requestQuota: (await limitsOverview(svc, user)).requestQuota });
}
