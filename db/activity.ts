/** The audit log read back as an activity feed, with the names of who did it (asynchronous layer: both engines). */
import { and, desc, eq, gt, gte, inArray, lt, or } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first, jsonText } from "./dialect";

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

/** The feed's columns, and the audit rows joined with who did it. */
function feed(h: AsyncDb) {
  const { auditEvents, users, organisations } = h.t;
  return h.q
    .select({
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
    })
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.userId))
    .leftJoin(organisations, eq(organisations.id, auditEvents.orgId));
}

export async function activityFeed(
  h: AsyncDb,
  q: { boardId: string; requestId?: string; requestIds?: string[]; beforeId?: number; afterId?: number; limit?: number },
): Promise<ActivityRow[]> {
  const { auditEvents } = h.t;
  const conds = [eq(auditEvents.boardId, q.boardId)];
  if (q.requestId) conds.push(eq(auditEvents.requestId, q.requestId));
  if (q.requestIds) conds.push(inArray(auditEvents.requestId, q.requestIds));
  if (q.beforeId) conds.push(lt(auditEvents.id, q.beforeId));
  if (q.afterId) conds.push(gt(auditEvents.id, q.afterId));
  return (await feed(h)
    .where(and(...conds))
    .orderBy(desc(auditEvents.id))
    .limit(Math.min(q.limit ?? 50, 500))) as ActivityRow[];
}

export async function activityByIds(h: AsyncDb, ids: number[]): Promise<ActivityRow[]> {
  if (ids.length === 0) return [];
  const { auditEvents } = h.t;
  return (await feed(h).where(inArray(auditEvents.id, ids)).orderBy(desc(auditEvents.id))) as ActivityRow[];
}

/** The newest audit row of a request (what an operation just wrote). */
export async function latestActivityFor(h: AsyncDb, requestId: string): Promise<ActivityRow | null> {
  const { auditEvents } = h.t;
  return ((await first(feed(h).where(eq(auditEvents.requestId, requestId)).orderBy(desc(auditEvents.id)))) as ActivityRow | undefined) ?? null;
}

/** Claims of an organisation that expired recently (its in-app notices). */
export async function expiredClaimsFor(h: AsyncDb, orgId: string, since: number) {
  const { auditEvents } = h.t;
  return h.q
    .select({ id: auditEvents.id, boardId: auditEvents.boardId, requestId: auditEvents.requestId, createdAt: auditEvents.createdAt })
    .from(auditEvents)
    .where(and(eq(auditEvents.type, "claim_expired"), eq(jsonText(h, auditEvents.data, "org"), orgId), gte(auditEvents.createdAt, since)))
    .orderBy(desc(auditEvents.id));
}

/**
 * Moves of a board's requests into any of `columnIds` (from the audit of
 * moves the sync server records), oldest first: the report reads when
 * requests reached a done column from these.
 */
export async function movesInto(
  h: AsyncDb,
  boardId: string,
  columnIds: readonly string[],
): Promise<Array<{ requestId: string | null; at: number; from: unknown; to: unknown; fromStage: unknown; toStage: unknown }>> {
  const { auditEvents } = h.t;
  const field = (key: string) => jsonText(h, auditEvents.data, key);
  const intoDone = eq(field("toStage"), "done");
  return h.q
    .select({
      requestId: auditEvents.requestId,
      at: auditEvents.createdAt,
      from: field("from"),
      to: field("to"),
      fromStage: field("fromStage"),
      toStage: field("toStage"),
    })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.boardId, boardId),
        eq(auditEvents.type, "moved"),
        // Into a column that is done now, or into one that was done at the time (it may be gone since).
        columnIds.length ? or(inArray(field("to"), [...columnIds]), intoDone) : intoDone,
      ),
    )
    .orderBy(auditEvents.id);
}
