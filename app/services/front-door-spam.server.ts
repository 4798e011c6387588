/**
 * "Markeer als spam" (issue 15): staff take a front-door item off the board
 * and make its sender's address budget shrink.
 *
 * Who may: a coordinator of the alliance, or a member (not a viewer) of the
 * organisation that holds the request, or, while nobody holds it, of the
 * organisation it was entered under: the same people who may read its
 * contact details (contacts.server.ts), who are the ones looking at it.
 * Anyone else of the alliance gets 403; only items that came in through the
 * front door (a `front_door_items` row) can be marked (422 otherwise), so
 * this is no second way to delete an organisation's own requests.
 *
 * What happens, in one transaction with the board's rebuild
 * (rebuild.server.ts, as "Vergeet deze persoon"): the card leaves the
 * document and every stored moment, the request row and everything about it
 * (contact details, comments, notes, the words in its audit events) goes
 * (db/erase.ts), the item's `spam_at` is set (its row stays: it now weighs
 * SPAM_WEIGHT items in its address key's budget for the rest of the day),
 * and one audit event `front_door_spam` without any text is written.
 */
import { dropCards } from "../board/rebuild";
import { eraseRequests } from "../../db/erase";
import { frontDoorItemOf, markFrontDoorSpam } from "../../db/front-door-guard";
import { addAudit, getRequest } from "../../db/requests";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { rebuildBoard } from "./rebuild.server";

export const FRONT_DOOR_SPAM = "front_door_spam";

export type SpamResult =
  | { ok: true }
  | { ok: false; status: 403; error: "forbidden" }
  | { ok: false; status: 404; error: "not_found" }
  | { ok: false; status: 422; error: "not_front_door" };

/** Whether this person may mark this request as spam (see above). */
export function mayMarkSpam(user: SessionUser, row: { createdByOrgId: string; ownerOrgId: string | null }): boolean {
  if (user.role === "coordinator") return true;
  if (user.role !== "member") return false;
  return (row.ownerOrgId ?? row.createdByOrgId) === user.organisationId;
}

/** Whether the request came in through the front door and this person may mark it (the card dialog offers the button then); null for an unknown request. */
export async function spamOptions(svc: Pick<AppServices, "db" | "async">, user: SessionUser, board: BoardRow, requestId: string): Promise<{ frontDoor: boolean; may: boolean } | null> {
  if (user.allianceId !== board.allianceId) return null;
  const row = await getRequest(svc.async, board.id, requestId);
  if (!row) return null;
  const frontDoor = (await frontDoorItemOf(svc.async, board.id, requestId)) !== null;
  return { frontDoor, may: frontDoor && !board.archivedAt && mayMarkSpam(user, row) };
}

export async function markSpam(svc: AppServices, user: SessionUser, board: BoardRow, requestId: string): Promise<SpamResult> {
  if (user.allianceId !== board.allianceId) return { ok: false, status: 404, error: "not_found" };
  const row = await getRequest(svc.async, board.id, requestId);
  if (!row) return { ok: false, status: 404, error: "not_found" };
  if (!mayMarkSpam(user, row)) return { ok: false, status: 403, error: "forbidden" };
  const item = await frontDoorItemOf(svc.async, board.id, requestId);
  if (!item) return { ok: false, status: 422, error: "not_front_door" };
  await rebuildBoard(svc, board.id, dropCards([requestId]), async (tx, docs) => {
    const title = docs.before.cards[requestId]?.title;
    await eraseRequests(tx, board.id, [requestId], typeof title === "string" ? [title] : []);
    await markFrontDoorSpam(tx, item.id, svc.now());
    // On record without any text: who marked it, when, on which board.
    await addAudit(tx, { boardId: board.id, userId: user.id, orgId: user.organisationId, type: FRONT_DOOR_SPAM, data: {}, createdAt: svc.now() });
  });
  svc.realtime.toBoard(board.id, "board:changed", { boardId: board.id });
  return { ok: true };
}
