/** The audit log read back as an activity feed, with the names of who did it. */
import { and, desc, eq, gt, inArray, lt, or, sql } from "drizzle-orm";
import type { DB } from "./client";
import { auditEvents, organisations, users } from "./schema";

export interface ActivityRow {
  id: number;
  boardId: string;
  requestId: string | null;
  type: string;
  data: Record<string, unknown> | null;
  createdAt: number;
  userId: string | null;
  userName: string | null;
  orgId: string | null;
  orgName: string | null;
}

const columns = {
  id: auditEvents.id,
  boardId: auditEvents.boardId,
  requestId: auditEvents.requestId,
  type: auditEvents.type,
  data: auditEvents.data,
  createdAt: auditEvents.createdAt,
  userId: auditEvents.userId,
  userName: users.name,
  orgId: auditEvents.orgId,
  orgName: organisations.shortName,
};

export function activityFeed(
  db: DB,
  q: { boardId: string; requestId?: string; requestIds?: string[]; beforeId?: number; afterId?: number; limit?: number },
): ActivityRow[] {
  const conds = [eq(auditEvents.boardId, q.boardId)];
  if (q.requestId) conds.push(eq(auditEvents.requestId, q.requestId));
  if (q.requestIds) conds.push(inArray(auditEvents.requestId, q.requestIds));
  if (q.beforeId) conds.push(lt(auditEvents.id, q.beforeId));
  if (q.afterId) conds.push(gt(auditEvents.id, q.afterId));
  return db
    .select(columns)
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.userId))
    .leftJoin(organisations, eq(organisations.id, auditEvents.orgId))
    .where(and(...conds))
    .orderBy(desc(auditEvents.id))
    .limit(Math.min(q.limit ?? 50, 500))
    .all();
}

export function activityByIds(db: DB, ids: number[]): ActivityRow[] {
  if (ids.length === 0) return [];
  return db
    .select(columns)
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.userId))
    .leftJoin(organisations, eq(organisations.id, auditEvents.orgId))
    .where(inArray(auditEvents.id, ids))
    .orderBy(desc(auditEvents.id))
    .all();
}

/** The newest audit row of a request (what an operation just wrote). */
export function latestActivityFor(db: DB, requestId: string): ActivityRow | null {
  return (
    db
      .select(columns)
      .from(auditEvents)
      .leftJoin(users, eq(users.id, auditEvents.userId))
      .leftJoin(organisations, eq(organisations.id, auditEvents.orgId))
      .where(eq(auditEvents.requestId, requestId))
      .orderBy(desc(auditEvents.id))
      .limit(1)
      .get() ?? null
  );
}

/** Claims of an organisation that expired recently (its in-app notices). */
export function expiredClaimsFor(db: DB, orgId: string, since: number) {
  return db
    .select({ id: auditEvents.id, boardId: auditEvents.boardId, requestId: auditEvents.requestId, createdAt: auditEvents.createdAt })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.type, "claim_expired"),
        sql`json_extract(${auditEvents.data}, '$.org') = ${orgId}`,
        sql`${auditEvents.createdAt} >= ${since}`,
      ),
    )
    .orderBy(desc(auditEvents.id))
    .all();
}

/**
 * Moves of a board's requests into any of `columnIds` (from the audit of
 * moves the sync server records), oldest first: the report reads when
 * requests reached a done column from these.
 */
export function movesInto(
  db: DB,
  boardId: string,
  columnIds: readonly string[],
): Array<{ requestId: string | null; at: number; from: unknown; to: unknown; fromStage: unknown; toStage: unknown }> {
  return db
    .select({
      requestId: auditEvents.requestId,
      at: auditEvents.createdAt,
      from: sql<unknown>`json_extract(${auditEvents.data}, '$.from')`,
      to: sql<unknown>`json_extract(${auditEvents.data}, '$.to')`,
      fromStage: sql<unknown>`json_extract(${auditEvents.data}, '$.fromStage')`,
      toStage: sql<unknown>`json_extract(${auditEvents.data}, '$.toStage')`,
    })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.boardId, boardId),
        eq(auditEvents.type, "moved"),
        // Into a column that is done now, or into one that was done at the time (it may be gone since).
        columnIds.length
          ? or(inArray(sql`json_extract(${auditEvents.data}, '$.to')`, [...columnIds]), sql`json_extract(${auditEvents.data}, '$.toStage') = 'done'`)
          : sql`json_extract(${auditEvents.data}, '$.toStage') = 'done'`,
      ),
    )
    .orderBy(auditEvents.id)
    .all();
}
