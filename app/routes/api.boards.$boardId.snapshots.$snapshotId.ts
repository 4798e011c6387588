import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { changesBetween, momentBoard } from "~/services/moments.server";

/**
 * GET /api/boards/<boardId>/snapshots/<snapshotId>: the board as it was,
 * `{ at, columns, cards }` (every card of that time, `archived` marked;
 * `reference` only for the organisation that may see it today, else null,
 * as the live API gives it). With `?until=<otherId>` also `changes: { from,
 * to, events, more }`: the audit events between the two moments, newest
 * first (as the activity feed). 404 for an unknown id, one of another board
 * or alliance, and an unknown `until` alike. Read-only: every other method
 * is 405.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const headers = { "Cache-Control": "private, no-store" };
  const moment = await momentBoard(svc, user, board, params.snapshotId!);
  if (!moment) return apiError(404, "not_found", "No such moment of this board.");
  const body = { at: moment.at, columns: moment.columns, cards: moment.cards };
  const until = new URL(request.url).searchParams.get("until");
  if (until === null) return json(body, { headers });
  const changes = await changesBetween(svc, board, moment.id, until);
  if (!changes) return apiError(404, "not_found", "No such moment of this board.");
  return json({ ...body, changes }, { headers });
}

/** A moment is never changed: 405 for POST, PUT, PATCH and DELETE. */
export function action() {
  return methodNotAllowed("GET");
}
