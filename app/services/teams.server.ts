/**
 * Local teams (Aan de Slag, issue 15): the alliance's teams and how they
 * work, for /beheer and /api/alliance/teams. Everyone of the alliance reads
 * them; only coordinators change them. Another alliance's team is unknown
 * (404), exactly like one that does not exist.
 *
 * Two ways of working, the alliance's choice (`alliances.team_mode`):
 * - `across_organisations`: a team groups existing organisations (COA, the
 *   volunteer centre, the municipality); any member of them acts for the
 *   team's jobs (`teamIdsFor`).
 * - `one_organisation`: the team is also an organisation of its own on the
 *   board (kind "team", made here when the team is made or the mode is
 *   chosen); people from the partners are added to it with their home
 *   organisation, which /beheer shows beside their name.
 */
import { randomUUID } from "node:crypto";
import { listOrganisations, listPeople } from "../../db/accounts";
import { TEAM_MODES, type TeamMode } from "../../db/schema";
import {
  deleteTeam,
  homeOrganisations,
  insertTeam,
  listTeams,
  setHomeOrganisation,
  setTeamMode,
  teamIdsForOrganisation,
  teamMode,
  teamNameTaken,
  teamOfAlliance,
  updateTeam,
  type TeamRow,
} from "../../db/teams";
import { isWorkingOrganisation } from "../board/front-door";
import { checkTeam, type TeamError, type TeamField, type TeamInput } from "../board/teams";
import { ORGANISATION_SHORT_MAX } from "../board/validate";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { createOrganisation } from "./setup.server";

export type TeamErrors = Partial<Record<TeamField | "mode" | "person" | "homeOrganisationId", TeamError | "exists">>;
export type TeamResult<T = object> =
  | ({ ok: true } & T)
  | { ok: false; status: 403 | 404; errors?: undefined }
  | { ok: false; status: 422; errors: TeamErrors };

const forbidden = { ok: false, status: 403 } as const;
const notFound = { ok: false, status: 404 } as const;
const invalid = (errors: TeamErrors) => ({ ok: false, status: 422, errors }) as const;

export interface TeamView {
  id: string;
  name: string;
  area: string | null;
  organisationIds: string[];
  /** The team's own organisation (team mode `one_organisation`), or null. */
  organisationId: string | null;
}

function view(t: TeamRow): TeamView {
  return { id: t.id, name: t.name, area: t.area, organisationIds: t.organisationIds, organisationId: t.organisationId };
}

/** The alliance's team mode and teams (every role of the alliance may read them). */
export async function teamsOverview(svc: AppServices, user: SessionUser): Promise<{ mode: TeamMode; teams: TeamView[] }> {
  return { mode: await teamMode(svc.async, user.allianceId), teams: (await listTeams(svc.async, user.allianceId)).map(view) };
}

/** The teams this person acts for (the jobs' `userTeamIds`). */
export async function teamIdsFor(svc: AppServices, user: Pick<SessionUser, "allianceId" | "organisationId">): Promise<string[]> {
  return teamIdsForOrganisation(svc.async, user.allianceId, user.organisationId);
}

/** The teams a new job may belong to: every team for a coordinator, the person's own teams for anyone else (the rule createJob checks). */
export async function teamsForJobs(svc: AppServices, user: SessionUser): Promise<Array<{ id: string; name: string }>> {
  const mine = user.role === "coordinator" ? null : new Set(await teamIdsFor(svc, user));
  return (await listTeams(svc.async, user.allianceId))
    .filter((team) => !mine || mine.has(team.id))
    .map((team) => ({ id: team.id, name: team.name }));
}

/** The organisations that may be a team's partners: the alliance's own, not a team's own organisation. */
async function partnerIds(svc: AppServices, user: SessionUser): Promise<Set<string>> {
  const own = new Set((await listTeams(svc.async, user.allianceId)).map((t) => t.organisationId));
  return new Set((await listOrganisations(svc.async, user.allianceId)).filter((o) => !own.has(o.id) && isWorkingOrganisation(o)).map((o) => o.id));
}

