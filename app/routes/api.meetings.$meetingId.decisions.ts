import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { addDecision, meetingErrorResponse } from "~/services/meetings.server";

/** POST /api/meetings/<meetingId>/decisions `{ text, itemId?, requestId? }` (coordinator): 201 `{ id }`; 403, 404, 409, 422 `{ errors }`. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await addDecision(svc, user, params.meetingId!, { text: body.text, itemId: body.itemId, requestId: body.requestId });
  if (!res.ok) return meetingErrorResponse(res);
  return json({ id: res.id }, { status: 201 });
}

export const loader = () => methodNotAllowed("POST");
