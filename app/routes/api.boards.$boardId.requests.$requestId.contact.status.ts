import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { contactStatus } from "~/services/contacts.server";
import { services } from "~/services/context.server";

/**
 * GET /api/boards/:boardId/requests/:requestId/contact/status: what the card
 * dialog shows before anything is read (nothing logged): { stored, access:
 * "read" | "no_consent" | "none", canWrite, available, log }. `stored` only
 * for those who may read or are coordinators; `log` (who, when, what; never
 * the content) only for coordinators. 404 for another alliance's ids.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const status = await contactStatus(svc, user, board, params.requestId!);
  if ("ok" in status) return apiError(status.status, status.error, status.message);
  return json(status, { headers: { "Cache-Control": "private, no-store" } });
}

export function action() {
  return methodNotAllowed("GET");
}
