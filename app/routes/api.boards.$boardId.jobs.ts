import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { createJob, jobErrorResponse } from "~/services/jobs.server";

export const loader = () => methodNotAllowed("POST");

/**
 * POST /api/boards/<boardId>/jobs { title, category, places, at?, area?,
 * description?, recurrence? ("once" | "weekly"), durationMinutes?,
 * languageLevel? ("none" | "A1" | "A2" | "B1+"), physical?, asks?, teamId? }: a
 * volunteer job or activity offered by the person's organisation. 201 { id,
 * card }; 422 { error: "invalid", errors } per field; 422 personal_data; 403
 * for viewers; 429 past the hourly quota. `teamId`: a local team the job
 * belongs to (one the creator's organisation is in; a coordinator may pick
 * any of the alliance's), whose organisations' people fill its places too;
 * another is 422 `{ teamId: "unknown" }`.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const res = await createJob(svc, user, board, await readBody(request));
  if (!res.ok) return jobErrorResponse(res);
  return json({ id: res.card.id, card: res.card }, { status: 201 });
}
