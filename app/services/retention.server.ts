/**
 * The daily retention sweep: on every board (archived ones too), the
 * requests done or archived longer than the board's retention
 * (app/board/retention.ts) are anonymised, leaving nothing of their words:
 *
 * - the board document is rebuilt under a new generation (rebuild.server.ts)
 *   with each such card's title replaced by its category's label and its
 *   description and area emptied; the update log goes and every stored
 *   moment is rebuilt the same way, so neither holds the old texts;
 * - in the same transaction the request's reference (and its keyed hash),
 *   comments, sealed contact details (and their view log), referral notes
 *   and the texts of meeting actions and decisions about it go, its audit
 *   events lose their words (the events stay, app/board/erase.ts), and it is
 *   marked anonymised so it is never processed again;
 * - the board's activity log gets one `retention_sweep` event with counts.
 *
 * The card stays where it was, with its category, urgency, organisation and
 * times: the overview, the report and "since the last meeting" count it as
 * before. Only counts go to the server log.
 */
import { effectiveColumn, readBoard } from "../board/domain";
import { mapCards, plainToDoc } from "../board/rebuild";
import { anonymisedCard, isDueForRetention, retentionCutoff } from "../board/retention";
import { stageOfColumn } from "../board/stages";
import { anonymiseRequestRows, boardsForRetention, mayHaveDueRequests, recordRetentionSweep, retentionCandidates, type AnonymisedCounts } from "../../db/retention";
import type { AppServices } from "./context.server";
import { rebuildBoard } from "./rebuild.server";

/** The title of an anonymised card whose category is gone from the board. */
const UNKNOWN_CATEGORY_TITLE = "Hulpvraag";

export interface BoardSweep extends AnonymisedCounts {
  boardId: string;
  months: number;
  /** Stored moments rebuilt without the texts. */
  moments: number;
}

/**
 * Anonymise the due requests of one board now. Returns null when none is
 * due (nothing is written then, not even the activity line).
 */
export async function sweepBoard(svc: AppServices, board: { id: string; retentionMonths: number }, now = svc.now()): Promise<BoardSweep | null> {
  const cutoff = retentionCutoff(now, board.retentionMonths);
  if (!(await mayHaveDueRequests(svc.async, board.id, cutoff))) return null;
  const now0 = await svc.rooms.readDoc(board.id, (doc) => readBoard(doc));
  const doneColumns = now0.columns.filter((c) => c.stage === "done").map((c) => c.id);
  const candidates = await retentionCandidates(svc.async, board.id, doneColumns);
  /** The due requests by the board as `read` shows it (the request rows' facts read above). */
  const dueIn = (read: ReturnType<typeof readBoard>) => {
    const byId = new Map(read.cards.map((c) => [c.id, c]));
    return candidates
      .filter((r) => {
        const card = byId.get(r.id);
        if (!card) return false;
        const stage = stageOfColumn(read.columns, effectiveColumn(card, read.columns));
        return isDueForRetention({ stage, archived: card.archived, anonymisedAt: null, closedAt: r.closedAt, lastActivityAt: r.lastActivityAt }, cutoff);
      })
      .map((r) => r.id);
  };
  if (dueIn(now0).length === 0) return null;

  // Decided again from the document the rebuild holds (a card moved out of done or put back meanwhile is not due any more).
  let due: string[] = [];
  const outcome = await rebuildBoard(svc, board.id, {
    plan(before) {
      const doc = plainToDoc(before);
      try {
        const read = readBoard(doc);
        due = dueIn(read);
        const dueSet = new Set(due);
        const labels = new Map(read.categories.map((c) => [c.id, c.label]));
        return mapCards((id, card) => (dueSet.has(id) ? anonymisedCard(card, labels.get(String(card.category)) ?? UNKNOWN_CATEGORY_TITLE) : card));
      } finally {
        doc.destroy();
      }
    },
  }, async (tx) => {
    const counts = await anonymiseRequestRows(tx, board.id, due, now);
    await recordRetentionSweep(tx, board.id, { months: board.retentionMonths, requests: counts.requests, comments: counts.comments, contacts: counts.contacts }, now);
    return counts;
  });
  return { boardId: board.id, months: board.retentionMonths, moments: outcome.moments, ...outcome.result };
}

/**
 * The sweep over every board. One board that fails does not stop the
 * others; what failed is returned for the log. Yields to the event loop
 * between boards, so the server keeps answering.
 */
export async function retentionSweep(
  svc: AppServices,
  now = svc.now(),
): Promise<{ swept: BoardSweep[]; failed: Array<{ boardId: string; error: string }> }> {
  const swept: BoardSweep[] = [];
  const failed: Array<{ boardId: string; error: string }> = [];
  for (const board of await boardsForRetention(svc.async)) {
    try {
      const r = await sweepBoard(svc, board, now);
      if (r) swept.push(r);
    } catch (e) {
      failed.push({ boardId: board.id, error: (e as Error).message });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { swept, failed };
}
