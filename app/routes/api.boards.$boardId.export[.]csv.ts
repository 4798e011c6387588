import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { attachment, boardCsv } from "~/services/export.server";

/**
 * GET /api/boards/<boardId>/export.csv (also `/export?format=csv`): the
 * board as CSV for Excel (`;`, UTF-8 with BOM, formulas neutralised), every
 * request with its reference where the person may see it. Anyone who may
 * open the board (archived ones too); 404 for an unknown board or another alliance's.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const csv = await boardCsv(svc, user, board);
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": attachment(board.name, "csv", svc.now()),
      "Cache-Control": "private, no-store",
    },
  });
}
