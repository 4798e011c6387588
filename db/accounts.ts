/** Accounts, organisations, alliances, sessions and board access. */
import { and, asc, eq, gt, isNull, lt } from "drizzle-orm";
import type { DB } from "./client";
import { alliances, boards, organisations, sessions, users, type Role } from "./schema";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  mustChangePassword: boolean;
  organisationId: string;
  organisationName: string;
  organisationShortName: string;
  organisationColor: string;
  allianceId: string;
  allianceName: string;
}

const sessionUserColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  mustChangePassword: users.mustChangePassword,
  organisationId: organisations.id,
  organisationName: organisations.name,
  organisationShortName: organisations.shortName,
  organisationColor: organisations.color,
  allianceId: alliances.id,
  allianceName: alliances.name,
};

export function findUserForLogin(db: DB, email: string) {
  return db
    .select({ id: users.id, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.email, email.trim().toLowerCase()))
    .get();
}

export function getSessionUser(db: DB, sessionId: string, at = Date.now()): SessionUser | null {
  const row = db
    .select(sessionUserColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .innerJoin(alliances, eq(alliances.id, organisations.allianceId))
    .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, at), isNull(users.disabledAt)))
    .get();
  if (!row) return null;
  return row;
}

export function getUserById(db: DB, userId: string): SessionUser | null {
  return (
    db
      .select(sessionUserColumns)
      .from(users)
      .innerJoin(organisations, eq(organisations.id, users.organisationId))
      .innerJoin(alliances, eq(alliances.id, organisations.allianceId))
      .where(eq(users.id, userId))
      .get() ?? null
  );
}

export function insertSession(db: DB, s: { id: string; userId: string; expiresAt: number }): void {
  db.insert(sessions).values(s).run();
}

export function deleteSession(db: DB, sessionId: string): void {
  db.delete(sessions).where(eq(sessions.id, sessionId)).run();
}

export function deleteExpiredSessions(db: DB, at = Date.now()): number {
  return db.delete(sessions).where(lt(sessions.expiresAt, at)).run().changes;
}

export function extendSession(db: DB, sessionId: string, expiresAt: number): void {
  db.update(sessions).set({ expiresAt }).where(eq(sessions.id, sessionId)).run();
}

export interface BoardRow {
  id: string;
  name: string;
  allianceId: string;
  /** Set when a coordinator archived the board: read-only for everyone. */
  archivedAt: number | null;
}

export function listBoardsForAlliance(db: DB, allianceId: string): BoardRow[] {
  return db
    .select({ id: boards.id, name: boards.name, allianceId: boards.allianceId, archivedAt: boards.archivedAt })
    .from(boards)
    .where(eq(boards.allianceId, allianceId))
    .orderBy(asc(boards.name))
    .all();
}

export function getBoard(db: DB, boardId: string): BoardRow | null {
  return (
    db
      .select({ id: boards.id, name: boards.name, allianceId: boards.allianceId, archivedAt: boards.archivedAt })
      .from(boards)
      .where(eq(boards.id, boardId))
      .get() ?? null
  );
}

export interface OrganisationRow {
  id: string;
  name: string;
  shortName: string;
  kind: string;
  color: string;
}

export function listOrganisations(db: DB, allianceId: string): OrganisationRow[] {
  return db
    .select({
      id: organisations.id,
      name: organisations.name,
      shortName: organisations.shortName,
      kind: organisations.kind,
      color: organisations.color,
    })
    .from(organisations)
    .where(eq(organisations.allianceId, allianceId))
    .orderBy(asc(organisations.name))
    .all();
}

// ------------------------------------------------------------- creation (seed, factories, admin pages)

export function insertAlliance(db: DB, a: typeof alliances.$inferInsert) {
  db.insert(alliances).values(a).run();
}
export function insertOrganisation(db: DB, o: typeof organisations.$inferInsert) {
  db.insert(organisations).values(o).run();
}
export function insertUser(db: DB, u: typeof users.$inferInsert) {
  db.insert(users).values({ ...u, email: u.email.trim().toLowerCase() }).run();
}
export function insertBoard(db: DB, b: typeof boards.$inferInsert) {
  db.insert(boards).values(b).run();
}
export function countAlliances(db: DB): number {
  return db.select({ id: alliances.id }).from(alliances).all().length;
}

/** Every board that is not archived (the claim expiry sweep leaves archived boards as they are). */
export function listAllBoards(db: DB) {
  return db
    .select({ id: boards.id, allianceId: boards.allianceId, claimExpiryDays: boards.claimExpiryDays })
    .from(boards)
    .where(isNull(boards.archivedAt))
    .all();
}

// ------------------------------------------------------------- administration (coordinator pages)

export function listPeople(db: DB, allianceId: string) {
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      organisationId: users.organisationId,
      organisationName: organisations.shortName,
      mustChangePassword: users.mustChangePassword,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(eq(organisations.allianceId, allianceId))
    .orderBy(asc(organisations.shortName), asc(users.name))
    .all();
}

export function emailTaken(db: DB, email: string): boolean {
  return !!db.select({ id: users.id }).from(users).where(eq(users.email, email.trim().toLowerCase())).get();
}

export function setUserRole(db: DB, userId: string, role: Role) {
  db.update(users).set({ role }).where(eq(users.id, userId)).run();
}

export function setPassword(db: DB, userId: string, passwordHash: string, mustChange: boolean) {
  db.update(users).set({ passwordHash, mustChangePassword: mustChange }).where(eq(users.id, userId)).run();
}

/** Remove access: the account is disabled and every session of it ends. */
export function disableUser(db: DB, userId: string, at: number) {
  db.transaction((tx) => {
    tx.update(users).set({ disabledAt: at }).where(eq(users.id, userId)).run();
    tx.delete(sessions).where(eq(sessions.userId, userId)).run();
  });
}

export function enableUser(db: DB, userId: string) {
  db.update(users).set({ disabledAt: null }).where(eq(users.id, userId)).run();
}

export function setBoardExpiryDays(db: DB, boardId: string, days: number) {
  db.update(boards).set({ claimExpiryDays: days }).where(eq(boards.id, boardId)).run();
}

export function boardSettings(db: DB, boardId: string) {
  return db.select({ id: boards.id, name: boards.name, claimExpiryDays: boards.claimExpiryDays }).from(boards).where(eq(boards.id, boardId)).get() ?? null;
}
