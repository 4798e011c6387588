import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { jobErrorResponse, markDone } from "~/services/jobs.server";

export const loader = () => methodNotAllowed("POST");

/**
 * POST /api/boards/<boardId>/jobs/<jobId>/done { attended?: [requestId…] }:
 * the job (a weekly one: this occurrence) is done. Everyone in its places
 * (or only `attended`) moves on to the done column together; the others stay
 * and leave the job. 200 { job, moved, stayed }; 409 job_done.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const res = await markDone(svc, user, board, params.jobId!, await readBody(request));
  if (!res.ok) return jobErrorResponse(res);
  return json({ job: res.job, moved: res.moved, stayed: res.stayed });
}
