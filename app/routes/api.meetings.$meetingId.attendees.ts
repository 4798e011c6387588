import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readJsonValue } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { meetingErrorResponse, setAttendees } from "~/services/meetings.server";

/** PUT /api/meetings/<meetingId>/attendees `[{ userId?, name?, orgId? }]` (coordinator): who was there, the whole list. 200 `Attendee[]`; 403, 404, 409, 422 `{ errors: { attendees } }`. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "PUT") return methodNotAllowed("PUT");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readJsonValue(request);
  const res = await setAttendees(svc, user, params.meetingId!, body);
  if (!res.ok) return meetingErrorResponse(res);
  return json(res.present);
}

export const loader = () => methodNotAllowed("PUT");
