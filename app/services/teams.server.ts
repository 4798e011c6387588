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
export function teamsOverview(svc: AppServices, user: SessionUser): { mode: TeamMode; teams: TeamView[] } {
  return { mode: teamMode(svc.db, user.allianceId), teams: listTeams(svc.db, user.allianceId).map(view) };
}

/** The teams this person acts for (the jobs' `userTeamIds`). */
export function teamIdsFor(svc: AppServices, user: Pick<SessionUser, "allianceId" | "organisationId">): string[] {
  return teamIdsForOrganisation(svc.db, user.allianceId, user.organisationId);
}

/** The teams a new job may belong to: every team for a coordinator, the person's own teams for anyone else (the rule createJob checks). */
export function teamsForJobs(svc: AppServices, user: SessionUser): Array<{ id: string; name: string }> {
  const mine = user.role === "coordinator" ? null : new Set(teamIdsFor(svc, user));
  return listTeams(svc.db, user.allianceId)
    .filter((team) => !mine || mine.has(team.id))
    .map((team) => ({ id: team.id, name: team.name }));
}

/** The organisations that may be a team's partners: the alliance's own, not a team's own organisation. */
function partnerIds(svc: AppServices, user: SessionUser): Set<string> {
  const own = new Set(listTeams(svc.db, user.allianceId).map((t) => t.organisationId));
  return new Set(listOrganisations(svc.db, user.allianceId).filter((o) => !own.has(o.id) && isWorkingOrganisation(o)).map((o) => o.id));
}

/** The team's own organisation, for team mode `one_organisation`: named after the team (a number added when taken). */
function makeTeamOrganisation(svc: AppServices, allianceId: string, teamName: string): string {
  const taken = new Set(listOrganisations(svc.db, allianceId).map((o) => o.name.toLowerCase()));
  let name = teamName;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${teamName} (${n})`;
  const shortName = name.length > ORGANISATION_SHORT_MAX ? name.slice(0, ORGANISATION_SHORT_MAX).trim() : name;
  return createOrganisation(svc.db, { allianceId, name, shortName, kind: "team", color: "#2e6b30" }).id;
}

export function createTeam(svc: AppServices, user: SessionUser, input: TeamInput): TeamResult<{ team: TeamView }> {
  if (user.role !== "coordinator") return forbidden;
  const { value, errors } = checkTeam(input, partnerIds(svc, user));
  const all: TeamErrors = { ...errors };
  if (value.name && teamNameTaken(svc.db, user.allianceId, value.name)) all.name = "exists";
  if (Object.keys(all).length) return invalid(all);
  const id = randomUUID();
  const ok = insertTeam(svc.db, {
    id,
    allianceId: user.allianceId,
    name: value.name!,
    area: value.area ?? null,
    organisationIds: value.organisationIds!,
    createdAt: svc.now(),
  });
  if (!ok) return invalid({ name: "exists" });
  if (teamMode(svc.db, user.allianceId) === "one_organisation") {
    updateTeam(svc.db, user.allianceId, id, { organisationId: makeTeamOrganisation(svc, user.allianceId, value.name!) });
  }
  return { ok: true, team: view(teamOfAlliance(svc.db, user.allianceId, id)!) };
}

export function changeTeam(svc: AppServices, user: SessionUser, teamId: string, input: TeamInput): TeamResult<{ team: TeamView }> {
  const team = teamOfAlliance(svc.db, user.allianceId, teamId);
  if (!team) return notFound;
  if (user.role !== "coordinator") return forbidden;
  const { value, errors } = checkTeam(input, partnerIds(svc, user), true);
  const all: TeamErrors = { ...errors };
  if (value.name && teamNameTaken(svc.db, user.allianceId, value.name, team.id)) all.name = "exists";
  if (Object.keys(all).length) return invalid(all);
  if (!updateTeam(svc.db, user.allianceId, team.id, value)) return invalid({ name: "exists" });
  return { ok: true, team: view(teamOfAlliance(svc.db, user.allianceId, team.id)!) };
}

export function removeTeam(svc: AppServices, user: SessionUser, teamId: string): TeamResult {
  const team = teamOfAlliance(svc.db, user.allianceId, teamId);
  if (!team) return notFound;
  if (user.role !== "coordinator") return forbidden;
  deleteTeam(svc.db, user.allianceId, team.id);
  return { ok: true };
}

/**
 * The alliance's choice. Choosing `one_organisation` gives every team
 * without one its own organisation; going back leaves those organisations
 * (and their people) as they are.
 */
export function chooseTeamMode(svc: AppServices, user: SessionUser, mode: unknown): TeamResult<{ mode: TeamMode }> {
  if (user.role !== "coordinator") return forbidden;
  if (typeof mode !== "string" || !(TEAM_MODES as readonly string[]).includes(mode)) return invalid({ mode: "unknown" });
  setTeamMode(svc.db, user.allianceId, mode as TeamMode);
  if (mode === "one_organisation") {
    for (const t of listTeams(svc.db, user.allianceId)) {
      if (!t.organisationId) updateTeam(svc.db, user.allianceId, t.id, { organisationId: makeTeamOrganisation(svc, user.allianceId, t.name) });
    }
  }
  return { ok: true, mode: mode as TeamMode };
}

/**
 * A person's home organisation (where someone in a team's own organisation
 * comes from); empty clears it. Only for people of the alliance, and only
 * an organisation of the alliance.
 */
export function setPersonHome(svc: AppServices, user: SessionUser, personId: unknown, homeOrganisationId: unknown): TeamResult {
  if (user.role !== "coordinator") return forbidden;
  const person = listPeople(svc.db, user.allianceId).find((p) => p.id === personId);
  if (!person) return notFound;
  const home = typeof homeOrganisationId === "string" && homeOrganisationId ? homeOrganisationId : null;
  if (home !== null && (home === person.organisationId || !partnerIds(svc, user).has(home))) return invalid({ homeOrganisationId: "unknown" });
  setHomeOrganisation(svc.db, person.id, home);
  return { ok: true };
}

/** Each person's home organisation (short name), for the people list on /beheer. */
export function homeOrganisationsFor(svc: AppServices, user: SessionUser): Record<string, { id: string; shortName: string }> {
  return Object.fromEntries(homeOrganisations(svc.db, user.allianceId));
}
