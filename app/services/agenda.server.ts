/**
 * The agenda proposed when a meeting is planned: the facts gathered from the
 * board (live document and SQL) and handed to the pure `proposeAgenda`
 * (app/board/agenda.ts). The meetings service calls `proposeAgendaFor`.
 */
import { boardActionRows } from "../../db/meetings";
import { getBoard } from "../../db/accounts";
import { boardClaimExpiryDays } from "../../db/boards";
import { boardOwnership } from "../../db/ownership";
import { boardHasHistory, lastMeetingEndMoment, requestStates } from "../../db/summary";
import { proposeAgenda, type AgendaFacts, type ProposedItem } from "../board/agenda";
import { readBoard } from "../board/domain";
import { holderRule, isActiveStage, stageOfColumn } from "../board/stages";
import { categoryLabel } from "../components/board/labels";
import type { Translate } from "../i18n";
import { canOpenBoard, type SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { duplicateGroups } from "./duplicates.server";

const DAY = 86_400_000;
/** "Not picked up for more than N days" when the board has no claim expiry of its own. */
export const DEFAULT_UNCLAIMED_DAYS = 14;

/** The facts of a board the proposed agenda is made from; null for a board the person may not open. */
export async function agendaFacts(svc: AppServices, user: SessionUser, boardId: string, t: Translate): Promise<AgendaFacts | null> {
  const board = await getBoard(svc.async, boardId);
  if (!canOpenBoard(user, board)) return null;
  const now = svc.now();
  const snapshot = await svc.rooms.readDoc(board.id, (doc) => readBoard(doc));
  const states = await requestStates(svc.async, board.id);
  const holder = new Map(states.map((r) => [r.id, r.ownerOrgId]));
  const merged = new Set(states.filter((r) => r.mergedInto).map((r) => r.id));
  const stageOf = (column: string) => stageOfColumn(snapshot.columns, column);
  const live = snapshot.cards.filter((c) => !c.archived && !merged.has(c.id));

  // As the board's filter `open=1&ouderDan=N` shows them: nobody holds it, in an intake or open column, entered N days ago or earlier.
  const unclaimedDays = (await boardClaimExpiryDays(svc.async, board.id)) ?? DEFAULT_UNCLAIMED_DAYS;
  const cutoff = now - unclaimedDays * DAY;
  const unclaimed = live
    .filter((c) => !holder.get(c.id) && holderRule(stageOf(c.column)) === "none" && c.createdAt > 0 && c.createdAt <= cutoff)
    .map((c) => c.id);

  // The duplicates the board marks with a badge (a household's parallel requests are none).
  const groups = (await duplicateGroups(svc, user, board)).filter((g) => g.kind === "exact" || g.kind === "near");

  const onBoard = new Set(live.map((c) => c.id));
  const referrals = (await boardOwnership(svc.async, board.id)).pending
    .map((p) => p.requestId)
    .filter((id) => onBoard.has(id));

  const actions = await boardActionRows(svc.async, board.id, { open: true });

  const openByCategory = new Map<string, number>();
  for (const c of live) if (isActiveStage(stageOf(c.column))) openByCategory.set(c.category, (openByCategory.get(c.category) ?? 0) + 1);

  return {
    openActions: { count: actions.length, cardIds: actions.map((a) => a.requestId).filter((id): id is string => !!id) },
    hasSince: (await lastMeetingEndMoment(svc.async, board.id)) !== null || (await boardHasHistory(svc.async, board.id)),
    unclaimedDays,
    unclaimed,
    duplicateGroups: groups.length,
    duplicates: [...new Set(groups.flatMap((g) => g.requestIds))],
    referrals,
    categories: snapshot.categories.map((c) => ({ id: c.id, label: categoryLabel(t, c), open: openByCategory.get(c.id) ?? 0 })),
  };
}

/**
 * The proposed agenda of a meeting on this board, titles in `t`'s language:
 * `[{ kind, title, view }]` in the agreed order (see app/board/agenda.ts);
 * empty for a board the person may not open.
 */
export async function proposeAgendaFor(svc: AppServices, user: SessionUser, boardId: string, t: Translate): Promise<ProposedItem[]> {
  const facts = await agendaFacts(svc, user, boardId, t);
  return facts ? proposeAgenda(facts, t) : [];
}
