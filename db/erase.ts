/**
 * "Vergeet deze persoon" in SQL: which requests of a board belong to one
 * person (by the keyed hash of their reference, or one request and the
 * others with its key), what of them is stored where, and erasing it.
 * The board document itself is rebuilt by app/services/rebuild.server.ts;
 * `eraseRequests` runs inside that same transaction. On the asynchronous
 * layer (both engines).
 */
import { and, eq, inArray, or, sql } from "drizzle-orm";
import { auditHoldsText, scrubAuditData } from "../app/board/erase";
import type { AsyncDb } from "./client";
import { count, escapeLike, first, likeEscaped } from "./dialect";

/** The board's requests with this reference key. */
export async function requestIdsByKey(h: AsyncDb, boardId: string, key: string): Promise<string[]> {
  const { requests } = h.t;
  const rows = await h.q
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), eq(requests.referenceKey, key)));
  return rows.map((r) => r.id);
}

/** One request of the board and, when it has a reference, every other of the board with the same key. Empty when it is not the board's. */
export async function requestIdsLike(h: AsyncDb, boardId: string, requestId: string): Promise<string[]> {
  const { requests } = h.t;
  const row = await first(
    h.q
      .select({ id: requests.id, key: requests.referenceKey })
      .from(requests)
      .where(and(eq(requests.boardId, boardId), eq(requests.id, requestId))),
  );
  if (!row) return [];
  if (!row.key) return [row.id];
  return [row.id, ...(await requestIdsByKey(h, boardId, row.key)).filter((id) => id !== row.id)];
}

/** How many moments of the board are stored. */
export async function countMoments(h: AsyncDb, boardId: string): Promise<number> {
  const { boardMoments } = h.t;
  return (await first(h.q.select({ n: count() }).from(boardMoments).where(eq(boardMoments.boardId, boardId))))?.n ?? 0;
}

export interface ErasureCounts {
  requests: number;
  comments: number;
  referrals: number;
  /** Sealed contact details (request_contacts), and the log of who looked at them. */
  contacts: number;
  contactViews: number;
  duplicateMarks: number;
  notifications: number;
  mails: number;
  meetingActions: number;
  meetingDecisions: number;
  auditTexts: number;
}

/** Queued mails (not sent yet, or failed with their bodies) that name one of the requests (its link) or one of the titles. */
async function mailsAbout(h: AsyncDb, ids: readonly string[], titles: readonly string[]): Promise<Array<{ id: number }>> {
  const { mailOutbox } = h.t;
  const needles = [...ids, ...titles.filter((t) => t.trim().length >= 4)];
  if (!needles.length) return [];
  const mentions = needles.flatMap((n) => {
    const p = `%${escapeLike(n)}%`;
    return [mailOutbox.key, mailOutbox.text, mailOutbox.html, mailOutbox.subject].map((column) => likeEscaped(column, p));
  });
  return h.q.select({ id: mailOutbox.id }).from(mailOutbox).where(or(...mentions));
}

async function auditRows(h: AsyncDb, boardId: string, ids: readonly string[]) {
  const { auditEvents } = h.t;
  return h.q
    .select({ id: auditEvents.id, type: auditEvents.type, data: auditEvents.data })
    .from(auditEvents)
    .where(and(eq(auditEvents.boardId, boardId), inArray(auditEvents.requestId, [...ids])));
}

const NONE: ErasureCounts = { requests: 0, comments: 0, referrals: 0, contacts: 0, contactViews: 0, duplicateMarks: 0, notifications: 0, mails: 0, meetingActions: 0, meetingDecisions: 0, auditTexts: 0 };

