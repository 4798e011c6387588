/** Accounts, organisations, alliances, sessions and board access. */
import { and, asc, desc, eq, gt, isNull, lt, ne } from "drizzle-orm";
import type { DB } from "./client";
import { alliances, boards, loginChallenges, organisations, passwordResets, sessions, userTwoFactor, users, type Role, type TwoFactorPolicy } from "./schema";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  mustChangePassword: boolean;
  /** The person's own language (nl/en), stored with the account. */
  locale: string;
  organisationId: string;
  organisationName: string;
  organisationShortName: string;
  organisationColor: string;
  allianceId: string;
  allianceName: string;
  /** Whom the alliance asks for a second login step (issue 14). */
  twoFactorPolicy: TwoFactorPolicy;
  /** Whether this person logs in with a second step (TOTP). */
  twoFactorEnabled: boolean;
}

const sessionUserColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  mustChangePassword: users.mustChangePassword,
  locale: users.locale,
  organisationId: organisations.id,
  organisationName: organisations.name,
  organisationShortName: organisations.shortName,
  organisationColor: organisations.color,
  allianceId: alliances.id,
  allianceName: alliances.name,
  twoFactorPolicy: alliances.twoFactorPolicy,
  twoFactorEnabledAt: userTwoFactor.enabledAt,
};

type SessionUserRow = Omit<SessionUser, "twoFactorEnabled"> & { twoFactorEnabledAt: number | null };

function toSessionUser({ twoFactorEnabledAt, ...row }: SessionUserRow): SessionUser {
  return { ...row, twoFactorEnabled: twoFactorEnabledAt !== null };
}

export function findUserForLogin(db: DB, email: string) {
  return db
    .select({ id: users.id, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.email, email.trim().toLowerCase()))
    .get();
}

/** A session's "last seen" is written at most this often (a page view is not a write). */
export const SESSION_SEEN_RESOLUTION_MS = 60_000;

export function getSessionUser(db: DB, sessionId: string, at = Date.now()): SessionUser | null {
  const row = db
    .select({ ...sessionUserColumns, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .innerJoin(alliances, eq(alliances.id, organisations.allianceId))
    .leftJoin(userTwoFactor, eq(userTwoFactor.userId, users.id))
    .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, at), isNull(users.disabledAt)))
    .get();
  if (!row) return null;
  const { lastSeenAt, ...user } = row;
  if (lastSeenAt === null || at - lastSeenAt >= SESSION_SEEN_RESOLUTION_MS) {
    db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.id, sessionId)).run();
  }
  return toSessionUser(user);
}

export function getUserById(db: DB, userId: string): SessionUser | null {
  const row = db
    .select(sessionUserColumns)
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .innerJoin(alliances, eq(alliances.id, organisations.allianceId))
    .leftJoin(userTwoFactor, eq(userTwoFactor.userId, users.id))
    .where(eq(users.id, userId))
    .get();
  return row ? toSessionUser(row) : null;
}

export function insertSession(db: DB, s: { id: string; userId: string; expiresAt: number; userAgent?: string | null; createdAt?: number }): void {
  db.insert(sessions).values(s).run();
}

export interface SessionRow {
  id: string;
  userAgent: string | null;
  createdAt: number;
  lastSeenAt: number | null;
  expiresAt: number;
}

/** A person's live sessions, most recently used first. */
export function listUserSessions(db: DB, userId: string, at = Date.now()): SessionRow[] {
  return db
    .select({ id: sessions.id, userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, at)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt))
    .all();
}

/** End every session of a person except `keepId` (null: all); returns the ids that ended. */
export function deleteUserSessions(db: DB, userId: string, keepId: string | null): string[] {
  const where = keepId ? and(eq(sessions.userId, userId), ne(sessions.id, keepId)) : eq(sessions.userId, userId);
  return db.delete(sessions).where(where).returning({ id: sessions.id }).all().map((r) => r.id);
}

