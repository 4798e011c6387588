import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { canOpenBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { forgetPerson } from "~/services/forget.server";
import { getBoard } from "../../db/accounts";

const NO_STORE = { "Cache-Control": "private, no-store" };

/** Only POST: a reference never travels in a URL (URLs end up in logs and histories). */
export function loader() {
  return methodNotAllowed("POST");
}

/**
 * POST /api/boards/<boardId>/forget (coordinator) `{ "reference": "…" }` or
 * `{ "requestId": "…" }`, with `"dryRun": true` for the preview: 200
 * `{ dryRun, removed: { requests, cards, comments, referrals, duplicateMarks,
 * notifications, mails, meetingActions, meetingDecisions, auditTexts,
 * moments }, cards: [{ id, title }] }`. Erases on an archived board too.
 * 403 for anyone but a coordinator; 404 for an unknown board or another
 * alliance's, and for a request that is not this board's; 422 `{ errors:
 * { reference?: required/tooShort/tooLong/pattern/type/oneOf, requestId?: type } }`.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  // Not requireBoard: an archived board is read-only, but its people can still be forgotten.
  const board = await getBoard(svc.async, params.boardId!);
  if (!canOpenBoard(user, board)) return apiError(404, "not_found", "No such board.");
  if (user.role !== "coordinator") return apiError(403, "forbidden", "Only a coordinator may erase a person.");
  const body = await readBody(request);
  const res = await forgetPerson(svc, user, board, body);
  if (res.ok) return json({ dryRun: res.dryRun, removed: res.counts, cards: res.cards }, { headers: NO_STORE });
  if (res.status === 403) return apiError(403, "forbidden", "Only a coordinator may erase a person.");
  if (res.status === 404) return apiError(404, "not_found", "No such request on this board.");
  return apiError(422, "invalid", "Give a reference or a request of this board.", { errors: res.errors });
}
