import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { matchesFor } from "~/services/overview.server";

/** GET: organisations ranked for this request, with the reasons. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const list = await matchesFor(svc, user, board, params.requestId!);
  if (!list) return apiError(404, "not_found", "No such request on this board.");
  return json(list);
}
