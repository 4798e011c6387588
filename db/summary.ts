/**
 * What "since the last meeting" and the proposed agenda read from SQL: the
 * audit rows after a moment, each request's holder and last activity, and
 * the end moment of its last meeting (open actions: `boardActionRows` in
 * meetings.ts). On the asynchronous layer (both engines).
 */
import { and, asc, desc, eq, gt, isNotNull } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first } from "./dialect";

/** The board's audit rows after `afterId` (a moment's lastAuditId), oldest first. */
export async function auditAfter(h: AsyncDb, boardId: string, afterId: number) {
  const { auditEvents } = h.t;
  return h.q
    .select({
      id: auditEvents.id,
      type: auditEvents.type,
      requestId: auditEvents.requestId,
      orgId: auditEvents.orgId,
      data: auditEvents.data,
      createdAt: auditEvents.createdAt,
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.boardId, boardId), gt(auditEvents.id, afterId)))
    .orderBy(asc(auditEvents.id));
}

/** Whether anything was ever recorded for a board. */
export async function boardHasHistory(h: AsyncDb, boardId: string): Promise<boolean> {
  const { auditEvents } = h.t;
  return !!(await first(h.q.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.boardId, boardId))));
}

/** Every request of a board with its holder, creation and last activity (merged ones marked). */
export async function requestStates(h: AsyncDb, boardId: string) {
  const { requests } = h.t;
  return h.q
    .select({
      id: requests.id,
      ownerOrgId: requests.ownerOrgId,
      createdAt: requests.createdAt,
      lastActivityAt: requests.lastActivityAt,
      mergedInto: requests.mergedInto,
    })
    .from(requests)
    .where(eq(requests.boardId, boardId));
}

/** The end moment of the board's last ended meeting, or null. */
export async function lastMeetingEndMoment(h: AsyncDb, boardId: string): Promise<string | null> {
  const { meetings } = h.t;
  const row = await first(
    h.q
      .select({ id: meetings.endMomentId })
      .from(meetings)
      .where(and(eq(meetings.boardId, boardId), eq(meetings.status, "ended"), isNotNull(meetings.endMomentId)))
      .orderBy(desc(meetings.endedAt)),
  );
  return row?.id ?? null;
}
