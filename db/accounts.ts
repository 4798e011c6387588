/**
 * Accounts, organisations, alliances, sessions and board access. Sessions and
 * people are on the asynchronous layer (both engines, decision 001).
 */
import { and, asc, desc, eq, gt, isNull, lt, ne, sql } from "drizzle-orm";
import type { AsyncDb, DB, Tables } from "./client";
import { affected, first } from "./dialect";
import { alliances, boards, organisations, users, type Role, type TwoFactorPolicy } from "./schema";

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

/** The columns of a SessionUser, from the open dialect's tables. */
function sessionUserColumns({ users, organisations, alliances, userTwoFactor }: Tables) {
  return {
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
}

type SessionUserRow = Omit<SessionUser, "twoFactorEnabled"> & { twoFactorEnabledAt: number | null };

function toSessionUser({ twoFactorEnabledAt, ...row }: SessionUserRow): SessionUser {
  return { ...row, twoFactorEnabled: twoFactorEnabledAt !== null };
}

export async function findUserForLogin(h: AsyncDb, email: string) {
  const { users } = h.t;
  return first(
    h.q
      .select({ id: users.id, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
      .from(users)
      .where(eq(users.email, email.trim().toLowerCase())),
  );
}

/**
 * The reads of every request's session and every Yjs connection's admission
 * (server/sync/ws-transport.ts: the session, the board, the session again
 * once joined), built once per handle: Drizzle builds a query's SQL anew on
 * each call, and SQLite compiled it again each time, PostgreSQL parsed and
 * planned it again. On PostgreSQL they are named statements, prepared once
 * on each pooled connection (a transaction pooler in front, such as
 * PgBouncer, must then keep prepared statements: 1.21+ with
 * max_prepared_statements). On SQLite a prepared statement's promise runs
 * through the gate like any other statement of the layer
 * (tests/unit/async-db-gate.test.ts).
 */
const preparedQueries = new WeakMap<AsyncDb, ReturnType<typeof prepareQueries>>();

function prepareQueries(h: AsyncDb) {
  const { sessions, users, organisations, alliances, userTwoFactor, boards } = h.t;
  return {
    sessionUser: h.q
      .select({ ...sessionUserColumns(h.t), lastSeenAt: sessions.lastSeenAt })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .innerJoin(organisations, eq(organisations.id, users.organisationId))
      .innerJoin(alliances, eq(alliances.id, organisations.allianceId))
      .leftJoin(userTwoFactor, eq(userTwoFactor.userId, users.id))
      .where(and(eq(sessions.id, sql.placeholder("sessionId")), gt(sessions.expiresAt, sql.placeholder("at")), isNull(users.disabledAt)))
      .limit(1)
      .prepare("session_user"),
    board: h.q
      .select({ id: boards.id, name: boards.name, allianceId: boards.allianceId, archivedAt: boards.archivedAt, docGeneration: boards.docGeneration })
      .from(boards)
      .where(eq(boards.id, sql.placeholder("boardId")))
      .limit(1)
      .prepare("board_by_id"),
  };
}

function preparedOf(h: AsyncDb): ReturnType<typeof prepareQueries> {
  let p = preparedQueries.get(h);
  if (!p) preparedQueries.set(h, (p = prepareQueries(h)));
  return p;
}

/** A session's "last seen" is written at most this often (a page view is not a write). */
export const SESSION_SEEN_RESOLUTION_MS = 60_000;

/**
 * The person of a live session, or null: one query (session, account,
 * organisation, alliance and second step joined) on every request; "last
 * seen" is written only when it is older than SESSION_SEEN_RESOLUTION_MS.
 */
export async function getSessionUser(h: AsyncDb, sessionId: string, at = Date.now()): Promise<SessionUser | null> {
  const { sessions } = h.t;
  const row = (await preparedOf(h).sessionUser.execute({ sessionId, at }))[0];
  if (!row) return null;
  const { lastSeenAt, ...user } = row;
  if (lastSeenAt === null || at - lastSeenAt >= SESSION_SEEN_RESOLUTION_MS) {
    await h.q.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.id, sessionId));
  }
  return toSessionUser(user);
}

export async function getUserById(h: AsyncDb, userId: string): Promise<SessionUser | null> {
  const { users, organisations, alliances, userTwoFactor } = h.t;
  const row = await first(
    h.q
      .select(sessionUserColumns(h.t))
      .from(users)
      .innerJoin(organisations, eq(organisations.id, users.organisationId))
      .innerJoin(alliances, eq(alliances.id, organisations.allianceId))
      .leftJoin(userTwoFactor, eq(userTwoFactor.userId, users.id))
      .where(eq(users.id, userId)),
  );
  return row ? toSessionUser(row) : null;
}

export async function insertSession(h: AsyncDb, s: { id: string; userId: string; expiresAt: number; userAgent?: string | null; createdAt?: number }): Promise<void> {
  await h.q.insert(h.t.sessions).values(s);
}

export interface SessionRow {
  id: string;
  userAgent: string | null;
  createdAt: number;
  lastSeenAt: number | null;
  expiresAt: number;
}

/** A person's live sessions, most recently used first. */
export async function listUserSessions(h: AsyncDb, userId: string, at = Date.now()): Promise<SessionRow[]> {
  const { sessions } = h.t;
  return h.q
    .select({ id: sessions.id, userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, at)))
    .orderBy(sql`${sessions.lastSeenAt} desc nulls last`, desc(sessions.createdAt));
}

