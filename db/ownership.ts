/**
 * Ownership of requests: claims and referrals, decided here in SQL so that a
 * client cannot forge them and two organisations racing for one request get
 * exactly one winner (SQLite serialises writers; each decision is a single
 * conditional UPDATE or a transaction).
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { DB } from "./client";
import { appendAudit, type AuditInput } from "./requests";
import { auditEvents, organisations, referrals, requests } from "./schema";

export type ReferralRow = typeof referrals.$inferSelect;

export interface OwnershipState {
  requestId: string;
  boardId: string;
  ownerOrgId: string | null;
  claimedAt: number | null;
  pendingReferral: ReferralRow | null;
}

export function ownershipOf(db: DB, requestId: string): OwnershipState | null {
  const r = db
    .select({ id: requests.id, boardId: requests.boardId, ownerOrgId: requests.ownerOrgId, claimedAt: requests.claimedAt })
    .from(requests)
    .where(eq(requests.id, requestId))
    .get();
  if (!r) return null;
  const pending =
    db
      .select()
      .from(referrals)
      .where(and(eq(referrals.requestId, requestId), eq(referrals.status, "pending")))
      .get() ?? null;
  return { requestId: r.id, boardId: r.boardId, ownerOrgId: r.ownerOrgId, claimedAt: r.claimedAt, pendingReferral: pending };
}

/** Owners and pending referrals of every request on a board (for the board's first paint). */
export function boardOwnership(db: DB, boardId: string) {
  const owners = db
    .select({ id: requests.id, ownerOrgId: requests.ownerOrgId, claimedAt: requests.claimedAt })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), isNotNull(requests.ownerOrgId)))
    .all();
  const pending = db
    .select({
      id: referrals.id,
      requestId: referrals.requestId,
      fromOrgId: referrals.fromOrgId,
      toOrgId: referrals.toOrgId,
      createdAt: referrals.createdAt,
    })
    .from(referrals)
    .innerJoin(requests, eq(requests.id, referrals.requestId))
    .where(and(eq(requests.boardId, boardId), eq(referrals.status, "pending")))
    .all();
  return { owners, pending };
}

/**
 * Whether an organisation ever held a request (claimed it, was given it, or
 * accepted it as a referral): an edit it made offline while it did is
 * repaired by the server, not refused as forged.
 */
export function everHeld(db: DB, requestId: string, orgId: string): boolean {
  const row = db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.requestId, requestId),
        sql`((${auditEvents.type} = 'claimed' AND json_extract(${auditEvents.data}, '$.org') = ${orgId})
          OR (${auditEvents.type} IN ('reassigned', 'referral_accepted') AND json_extract(${auditEvents.data}, '$.to') = ${orgId}))`,
      ),
    )
    .limit(1)
    .get();
  return !!row;
}

/** Claim an unowned request. Returns the owner after the attempt and whether we won. */
export function claimRequest(
  db: DB,
  requestId: string,
  orgId: string,
  at: number,
  audit: Omit<AuditInput, "type">,
): { won: boolean; ownerOrgId: string | null } {
  return db.transaction((tx) => {
    const res = tx
      .update(requests)
      .set({ ownerOrgId: orgId, claimedAt: at, lastActivityAt: at })
      .where(and(eq(requests.id, requestId), isNull(requests.ownerOrgId)))
      .run();
    if (res.changes === 1) {
      appendAudit(tx as unknown as DB, { ...audit, type: "claimed", data: { org: orgId }, createdAt: at });
      return { won: true, ownerOrgId: orgId };
    }
    const row = tx.select({ owner: requests.ownerOrgId }).from(requests).where(eq(requests.id, requestId)).get();
    return { won: false, ownerOrgId: row?.owner ?? null };
  });
}