/** End one session of a person; false when it is not theirs (or gone). */
export function deleteUserSession(db: DB, userId: string, sessionId: string): boolean {
  return db.delete(sessions).where(and(eq(sessions.userId, userId), eq(sessions.id, sessionId))).run().changes > 0;
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
  /** The build of the board's document clients must hold (boards.doc_generation). */
  docGeneration: number;
}

export function listBoardsForAlliance(db: DB, allianceId: string): BoardRow[] {
  return db
    .select({ id: boards.id, name: boards.name, allianceId: boards.allianceId, archivedAt: boards.archivedAt, docGeneration: boards.docGeneration })
    .from(boards)
    .where(eq(boards.allianceId, allianceId))
    .orderBy(asc(boards.name))
    .all();
}

export function getBoard(db: DB, boardId: string): BoardRow | null {
  return (
    db
      .select({ id: boards.id, name: boards.name, allianceId: boards.allianceId, archivedAt: boards.archivedAt, docGeneration: boards.docGeneration })
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

/** The fields a person changes on their own page. */
export function updateUserProfile(db: DB, userId: string, p: { name?: string; email?: string; locale?: string }): void {
  const set: Partial<typeof users.$inferInsert> = {};
  if (p.name !== undefined) set.name = p.name;
  if (p.email !== undefined) set.email = p.email.trim().toLowerCase();
  if (p.locale !== undefined) set.locale = p.locale;
  if (!Object.keys(set).length) return;
  db.transaction((tx) => {
    tx.update(users).set(set).where(eq(users.id, userId)).run();
    // A reset link went to the old address: whoever reads that mailbox must not get the account back through it.
    if (set.email !== undefined) forgetOpenResets(tx, userId);
  });
}

/**
 * Open password reset links of an account stop working: after its address,
 * its password or its access changed, a link mailed before is worth nothing.
 */
function forgetOpenResets(db: Pick<DB, "delete">, userId: string): void {
  db.delete(passwordResets).where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt))).run();
  // A login halfway (right password, code still owed) began under the old password or access: it ends too.
  db.delete(loginChallenges).where(eq(loginChallenges.userId, userId)).run();
}

/** The account behind an e-mail address, for a reset link (disabled accounts included: the caller decides). */
export function findUserByEmail(db: DB, email: string) {
  return (
    db
      .select({ id: users.id, email: users.email, locale: users.locale, disabledAt: users.disabledAt })
      .from(users)
      .where(eq(users.email, email.trim().toLowerCase()))
      .get() ?? null
  );
}

export function setUserRole(db: DB, userId: string, role: Role) {
  db.update(users).set({ role }).where(eq(users.id, userId)).run();
}

export function setPassword(db: DB, userId: string, passwordHash: string, mustChange: boolean) {
  db.transaction((tx) => {
    tx.update(users).set({ passwordHash, mustChangePassword: mustChange }).where(eq(users.id, userId)).run();
    forgetOpenResets(tx, userId);
  });
}

/** Remove access: the account is disabled and every session of it ends. */
export function disableUser(db: DB, userId: string, at: number) {
  db.transaction((tx) => {
    tx.update(users).set({ disabledAt: at }).where(eq(users.id, userId)).run();
    tx.delete(sessions).where(eq(sessions.userId, userId)).run();
    // Given access again later, a link from before must not revive.
    forgetOpenResets(tx, userId);
  });
}

export function enableUser(db: DB, userId: string) {
  db.update(users).set({ disabledAt: null }).where(eq(users.id, userId)).run();
}

export function setBoardExpiryDays(db: DB, boardId: string, days: number) {
  db.update(boards).set({ claimExpiryDays: days }).where(eq(boards.id, boardId)).run();
}

export function boardSettings(db: DB, boardId: string) {
  return db
    .select({ id: boards.id, name: boards.name, claimExpiryDays: boards.claimExpiryDays, retentionMonths: boards.retentionMonths })
    .from(boards).where(eq(boards.id, boardId)).get() ?? null;
}
