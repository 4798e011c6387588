import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { meetingErrorResponse, setCurrentItem } from "~/services/meetings.server";

/** POST /api/meetings/<meetingId>/current `{ itemId }` (coordinator, running meeting): the current agenda item (null: none); the previous one's time is accounted. 200 the record; 409 `meeting_not_running`; 422 `{ errors: { itemId: "unknown" } }`. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const itemId = body.itemId === undefined || body.itemId === null ? null : typeof body.itemId === "string" ? body.itemId : "";
  const res = await setCurrentItem(svc, user, params.meetingId!, itemId);
  if (!res.ok) return meetingErrorResponse(res);
  return json(res.meeting);
}

export const loader = () => methodNotAllowed("POST");
