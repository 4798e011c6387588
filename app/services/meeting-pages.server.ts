/**
 * What the meeting pages read beside the meeting itself.
 */
import type { MeetingRecord } from "~/board/meeting";
import type { SinceSummary } from "~/board/summary";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { summaryFor } from "./summary.server";

/**
 * "Since the last meeting" for a meeting whose agenda has that item: from the
 * moment the meeting was planned to count from. A first meeting has none:
 * while planned it counts from the board's default moment; once started the
 * default would be the meeting's own start (or end) moment, so nothing is shown.
 */
export async function sinceSummary(svc: AppServices, user: SessionUser, boardId: string, meeting: MeetingRecord): Promise<SinceSummary | null> {
  if (!meeting.agenda.some((i) => i.kind === "since")) return null;
  if (meeting.sinceMomentId) return summaryFor(svc, user, boardId, meeting.sinceMomentId);
  return meeting.status === "planned" ? summaryFor(svc, user, boardId, null) : null;
}
