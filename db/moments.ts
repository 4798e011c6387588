/**
 * Stored moments of a board (`board_moments`): the whole Yjs document at a
 * point in time and the audit log's position then. Kept, never replaced
 * (unlike the compaction snapshot in `board_snapshots`).
 */
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { DB } from "./client";
import { auditEvents, boardMoments, boards, boardSnapshots, boardUpdates, type MomentReason } from "./schema";

export type MomentRow = typeof boardMoments.$inferSelect;

export interface MomentListItem {
  id: string;
  at: number;
  reason: MomentReason;
  meetingId: string | null;
}

const listColumns = { id: boardMoments.id, at: boardMoments.at, reason: boardMoments.reason, meetingId: boardMoments.meetingId };

export function insertMoment(db: DB, m: typeof boardMoments.$inferInsert): void {
  db.insert(boardMoments).values(m).run();
}

/** A board's moments, oldest first (two in the same millisecond in the order they were stored). */
export function listMoments(db: DB, boardId: string): MomentListItem[] {
  return db
    .select(listColumns)
    .from(boardMoments)
    .where(eq(boardMoments.boardId, boardId))
    .orderBy(asc(boardMoments.at), asc(sql`rowid`))
    .all();
}

/** One moment with its document, or null also when it belongs to another board. */
export function getMoment(db: DB, boardId: string, id: string): MomentRow | null {
  return db
    .select()
    .from(boardMoments)
    .where(and(eq(boardMoments.boardId, boardId), eq(boardMoments.id, id)))
    .get() ?? null;
}

/** The newest moment of a board (without its document), or null. */
export function latestMoment(db: DB, boardId: string): (MomentListItem & { lastAuditId: number }) | null {
  return (
    db
      .select({ ...listColumns, lastAuditId: boardMoments.lastAuditId })
      .from(boardMoments)
      .where(eq(boardMoments.boardId, boardId))
      .orderBy(desc(boardMoments.at), desc(sql`rowid`))
      .limit(1)
      .get() ?? null
  );
}

/** The board's newest audit row id (0 when it has none): where the audit log stood. */
export function maxAuditId(db: DB, boardId: string): number {
  const row = db
    .select({ id: sql<number>`coalesce(max(${auditEvents.id}), 0)` })
    .from(auditEvents)
    .where(eq(auditEvents.boardId, boardId))
    .get();
  return row?.id ?? 0;
}

/**
 * Boards the daily sweep owes a moment: not archived, whose last moment was
 * stored at or before `olderThan` and that changed since it (newer audit
 * rows, newer document updates, or a compaction since: its updates were
 * folded into the snapshot). A board without any moment is owed its first
 * once it was created at or before `olderThan` (its creation is its start).
 */
export function boardsDueForMoment(db: DB, olderThan: number): string[] {
  const last = db
    .select({
      boardId: boardMoments.boardId,
      at: sql<number>`max(${boardMoments.at})`.as("last_at"),
      auditId: sql<number>`max(${boardMoments.lastAuditId})`.as("last_audit_id"),
    })
    .from(boardMoments)
    .groupBy(boardMoments.boardId)
    .as("last");
  return db
    .select({ id: boards.id })
    .from(boards)
    .leftJoin(last, eq(last.boardId, boards.id))
    .where(
      and(
        isNull(boards.archivedAt),
        sql`((${last.at} is null and ${boards.createdAt} <= ${olderThan}) or (${last.at} <= ${olderThan} and (
          exists (select 1 from ${auditEvents} where ${auditEvents.boardId} = ${boards.id} and ${auditEvents.id} > ${last.auditId})
          or exists (select 1 from ${boardUpdates} where ${boardUpdates.boardId} = ${boards.id} and ${boardUpdates.createdAt} > ${last.at})
          or exists (select 1 from ${boardSnapshots} where ${boardSnapshots.boardId} = ${boards.id} and ${boardSnapshots.updatedAt} > ${last.at})
        )))`,
      ),
    )
    .orderBy(asc(boards.id))
    .all()
    .map((r) => r.id);
}
