import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { freeJobPlace, jobErrorResponse } from "~/services/jobs.server";

export const loader = () => methodNotAllowed("DELETE");

/** DELETE /api/boards/<boardId>/jobs/<jobId>/places/<requestId>: frees that request's place. 200 with the job; 404 when it has none there. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "DELETE") return methodNotAllowed("DELETE");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const res = await freeJobPlace(svc, user, board, params.jobId!, params.requestId!);
  if (!res.ok) return jobErrorResponse(res);
  return json(res.job);
}
