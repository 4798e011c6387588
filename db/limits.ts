/**
 * What the limits need from SQL: the hourly request quota (counted from the
 * requests themselves, so it is exact and survives restarts), the reference
 * check log, and the browsers that logged into an account before. On the
 * asynchronous layer (SQLite and PostgreSQL, docs/decisions/001-async-database-layer.md).
 */
import { and, desc, eq, gt, gte, isNotNull, lt, ne, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { count, first } from "./dialect";
import type { referenceChecks } from "./schema";

// ------------------------------------------------------------------ request quota

/**
 * Operations that created requests of an organisation (on any board) at or
 * after `since`: each request entered by hand counts once, and each import
 * counts once however many rows it created (all rows of one import share its
 * id and creation time; imported rows have their own cap, importedRowsSince).
 */
export async function requestsCreatedByOrgSince(h: AsyncDb, orgId: string, since: number): Promise<number> {
  const { requests } = h.t;
  return (
    (
      await first(
        h.q
          .select({ n: sql<number>`count(distinct coalesce(${requests.importId}, ${requests.id}))`.mapWith(Number) })
          .from(requests)
          .where(and(eq(requests.createdByOrgId, orgId), gte(requests.createdAt, since))),
      )
    )?.n ?? 0
  );
}

/**
 * The creation time of the organisation's operation (a request, or an import)
 * at or after `since` that has `skip` older ones in that span: when it leaves
 * the hour, the count drops by `skip + 1` (the time until a place frees up).
 */
export async function countedRequestAt(h: AsyncDb, orgId: string, since: number, skip: number): Promise<number | null> {
  const { requests } = h.t;
  const op = sql`coalesce(${requests.importId}, ${requests.id})`;
  const [row] = await h.q
    .select({ at: sql<number>`min(${requests.createdAt})`.mapWith(Number) })
    .from(requests)
    .where(and(eq(requests.createdByOrgId, orgId), gte(requests.createdAt, since)))
    .groupBy(op)
    .orderBy(sql`min(${requests.createdAt})`)
    .limit(1)
    .offset(Math.max(0, skip));
  return row?.at ?? null;
}

/** Rows an organisation imported (on any board) at or after `since`: the import cap's count. */
export async function importedRowsSince(h: AsyncDb, orgId: string, since: number): Promise<number> {
  const { requests } = h.t;
  return (
    (await first(h.q.select({ n: count() }).from(requests).where(and(eq(requests.createdByOrgId, orgId), gte(requests.createdAt, since), isNotNull(requests.importId)))))
      ?.n ?? 0
  );
}

/** The alliance's own hourly quota per organisation, or null for the server's default. */
export async function allianceRequestQuota(h: AsyncDb, allianceId: string): Promise<number | null> {
  const { alliances } = h.t;
  return (await first(h.q.select({ q: alliances.requestQuotaPerHour }).from(alliances).where(eq(alliances.id, allianceId))))?.q ?? null;
}

export async function setAllianceRequestQuota(h: AsyncDb, allianceId: string, perHour: number | null): Promise<void> {
  await h.q.update(h.t.alliances).set({ requestQuotaPerHour: perHour }).where(eq(h.t.alliances.id, allianceId));
}

/** Per organisation of the alliance: requests created at or after `since`. */
export async function requestsPerOrgSince(h: AsyncDb, allianceId: string, since: number): Promise<{ orgId: string; name: string; created: number }[]> {
  const { organisations, requests } = h.t;
  return h.q
    .select({
      orgId: organisations.id,
      name: organisations.name,
      // An import counts once, as in the quota.
      created: sql<number>`count(distinct coalesce(${requests.importId}, ${requests.id}))`.mapWith(Number),
    })
    .from(organisations)
    .leftJoin(requests, and(eq(requests.createdByOrgId, organisations.id), gte(requests.createdAt, since)))
    .where(eq(organisations.allianceId, allianceId))
    .groupBy(organisations.id, organisations.name)
    .orderBy(organisations.name);
}

// ------------------------------------------------------------------ reference checks

export type ReferenceCheckOutcome = (typeof referenceChecks.$inferInsert)["outcome"];

export async function recordReferenceCheck(
  h: AsyncDb,
  r: { boardId: string; userId: string; orgId: string; outcome: ReferenceCheckOutcome; createdAt: number },
): Promise<void> {
  await h.q.insert(h.t.referenceChecks).values(r);
}

export interface ReferenceCheckCount {
  userId: string;
  name: string;
  email: string;
  organisationName: string;
  checks: number;
  matches: number;
  rateLimited: number;
  lastAt: number;
}

/** How many reference checks each person made on the alliance's boards at or after `since`, most first. */
export async function referenceCheckCounts(h: AsyncDb, allianceId: string, since: number): Promise<ReferenceCheckCount[]> {
  const { referenceChecks, boards, users, organisations } = h.t;
  return h.q
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      organisationName: organisations.name,
      checks: sql<number>`count(*)`.mapWith(Number),
      matches: sql<number>`sum(case when ${referenceChecks.outcome} = 'match' then 1 else 0 end)`.mapWith(Number),
      rateLimited: sql<number>`sum(case when ${referenceChecks.outcome} = 'rate_limited' then 1 else 0 end)`.mapWith(Number),
      lastAt: sql<number>`max(${referenceChecks.createdAt})`.mapWith(Number),
    })
    .from(referenceChecks)
    .innerJoin(boards, eq(boards.id, referenceChecks.boardId))
    .innerJoin(users, eq(users.id, referenceChecks.userId))
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(eq(boards.allianceId, allianceId), gte(referenceChecks.createdAt, since)))
    .groupBy(users.id, users.name, users.email, organisations.name)
    .orderBy(desc(sql`count(*)`), users.id);
}