/** What erasing these requests of the board would remove (nothing is changed). */
export async function erasureCounts(h: AsyncDb, boardId: string, ids: readonly string[], titles: readonly string[] = []): Promise<ErasureCounts> {
  if (!ids.length) return { ...NONE };
  const { requests, comments, referrals, requestContacts, contactViews, duplicateDecisions, notifications, meetingActions, meetingDecisions } = h.t;
  const list = [...ids];
  const n = async (q: { limit(n: number): PromiseLike<Array<{ n: number }>> }) => (await first(q))?.n ?? 0;
  return {
    requests: await n(h.q.select({ n: count() }).from(requests).where(and(eq(requests.boardId, boardId), inArray(requests.id, list)))),
    comments: await n(h.q.select({ n: count() }).from(comments).where(inArray(comments.requestId, list))),
    referrals: await n(h.q.select({ n: count() }).from(referrals).where(inArray(referrals.requestId, list))),
    contacts: await n(h.q.select({ n: count() }).from(requestContacts).where(inArray(requestContacts.requestId, list))),
    contactViews: await n(h.q.select({ n: count() }).from(contactViews).where(inArray(contactViews.requestId, list))),
    duplicateMarks: await n(
      h.q
        .select({ n: count() })
        .from(duplicateDecisions)
        .where(or(inArray(duplicateDecisions.requestA, list), inArray(duplicateDecisions.requestB, list))),
    ),
    notifications: await n(h.q.select({ n: count() }).from(notifications).where(notificationsAbout(h, list))),
    mails: (await mailsAbout(h, list, titles)).length,
    meetingActions: await n(h.q.select({ n: count() }).from(meetingActions).where(inArray(meetingActions.requestId, list))),
    meetingDecisions: await n(h.q.select({ n: count() }).from(meetingDecisions).where(inArray(meetingDecisions.requestId, list))),
    auditTexts: (await auditRows(h, boardId, list)).filter((r) => auditHoldsText(r.type, r.data)).length,
  };
}

/** Notifications about one of the requests: their own request, or a digest that lists it (the JSON as text on both engines). */
function notificationsAbout(h: AsyncDb, ids: string[]) {
  const { notifications } = h.t;
  return or(inArray(notifications.requestId, ids), ...ids.map((id) => likeEscaped(sql`cast(${notifications.data} as text)`, `%"${escapeLike(id)}"%`)));
}

/**
 * Erase the requests of the board (in the rebuild's transaction: pass its
 * `tx`): the words of audit events about them, the texts of meeting actions
 * and decisions linked to them (the actions stay, without text and card),
 * queued mails and notifications that name them, duplicate marks, and the
 * request rows, whose comments, referrals (with their notes), sealed contact
 * details and their view log go with them (deleted here by name; anything
 * added later that hangs on a request goes by its foreign key's cascade).
 * Returns what went.
 */
export async function eraseRequests(tx: AsyncDb, boardId: string, ids: readonly string[], titles: readonly string[] = []): Promise<ErasureCounts> {
  const counts = await erasureCounts(tx, boardId, ids, titles);
  if (!ids.length) return counts;
  const { auditEvents, meetingActions, meetingDecisions, mailOutbox, notifications, duplicateDecisions, comments, referrals, contactViews, requestContacts, requests } = tx.t;
  const list = [...ids];
  for (const row of await auditRows(tx, boardId, list)) {
    if (!auditHoldsText(row.type, row.data)) continue;
    await tx.q.update(auditEvents).set({ data: scrubAuditData(row.type, row.data) }).where(eq(auditEvents.id, row.id));
  }
  await tx.q.update(meetingActions).set({ text: "", requestId: null }).where(inArray(meetingActions.requestId, list));
  await tx.q.update(meetingDecisions).set({ text: "", requestId: null }).where(inArray(meetingDecisions.requestId, list));
  const mails = (await mailsAbout(tx, list, titles)).map((m) => m.id);
  if (mails.length) await tx.q.delete(mailOutbox).where(inArray(mailOutbox.id, mails));
  await tx.q.delete(notifications).where(notificationsAbout(tx, list));
  await tx.q.delete(duplicateDecisions).where(or(inArray(duplicateDecisions.requestA, list), inArray(duplicateDecisions.requestB, list)));
  await tx.q.delete(comments).where(inArray(comments.requestId, list));
  await tx.q.delete(referrals).where(inArray(referrals.requestId, list));
  await tx.q.delete(contactViews).where(inArray(contactViews.requestId, list));
  await tx.q.delete(requestContacts).where(inArray(requestContacts.requestId, list));
  await tx.q.delete(requests).where(and(eq(requests.boardId, boardId), inArray(requests.id, list)));
  return counts;
}
