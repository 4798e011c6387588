/**
 * Local teams (Aan de Slag, issue 15): a named group of the alliance's
 * organisations with its area, and the alliance's team mode. The one
 * definition of "which teams may a person act for" is `teamIdsForOrganisation`.
 * On the asynchronous layer (SQLite and PostgreSQL, docs/decisions/001-async-database-layer.md).
 */
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { caseless, first } from "./dialect";
import type { teams as teamsTable, TeamMode } from "./schema";

export interface TeamRow {
  id: string;
  name: string;
  area: string | null;
  /** The team's own organisation (team mode `one_organisation`), or null. */
  organisationId: string | null;
  /** The partner organisations, by name. */
  organisationIds: string[];
  createdAt: number;
}

export async function teamMode(h: AsyncDb, allianceId: string): Promise<TeamMode> {
  const { alliances } = h.t;
  return (await first(h.q.select({ mode: alliances.teamMode }).from(alliances).where(eq(alliances.id, allianceId))))?.mode ?? "across_organisations";
}

export async function setTeamMode(h: AsyncDb, allianceId: string, mode: TeamMode): Promise<void> {
  await h.q.update(h.t.alliances).set({ teamMode: mode }).where(eq(h.t.alliances.id, allianceId));
}

/** The alliance's teams by name, each with its organisations (by name). */
export async function listTeams(h: AsyncDb, allianceId: string): Promise<TeamRow[]> {
  const { teams, teamOrganisations, organisations } = h.t;
  const rows = await h.q
    .select({ id: teams.id, name: teams.name, area: teams.area, organisationId: teams.organisationId, createdAt: teams.createdAt })
    .from(teams)
    .where(eq(teams.allianceId, allianceId))
    .orderBy(asc(caseless(h, teams.name)), asc(teams.id));
  if (!rows.length) return [];
  const links = await h.q
    .select({ teamId: teamOrganisations.teamId, organisationId: teamOrganisations.organisationId })
    .from(teamOrganisations)
    .innerJoin(organisations, eq(organisations.id, teamOrganisations.organisationId))
    .where(
      inArray(
        teamOrganisations.teamId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(organisations.name), asc(organisations.id));
  return rows.map((r) => ({ ...r, organisationIds: links.filter((l) => l.teamId === r.id).map((l) => l.organisationId) }));
}

/** One team of the alliance, or null (also for another alliance's team). */
export async function teamOfAlliance(h: AsyncDb, allianceId: string, teamId: string): Promise<TeamRow | null> {
  return (await listTeams(h, allianceId)).find((t) => t.id === teamId) ?? null;
}

/** Whether another team of the alliance has this name, ignoring case. */
export async function teamNameTaken(h: AsyncDb, allianceId: string, name: string, exceptId?: string): Promise<boolean> {
  const { teams } = h.t;
  return !!(await first(
    h.q
      .select({ id: teams.id })
      .from(teams)
      .where(and(eq(teams.allianceId, allianceId), sql`lower(${teams.name}) = lower(${name})`, exceptId ? ne(teams.id, exceptId) : undefined)),
  ));
}

/**
 * A new team with its organisations, in one transaction; the name checked
 * again inside it, so two coordinators creating the same name get one team
 * (SQLite: one writer; PostgreSQL: serializable, retried on a serialization
 * failure, so the second sees the first's name). False when the name was taken.
 */
export async function insertTeam(
  h: AsyncDb,
  t: { id: string; allianceId: string; name: string; area: string | null; organisationIds: string[]; organisationId?: string | null; createdAt: number },
): Promise<boolean> {
  return h.transaction(
    async (tx) => {
      if (await teamNameTaken(tx, t.allianceId, t.name)) return false;
      await tx.q
        .insert(tx.t.teams)
        .values({ id: t.id, allianceId: t.allianceId, name: t.name, area: t.area, organisationId: t.organisationId ?? null, createdAt: t.createdAt });
      if (t.organisationIds.length) await tx.q.insert(tx.t.teamOrganisations).values(t.organisationIds.map((organisationId) => ({ teamId: t.id, organisationId })));
      return true;
    },
    { isolation: "serializable" },
  );
}

/** Rename, move or regroup a team; organisations replaced as a whole when given. False when the name was taken. */
export async function updateTeam(
  h: AsyncDb,
  allianceId: string,
  teamId: string,
  p: { name?: string; area?: string | null; organisationIds?: string[]; organisationId?: string | null },
): Promise<boolean> {
  return h.transaction(
    async (tx) => {
      const { teams, teamOrganisations } = tx.t;
      if (p.name !== undefined && (await teamNameTaken(tx, allianceId, p.name, teamId))) return false;
      const set: Partial<typeof teamsTable.$inferInsert> = {};
      if (p.name !== undefined) set.name = p.name;
      if (p.area !== undefined) set.area = p.area;
      if (p.organisationId !== undefined) set.organisationId = p.organisationId;
      if (Object.keys(set).length) await tx.q.update(teams).set(set).where(and(eq(teams.id, teamId), eq(teams.allianceId, allianceId)));
      if (p.organisationIds) {
        await tx.q.delete(teamOrganisations).where(eq(teamOrganisations.teamId, teamId));
        if (p.organisationIds.length) await tx.q.insert(teamOrganisations).values(p.organisationIds.map((organisationId) => ({ teamId, organisationId })));
      }
      return true;
    },
    { isolation: "serializable" },
  );
}

/** Remove a team (its organisation links go with it; a team's own organisation stays, with its people). */
export async function deleteTeam(h: AsyncDb, allianceId: string, teamId: string): Promise<boolean> {
  const { teams } = h.t;
  const gone = await h.q
    .delete(teams)
    .where(and(eq(teams.id, teamId), eq(teams.allianceId, allianceId)))
    .returning({ id: teams.id });
  return gone.length > 0;
}

/**
 * The teams a person of this organisation acts for: in team mode
 * `across_organisations` the teams that group the organisation; in
 * `one_organisation` the team whose own organisation it is. The seam that
 * job rules take as `userTeamIds`.
 */
export async function teamIdsForOrganisation(h: AsyncDb, allianceId: string, organisationId: string): Promise<string[]> {
  const { teams, teamOrganisations } = h.t;
  const mode = await teamMode(h, allianceId);
  if (mode === "one_organisation") {
    const rows = await h.q
      .select({ id: teams.id })
      .from(teams)
      .where(and(eq(teams.allianceId, allianceId), eq(teams.organisationId, organisationId)));
    return rows.map((r) => r.id);
  }
  const rows = await h.q
    .select({ id: teams.id })
    .from(teams)
    .innerJoin(teamOrganisations, eq(teamOrganisations.teamId, teams.id))
    .where(and(eq(teams.allianceId, allianceId), eq(teamOrganisations.organisationId, organisationId)));
  return rows.map((r) => r.id);
}

/** Each team with the organisations that act for it: its partners, and in `one_organisation` its own organisation too. */
export async function teamsWithActingOrganisations(h: AsyncDb, allianceId: string): Promise<Array<{ id: string; name: string; organisationIds: string[] }>> {
  return (await listTeams(h, allianceId)).map((t) => ({ id: t.id, name: t.name, organisationIds: [...t.organisationIds, ...(t.organisationId ? [t.organisationId] : [])] }));
}

/** A person's home organisation (a team organisation's people come from a partner). */
export async function setHomeOrganisation(h: AsyncDb, userId: string, homeOrganisationId: string | null): Promise<void> {
  await h.q.update(h.t.users).set({ homeOrganisationId }).where(eq(h.t.users.id, userId));
}

/** The people of the alliance whose home organisation is set: id → the home organisation's short name. */
export async function homeOrganisations(h: AsyncDb, allianceId: string): Promise<Map<string, { id: string; shortName: string }>> {
  const { users, organisations } = h.t;
  const rows = await h.q
    .select({ userId: users.id, id: organisations.id, shortName: organisations.shortName })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.homeOrganisationId))
    .where(eq(organisations.allianceId, allianceId));
  return new Map(rows.map((r) => [r.userId, { id: r.id, shortName: r.shortName }]));
}
