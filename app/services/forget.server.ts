/**
 * "Vergeet deze persoon": a coordinator erases one person from a board.
 *
 * Who the person is: the requests of THIS board whose reference has the
 * same keyed hash (db/duplicates' key, as duplicate detection matches), or
 * one picked request together with every other of the board with its key.
 * Per board, because each board is its own document to rebuild and its own
 * coordinator's decision; the same reference on another board of the
 * alliance is erased there (the page says so).
 *
 * What goes, in one transaction with the board's rebuild
 * (rebuild.server.ts): the cards (the document rebuilt without them, every
 * stored moment too, the update log deleted), the request rows (not kept as
 * stubs: the report counts finished requests from the audit events, which
 * stay, so the figures of the past do not change), their comments,
 * referrals and their notes, duplicate marks, notifications and queued
 * mails that name them, the texts of meeting actions and decisions linked
 * to them, and every word in the audit events about them (the events stay).
 * Then the write-ahead log is checkpointed and truncated; `secure_delete`
 * (db/client.ts) has zeroed the deleted rows. The erasure itself is an
 * audit event with counts only, never the reference.
 */
import { readCard, cardsMap } from "../board/domain";
import { dropCards } from "../board/rebuild";
import { validateReference } from "../board/validate";
import { addAudit } from "../../db/requests";
import { countMoments, erasureCounts, eraseRequests, requestIdsByKey, requestIdsLike, type ErasureCounts } from "../../db/erase";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { keyForAlliance } from "./duplicates.server";
import { rebuildBoard } from "./rebuild.server";

export const PERSON_FORGOTTEN = "person_forgotten";

export interface ForgetCounts extends ErasureCounts {
  /** Cards taken out of the board's document. */
  cards: number;
  /** Stored moments of the board rewritten without them. */
  moments: number;
}

export type ForgetResult =
  | { ok: true; dryRun: boolean; counts: ForgetCounts; cards: Array<{ id: string; title: string }> }
  | { ok: false; status: 403; error: "forbidden" }
  /** The request is not one of this board's (also one of another alliance): as unknown as a made-up id. */
  | { ok: false; status: 404; error: "not_found" }
  | { ok: false; status: 422; errors: Partial<Record<"reference" | "requestId", string>> };

/** Who to forget, as the API and the page send it. */
export function readForgetInput(input: Record<string, unknown>):
  | { ok: true; by: { reference: string } | { requestId: string }; dryRun: boolean }
  | { ok: false; errors: Partial<Record<"reference" | "requestId", string>> } {
  const dryRun = input.dryRun === true || input.dryRun === "true" || input.dryRun === "1";
  const hasRef = input.reference !== undefined && input.reference !== null && input.reference !== "";
  const hasId = input.requestId !== undefined && input.requestId !== null && input.requestId !== "";
  if (hasRef && hasId) return { ok: false, errors: { reference: "oneOf" } };
  if (hasId) {
    if (typeof input.requestId !== "string" || input.requestId.length > 100) return { ok: false, errors: { requestId: "type" } };
    return { ok: true, by: { requestId: input.requestId }, dryRun };
  }
  if (!hasRef) return { ok: false, errors: { reference: "required" } };
  if (typeof input.reference !== "string") return { ok: false, errors: { reference: "type" } };
  const ref = validateReference(input.reference);
  if (!ref.ok) return { ok: false, errors: { reference: ref.errors.reference ?? "invalid" } };
  if (ref.value === "") return { ok: false, errors: { reference: "required" } };
  return { ok: true, by: { reference: ref.value }, dryRun };
}

async function matchingIds(svc: AppServices, board: BoardRow, by: { reference: string } | { requestId: string }): Promise<string[] | null> {
  if ("requestId" in by) {
    const ids = await requestIdsLike(svc.async, board.id, by.requestId);
    return ids.length ? ids : null;
  }
  const key = await keyForAlliance(svc, board.allianceId, by.reference);
  return key ? requestIdsByKey(svc.async, board.id, key) : [];
}

/**
 * Preview (dryRun) or erase. Coordinators only; an archived board too (its
 * requests are still kept, and erasure is a right). Nothing matched: zeros,
 * and nothing is rebuilt.
 */
export async function forgetPerson(svc: AppServices, user: SessionUser, board: BoardRow, input: Record<string, unknown>): Promise<ForgetResult> {
  if (user.role !== "coordinator" || user.allianceId !== board.allianceId) return { ok: false, status: 403, error: "forbidden" };
  const read = readForgetInput(input);
  if (!read.ok) return { ok: false, status: 422, errors: read.errors };
  const ids = await matchingIds(svc, board, read.by);
  if (ids === null) return { ok: false, status: 404, error: "not_found" };
  const cards = await svc.rooms.readDoc(board.id, (doc) => {
    const map = cardsMap(doc);
    return ids.flatMap((id) => {
      const m = map.get(id);
      return m ? [{ id, title: readCard(m).title }] : [];
    });
  });
  const titles = cards.map((c) => c.title);
  if (read.dryRun || ids.length === 0) {
    const moments = ids.length ? await countMoments(svc.async, board.id) : 0;
    return { ok: true, dryRun: read.dryRun, counts: { ...(await erasureCounts(svc.async, board.id, ids, titles)), cards: cards.length, moments }, cards };
  }
  const outcome = await rebuildBoard(svc, board.id, dropCards(ids), async (tx, docs) => {
    // Titles as the document held them when it was rebuilt (the preview's may be older).
    const now = ids.flatMap((id) => (typeof docs.before.cards[id]?.title === "string" ? [docs.before.cards[id].title as string] : []));
    const erased = await eraseRequests(tx, board.id, ids, [...new Set([...titles, ...now])]);
    const counts: ForgetCounts = {
      ...erased,
      cards: ids.filter((id) => Object.hasOwn(docs.before.cards, id)).length,
      moments: await countMoments(tx, board.id),
    };
    // The erasure is on record, with counts only: never the reference, titles or ids.
    await addAudit(tx, { boardId: board.id, userId: user.id, orgId: user.organisationId, type: PERSON_FORGOTTEN, data: { ...counts }, createdAt: svc.now() });
    return counts;
  });
  const counts = outcome.result;
  svc.realtime.toBoard(board.id, "board:changed", { boardId: board.id });
  return { ok: true, dryRun: false, counts, cards };
}
