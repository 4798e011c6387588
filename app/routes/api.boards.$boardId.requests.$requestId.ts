import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { requestDetails } from "~/services/requests.server";

/**
 * GET /api/boards/:boardId/requests/:requestId: the server-side details of a
 * request (who entered it; the pseudonymous reference only for the
 * organisation that may see it).
 */
export function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = requireUser(svc, request);
  const board = requireBoard(svc, request, user, params.boardId!);
  const details = requestDetails(svc, user, board, params.requestId!);
  const headers = { "Cache-Control": "private, no-store" };
  if (!details) return json({ error: "not_found", message: "No such request." }, { status: 404, headers });
  return json(details, { headers });
}
