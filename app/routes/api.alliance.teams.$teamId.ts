import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { changeTeam, removeTeam, teamsOverview } from "~/services/teams.server";

/** GET /api/alliance/teams/<teamId>: the team; 404 for an unknown team and another alliance's alike. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const team = (await teamsOverview(svc, user)).teams.find((t) => t.id === params.teamId);
  if (!team) return apiError(404, "not_found", "No such team.");
  return json(team, { headers: { "Cache-Control": "private, no-store" } });
}

/**
 * PATCH /api/alliance/teams/<teamId> `{ name?, area?, organisationIds? }`
 * (coordinator): 200 with the team (organisations replaced as a whole).
 * DELETE (coordinator): 204; the team's own organisation, if any, stays with
 * its people. 404 for an unknown team and another alliance's alike (before
 * the role is looked at); 403 for anyone but a coordinator; 422 `{ errors }`
 * as for POST /api/alliance/teams.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "PATCH" && request.method !== "DELETE") return methodNotAllowed("GET, PATCH, DELETE");
  const svc = services(context);
  const user = await requireUser(svc, request);
  if (request.method === "DELETE") {
    const res = await removeTeam(svc, user, params.teamId!);
    if (res.ok) return new Response(null, { status: 204 });
    return res.status === 404 ? apiError(404, "not_found", "No such team.") : apiError(403, "forbidden", "Only a coordinator may remove teams.");
  }
  const body = await readBody(request);
  const res = await changeTeam(svc, user, params.teamId!, { name: body.name, area: body.area, organisationIds: body.organisationIds });
  if (res.ok) return json(res.team);
  if (res.status === 404) return apiError(404, "not_found", "No such team.");
  if (res.status === 403) return apiError(403, "forbidden", "Only a coordinator may change teams.");
  return apiError(422, "invalid", "The team cannot be changed like this.", { errors: res.errors });
}