/** The team's own organisation, for team mode `one_organisation`: named after the team (a number added when taken). */
async function makeTeamOrganisation(svc: AppServices, allianceId: string, teamName: string): Promise<string> {
  const taken = new Set((await listOrganisations(svc.async, allianceId)).map((o) => o.name.toLowerCase()));
  let name = teamName;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${teamName} (${n})`;
  const shortName = name.length > ORGANISATION_SHORT_MAX ? name.slice(0, ORGANISATION_SHORT_MAX).trim() : name;
  return (await createOrganisation(svc.async, { allianceId, name, shortName, kind: "team", color: "#2e6b30" })).id;
}

export async function createTeam(svc: AppServices, user: SessionUser, input: TeamInput): Promise<TeamResult<{ team: TeamView }>> {
  if (user.role !== "coordinator") return forbidden;
  const { value, errors } = checkTeam(input, await partnerIds(svc, user));
  const all: TeamErrors = { ...errors };
  if (value.name && (await teamNameTaken(svc.async, user.allianceId, value.name))) all.name = "exists";
  if (Object.keys(all).length) return invalid(all);
  const id = randomUUID();
  const ok = await insertTeam(svc.async, {
    id,
    allianceId: user.allianceId,
    name: value.name!,
    area: value.area ?? null,
    organisationIds: value.organisationIds!,
    createdAt: svc.now(),
  });
  if (!ok) return invalid({ name: "exists" });
  if ((await teamMode(svc.async, user.allianceId)) === "one_organisation") {
    await updateTeam(svc.async, user.allianceId, id, { organisationId: await makeTeamOrganisation(svc, user.allianceId, value.name!) });
  }
  return { ok: true, team: view((await teamOfAlliance(svc.async, user.allianceId, id))!) };
}

export async function changeTeam(svc: AppServices, user: SessionUser, teamId: string, input: TeamInput): Promise<TeamResult<{ team: TeamView }>> {
  const team = await teamOfAlliance(svc.async, user.allianceId, teamId);
  if (!team) return notFound;
  if (user.role !== "coordinator") return forbidden;
  const { value, errors } = checkTeam(input, await partnerIds(svc, user), true);
  const all: TeamErrors = { ...errors };
  if (value.name && (await teamNameTaken(svc.async, user.allianceId, value.name, team.id))) all.name = "exists";
  if (Object.keys(all).length) return invalid(all);
  if (!(await updateTeam(svc.async, user.allianceId, team.id, value))) return invalid({ name: "exists" });
  return { ok: true, team: view((await teamOfAlliance(svc.async, user.allianceId, team.id))!) };
}

export async function removeTeam(svc: AppServices, user: SessionUser, teamId: string): Promise<TeamResult> {
  const team = await teamOfAlliance(svc.async, user.allianceId, teamId);
  if (!team) return notFound;
  if (user.role !== "coordinator") return forbidden;
  await deleteTeam(svc.async, user.allianceId, team.id);
  return { ok: true };
}

/**
 * The alliance's choice. Choosing `one_organisation` gives every team
 * without one its own organisation; going back leaves those organisations
 * (and their people) as they are.
 */
export async function chooseTeamMode(svc: AppServices, user: SessionUser, mode: unknown): Promise<TeamResult<{ mode: TeamMode }>> {
  if (user.role !== "coordinator") return forbidden;
  if (typeof mode !== "string" || !(TEAM_MODES as readonly string[]).includes(mode)) return invalid({ mode: "unknown" });
  await setTeamMode(svc.async, user.allianceId, mode as TeamMode);
  if (mode === "one_organisation") {
    for (const t of await listTeams(svc.async, user.allianceId)) {
      if (!t.organisationId) await updateTeam(svc.async, user.allianceId, t.id, { organisationId: await makeTeamOrganisation(svc, user.allianceId, t.name) });
    }
  }
  return { ok: true, mode: mode as TeamMode };
}

/**
 * A person's home organisation (where someone in a team's own organisation
 * comes from); empty clears it. Only for people of the alliance, and only
 * an organisation of the alliance.
 */
export async function setPersonHome(svc: AppServices, user: SessionUser, personId: unknown, homeOrganisationId: unknown): Promise<TeamResult> {
  if (user.role !== "coordinator") return forbidden;
  const person = (await listPeople(svc.async, user.allianceId)).find((p) => p.id === personId);
  if (!person) return notFound;
  const home = typeof homeOrganisationId === "string" && homeOrganisationId ? homeOrganisationId : null;
  if (home !== null && (home === person.organisationId || !(await partnerIds(svc, user)).has(home))) return invalid({ homeOrganisationId: "unknown" });
  await setHomeOrganisation(svc.async, person.id, home);
  return { ok: true };
}

/** Each person's home organisation (short name), for the people list on /beheer. */
export async function homeOrganisationsFor(svc: AppServices, user: SessionUser): Promise<Record<string, { id: string; shortName: string }>> {
  return Object.fromEntries(await homeOrganisations(svc.async, user.allianceId));
}
