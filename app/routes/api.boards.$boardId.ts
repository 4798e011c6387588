import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { BOARD_ARCHIVED, requireUser } from "~/services/auth.server";
import { boardStructure, updateBoard } from "~/services/boards.server";
import { services } from "~/services/context.server";

/**
 * GET /api/boards/<boardId>: `{ id, name, columns: [{ id, name, stage }],
 * categories: [{ id, label, color }] }`, columns in board order, so an
 * integration can find the ids it needs. 401 without a session; 404 for an
 * unknown board and for a board of another alliance alike.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await boardStructure(svc, user, params.boardId!);
  if (!board) return apiError(404, "not_found", "No such board.");
  return json(board, { headers: { "Cache-Control": "private, no-store" } });
}

/**
 * PATCH /api/boards/<boardId> `{ name?, archived?, retentionMonths? }`
 * (coordinator): rename, archive (`true`) or put back (`false`), set the
 * retention (whole months, 1–120). 200 `{ id, name, archived, archivedAt,
 * retentionMonths }`; 404 for an unknown board and another alliance's alike; 403
 * for anyone but a coordinator; 409 `board_archived` for a rename of an
 * archived board without putting it back; 422 `{ errors }`.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "PATCH") return methodNotAllowed("GET, PATCH");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await updateBoard(svc, user, params.boardId!, { name: body.name, archived: body.archived, retentionMonths: body.retentionMonths });
  if (res.ok) return json(res.board, { headers: { "Cache-Control": "private, no-store" } });
  switch (res.status) {
    case 404:
      return apiError(404, "not_found", "No such board.");
    case 403:
      return apiError(403, "forbidden", "Only a coordinator may change boards.");
    case 409:
      return apiError(409, BOARD_ARCHIVED.error, BOARD_ARCHIVED.message);
    default:
      return apiError(422, "invalid", "The board cannot be changed like this.", { errors: res.errors });
  }
}
