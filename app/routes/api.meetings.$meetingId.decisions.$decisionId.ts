import { type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { meetingErrorResponse, removeDecision } from "~/services/meetings.server";

/** DELETE /api/meetings/<meetingId>/decisions/<decisionId> (coordinator): 204; 403, 404, 409. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "DELETE") return methodNotAllowed("DELETE");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const res = await removeDecision(svc, user, params.meetingId!, params.decisionId!);
  return res.ok ? new Response(null, { status: 204 }) : meetingErrorResponse(res);
}

export const loader = () => methodNotAllowed("DELETE");
