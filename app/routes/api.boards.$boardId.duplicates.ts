import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { duplicateGroups } from "~/services/duplicates.server";

/** GET: duplicate groups by request id: { groups: [{ kind: exact|near|household, requestIds, categories, organisations, score? }] }. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  return json({ groups: await duplicateGroups(svc, user, board) }, { headers: { "Cache-Control": "private, no-store" } });
}
