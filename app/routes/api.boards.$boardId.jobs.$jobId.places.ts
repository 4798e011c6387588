import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { fillJob, jobErrorResponse } from "~/services/jobs.server";

export const loader = () => methodNotAllowed("POST");

/**
 * POST /api/boards/<boardId>/jobs/<jobId>/places { requestIds }: fill places
 * with these requests, all or none. 200 with the job; 409 { error:
 * "not_enough_places", left } when there are too few; 409 in_a_job /
 * held_elsewhere / job_done; 422 not_eligible (not open requests of this
 * board) or invalid; 403 unless coordinator or the job's organisation.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const body = await readBody(request);
  const res = await fillJob(svc, user, board, params.jobId!, body.requestIds);
  if (!res.ok) return jobErrorResponse(res);
  return json(res.job);
}
