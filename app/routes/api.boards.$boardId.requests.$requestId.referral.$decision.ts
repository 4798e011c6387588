import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { answerReferral } from "~/services/ownership.server";

const DECISIONS = { accept: "accepted", decline: "declined", revoke: "revoked" } as const;

export const loader = () => methodNotAllowed("POST");

/** POST .../referral/accept | .../referral/decline { reason } | .../referral/revoke */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const decision = DECISIONS[params.decision as keyof typeof DECISIONS];
  if (!decision) return apiError(404, "not_found", "Unknown action.");
  const body = await readBody(request);
  const result = await answerReferral(svc, user, { boardId: board.id, requestId: params.requestId! }, decision, body.reason);
  if (!result.ok) return apiError(result.status, result.error, result.message);
  const { ok: _ok, ...rest } = result;
  return json(rest);
}
