/** What organisations offer per category, and the facts the overview needs from SQL (asynchronous layer: both engines). */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first, forUpdate } from "./dialect";

export interface OfferInput {
  category: string;
  label: string;
  capacity: number;
  area: string;
}

export async function listOffers(h: AsyncDb, allianceId: string) {
  const { offers, organisations } = h.t;
  return h.q
    .select({
      id: offers.id,
      organisationId: offers.organisationId,
      organisation: organisations.shortName,
      category: offers.category,
      label: offers.label,
      capacity: offers.capacity,
      area: offers.area,
      updatedAt: offers.updatedAt,
    })
    .from(offers)
    .innerJoin(organisations, eq(organisations.id, offers.organisationId))
    .where(eq(organisations.allianceId, allianceId))
    .orderBy(asc(organisations.shortName), asc(offers.category), asc(offers.position), asc(offers.id));
}

export async function offersOf(h: AsyncDb, orgId: string) {
  const { offers } = h.t;
  return h.q.select().from(offers).where(eq(offers.organisationId, orgId)).orderBy(asc(offers.category), asc(offers.position), asc(offers.id));
}

/**
 * Replace an organisation's offers as a whole (PUT semantics), in one
 * transaction. The organisation's row is locked first (PostgreSQL; SQLite's
 * transaction is the only writer): two replacements at once run one after
 * the other, so one whole list stands, never a mix of both. Each offer
 * keeps its place in `list`.
 */
export async function replaceOffers(h: AsyncDb, orgId: string, list: Array<OfferInput & { id: string }>, at: number): Promise<void> {
  await h.transaction(async (tx) => {
    const { offers, organisations } = tx.t;
    await first(forUpdate(tx, tx.q.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, orgId))));
    await tx.q.delete(offers).where(eq(offers.organisationId, orgId));
    // The order the organisation gave is kept (`position`): within a category the lists show it.
    if (list.length) await tx.q.insert(offers).values(list.map((o, position) => ({ ...o, position, organisationId: orgId, updatedAt: at })));
  });
}

export interface RequestFacts {
  id: string;
  createdByOrgId: string;
  ownerOrgId: string | null;
  createdAt: number;
  mergedInto: string | null;
  /** First time anyone took it on (claim, accepted referral or reassignment). */
  firstClaimAt: number | null;
}

/** Per request of a board: creator, holder, creation and first claim time. */
export async function requestFacts(h: AsyncDb, boardId: string): Promise<RequestFacts[]> {
  const { auditEvents, requests } = h.t;
  const claims = await h.q
    .select({ requestId: auditEvents.requestId, at: sql<number>`min(${auditEvents.createdAt})`.mapWith(Number) })
    .from(auditEvents)
    .where(and(eq(auditEvents.boardId, boardId), inArray(auditEvents.type, ["claimed", "referral_accepted", "reassigned"])))
    .groupBy(auditEvents.requestId);
  const firstClaim = new Map(claims.map((c) => [c.requestId, c.at]));
  const rows = await h.q
    .select({
      id: requests.id,
      createdByOrgId: requests.createdByOrgId,
      ownerOrgId: requests.ownerOrgId,
      createdAt: requests.createdAt,
      mergedInto: requests.mergedInto,
      claimedAt: requests.claimedAt,
    })
    .from(requests)
    .where(eq(requests.boardId, boardId));
  return rows.map(({ claimedAt, ...r }) => ({ ...r, firstClaimAt: firstClaim.get(r.id) ?? claimedAt }));
}
