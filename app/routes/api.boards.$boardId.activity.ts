import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { boardActivity, requestActivity } from "~/services/activity.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";

/**
 * GET: the board's activity, newest first (`?before=<id>&limit=50` to page);
 * `?request=<requestId>` for one request's history.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const url = new URL(request.url);
  const requestId = url.searchParams.get("request");
  if (requestId) return json(await requestActivity(svc, user, board, requestId));
  const before = Number(url.searchParams.get("before")) || undefined;
  const limit = Math.min(Number(url.searchParams.get("limit")) || 50, 200);
  return json(await boardActivity(svc, user, board, { beforeId: before, limit }));
}
