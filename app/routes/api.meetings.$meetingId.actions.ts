import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { addAction, meetingErrorResponse } from "~/services/meetings.server";

/**
 * POST /api/meetings/<meetingId>/actions `{ text, orgId, due, requestId?, itemId? }`
 * (coordinator; `due` YYYY-MM-DD): 201 the action; the organisation's inbox
 * hears `inbox:changed`. 403, 404, 409, 422 `{ errors: { text?, orgId?, due?, requestId?, itemId? } }`.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await addAction(svc, user, params.meetingId!, { text: body.text, orgId: body.orgId, due: body.due, requestId: body.requestId, itemId: body.itemId });
  if (!res.ok) return meetingErrorResponse(res);
  return json(res.action, { status: 201 });
}

export const loader = () => methodNotAllowed("POST");
