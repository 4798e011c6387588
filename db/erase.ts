/**
 * "Vergeet deze persoon" in SQL: which requests of a board belong to one
 * person (by the keyed hash of their reference, or one request and the
 * others with its key), what of them is stored where, and erasing it.
 * The board document itself is rebuilt by app/services/rebuild.server.ts;
 * `eraseRequests` runs inside that same transaction.
 */
import { and, eq, inArray, like, or, sql } from "drizzle-orm";
import { auditHoldsText, scrubAuditData } from "../app/board/erase";
import type { DB } from "./client";
import type { Tx } from "./rebuild";
import {
  auditEvents,
  boardMoments,
  comments,
  contactViews,
  duplicateDecisions,
  mailOutbox,
  meetingActions,
  meetingDecisions,
  notifications,
  referrals,
  requestContacts,
  requests,
} from "./schema";

type Q = DB | Tx;

/** The board's requests with this reference key. */
export function requestIdsByKey(db: Q, boardId: string, key: string): string[] {
  return db
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), eq(requests.referenceKey, key)))
    .all()
    .map((r) => r.id);
}

/** One request of the board and, when it has a reference, every other of the board with the same key. Empty when it is not the board's. */
export function requestIdsLike(db: Q, boardId: string, requestId: string): string[] {
  const row = db
    .select({ id: requests.id, key: requests.referenceKey })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), eq(requests.id, requestId)))
    .get();
  if (!row) return [];
  if (!row.key) return [row.id];
  return [row.id, ...requestIdsByKey(db, boardId, row.key).filter((id) => id !== row.id)];
}

/** How many moments of the board are stored. */
export function countMoments(db: Q, boardId: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(boardMoments).where(eq(boardMoments.boardId, boardId)).get()?.n ?? 0;
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
function mailsAbout(db: Q, ids: readonly string[], titles: readonly string[]) {
  const needles = [...ids, ...titles.filter((t) => t.trim().length >= 4)];
  if (!needles.length) return [];
  const mentions = needles.flatMap((n) => {
    const p = `%${n.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return [sql`${mailOutbox.key} like ${p} escape '\\'`, sql`${mailOutbox.text} like ${p} escape '\\'`, sql`${mailOutbox.html} like ${p} escape '\\'`, sql`${mailOutbox.subject} like ${p} escape '\\'`];
  });
  return db.select({ id: mailOutbox.id }).from(mailOutbox).where(or(...mentions)).all();
}

function auditRows(db: Q, boardId: string, ids: readonly string[]) {
  return db
    .select({ id: auditEvents.id, type: auditEvents.type, data: auditEvents.data })
    .from(auditEvents)
    .where(and(eq(auditEvents.boardId, boardId), inArray(auditEvents.requestId, [...ids])))
    .all();
}

/** What erasing these requests of the board would remove (nothing is changed). */
export function erasureCounts(db: Q, boardId: string, ids: readonly string[], titles: readonly string[] = []): ErasureCounts {
  if (!ids.length) {
    return { requests: 0, comments: 0, referrals: 0, contacts: 0, contactViews: 0, duplicateMarks: 0, notifications: 0, mails: 0, meetingActions: 0, meetingDecisions: 0, auditTexts: 0 };
  }
  const list = [...ids];
  const n = (q: { n: number } | undefined) => q?.n ?? 0;
  const count = sql<number>`count(*)`;
  return {
    requests: n(db.select({ n: count }).from(requests).where(and(eq(requests.boardId, boardId), inArray(requests.id, list))).get()),
    comments: n(db.select({ n: count }).from(comments).where(inArray(comments.requestId, list)).get()),
    referrals: n(db.select({ n: count }).from(referrals).where(inArray(referrals.requestId, list)).get()),
    contacts: n(db.select({ n: count }).from(requestContacts).where(inArray(requestContacts.requestId, list)).get()),
    contactViews: n(db.select({ n: count }).from(contactViews).where(inArray(contactViews.requestId, list)).get()),
    duplicateMarks: n(
      db
        .select({ n: count })
        .from(duplicateDecisions)
        .where(or(inArray(duplicateDecisions.requestA, list), inArray(duplicateDecisions.requestB, list)))
        .get(),
    ),
    notifications: n(db.select({ n: count }).from(notifications).where(notificationsAbout(list)).get()),
    mails: mailsAbout(db, list, titles).length,
    meetingActions: n(db.select({ n: count }).from(meetingActions).where(inArray(meetingActions.requestId, list)).get()),
    meetingDecisions: n(db.select({ n: count }).from(meetingDecisions).where(inArray(meetingDecisions.requestId, list)).get()),
    auditTexts: auditRows(db, boardId, list).filter((r) => auditHoldsText(r.type, r.data)).length,
  };
}

/** Notifications about one of the requests: their own request, or a digest that lists it. */
function notificationsAbout(ids: string[]) {
  return or(inArray(notifications.requestId, ids), ...ids.map((id) => like(notifications.data, `%"${id}"%`)));
}

/**
 * Erase the requests of the board (in the rebuild's transaction): the words
 * of audit events about them, the texts of meeting actions and decisions
 * linked to them (the actions stay, without text and card), queued mails and
 * notifications that name them, duplicate marks, and the request rows, whose
 * comments, referrals (with their notes), sealed contact details and their
 * view log go with them (deleted here by name; anything added later that
 * hangs on a request goes by its foreign key's cascade). Returns what went.
 */
export function eraseRequests(tx: Tx, boardId: string, ids: readonly string[], titles: readonly string[] = []): ErasureCounts {
  const counts = erasureCounts(tx, boardId, ids, titles);
  if (!ids.length) return counts;
  const list = [...ids];
  for (const row of auditRows(tx, boardId, list)) {
    if (!auditHoldsText(row.type, row.data)) continue;
    tx.update(auditEvents).set({ data: scrubAuditData(row.type, row.data) }).where(eq(auditEvents.id, row.id)).run();
  }
  tx.update(meetingActions).set({ text: "", requestId: null }).where(inArray(meetingActions.requestId, list)).run();
  tx.update(meetingDecisions).set({ text: "", requestId: null }).where(inArray(meetingDecisions.requestId, list)).run();
  const mails = mailsAbout(tx, list, titles).map((m) => m.id);
  if (mails.length) tx.delete(mailOutbox).where(inArray(mailOutbox.id, mails)).run();
  tx.delete(notifications).where(notificationsAbout(list)).run();
  tx.delete(duplicateDecisions).where(or(inArray(duplicateDecisions.requestA, list), inArray(duplicateDecisions.requestB, list))).run();
  tx.delete(comments).where(inArray(comments.requestId, list)).run();
  tx.delete(referrals).where(inArray(referrals.requestId, list)).run();
  tx.delete(contactViews).where(inArray(contactViews.requestId, list)).run();
  tx.delete(requestContacts).where(inArray(requestContacts.requestId, list)).run();
  tx.delete(requests).where(and(eq(requests.boardId, boardId), inArray(requests.id, list))).run();
  return counts;
}
