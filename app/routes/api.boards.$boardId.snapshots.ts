import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { boardMomentList, manualMoment } from "~/services/moments.server";

const NO_STORE = { "Cache-Control": "private, no-store" };

/**
 * GET /api/boards/<boardId>/snapshots: the board's stored moments, oldest
 * first, `[{ id, at, reason }]` (anyone of the board's alliance). 404 for an
 * unknown board and another alliance's alike.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  return json(
    (await boardMomentList(svc, board)).map(({ id, at, reason }) => ({ id, at, reason })),
    { headers: NO_STORE },
  );
}

/**
 * POST /api/boards/<boardId>/snapshots (coordinator): store the board as it
 * is now. 201 `{ id, at, reason: "manual" }`; 403 for anyone else; 404; 409
 * `board_archived`. Counts against the write budget (requireUser).
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const res = await manualMoment(svc, user, board);
  if (res.ok) {
    return json(
      { id: res.id, at: res.at, reason: res.reason },
      { status: 201, headers: { ...NO_STORE, Location: `/api/boards/${board.id}/snapshots/${res.id}` } },
    );
  }
  if (res.status === 409) return apiError(409, "board_archived", "This board is archived: it can be read, not changed.");
  return apiError(403, "forbidden", "Only a coordinator may store a moment of the board.");
}
