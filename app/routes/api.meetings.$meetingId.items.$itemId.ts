import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { meetingErrorResponse, moveItem, removeItem, updateItem } from "~/services/meetings.server";

/**
 * PATCH /api/meetings/<meetingId>/items/<itemId> `{ title?, view?, notes?, before? }`
 * (coordinator): change an agenda item; `before` (an item id, or null for the
 * end) moves it. 200 the item. DELETE removes it (204); its decisions and
 * actions stay in the record. 403, 404 (also an item of another meeting), 409, 422.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const meetingId = params.meetingId!;
  const itemId = params.itemId!;
  if (request.method === "DELETE") {
    const res = await removeItem(svc, user, itemId, meetingId);
    return res.ok ? new Response(null, { status: 204 }) : meetingErrorResponse(res);
  }
  if (request.method !== "PATCH") return methodNotAllowed("PATCH, DELETE");
  const body = await readBody(request);
  const fields = { title: body.title, view: body.view, notes: body.notes };
  let res = await updateItem(svc, user, itemId, fields, meetingId);
  if (res.ok && "before" in body) res = await moveItem(svc, user, itemId, { before: body.before }, meetingId);
  if (!res.ok) return meetingErrorResponse(res);
  return json(res.item);
}

export const loader = () => methodNotAllowed("PATCH, DELETE");
