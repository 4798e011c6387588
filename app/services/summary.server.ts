/**
 * "Sinds de vorige vergadering" for a board: the inputs of the pure
 * `summariseSince` (app/board/summary.ts) gathered from a stored moment
 * (app/services/moments.server.ts), the live document, the audit log after
 * the moment, holders, duplicates and meeting actions.
 *
 * Which moment: the one asked for; otherwise the end moment of the board's
 * last ended meeting; otherwise the board's oldest moment; otherwise the
 * board's beginning (an empty board before, every audit row after).
 * Counts and card ids only: no reference, no text.
 */
import { boardActionRows } from "../../db/meetings";
import { getBoard, listOrganisations } from "../../db/accounts";
import { getMoment, listMoments, type MomentRow } from "../../db/moments";
import { auditAfter, lastMeetingEndMoment, requestStates } from "../../db/summary";
import { listCategories, readBoard } from "../board/domain";
import { EMPTY_BOARD, summariseSince, type PendingDuplicate, type SinceSummary } from "../board/summary";
import { canOpenBoard, type SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { duplicateGroups } from "./duplicates.server";
import { momentSnapshot } from "./moments.server";
import { DEFAULT_STALE_DAYS, staleDaysParam } from "./overview.server";

export { staleDaysParam };

export type { SinceSummary };

/** The moment to count from when none is asked for (see the top of this file), or null. */
export async function defaultSinceMoment(svc: AppServices, boardId: string): Promise<MomentRow | null> {
  return (await defaultSince(svc, boardId)).moment;
}

/** The default moment and what it is: the end of the last meeting, else the oldest stored moment, else none. */
export async function defaultSince(svc: AppServices, boardId: string): Promise<{ moment: MomentRow | null; kind: "meeting_end" | "oldest" | "none" }> {
  const ended = await lastMeetingEndMoment(svc.async, boardId);
  const fromMeeting = ended ? await getMoment(svc.async, boardId, ended) : null;
  if (fromMeeting) return { moment: fromMeeting, kind: "meeting_end" };
  const oldest = (await listMoments(svc.async, boardId))[0];
  const moment = oldest ? await getMoment(svc.async, boardId, oldest.id) : null;
  return { moment, kind: moment ? "oldest" : "none" };
}

/**
 * The summary of a board since a moment (or the default one when
 * `sinceMomentId` is null). Null for a board the person may not open and for
 * a moment that is not one of this board's (both answer 404).
 */
export async function summaryFor(
  svc: AppServices,
  user: SessionUser,
  boardId: string,
  sinceMomentId: string | null,
  opts: { staleDays?: number } = {},
): Promise<SinceSummary | null> {
  const board = await getBoard(svc.async, boardId);
  if (!canOpenBoard(user, board)) return null;
  const moment = sinceMomentId !== null ? await getMoment(svc.async, board.id, sinceMomentId) : await defaultSinceMoment(svc, board.id);
  if (sinceMomentId !== null && !moment) return null;

  const before = moment ? momentSnapshot(moment.data) : EMPTY_BOARD;
  const actions = await boardActionRows(svc.async, board.id, { open: true });
  const after = await svc.rooms.readDoc(board.id, (doc) => readBoard(doc));
  const events = await auditAfter(svc.async, board.id, moment?.lastAuditId ?? 0);
  const states = await requestStates(svc.async, board.id);
  const created = new Map(states.map((r) => [r.id, r.createdAt]));

  // A group of possible duplicates came to be when its newest request was entered.
  const duplicates: PendingDuplicate[] = (await duplicateGroups(svc, user, board))
    .filter((g) => g.kind === "exact" || g.kind === "near")
    .map((g) => ({
      requestIds: g.requestIds,
      categories: g.categories,
      organisations: g.organisations,
      foundAt: Math.max(0, ...g.requestIds.map((id) => created.get(id) ?? 0)),
    }));

  const { sinceAt: _sinceAt, ...summary } = summariseSince({
    before,
    after,
    sinceAt: moment?.at ?? null,
    events,
    holders: new Map(states.map((r) => [r.id, r.ownerOrgId])),
    lastActivity: new Map(states.map((r) => [r.id, r.lastActivityAt])),
    duplicates,
    actions,
    now: svc.now(),
    staleDays: opts.staleDays ?? DEFAULT_STALE_DAYS,
  });
  return { since: moment ? { id: moment.id, at: moment.at, reason: moment.reason } : null, ...summary };
}


/**
 * What SinceSummary shows beside the counts (/boards/<id>/sinds, the meeting
 * page): the board's categories in board order, the alliance's
 * organisations, and the board's moments newest first (to choose from).
 */
export async function summaryLabels(svc: AppServices, user: SessionUser, board: { id: string }) {
  const moments = await listMoments(svc.async, board.id);
  return {
    categories: await svc.rooms.readDoc(board.id, (doc) => listCategories(doc).map((c) => ({ id: c.id, label: c.label }))),
    organisations: (await listOrganisations(svc.async, user.allianceId)).map((o) => ({ id: o.id, name: o.name })),
    moments: moments
      .map((m) => ({ id: m.id, at: m.at, reason: m.reason as string }))
      .reverse(),
  };
}
