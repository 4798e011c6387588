import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { boardOverview } from "~/services/overview.server";

/** GET ?ouderDan=14: the coordinator's overview as JSON. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const days = Number(new URL(request.url).searchParams.get("ouderDan")) || 14;
  return json(await boardOverview(svc, user, board, Math.min(Math.max(days, 1), 365)));
}
