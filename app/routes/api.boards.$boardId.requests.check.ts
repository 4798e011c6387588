import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { referenceCheck } from "~/services/duplicates.server";
import { tooManyResponse } from "~/services/limits.server";

export const loader = () => methodNotAllowed("POST");

/**
 * POST { reference, category }: before saving, which organisations already
 * work for this person (organisation and category only). Members and
 * coordinators only (viewers 403), a budget per person (429), every check
 * audited (app/services/duplicates.server.ts, referenceCheck).
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const body = await readBody(request);
  const res = await referenceCheck(svc, user, board, body);
  if (res.ok) return json({ duplicates: res.duplicates });
  if (res.status === 429) return tooManyResponse(res.retryAfterMs, res.error, res.message);
  return apiError(res.status, res.error, res.message);
}
