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
 *
 * `Idempotency-Key: <1–255 visible characters>` (a UUID): sent again with the
 * same key and body — the answer was lost to a restart, a failover or the
 * network — the request the first one made is answered, 201 with
 * `Idempotent-Replayed: true`, and nothing new is made (kept 24 hours, per
 * person). 422 `idempotency_key_reused` for the same key sent to another
 * board, or with another body once its request is on the board;
 * 409 `idempotency_in_progress` (Retry-After: 1) while the first is still
 * being made; 409 `idempotency_request_gone` when its request was merged or
 * anonymised since; 422 `invalid_idempotency_key` for a malformed key.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const body = await readBody(request);
  const res = await createRequest(svc, user, board, body, { idempotencyKey: request.headers.get("Idempotency-Key") || null });
  if (!res.ok) {
    if ("forbidden" in res) return apiError(403, "forbidden", "Viewers cannot create requests.");
    if ("idempotency" in res) return idempotencyError(res.idempotency);
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
  return json({ id: res.card.id, card: res.card, duplicates: res.duplicates }, { status: 201, headers: res.replayed ? { "Idempotent-Replayed": "true" } : undefined });
}

function idempotencyError(why: "invalid" | "reused" | "in_progress" | "gone"): Response {
  if (why === "invalid") return apiError(422, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID.");
  if (why === "reused") return apiError(422, "idempotency_key_reused", "This Idempotency-Key was used before for another board or with a different body; send a new key for a new request.");
  if (why === "gone") return apiError(409, "idempotency_request_gone", "The request made with this Idempotency-Key was merged or anonymised since; nothing was created.");
  return apiError(409, "idempotency_in_progress", "A request with this Idempotency-Key is being created right now; try again in a moment.", undefined, { "Retry-After": "1" });
}
