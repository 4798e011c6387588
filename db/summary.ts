/**
 * What "since the last meeting" and the proposed agenda read from SQL: the
 * audit rows after a moment, each request's holder and last activity, and
 * the end moment of its last meeting (open actions: `boardActionRows` in
 * meetings.ts).
 */
import { and, asc, desc, eq, gt, isNotNull } from "drizzle-orm";
import type { DB } from "./client";
import { auditEvents, meetings, requests } from "./schema";

/** The board's audit rows after `afterId` (a moment's lastAuditId), oldest first. */
export function auditAfter(db: DB, boardId: string, afterId: number) {
  return db
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
    .orderBy(asc(auditEvents.id))
    .all();
}

/** Whether anything was ever recorded for a board. */
export function boardHasHistory(db: DB, boardId: string): boolean {
  return !!db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.boardId, boardId)).limit(1).get();
}

/** Every request of a board with its holder, creation and last activity (merged ones marked). */
export function requestStates(db: DB, boardId: string) {
  return db
    .select({
      id: requests.id,
      ownerOrgId: requests.ownerOrgId,
      createdAt: requests.createdAt,
      lastActivityAt: requests.lastActivityAt,
      mergedInto: requests.mergedInto,
    })
    .from(requests)
    .where(eq(requests.boardId, boardId))
    .all();
}

/** The end moment of the board's last ended meeting, or null. */
export function lastMeetingEndMoment(db: DB, boardId: string): string | null {
  return (
    db
      .select({ id: meetings.endMomentId })
      .from(meetings)
      .where(and(eq(meetings.boardId, boardId), eq(meetings.status, "ended"), isNotNull(meetings.endMomentId)))
      .orderBy(desc(meetings.endedAt))
      .limit(1)
      .get()?.id ?? null
  );
}
