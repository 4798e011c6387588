import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { endMeeting, meetingErrorResponse } from "~/services/meetings.server";

/** POST /api/meetings/<meetingId>/end (coordinator): end the running meeting. 409 `meeting_not_running`, `board_archived`; 403, 404. 200 the record. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const res = await endMeeting(svc, user, params.meetingId!);
  if (!res.ok) return meetingErrorResponse(res);
  return json(res.meeting, { headers: { "Cache-Control": "private, no-store" } });
}

export const loader = () => methodNotAllowed("POST");
