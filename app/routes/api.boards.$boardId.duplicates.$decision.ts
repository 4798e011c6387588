import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { dismissDuplicate, mergeDuplicate } from "~/services/duplicates.server";

export const loader = () => methodNotAllowed("POST");

/** POST .../duplicates/merge { into, from } | .../duplicates/dismiss { a, b } (coordinator). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const body = await readBody(request);
  const res =
    params.decision === "merge"
      ? await mergeDuplicate(svc, user, board, body.into, body.from)
      : params.decision === "dismiss"
        ? await dismissDuplicate(svc, user, board, body.a, body.b)
        : { ok: false as const, status: 404, error: "not_found", message: "Unknown action." };
  if (!res.ok) return apiError(res.status, res.error, res.message);
  return json({ ok: true });
}
