import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { addItem, meetingErrorResponse } from "~/services/meetings.server";

/** POST /api/meetings/<meetingId>/items `{ title, view?, kind?, notes? }` (coordinator): an item at the end of the agenda. 201 the item; 403, 404, 409, 422 `{ errors }` (`{ title: "agendaFull" }` at 100 items). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await addItem(svc, user, params.meetingId!, { title: body.title, view: body.view, kind: body.kind, notes: body.notes });
  if (!res.ok) return meetingErrorResponse(res);
  return json(res.item, { status: 201 });
}

export const loader = () => methodNotAllowed("POST");
