import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { createMeeting, listMeetings, meetingErrorResponse } from "~/services/meetings.server";

/** GET /api/boards/<boardId>/meetings: the board's meetings, newest first (`MeetingSummary[]`). 404 for an unknown board and another alliance's alike. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const list = await listMeetings(svc, user, params.boardId!);
  if (!list) return apiError(404, "not_found", "No such board.");
  return json(list, { headers: { "Cache-Control": "private, no-store" } });
}

/**
 * POST /api/boards/<boardId>/meetings `{ title, at }` (coordinator; `at` in
 * ms or an ISO date): plan a meeting with its proposed agenda. 201 `{ id }`;
 * 403, 404, 409 `board_archived`, 422 `{ errors: { title?, at? } }`.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await createMeeting(svc, user, params.boardId!, { title: body.title, at: body.at });
  if (!res.ok) return meetingErrorResponse(res.error === "not_found" ? { ...res, message: "No such board." } : res);
  return json({ id: res.id }, { status: 201, headers: { Location: `/api/meetings/${res.id}` } });
}
