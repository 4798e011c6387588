import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { getCard } from "~/board/domain";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { changeRequest } from "~/services/request-changes.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { ownershipDetails } from "~/services/ownership.server";
import { requestDetails } from "~/services/requests.server";

/**
 * GET /api/boards/:boardId/requests/:requestId: a request as the server knows
 * it: the card's shared fields, who entered it, the owner ({ id, name } or
 * null) and any pending referral. The pseudonymous reference is included only
 * for the organisation that may see it.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const t = { boardId: board.id, requestId: params.requestId! };
  const details = await requestDetails(svc, user, board, t.requestId);
  const headers = { "Cache-Control": "private, no-store" };
  if (!details) return json({ error: "not_found", message: "No such request." }, { status: 404, headers });
  const ownership = (await ownershipDetails(svc, user, t))!;
  const card = await svc.rooms.withDoc(board.id, (doc) => getCard(doc, t.requestId));
  return json(
    {
      ...details,
      card,
      ownerOrgId: ownership.ownerOrgId,
      owner: ownership.owner,
      claimedAt: ownership.claimedAt,
      pendingReferral: ownership.pendingReferral,
    },
    { headers },
  );
}

/**
 * PATCH /api/boards/:boardId/requests/:requestId { title?, description?,
 * area?, urgency?, category?, column?, archived? }: the same rules as the
 * board (who may change which request; a move into a held column claims it,
 * out of one releases it). 200 { card }; 403, 404, 409 { owner }, 422 { errors };
 * 422 { error: "personal_data", found: [{ field, kind }] } when a changed text
 * holds personal data, unless the body says `"acknowledgePersonalData": true`.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "PATCH") return methodNotAllowed("GET, PATCH");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const body = await readBody(request);
  const result = await changeRequest(svc, user, board, params.requestId!, body);
  if (!result.ok) {
    const { status, error, message, errors, owner, found } = result;
    return apiError(status, error, message, {
      ...(errors ? { errors } : {}),
      ...(owner !== undefined ? { owner } : {}),
      ...(found ? { found } : {}),
    });
  }
  return json({ card: result.card }, { headers: { "Cache-Control": "private, no-store" } });
}
