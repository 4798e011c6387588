/**
 * Local teams (Aan de Slag, issue 15): a named group of the alliance's
 * organisations with its area, and the alliance's team mode. The one
 * definition of "which teams may a person act for" is `teamIdsForOrganisation`.
 */
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { DB } from "./client";
import { alliances, organisations, teamOrganisations, teams, users, type TeamMode } from "./schema";

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

export function teamMode(db: DB, allianceId: string): TeamMode {
  return db.select({ mode: alliances.teamMode }).from(alliances).where(eq(alliances.id, allianceId)).get()?.mode ?? "across_organisations";
}

export function setTeamMode(db: DB, allianceId: string, mode: TeamMode): void {
  db.update(alliances).set({ teamMode: mode }).where(eq(alliances.id, allianceId)).run();
}

/** The alliance's teams by name, each with its organisations (by name). */
export function listTeams(db: DB, allianceId: string): TeamRow[] {
  const rows = db
    .select({ id: teams.id, name: teams.name, area: teams.area, organisationId: teams.organisationId, createdAt: teams.createdAt })
    .from(teams)
    .where(eq(teams.allianceId, allianceId))
    .orderBy(asc(sql`${teams.name} collate nocase`), asc(teams.id))
    .all();
  if (!rows.length) return [];
  const links = db
    .select({ teamId: teamOrganisations.teamId, organisationId: teamOrganisations.organisationId })
    .from(teamOrganisations)
    .innerJoin(organisations, eq(organisations.id, teamOrganisations.organisationId))
    .where(inArray(teamOrganisations.teamId, rows.map((r) => r.id)))
    .orderBy(asc(organisations.name))
    .all();
  return rows.map((r) => ({ ...r, organisationIds: links.filter((l) => l.teamId === r.id).map((l) => l.organisationId) }));
}

/** One team of the alliance, or null (also for another alliance's team). */
export function teamOfAlliance(db: DB, allianceId: string, teamId: string): TeamRow | null {
  return listTeams(db, allianceId).find((t) => t.id === teamId) ?? null;
}

/** Whether another team of the alliance has this name, ignoring case. */
export function teamNameTaken(db: DB, allianceId: string, name: string, exceptId?: string): boolean {
  return !!db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.allianceId, allianceId), sql`lower(${teams.name}) = lower(${name})`, exceptId ? ne(teams.id, exceptId) : undefined))
    .get();
}

/**
 * A new team with its organisations, in one transaction; the name checked
 * again inside it, so two coordinators creating the same name get one team.
 * False when the name was taken.
 */
export function insertTeam(
  db: DB,
  t: { id: string; allianceId: string; name: string; area: string | null; organisationIds: string[]; organisationId?: string | null; createdAt: number },
): boolean {
  return db.transaction((tx) => {
    if (teamNameTaken(tx as unknown as DB, t.allianceId, t.name)) return false;
    tx.insert(teams)
      .values({ id: t.id, allianceId: t.allianceId, name: t.name, area: t.area, organisationId: t.organisationId ?? null, createdAt: t.createdAt })
      .run();
    for (const organisationId of t.organisationIds) tx.insert(teamOrganisations).values({ teamId: t.id, organisationId }).run();
    return true;
  });
}

/** Rename, move or regroup a team; organisations replaced as a whole when given. False when the name was taken. */
export function updateTeam(
  db: DB,
  allianceId: string,
  teamId: string,
  p: { name?: string; area?: string | null; organisationIds?: string[]; organisationId?: string | null },
): boolean {
  return db.transaction((tx) => {
    if (p.name !== undefined && teamNameTaken(tx as unknown as DB, allianceId, p.name, teamId)) return false;
    const set: Partial<typeof teams.$inferInsert> = {};
    if (p.name !== undefined) set.name = p.name;
    if (p.area !== undefined) set.area = p.area;
    if (p.organisationId !== undefined) set.organisationId = p.organisationId;
    if (Object.keys(set).length) tx.update(teams).set(set).where(and(eq(teams.id, teamId), eq(teams.allianceId, allianceId))).run();
    if (p.organisationIds) {
      tx.delete(teamOrganisations).where(eq(teamOrganisations.teamId, teamId)).run();
      for (const organisationId of p.organisationIds) tx.insert(teamOrganisations).values({ teamId, organisationId }).run();
    }
    return true;
  });
}

/** Remove a team (its organisation links go with it; a team's own organisation stays, with its people). */
export function deleteTeam(db: DB, allianceId: string, teamId: string): boolean {
  return db.delete(teams).where(and(eq(teams.id, teamId), eq(teams.allianceId, allianceId))).run().changes > 0;
}

/**
 * The teams a person of this organisation acts for: in team mode
 * `across_organisations` the teams that group the organisation; in
 * `one_organisation` the team whose own organisation it is. The seam that
 * job rules take as `userTeamIds`.
 */
export function teamIdsForOrganisation(db: DB, allianceId: string, organisationId: string): string[] {
  const mode = teamMode(db, allianceId);
  if (mode === "one_organisation") {
    return db
      .select({ id: teams.id })
      .from(teams)
      .where(and(eq(teams.allianceId, allianceId), eq(teams.organisationId, organisationId)))
      .all()
      .map((r) => r.id);
  }
  return db
    .select({ id: teams.id })
    .from(teams)
    .innerJoin(teamOrganisations, eq(teamOrganisations.teamId, teams.id))
    .where(and(eq(teams.allianceId, allianceId), eq(teamOrganisations.organisationId, organisationId)))
    .all()
    .map((r) => r.id);
}

/** Each team with the organisations that act for it: its partners, and in `one_organisation` its own organisation too. */
export function teamsWithActingOrganisations(db: DB, allianceId: string): Array<{ id: string; name: string; organisationIds: string[] }> {
  return listTeams(db, allianceId).map((t) => ({ id: t.id, name: t.name, organisationIds: [...t.organisationIds, ...(t.organisationId ? [t.organisationId] : [])] }));
}

/** A person's home organisation (a team organisation's people come from a partner). */
export function setHomeOrganisation(db: DB, userId: string, homeOrganisationId: string | null): void {
  db.update(users).set({ homeOrganisationId }).where(eq(users.id, userId)).run();
}

/** The people of the alliance whose home organisation is set: id → the home organisation's short name. */
export function homeOrganisations(db: DB, allianceId: string): Map<string, { id: string; shortName: string }> {
  const rows = db
    .select({ userId: users.id, id: organisations.id, shortName: organisations.shortName })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.homeOrganisationId))
    .where(eq(organisations.allianceId, allianceId))
    .all();
  return new Map(rows.map((r) => [r.userId, { id: r.id, shortName: r.shortName }]));
}
