/**
 * The activity feed: every change to a request, from the append-only audit
 * table, streamed live to the board. Each operation that writes an audit row
 * calls `publishActivity`; document edits are published by the sync server
 * after their commit.
 */
import { activityByIds, activityFeed, latestActivityFor, type ActivityRow } from "../../db/activity";
import { mergedSources } from "../../db/duplicates";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";

export const ACTIVITY_EVENT = "activity:new";

export type ActivityView = ActivityRow;

/** Free text never travels in the feed beyond what the board already shows. */
function view(row: ActivityRow): ActivityView {
  return row;
}

export function boardActivity(svc: AppServices, _user: SessionUser, board: BoardRow, opts: { beforeId?: number; limit?: number } = {}) {
  return activityFeed(svc.db, { boardId: board.id, ...opts }).map(view);
}

/** A request's history, including the histories of requests merged into it. */
export function requestActivity(svc: AppServices, _user: SessionUser, board: BoardRow, requestId: string) {
  const ids = [requestId, ...mergedSources(svc.db, requestId)];
  return activityFeed(svc.db, { boardId: board.id, requestIds: ids, limit: 200 }).map(view);
}

/** Send stored activity rows (by id) to everyone on the board. */
export function publishActivityIds(svc: AppServices, boardId: string, ids: number[]) {
  const rows = activityByIds(svc.db, ids).map(view);
  if (rows.length) svc.realtime.toBoard(boardId, ACTIVITY_EVENT, rows);
}

/** Send the newest activity row of a request (what an operation just wrote). */
export function publishLatest(svc: AppServices, boardId: string, requestId: string) {
  const row = latestActivityFor(svc.db, requestId);
  if (row) svc.realtime.toBoard(boardId, ACTIVITY_EVENT, [view(row)]);
}
