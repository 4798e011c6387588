import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { startMeeting, meetingErrorResponse } from "~/services/meetings.server";

/** POST /api/meetings/<meetingId>/start (coordinator): start a planned meeting: the caller facilitates, the people on the board are recorded as present, the first item becomes current. 409 `meeting_not_planned` (it runs or ended), `meeting_running` (another meeting of the board runs), `board_archived`; 403, 404. 200 the record. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const res = await startMeeting(svc, user, params.meetingId!);
  if (!res.ok) return meetingErrorResponse(res);
  return json(res.meeting, { headers: { "Cache-Control": "private, no-store" } });
}

export const loader = () => methodNotAllowed("POST");
