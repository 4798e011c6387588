import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { boardStructure } from "~/services/boards.server";
import { services } from "~/services/context.server";

/**
 * GET /api/boards/<boardId>: `{ id, name, columns: [{ id, name, stage }],
 * categories: [{ id, label, color }] }`, columns in board order, so an
 * integration can find the ids it needs. 401 without a session; 404 for an
 * unknown board and for a board of another alliance alike.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = requireUser(svc, request);
  const board = await boardStructure(svc, user, params.boardId!);
  if (!board) return apiError(404, "not_found", "No such board.");
  return json(board, { headers: { "Cache-Control": "private, no-store" } });
}
