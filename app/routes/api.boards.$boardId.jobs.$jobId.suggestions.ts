import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { methodNotAllowed } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { jobErrorResponse, jobSuggestions } from "~/services/jobs.server";

export const action = () => methodNotAllowed("GET");

/**
 * GET /api/boards/<boardId>/jobs/<jobId>/suggestions: { job, suggestions:
 * [{ requestId, score, reasons, warnings }] }, best first (at most 50):
 * requests that could take a place, with why (category, workOrMeeting, area,
 * language, availability) and what does not fit (languageBelow, notAvailable).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const res = await jobSuggestions(svc, user, board, params.jobId!);
  if (!res.ok) return jobErrorResponse(res);
  return json({ job: res.job, suggestions: res.suggestions }, { headers: { "Cache-Control": "private, no-store" } });
}
