import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { markSpam, spamOptions } from "~/services/front-door-spam.server";

/**
 * GET: whether the request came in through the front door and this person
 * may mark it as spam (the card dialog shows the button then): 200
 * `{ frontDoor, may }`; 404 for an unknown request or another alliance's.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const res = await spamOptions(svc, user, board, params.requestId!);
  if (!res) return apiError(404, "not_found", "No such request on this board.");
  return json(res, { headers: { "Cache-Control": "private, no-store" } });
}

/**
 * POST /api/boards/<boardId>/requests/<requestId>/spam (no body): a request
 * that came in through the front door is erased as spam and its sender's
 * address budget shrinks (app/services/front-door-spam.server.ts). 200
 * `{ ok: true }`; 403 for viewers and members of other organisations; 404
 * for an unknown request or board (also another alliance's); 409 on an
 * archived board; 422 `not_front_door` for a request staff entered.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const res = await markSpam(svc, user, board, params.requestId!);
  if (res.ok) return json({ ok: true }, { headers: { "Cache-Control": "private, no-store" } });
  if (res.status === 403) return apiError(403, "forbidden", "Only a coordinator or the organisation that has this request may mark it as spam.");
  if (res.status === 404) return apiError(404, "not_found", "No such request on this board.");
  return apiError(422, "not_front_door", "Only a request that came in through the public page can be marked as spam.");
}
