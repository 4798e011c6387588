import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { claim, reassign, refer, unclaim, type OwnershipResult } from "~/services/ownership.server";

export const loader = () => methodNotAllowed("POST");

/** POST .../claim | .../unclaim | .../refer { to, note } | .../reassign { to } */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const t = { boardId: board.id, requestId: params.requestId! };
  const body = await readBody(request);
  let result: OwnershipResult<object>;
  switch (params.verb) {
    case "claim":
      result = await claim(svc, user, t);
      break;
    case "unclaim":
      result = await unclaim(svc, user, t);
      break;
    case "refer":
      result = await refer(svc, user, t, { to: body.to, note: body.note });
      break;
    case "reassign":
      result = await reassign(svc, user, t, body.to);
      break;
    default:
      return apiError(404, "not_found", "Unknown action.");
  }
  if (!result.ok) {
    const { status, error, message, owner } = result;
    return apiError(status, error, message, owner !== undefined ? { owner } : {});
  }
  const { ok: _ok, ...rest } = result;
  return json(rest);
}
