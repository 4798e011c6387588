import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { actionsForOrganisation, actionsForRequest, openActions } from "~/services/meetings.server";

/**
 * GET /api/boards/<boardId>/actions: the actions of the board's meetings
 * (`MeetingAction[]`, by due day). `?open=1` only those not done;
 * `?ours=1` the open ones of the caller's organisation; `?request=<id>`
 * those of one request (open and done). 404 for an unknown board and another alliance's alike.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const q = new URL(request.url).searchParams;
  const boardId = params.boardId!;
  const requestId = q.get("request");
  const list = requestId
    ? await actionsForRequest(svc, user, boardId, requestId)
    : q.get("ours") === "1"
      ? await actionsForOrganisation(svc, user, boardId)
      : await openActions(svc, user, boardId, { all: q.get("open") !== "1" });
  if (!list) return apiError(404, "not_found", "No such board.");
  return json(list, { headers: { "Cache-Control": "private, no-store" } });
}