/** End every session of a person except `keepId` (null: all); returns the ids that ended. */
export async function deleteUserSessions(h: AsyncDb, userId: string, keepId: string | null): Promise<string[]> {
  const { sessions } = h.t;
  const where = keepId ? and(eq(sessions.userId, userId), ne(sessions.id, keepId)) : eq(sessions.userId, userId);
  const rows = await h.q.delete(sessions).where(where).returning({ id: sessions.id });
  return rows.map((r) => r.id);
}

/** End one session of a person; false when it is not theirs (or gone). */
export async function deleteUserSession(h: AsyncDb, userId: string, sessionId: string): Promise<boolean> {
  const { sessions } = h.t;
  return affected(await h.q.delete(sessions).where(and(eq(sessions.userId, userId), eq(sessions.id, sessionId)))) > 0;
}

export async function deleteSession(h: AsyncDb, sessionId: string): Promise<void> {
  await h.q.delete(h.t.sessions).where(eq(h.t.sessions.id, sessionId));
}

export async function deleteExpiredSessions(h: AsyncDb, at = Date.now()): Promise<number> {
  return affected(await h.q.delete(h.t.sessions).where(lt(h.t.sessions.expiresAt, at)));
}

export async function extendSession(h: AsyncDb, sessionId: string, expiresAt: number): Promise<void> {
  await h.q.update(h.t.sessions).set({ expiresAt }).where(eq(h.t.sessions.id, sessionId));
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

export async function listBoardsForAlliance(h: AsyncDb, allianceId: string): Promise<BoardRow[]> {
  const { boards } = h.t;
  return h.q
    .select({ id: boards.id, name: boards.name, allianceId: boards.allianceId, archivedAt: boards.archivedAt, docGeneration: boards.docGeneration })
    .from(boards)
    .where(eq(boards.allianceId, allianceId))
    .orderBy(asc(boards.name));
}

export async function getBoard(h: AsyncDb, boardId: string): Promise<BoardRow | null> {
  return (await preparedOf(h).board.execute({ boardId }))[0] ?? null;
}

/**
 * `getBoard`'s synchronous twin, SQLite only: for the Yjs endpoint's
 * generation check, read in the same turn as the join (server/sync/ws-transport.ts),
 * so a rebuild cannot fall between the check and the join.
 */
export function getBoardNow(db: DB, boardId: string): BoardRow | null {
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

export async function listOrganisations(h: AsyncDb, allianceId: string): Promise<OrganisationRow[]> {
  const { organisations } = h.t;
  return h.q
    .select({
      id: organisations.id,
      name: organisations.name,
      shortName: organisations.shortName,
      kind: organisations.kind,
      color: organisations.color,
    })
    .from(organisations)
    .where(eq(organisations.allianceId, allianceId))
    .orderBy(asc(organisations.name));
}

// ------------------------------------------------------------- creation (seed, factories, admin pages)

export async function insertAlliance(h: AsyncDb, a: typeof alliances.$inferInsert): Promise<void> {
  await h.q.insert(h.t.alliances).values(a);
}
export async function insertOrganisation(h: AsyncDb, o: typeof organisations.$inferInsert): Promise<void> {
  await h.q.insert(h.t.organisations).values(o);
}
export async function insertUser(h: AsyncDb, u: typeof users.$inferInsert): Promise<void> {
  await h.q.insert(h.t.users).values({ ...u, email: u.email.trim().toLowerCase() });
}
export async function insertBoard(h: AsyncDb, b: typeof boards.$inferInsert): Promise<void> {
  await h.q.insert(h.t.boards).values(b);
}

/** Every board that is not archived (the claim expiry sweep leaves archived boards as they are). */
export async function listAllBoards(h: AsyncDb) {
  const { boards } = h.t;
  return h.q.select({ id: boards.id, allianceId: boards.allianceId, claimExpiryDays: boards.claimExpiryDays }).from(boards).where(isNull(boards.archivedAt));
}

// ------------------------------------------------------------- administration (coordinator pages)

export async function listPeople(h: AsyncDb, allianceId: string) {
  const { users, organisations } = h.t;
  return h.q
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
    .orderBy(asc(organisations.shortName), asc(users.name));
}

export async function emailTaken(h: AsyncDb, email: string): Promise<boolean> {
  const { users } = h.t;
  return !!(await first(h.q.select({ id: users.id }).from(users).where(eq(users.email, email.trim().toLowerCase()))));
}

/** The fields a person changes on their own page. */
export async function updateUserProfile(h: AsyncDb, userId: string, p: { name?: string; email?: string; locale?: string }): Promise<void> {
  const set: Partial<typeof users.$inferInsert> = {};
  if (p.name !== undefined) set.name = p.name;
  if (p.email !== undefined) set.email = p.email.trim().toLowerCase();
  if (p.locale !== undefined) set.locale = p.locale;
  if (!Object.keys(set).length) return;
  await h.transaction(async (tx) => {
    await tx.q.update(tx.t.users).set(set).where(eq(tx.t.users.id, userId));
    // A reset link went to the old address: whoever reads that mailbox must not get the account back through it.
    if (set.email !== undefined) await forgetOpenResets(tx, userId);
  });
}

/**
 * Open password reset links of an account stop working: after its address,
 * its password or its access changed, a link mailed before is worth nothing.
 * Inside the caller's transaction.
 */
async function forgetOpenResets(tx: AsyncDb, userId: string): Promise<void> {
  const { passwordResets, loginChallenges } = tx.t;
  await tx.q.delete(passwordResets).where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)));
  // A login halfway (right password, code still owed) began under the old password or access: it ends too.
  await tx.q.delete(loginChallenges).where(eq(loginChallenges.userId, userId));
}