/** Release a claim held by `orgId` (or any holder when `orgId` is null: coordinator). Cancels a pending referral. */
export function unclaimRequest(
  db: DB,
  requestId: string,
  orgId: string | null,
  at: number,
  audit: Omit<AuditInput, "type">,
  type = "unclaimed",
): { ok: boolean; previousOwner: string | null; cancelledReferralTo: string | null } {
  return db.transaction((tx) => {
    const row = tx.select({ owner: requests.ownerOrgId }).from(requests).where(eq(requests.id, requestId)).get();
    if (!row?.owner || (orgId !== null && row.owner !== orgId)) {
      return { ok: false, previousOwner: row?.owner ?? null, cancelledReferralTo: null };
    }
    tx.update(requests)
      .set({ ownerOrgId: null, claimedAt: null, lastActivityAt: at })
      .where(and(eq(requests.id, requestId), eq(requests.ownerOrgId, row.owner)))
      .run();
    const cancelled = tx
      .update(referrals)
      .set({ status: "revoked", decidedAt: at, reason: type })
      .where(and(eq(referrals.requestId, requestId), eq(referrals.status, "pending")))
      .returning({ toOrgId: referrals.toOrgId })
      .get();
    appendAudit(tx as unknown as DB, { ...audit, type, data: { org: row.owner }, createdAt: at });
    return { ok: true, previousOwner: row.owner, cancelledReferralTo: cancelled?.toOrgId ?? null };
  });
}

/** Coordinator: give the request to another organisation (or take it from whoever has it). */
export function reassignRequest(
  db: DB,
  requestId: string,
  toOrgId: string,
  at: number,
  audit: Omit<AuditInput, "type">,
): { previousOwner: string | null; cancelledReferralTo: string | null } {
  return db.transaction((tx) => {
    const row = tx.select({ owner: requests.ownerOrgId }).from(requests).where(eq(requests.id, requestId)).get();
    tx.update(requests).set({ ownerOrgId: toOrgId, claimedAt: at, lastActivityAt: at }).where(eq(requests.id, requestId)).run();
    const cancelled = tx
      .update(referrals)
      .set({ status: "revoked", decidedAt: at, reason: "reassigned" })
      .where(and(eq(referrals.requestId, requestId), eq(referrals.status, "pending")))
      .returning({ toOrgId: referrals.toOrgId })
      .get();
    appendAudit(tx as unknown as DB, { ...audit, type: "reassigned", data: { from: row?.owner ?? null, to: toOrgId }, createdAt: at });
    return { previousOwner: row?.owner ?? null, cancelledReferralTo: cancelled?.toOrgId ?? null };
  });
}

export type ReferralFailure = "not_owner" | "pending_exists" | "same_org" | "not_pending" | "not_recipient" | "not_sender";

/** Refer a request held by `fromOrgId` to `toOrgId`. */
export function createReferral(
  db: DB,
  r: { id: string; requestId: string; fromOrgId: string; toOrgId: string; note: string; userId: string; at: number },
  audit: Omit<AuditInput, "type">,
): { ok: true; referral: ReferralRow } | { ok: false; error: ReferralFailure } {
  if (r.fromOrgId === r.toOrgId) return { ok: false, error: "same_org" };
  return db.transaction((tx) => {
    const row = tx.select({ owner: requests.ownerOrgId }).from(requests).where(eq(requests.id, r.requestId)).get();
    if (row?.owner !== r.fromOrgId) return { ok: false as const, error: "not_owner" as const };
    const existing = tx
      .select({ id: referrals.id })
      .from(referrals)
      .where(and(eq(referrals.requestId, r.requestId), eq(referrals.status, "pending")))
      .get();
    if (existing) return { ok: false as const, error: "pending_exists" as const };
    const referral = tx
      .insert(referrals)
      .values({
        id: r.id,
        requestId: r.requestId,
        fromOrgId: r.fromOrgId,
        toOrgId: r.toOrgId,
        note: r.note,
        status: "pending",
        createdByUserId: r.userId,
        createdAt: r.at,
      })
      .returning()
      .get();
    tx.update(requests).set({ lastActivityAt: r.at }).where(eq(requests.id, r.requestId)).run();
    appendAudit(tx as unknown as DB, { ...audit, type: "referred", data: { from: r.fromOrgId, to: r.toOrgId }, createdAt: r.at });
    return { ok: true as const, referral };
  });
}

