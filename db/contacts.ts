/**
 * Sealed contact details of requests and who looked at them (issue 14). The
 * sealing itself is app/services/seal.server.ts; this file only stores the
 * sealed bytes and the log.
 */
import { asc, eq, inArray } from "drizzle-orm";
import type { DB } from "./client";
import { contactViews, organisations, requestContacts, users, CONTACT_VIEW_ACTIONS } from "./schema";

export type ContactRow = typeof requestContacts.$inferSelect;
export type ContactViewAction = (typeof CONTACT_VIEW_ACTIONS)[number];

export function getContact(db: DB, requestId: string): ContactRow | null {
  return db.select().from(requestContacts).where(eq(requestContacts.requestId, requestId)).get() ?? null;
}

/** Store (or replace) a request's sealed details, and log the edit, in one transaction. */
export function putContact(
  db: DB,
  row: { requestId: string; boardId: string; sealed: Buffer; consent: boolean; at: number; userId: string | null; orgId: string },
): void {
  db.transaction((tx) => {
    const values = {
      requestId: row.requestId,
      boardId: row.boardId,
      sealed: row.sealed,
      consent: row.consent,
      updatedAt: row.at,
      updatedByUserId: row.userId,
      updatedByOrgId: row.orgId,
    };
    tx.insert(requestContacts)
      .values(values)
      .onConflictDoUpdate({ target: requestContacts.requestId, set: values })
      .run();
    logContactView(tx as unknown as DB, { requestId: row.requestId, boardId: row.boardId, userId: row.userId, orgId: row.orgId, action: "edit", at: row.at });
  });
}

/** Remove a request's details (the person asked, or nothing is left to keep), and log it. */
export function clearContact(db: DB, row: { requestId: string; boardId: string; at: number; userId: string; orgId: string }): boolean {
  return db.transaction((tx) => {
    const res = tx.delete(requestContacts).where(eq(requestContacts.requestId, row.requestId)).run();
    if (res.changes) logContactView(tx as unknown as DB, { ...row, action: "clear" });
    return res.changes > 0;
  });
}

export function logContactView(
  db: DB,
  v: { requestId: string; boardId: string; userId: string | null; orgId: string | null; action: ContactViewAction; at: number },
): void {
  db.insert(contactViews)
    .values({ requestId: v.requestId, boardId: v.boardId, userId: v.userId, orgId: v.orgId, action: v.action, createdAt: v.at })
    .run();
}

export interface ContactViewRow {
  id: number;
  action: ContactViewAction;
  createdAt: number;
  userId: string | null;
  userName: string | null;
  orgId: string | null;
  orgName: string | null;
}

/** The log of one request, oldest first, with names of who and which organisation. */
export function contactViewsOf(db: DB, requestId: string): ContactViewRow[] {
  return db
    .select({
      id: contactViews.id,
      action: contactViews.action,
      createdAt: contactViews.createdAt,
      userId: contactViews.userId,
      userName: users.name,
      orgId: contactViews.orgId,
      orgName: organisations.shortName,
    })
    .from(contactViews)
    .leftJoin(users, eq(users.id, contactViews.userId))
    .leftJoin(organisations, eq(organisations.id, contactViews.orgId))
    .where(eq(contactViews.requestId, requestId))
    .orderBy(asc(contactViews.createdAt), asc(contactViews.id))
    .all();
}

/** Which of these requests have sealed details (for the alliance export: that they exist, never what). */
export function requestsWithContact(db: DB, requestIds: readonly string[]): Array<{ requestId: string; consent: boolean; updatedAt: number }> {
  if (!requestIds.length) return [];
  return db
    .select({ requestId: requestContacts.requestId, consent: requestContacts.consent, updatedAt: requestContacts.updatedAt })
    .from(requestContacts)
    .where(inArray(requestContacts.requestId, [...requestIds]))
    .all();
}

/**
 * One sealed value and the associated data it was sealed with, to check at
 * start that DATA_KEY opens what is stored; null when nothing sealed is
 * stored. (Other sealed values, TOTP secrets, add their table here.)
 */
export function oneSealedValue(db: DB): { sealed: Buffer; aad: string } | null {
  const row = db.select({ requestId: requestContacts.requestId, sealed: requestContacts.sealed }).from(requestContacts).limit(1).get();
  return row ? { sealed: row.sealed, aad: contactAad(row.requestId) } : null;
}

/** What a request's contact details are bound to: a sealed blob copied to another request does not open. */
export function contactAad(requestId: string): string {
  return `request-contact:${requestId}`;
}

/** Erase the contact details of these requests and their view log (erasure and retention, h4/h5). Returns rows deleted. */
export function deleteContactsForRequests(db: DB, requestIds: readonly string[]): { contacts: number; views: number } {
  if (!requestIds.length) return { contacts: 0, views: 0 };
  const ids = [...requestIds];
  return db.transaction((tx) => {
    const contacts = tx.delete(requestContacts).where(inArray(requestContacts.requestId, ids)).run().changes;
    const views = tx.delete(contactViews).where(inArray(contactViews.requestId, ids)).run().changes;
    return { contacts, views };
  });
}
