/**
 * Stored moments of a board (`board_moments`): the whole Yjs document at a
 * point in time and the audit log's position then. Kept, never replaced
 * (unlike the compaction snapshot in `board_snapshots`). On the asynchronous
 * layer (both engines, docs/decisions/001-async-database-layer.md).
 */
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first, storedOrder } from "./dialect";
import type { boardMoments, MomentReason } from "./schema";

export type MomentRow = typeof boardMoments.$inferSelect;

export interface MomentListItem {
  id: string;
  at: number;
  reason: MomentReason;
  meetingId: string | null;
}

const listColumns = (h: AsyncDb) => {
  const { boardMoments } = h.t;
  return { id: boardMoments.id, at: boardMoments.at, reason: boardMoments.reason, meetingId: boardMoments.meetingId };
};

export async function insertMoment(h: AsyncDb, m: typeof boardMoments.$inferInsert): Promise<void> {
  await h.q.insert(h.t.boardMoments).values(m);
}

/** A board's moments, oldest first (two in the same millisecond in the order they were stored; by id on PostgreSQL: db/dialect.ts storedOrder). */
export async function listMoments(h: AsyncDb, boardId: string): Promise<MomentListItem[]> {
  const { boardMoments } = h.t;
  return h.q
    .select(listColumns(h))
    .from(boardMoments)
    .where(eq(boardMoments.boardId, boardId))
    .orderBy(asc(boardMoments.at), asc(storedOrder(h, boardMoments)));
}

/** One moment with its document, or null also when it belongs to another board. */
export async function getMoment(h: AsyncDb, boardId: string, id: string): Promise<MomentRow | null> {
  const { boardMoments } = h.t;
  return (await first(h.q.select().from(boardMoments).where(and(eq(boardMoments.boardId, boardId), eq(boardMoments.id, id))))) ?? null;
}

/** The newest moment of a board (without its document), or null. */
export async function latestMoment(h: AsyncDb, boardId: string): Promise<(MomentListItem & { lastAuditId: number }) | null> {
  const { boardMoments } = h.t;
  return (
    (await first(
      h.q
        .select({ ...listColumns(h), lastAuditId: boardMoments.lastAuditId })
        .from(boardMoments)
        .where(eq(boardMoments.boardId, boardId))
        .orderBy(desc(boardMoments.at), desc(storedOrder(h, boardMoments))),
    )) ?? null
  );
}

/** The board's newest audit row id (0 when it has none): where the audit log stood. */
export async function maxAuditId(h: AsyncDb, boardId: string): Promise<number> {
  const { auditEvents } = h.t;
  const row = await first(
    h.q
      .select({ id: sql`coalesce(max(${auditEvents.id}), 0)`.mapWith(Number) })
      .from(auditEvents)
      .where(eq(auditEvents.boardId, boardId)),
  );
  return row?.id ?? 0;
}

/**
 * Boards the daily sweep owes a moment: not archived, whose last moment was
 * stored at or before `olderThan` and that changed since it (newer audit
 * rows, newer document updates, or a compaction since: its updates were
 * folded into the snapshot). A board without any moment is owed its first
 * once it was created at or before `olderThan` (its creation is its start).
 */
export async function boardsDueForMoment(h: AsyncDb, olderThan: number): Promise<string[]> {
  const { auditEvents, boardMoments, boards, boardSnapshots, boardUpdates } = h.t;
  const last = h.q
    .select({
      boardId: boardMoments.boardId,
      at: sql<number>`max(${boardMoments.at})`.as("last_at"),
      auditId: sql<number>`max(${boardMoments.lastAuditId})`.as("last_audit_id"),
    })
    .from(boardMoments)
    .groupBy(boardMoments.boardId)
    .as("last");
  const rows = await h.q
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
    .orderBy(asc(boards.id));
  return rows.map((r) => r.id);
}
