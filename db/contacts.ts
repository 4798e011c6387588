/**
 * Sealed contact details of requests and who looked at them (issue 14). The
 * sealing itself is app/services/seal.server.ts; this file only stores the
 * sealed bytes and the log. On the asynchronous layer (decision 001);
 * retention runs `deleteContactsForRequests` inside the board's rebuild
 * transaction (db/retention.ts).
 */
import { asc, eq, inArray } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { affected, first } from "./dialect";
import { requestContacts, CONTACT_VIEW_ACTIONS } from "./schema";

export type ContactRow = typeof requestContacts.$inferSelect;
export type ContactViewAction = (typeof CONTACT_VIEW_ACTIONS)[number];

export async function getContact(h: AsyncDb, requestId: string): Promise<ContactRow | null> {
  const { requestContacts } = h.t;
  return (await first(h.q.select().from(requestContacts).where(eq(requestContacts.requestId, requestId)))) ?? null;
}

/** Store (or replace) a request's sealed details, and log the edit, in one transaction. */
export async function putContact(
  h: AsyncDb,
  row: { requestId: string; boardId: string; sealed: Buffer; consent: boolean; at: number; userId: string | null; orgId: string },
): Promise<void> {
  await h.transaction(async (tx) => {
    const { requestContacts } = tx.t;
    const values = {
      requestId: row.requestId,
      boardId: row.boardId,
      sealed: row.sealed,
      consent: row.consent,
      updatedAt: row.at,
      updatedByUserId: row.userId,
      updatedByOrgId: row.orgId,
    };
    await tx.q.insert(requestContacts).values(values).onConflictDoUpdate({ target: requestContacts.requestId, set: values });
    await logContactView(tx, { requestId: row.requestId, boardId: row.boardId, userId: row.userId, orgId: row.orgId, action: "edit", at: row.at });
  });
}

/** Remove a request's details (the person asked, or nothing is left to keep), and log it. Only the remover that deleted the row logs. */
export async function clearContact(h: AsyncDb, row: { requestId: string; boardId: string; at: number; userId: string; orgId: string }): Promise<boolean> {
  return h.transaction(async (tx) => {
    const { requestContacts } = tx.t;
    const removed = affected(await tx.q.delete(requestContacts).where(eq(requestContacts.requestId, row.requestId)));
    if (removed) await logContactView(tx, { ...row, action: "clear" });
    return removed > 0;
  });
}

export async function logContactView(
  h: AsyncDb,
  v: { requestId: string; boardId: string; userId: string | null; orgId: string | null; action: ContactViewAction; at: number },
): Promise<void> {
  const { contactViews } = h.t;
  await h.q
    .insert(contactViews)
    .values({ requestId: v.requestId, boardId: v.boardId, userId: v.userId, orgId: v.orgId, action: v.action, createdAt: v.at });
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
export async function contactViewsOf(h: AsyncDb, requestId: string): Promise<ContactViewRow[]> {
  const { contactViews, users, organisations } = h.t;
  return h.q
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
    .orderBy(asc(contactViews.createdAt), asc(contactViews.id));
}

/** Which of these requests have sealed details (for the alliance export: that they exist, never what). */
export async function requestsWithContact(h: AsyncDb, requestIds: readonly string[]): Promise<Array<{ requestId: string; consent: boolean; updatedAt: number }>> {
  if (!requestIds.length) return [];
  const { requestContacts } = h.t;
  const out: Array<{ requestId: string; consent: boolean; updatedAt: number }> = [];
  // SQLite takes up to 32766 parameters; an alliance's export can name more requests.
  for (let i = 0; i < requestIds.length; i += 5000) {
    out.push(
      ...(await h.q
        .select({ requestId: requestContacts.requestId, consent: requestContacts.consent, updatedAt: requestContacts.updatedAt })
        .from(requestContacts)
        .where(inArray(requestContacts.requestId, requestIds.slice(i, i + 5000)))),
    );
  }
  return out;
}

/**
 * One sealed value and the associated data it was sealed with, to check at
 * start that DATA_KEY opens what is stored; null when nothing sealed is
 * stored. (Other sealed values, TOTP secrets, add their table here.)
 */
export async function oneSealedValue(h: AsyncDb): Promise<{ sealed: Buffer; aad: string } | null> {
  const { requestContacts } = h.t;
  const row = await first(h.q.select({ requestId: requestContacts.requestId, sealed: requestContacts.sealed }).from(requestContacts));
  return row ? { sealed: row.sealed, aad: contactAad(row.requestId) } : null;
}

/** What a request's contact details are bound to: a sealed blob copied to another request does not open. */
export function contactAad(requestId: string): string {
  return `request-contact:${requestId}`;
}

/** Erase the contact details of these requests and their view log (erasure and retention, h4/h5). Returns rows deleted. */
export async function deleteContactsForRequests(h: AsyncDb, requestIds: readonly string[]): Promise<{ contacts: number; views: number }> {
  if (!requestIds.length) return { contacts: 0, views: 0 };
  const ids = [...requestIds];
  return h.transaction(async (tx) => {
    const { requestContacts, contactViews } = tx.t;
    const contacts = affected(await tx.q.delete(requestContacts).where(inArray(requestContacts.requestId, ids)));
    const views = affected(await tx.q.delete(contactViews).where(inArray(contactViews.requestId, ids)));
    return { contacts, views };
  });
}
