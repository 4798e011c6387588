import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { staleDaysParam, summaryFor } from "~/services/summary.server";

/**
 * GET /api/boards/<boardId>/summary?since=<snapshotId>[&ouderDan=14]: "since
 * the last meeting" (app/services/summary.server.ts): `{ since: { id, at,
 * reason } | null, now, staleDays, totals, byCategory, byOrganisation }`,
 * each count `{ count, ids }`. Without `since`: from the last meeting's end
 * (or the oldest moment, or the board's beginning). 404 for an unknown board
 * or moment and for another alliance's alike; anyone who may open the board.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const url = new URL(request.url);
  const since = url.searchParams.get("since");
  const summary = await summaryFor(svc, user, board.id, since || null, { staleDays: staleDaysParam(url.searchParams.get("ouderDan")) });
  if (!summary) return apiError(404, "not_found", "No such moment on this board.");
  return json(summary, { headers: { "Cache-Control": "private, no-store" } });
}

export const action = () => methodNotAllowed("GET");
