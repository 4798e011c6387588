import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { getMeeting, meetingErrorResponse, updateMeeting } from "~/services/meetings.server";

/** GET /api/meetings/<meetingId>: the whole record (`MeetingRecord`: agenda, decisions, actions, present). 404 for an unknown meeting and another alliance's alike. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const record = await getMeeting(svc, user, params.meetingId!);
  if (!record) return apiError(404, "not_found", "No such meeting.");
  return json(record, { headers: { "Cache-Control": "private, no-store" } });
}

/** PATCH /api/meetings/<meetingId> `{ title?, at?, summary? }` (coordinator): 200 the record; 403, 404, 409 `board_archived`, 422 `{ errors }`. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "PATCH") return methodNotAllowed("GET, PATCH");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await updateMeeting(svc, user, params.meetingId!, { title: body.title, at: body.at, summary: body.summary });
  if (!res.ok) return meetingErrorResponse(res);
  return json(res.meeting, { headers: { "Cache-Control": "private, no-store" } });
}