// ------------------------------------------------------------------ login devices

export async function addLoginDevice(h: AsyncDb, d: { tokenHash: string; userId: string; createdAt: number; expiresAt: number }): Promise<void> {
  const { loginDevices } = h.t;
  await h.q
    .insert(loginDevices)
    .values(d)
    .onConflictDoUpdate({ target: [loginDevices.tokenHash, loginDevices.userId], set: { expiresAt: d.expiresAt } });
}

/** Whether this browser's token logged into this account before (and has not expired). */
export async function isLoginDevice(h: AsyncDb, tokenHash: string, userId: string, at: number): Promise<boolean> {
  const { loginDevices } = h.t;
  return !!(await first(
    h.q
      .select({ u: loginDevices.userId })
      .from(loginDevices)
      .where(and(eq(loginDevices.tokenHash, tokenHash), eq(loginDevices.userId, userId), gt(loginDevices.expiresAt, at))),
  ));
}

/** Whether this browser's token logged into any other account before (a shared computer). */
export async function isDeviceOfOthers(h: AsyncDb, tokenHash: string, userId: string, at: number): Promise<boolean> {
  const { loginDevices } = h.t;
  return !!(await first(
    h.q
      .select({ u: loginDevices.userId })
      .from(loginDevices)
      .where(and(eq(loginDevices.tokenHash, tokenHash), ne(loginDevices.userId, userId), gt(loginDevices.expiresAt, at))),
  ));
}

/** Forget the browsers known to an account, except the one with `keepTokenHash` (null: all). */
export async function forgetLoginDevices(h: AsyncDb, userId: string, keepTokenHash: string | null): Promise<number> {
  const { loginDevices } = h.t;
  const where = keepTokenHash ? and(eq(loginDevices.userId, userId), ne(loginDevices.tokenHash, keepTokenHash)) : eq(loginDevices.userId, userId);
  return (await h.q.delete(loginDevices).where(where).returning({ u: loginDevices.userId })).length;
}

export async function deleteExpiredLoginDevices(h: AsyncDb, at: number): Promise<number> {
  const { loginDevices } = h.t;
  return (await h.q.delete(loginDevices).where(lt(loginDevices.expiresAt, at)).returning({ u: loginDevices.userId })).length;
}
