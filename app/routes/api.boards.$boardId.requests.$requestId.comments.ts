import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { addComment, commentsOf } from "~/services/comments.server";
import { services } from "~/services/context.server";

/** GET: the comments of a request, oldest first. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const list = await commentsOf(svc, user, { boardId: board.id, requestId: params.requestId! });
  if (!list) return apiError(404, "not_found", "No such request on this board.");
  return json(list);
}

/**
 * POST { body, acknowledgePersonalData? }: add a comment (members and
 * coordinators); 422 { error: "personal_data", found } when it holds personal
 * data and that was not acknowledged.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const body = await readBody(request);
  const res = await addComment(svc, user, { boardId: board.id, requestId: params.requestId! }, body.body, body.acknowledgePersonalData);
  if (!res.ok) return apiError(res.status, res.error, res.message, "found" in res ? { found: res.found } : {});
  return json(res.comment, { status: 201 });
}
