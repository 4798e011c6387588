import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { jobDetails } from "~/services/jobs.server";

export const action = () => methodNotAllowed("GET");

/**
 * GET /api/boards/<boardId>/jobs/<jobId>: { id, title, places, filled:
 * [requestId…], left, category, at, recurrence, durationMinutes, area,
 * description, languageLevel, physical, asks, organisation, teamId, doneAt, column,
 * mayFill }. 404 for an unknown job (or another alliance's).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const job = await jobDetails(svc, user, board, params.jobId!);
  if (!job) return apiError(404, "not_found", "No such job on this board.");
  return json(job, { headers: { "Cache-Control": "private, no-store" } });
}
