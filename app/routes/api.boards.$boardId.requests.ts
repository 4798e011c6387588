import { json, type ActionFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { retryAfterSeconds } from "~/services/limits.server";
import { personalDataResponse } from "~/services/personal-data.server";
import { createRequest } from "~/services/requests.server";

export const loader = () => methodNotAllowed("POST");

/**
 * POST /api/boards/<boardId>/requests { title, category, description,
 * reference, area, urgency? }: 201 { id, duplicates: [{ organisation,
 * category, ... }] }, naming other organisations and categories only; 429
 * { error: "quota_exceeded", limit, retryAfter } past the organisation's
 * hourly quota; 422 { error: "personal_data", found: [{ field, kind }] } when
 * the text holds personal data and the body does not say
 * `"acknowledgePersonalData": true` (which saves it and records that).
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const body = await readBody(request);
  const res = await createRequest(svc, user, board, body);
  if (!res.ok) {
    if ("forbidden" in res) return apiError(403, "forbidden", "Viewers cannot create requests.");
    if ("personalData" in res) return personalDataResponse(res.personalData);
    if ("quota" in res) {
      const retryAfter = retryAfterSeconds(res.quota.retryAfterMs);
      return json(
        {
          error: "quota_exceeded",
          message: `Your organisation created ${res.quota.limit} requests in the past hour, the most this alliance allows; a coordinator can raise the limit.`,
          limit: res.quota.limit,
          retryAfter,
        },
        { status: 429, headers: { "Retry-After": String(retryAfter) } },
      );
    }
    return apiError(400, "invalid", "Some fields are not valid.", { fields: res.errors });
  }
  return json({ id: res.card.id, card: res.card, duplicates: res.duplicates }, { status: 201 });
}