/** Accept, decline or revoke the pending referral of a request. */
export function decideReferral(
  db: DB,
  d: { requestId: string; orgId: string; userId: string; decision: "accepted" | "declined" | "revoked"; reason?: string; at: number },
  audit: Omit<AuditInput, "type">,
): { ok: true; referral: ReferralRow } | { ok: false; error: ReferralFailure } {
  return db.transaction((tx) => {
    const pending = tx
      .select()
      .from(referrals)
      .where(and(eq(referrals.requestId, d.requestId), eq(referrals.status, "pending")))
      .get();
    if (!pending) return { ok: false as const, error: "not_pending" as const };
    if (d.decision === "revoked" ? pending.fromOrgId !== d.orgId : pending.toOrgId !== d.orgId) {
      return { ok: false as const, error: d.decision === "revoked" ? ("not_sender" as const) : ("not_recipient" as const) };
    }
    const updated = tx
      .update(referrals)
      .set({ status: d.decision, reason: d.reason ?? null, decidedAt: d.at, decidedByUserId: d.userId })
      .where(and(eq(referrals.id, pending.id), eq(referrals.status, "pending")))
      .returning()
      .get();
    if (d.decision === "accepted") {
      tx.update(requests)
        .set({ ownerOrgId: pending.toOrgId, claimedAt: d.at, lastActivityAt: d.at })
        .where(eq(requests.id, d.requestId))
        .run();
    } else {
      tx.update(requests).set({ lastActivityAt: d.at }).where(eq(requests.id, d.requestId)).run();
    }
    const type = { accepted: "referral_accepted", declined: "referral_declined", revoked: "referral_revoked" }[d.decision];
    appendAudit(tx as unknown as DB, {
      ...audit,
      type,
      data: { from: pending.fromOrgId, to: pending.toOrgId, ...(d.reason ? { reason: d.reason } : {}) },
      createdAt: d.at,
    });
    return { ok: true as const, referral: updated };
  });
}

/** Referrals waiting for an organisation ("Voor ons"). */
export function inboxFor(db: DB, orgId: string, boardId?: string) {
  return db
    .select({
      id: referrals.id,
      requestId: referrals.requestId,
      boardId: requests.boardId,
      fromOrgId: referrals.fromOrgId,
      fromOrgName: organisations.shortName,
      note: referrals.note,
      createdAt: referrals.createdAt,
    })
    .from(referrals)
    .innerJoin(requests, eq(requests.id, referrals.requestId))
    .innerJoin(organisations, eq(organisations.id, referrals.fromOrgId))
    .where(
      and(
        eq(referrals.toOrgId, orgId),
        eq(referrals.status, "pending"),
        boardId ? eq(requests.boardId, boardId) : sql`1 = 1`,
      ),
    )
    .orderBy(asc(referrals.createdAt))
    .all();
}

/** Claims without activity since `before` on boards whose expiry setting has passed. */
export function staleClaims(db: DB, boardIdToCutoff: Map<string, number>) {
  const out: Array<{ id: string; boardId: string; ownerOrgId: string }> = [];
  for (const [boardId, cutoff] of boardIdToCutoff) {
    const rows = db
      .select({ id: requests.id, boardId: requests.boardId, ownerOrgId: requests.ownerOrgId })
      .from(requests)
      .where(and(eq(requests.boardId, boardId), isNotNull(requests.ownerOrgId), lt(requests.lastActivityAt, cutoff)))
      .all();
    for (const r of rows) out.push({ id: r.id, boardId: r.boardId, ownerOrgId: r.ownerOrgId! });
  }
  return out;
}

export function referralHistory(db: DB, requestId: string) {
  return db.select().from(referrals).where(eq(referrals.requestId, requestId)).orderBy(desc(referrals.createdAt)).all();
}

export function ownersOf(db: DB, requestIds: string[]) {
  if (requestIds.length === 0) return [];
  return db
    .select({ id: requests.id, ownerOrgId: requests.ownerOrgId })
    .from(requests)
    .where(inArray(requests.id, requestIds))
    .all();
}