/** The account behind an e-mail address, for a reset link (disabled accounts included: the caller decides). */
export async function findUserByEmail(h: AsyncDb, email: string) {
  const { users } = h.t;
  return (
    (await first(
      h.q
        .select({ id: users.id, email: users.email, locale: users.locale, disabledAt: users.disabledAt })
        .from(users)
        .where(eq(users.email, email.trim().toLowerCase())),
    )) ?? null
  );
}

export async function setUserRole(h: AsyncDb, userId: string, role: Role): Promise<void> {
  await h.q.update(h.t.users).set({ role }).where(eq(h.t.users.id, userId));
}

export async function setPassword(h: AsyncDb, userId: string, passwordHash: string, mustChange: boolean): Promise<void> {
  await h.transaction(async (tx) => {
    await tx.q.update(tx.t.users).set({ passwordHash, mustChangePassword: mustChange }).where(eq(tx.t.users.id, userId));
    await forgetOpenResets(tx, userId);
  });
}

/** Remove access: the account is disabled and every session of it ends. */
export async function disableUser(h: AsyncDb, userId: string, at: number): Promise<void> {
  await h.transaction(async (tx) => {
    await tx.q.update(tx.t.users).set({ disabledAt: at }).where(eq(tx.t.users.id, userId));
    await tx.q.delete(tx.t.sessions).where(eq(tx.t.sessions.userId, userId));
    // Given access again later, a link from before must not revive.
    await forgetOpenResets(tx, userId);
  });
}

export async function enableUser(h: AsyncDb, userId: string): Promise<void> {
  await h.q.update(h.t.users).set({ disabledAt: null }).where(eq(h.t.users.id, userId));
}

export async function setBoardExpiryDays(h: AsyncDb, boardId: string, days: number): Promise<void> {
  await h.q.update(h.t.boards).set({ claimExpiryDays: days }).where(eq(h.t.boards.id, boardId));
}

export async function boardSettings(h: AsyncDb, boardId: string) {
  const { boards } = h.t;
  return (
    (await first(
      h.q
        .select({ id: boards.id, name: boards.name, claimExpiryDays: boards.claimExpiryDays, retentionMonths: boards.retentionMonths })
        .from(boards)
        .where(eq(boards.id, boardId)),
    )) ?? null
  );
}
