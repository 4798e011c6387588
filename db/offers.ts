/** What organisations offer per category, and the facts the overview needs from SQL. */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { DB } from "./client";
import { auditEvents, offers, organisations, requests } from "./schema";

export interface OfferInput {
  category: string;
  label: string;
  capacity: number;
  area: string;
}

export function listOffers(db: DB, allianceId: string) {
  return db
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
    .orderBy(asc(organisations.shortName), asc(offers.category))
    .all();
}

export function offersOf(db: DB, orgId: string) {
  return db.select().from(offers).where(eq(offers.organisationId, orgId)).orderBy(asc(offers.category)).all();
}

/** Replace an organisation's offers as a whole (PUT semantics). */
export function replaceOffers(db: DB, orgId: string, list: Array<OfferInput & { id: string }>, at: number) {
  db.transaction((tx) => {
    tx.delete(offers).where(eq(offers.organisationId, orgId)).run();
    for (const o of list) tx.insert(offers).values({ ...o, organisationId: orgId, updatedAt: at }).run();
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
export function requestFacts(db: DB, boardId: string): RequestFacts[] {
  const firstClaim = db
    .select({
      requestId: auditEvents.requestId,
      at: sql<number>`min(${auditEvents.createdAt})`.as("at"),
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.boardId, boardId), inArray(auditEvents.type, ["claimed", "referral_accepted", "reassigned"])))
    .groupBy(auditEvents.requestId)
    .as("first_claim");
  return db
    .select({
      id: requests.id,
      createdByOrgId: requests.createdByOrgId,
      ownerOrgId: requests.ownerOrgId,
      createdAt: requests.createdAt,
      mergedInto: requests.mergedInto,
      firstClaimAt: sql<number | null>`coalesce(${firstClaim.at}, ${requests.claimedAt})`,
    })
    .from(requests)
    .leftJoin(firstClaim, eq(firstClaim.requestId, requests.id))
    .where(eq(requests.boardId, boardId))
    .all();
}
