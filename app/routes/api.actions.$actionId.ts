import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { meetingErrorResponse, updateAction } from "~/services/meetings.server";

/**
 * PATCH /api/actions/<actionId> `{ done?, text?, due?, orgId? }`: `done`
 * (true/false) by a coordinator or a member of the action's organisation;
 * the rest by a coordinator. 200 the action; 403, 404, 409, 422 `{ errors }`.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "PATCH") return methodNotAllowed("PATCH");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await updateAction(svc, user, params.actionId!, { done: body.done, text: body.text, due: body.due, orgId: body.orgId });
  if (!res.ok) return meetingErrorResponse(res);
  return json(res.action);
}

export const loader = () => methodNotAllowed("PATCH");
