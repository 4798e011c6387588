/**
 * What the limits need from SQL: the hourly request quota (counted from the
 * requests themselves, so it is exact and survives restarts), the reference
 * check log, and the browsers that logged into an account before.
 */
import { and, count, desc, eq, gt, gte, isNotNull, lt, ne, sql } from "drizzle-orm";
import type { DB } from "./client";
import { alliances, boards, loginDevices, organisations, referenceChecks, requests, users } from "./schema";

// ------------------------------------------------------------------ request quota

/**
 * Operations that created requests of an organisation (on any board) at or
 * after `since`: each request entered by hand counts once, and each import
 * counts once however many rows it created (all rows of one import share its
 * id and creation time; imported rows have their own cap, importedRowsSince).
 */
export function requestsCreatedByOrgSince(db: DB, orgId: string, since: number): number {
  return (
    db
      .select({ n: sql<number>`count(distinct coalesce(${requests.importId}, ${requests.id}))`.mapWith(Number) })
      .from(requests)
      .where(and(eq(requests.createdByOrgId, orgId), gte(requests.createdAt, since)))
      .get()?.n ?? 0
  );
}

/**
 * The creation time of the organisation's operation (a request, or an import)
 * at or after `since` that has `skip` older ones in that span: when it leaves
 * the hour, the count drops by `skip + 1` (the time until a place frees up).
 */
export function countedRequestAt(db: DB, orgId: string, since: number, skip: number): number | null {
  const op = sql`coalesce(${requests.importId}, ${requests.id})`;
  return (
    db
      .select({ at: sql<number>`min(${requests.createdAt})`.mapWith(Number) })
      .from(requests)
      .where(and(eq(requests.createdByOrgId, orgId), gte(requests.createdAt, since)))
      .groupBy(op)
      .orderBy(sql`min(${requests.createdAt})`)
      .limit(1)
      .offset(Math.max(0, skip))
      .get()?.at ?? null
  );
}

/** Rows an organisation imported (on any board) at or after `since`: the import cap's count. */
export function importedRowsSince(db: DB, orgId: string, since: number): number {
  return (
    db
      .select({ n: count() })
      .from(requests)
      .where(and(eq(requests.createdByOrgId, orgId), gte(requests.createdAt, since), isNotNull(requests.importId)))
      .get()?.n ?? 0
  );
}

/** The alliance's own hourly quota per organisation, or null for the server's default. */
export function allianceRequestQuota(db: DB, allianceId: string): number | null {
  return db.select({ q: alliances.requestQuotaPerHour }).from(alliances).where(eq(alliances.id, allianceId)).get()?.q ?? null;
}

export function setAllianceRequestQuota(db: DB, allianceId: string, perHour: number | null): void {
  db.update(alliances).set({ requestQuotaPerHour: perHour }).where(eq(alliances.id, allianceId)).run();
}

/** Per organisation of the alliance: requests created at or after `since`. */
export function requestsPerOrgSince(db: DB, allianceId: string, since: number): { orgId: string; name: string; created: number }[] {
  return db
    .select({
      orgId: organisations.id,
      name: organisations.name,
      // An import counts once, as in the quota.
      created: sql<number>`count(distinct coalesce(${requests.importId}, ${requests.id}))`.mapWith(Number),
    })
    .from(organisations)
    .leftJoin(requests, and(eq(requests.createdByOrgId, organisations.id), gte(requests.createdAt, since)))
    .where(eq(organisations.allianceId, allianceId))
    .groupBy(organisations.id)
    .orderBy(organisations.name)
    .all();
}

// ------------------------------------------------------------------ reference checks

export type ReferenceCheckOutcome = (typeof referenceChecks.$inferInsert)["outcome"];

export function recordReferenceCheck(
  db: DB,
  r: { boardId: string; userId: string; orgId: string; outcome: ReferenceCheckOutcome; createdAt: number },
): void {
  db.insert(referenceChecks).values(r).run();
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
export function referenceCheckCounts(db: DB, allianceId: string, since: number): ReferenceCheckCount[] {
  return db
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
    .groupBy(users.id)
    .orderBy(desc(sql`count(*)`))
    .all();
}

// ------------------------------------------------------------------ login devices

export function addLoginDevice(db: DB, d: { tokenHash: string; userId: string; createdAt: number; expiresAt: number }): void {
  db.insert(loginDevices)
    .values(d)
    .onConflictDoUpdate({ target: [loginDevices.tokenHash, loginDevices.userId], set: { expiresAt: d.expiresAt } })
    .run();
}

/** Whether this browser's token logged into this account before (and has not expired). */
export function isLoginDevice(db: DB, tokenHash: string, userId: string, at: number): boolean {
  return !!db
    .select({ u: loginDevices.userId })
    .from(loginDevices)
    .where(and(eq(loginDevices.tokenHash, tokenHash), eq(loginDevices.userId, userId), gt(loginDevices.expiresAt, at)))
    .get();
}

/** Whether this browser's token logged into any other account before (a shared computer). */
export function isDeviceOfOthers(db: DB, tokenHash: string, userId: string, at: number): boolean {
  return !!db
    .select({ u: loginDevices.userId })
    .from(loginDevices)
    .where(and(eq(loginDevices.tokenHash, tokenHash), ne(loginDevices.userId, userId), gt(loginDevices.expiresAt, at)))
    .get();
}

/** Forget the browsers known to an account, except the one with `keepTokenHash` (null: all). */
export function forgetLoginDevices(db: DB, userId: string, keepTokenHash: string | null): number {
  const where = keepTokenHash ? and(eq(loginDevices.userId, userId), ne(loginDevices.tokenHash, keepTokenHash)) : eq(loginDevices.userId, userId);
  return db.delete(loginDevices).where(where).run().changes;
}

export function deleteExpiredLoginDevices(db: DB, at: number): number {
  return db.delete(loginDevices).where(lt(loginDevices.expiresAt, at)).run().changes;
}
