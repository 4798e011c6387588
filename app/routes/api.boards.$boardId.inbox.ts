import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { boardOwnershipState } from "~/services/ownership.server";

/** GET: owners, pending referrals, this organisation's inbox ("Voor ons") and expired claims on a board. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  return json(await boardOwnershipState(svc, user, board.id), { headers: { "Cache-Control": "private, no-store" } });
}
