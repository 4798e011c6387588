/**
 * The activity feed: every change to a request, from the append-only audit
 * table, streamed live to the board. Each operation that writes an audit row
 * calls `publishActivity`; document edits are published by the sync server
 * after their commit.
 */
import { activityFeed, latestActivityFor, type ActivityRow } from "../../db/activity";
import { mergedSources } from "../../db/duplicates";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";

export const ACTIVITY_EVENT = "activity:new";

export type ActivityView = ActivityRow;

/** Free text never travels in the feed beyond what the board already shows. */
function view(row: ActivityRow): ActivityView {
  return row;
}

export async function boardActivity(svc: AppServices, _user: SessionUser, board: BoardRow, opts: { beforeId?: number; limit?: number } = {}) {
  return (await activityFeed(svc.async, { boardId: board.id, ...opts })).map(view);
}

/** A request's history, including the histories of requests merged into it. */
export async function requestActivity(svc: AppServices, _user: SessionUser, board: BoardRow, requestId: string) {
  const ids = [requestId, ...(await mergedSources(svc.async, requestId))];
  return (await activityFeed(svc.async, { boardId: board.id, requestIds: ids, limit: 200 })).map(view);
}

/**
 * Send activity rows just stored (the sync server's record of a commit,
 * with the names it read) to everyone on the board, newest first.
 */
export function publishActivityRows(svc: AppServices, boardId: string, rows: readonly ActivityRow[]): void {
  if (rows.length) svc.realtime.toBoard(boardId, ACTIVITY_EVENT, [...rows].sort((a, b) => b.id - a.id).map(view));
}

/** Send the newest activity row of a request (what an operation just wrote). */
export async function publishLatest(svc: AppServices, boardId: string, requestId: string): Promise<void> {
  const row = await latestActivityFor(svc.async, requestId);
  if (row) svc.realtime.toBoard(boardId, ACTIVITY_EVENT, [view(row)]);
}
