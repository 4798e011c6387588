import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { chooseTeamMode, createTeam, teamsOverview } from "~/services/teams.server";

/**
 * GET /api/alliance/teams (everyone of the alliance): `{ mode, teams: [{ id,
 * name, area, organisationIds, organisationId }] }`; `mode` is
 * `across_organisations` or `one_organisation`, `organisationId` the team's
 * own organisation in the latter (else null).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  return json(await teamsOverview(svc, user), { headers: { "Cache-Control": "private, no-store" } });
}

/**
 * POST /api/alliance/teams `{ name, area?, organisationIds: [id…] }`
 * (coordinator): 201 `{ id, name, area, organisationIds, organisationId }`.
 * PATCH /api/alliance/teams `{ mode }` (coordinator): 200 `{ mode, teams }`.
 * 403 for anyone but a coordinator; 422 `{ errors: { name?: required|type|
 * tooShort|tooLong|exists, area?: type|tooLong, organisationIds?: required|
 * type|unknown, mode?: unknown } }` (another alliance's organisation is unknown).
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST" && request.method !== "PATCH") return methodNotAllowed("GET, POST, PATCH");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  if (request.method === "PATCH") {
    const res = await chooseTeamMode(svc, user, body.mode);
    if (res.ok) return json(await teamsOverview(svc, user));
    if (res.status === 403) return apiError(403, "forbidden", "Only a coordinator may change how teams work.");
    return apiError(422, "invalid", "mode must be across_organisations or one_organisation.", { errors: res.errors });
  }
  const res = await createTeam(svc, user, { name: body.name, area: body.area, organisationIds: body.organisationIds });
  if (res.ok) return json(res.team, { status: 201, headers: { Location: `/api/alliance/teams/${res.team.id}` } });
  if (res.status === 403) return apiError(403, "forbidden", "Only a coordinator may create teams.");
  return apiError(422, "invalid", "The team cannot be created like this.", { errors: res.errors });
}
