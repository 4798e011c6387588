/**
 * Ownership of requests: claims and referrals, decided here in SQL so that a
 * client cannot forge them and two organisations racing for one request get
 * exactly one winner, on SQLite and on PostgreSQL (the asynchronous layer,
 * docs/decisions/001-async-database-layer.md): the claim is one conditional
 * UPDATE; a read-decide-write locks the row it read (`forUpdate`); the
 * partial unique index on pending referrals decides what slips past.
 *
 * The room's synchronous check of a client's edit (server/sync/room.ts, via
 * holdersForSync) and the API's card move decide inside the document's
 * transaction and cannot await: they use the `…Now` functions at the end,
 * synchronous and SQLite only, until the room awaits its claims (decision 001).
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { AsyncDb, DB } from "./client";
import { first, forUpdate, isUniqueViolation, jsonText } from "./dialect";
import { addAudit, appendAudit, type AuditInput } from "./requests";
import { auditEvents, referrals, requests } from "./schema";

export type ReferralRow = typeof referrals.$inferSelect;

export interface OwnershipState {
  requestId: string;
  boardId: string;
  ownerOrgId: string | null;
  claimedAt: number | null;
  pendingReferral: ReferralRow | null;
}

type Audit = Omit<AuditInput, "type">;

export async function ownershipOf(h: AsyncDb, requestId: string): Promise<OwnershipState | null> {
  const { requests, referrals } = h.t;
  const r = await first(
    h.q
      .select({ id: requests.id, boardId: requests.boardId, ownerOrgId: requests.ownerOrgId, claimedAt: requests.claimedAt })
      .from(requests)
      .where(eq(requests.id, requestId)),
  );
  if (!r) return null;
  const pending = await first(h.q.select().from(referrals).where(and(eq(referrals.requestId, requestId), eq(referrals.status, "pending"))));
  return { requestId: r.id, boardId: r.boardId, ownerOrgId: r.ownerOrgId, claimedAt: r.claimedAt, pendingReferral: pending ?? null };
}

/** Owners and pending referrals of every request on a board (for the board's first paint). */
export async function boardOwnership(h: AsyncDb, boardId: string) {
  const { requests, referrals } = h.t;
  const owners = await h.q
    .select({ id: requests.id, ownerOrgId: requests.ownerOrgId, claimedAt: requests.claimedAt })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), isNotNull(requests.ownerOrgId)));
  const pending = await h.q
    .select({
      id: referrals.id,
      requestId: referrals.requestId,
      fromOrgId: referrals.fromOrgId,
      toOrgId: referrals.toOrgId,
      createdAt: referrals.createdAt,
    })
    .from(referrals)
    .innerJoin(requests, eq(requests.id, referrals.requestId))
    .where(and(eq(requests.boardId, boardId), eq(referrals.status, "pending")));
  return { owners, pending };
}

/**
 * Claim an unowned request. Returns the owner after the attempt and whether
 * we won. One conditional UPDATE decides: on PostgreSQL a rival waits for
 * the winner's row lock, finds the owner set and changes nothing.
 */
export async function claimRequest(h: AsyncDb, requestId: string, orgId: string, at: number, audit: Audit): Promise<{ won: boolean; ownerOrgId: string | null }> {
  return h.transaction(async (tx) => {
    const { requests } = tx.t;
    const won = await tx.q
      .update(requests)
      .set({ ownerOrgId: orgId, claimedAt: at, lastActivityAt: at })
      .where(and(eq(requests.id, requestId), isNull(requests.ownerOrgId)))
      .returning({ id: requests.id });
    if (won.length === 1) {
      await addAudit(tx, { ...audit, type: "claimed", data: { org: orgId }, createdAt: at });
      return { won: true, ownerOrgId: orgId };
    }
    const row = await first(tx.q.select({ owner: requests.ownerOrgId }).from(requests).where(eq(requests.id, requestId)));
    return { won: false, ownerOrgId: row?.owner ?? null };
  });
}

/** The request's holder, its row locked until the transaction ends (PostgreSQL; SQLite's transaction holds the only write lock). */
async function lockedHolder(tx: AsyncDb, requestId: string): Promise<string | null> {
  const { requests } = tx.t;
  const row = await first(forUpdate(tx, tx.q.select({ owner: requests.ownerOrgId }).from(requests).where(eq(requests.id, requestId))));
  return row?.owner ?? null;
}

/** Revoke the request's pending referral (if any); whom it was for. */
async function revokePending(tx: AsyncDb, requestId: string, at: number, reason: string): Promise<string | null> {
  const { referrals } = tx.t;
  const cancelled = await tx.q
    .update(referrals)
    .set({ status: "revoked", decidedAt: at, reason })
    .where(and(eq(referrals.requestId, requestId), eq(referrals.status, "pending")))
    .returning({ toOrgId: referrals.toOrgId });
  return cancelled[0]?.toOrgId ?? null;
}

/** Release a claim held by `orgId` (or any holder when `orgId` is null: coordinator). Cancels a pending referral. */
export async function unclaimRequest(
  h: AsyncDb,
  requestId: string,
  orgId: string | null,
  at: number,
  audit: Audit,
  type = "unclaimed",
): Promise<{ ok: boolean; previousOwner: string | null; cancelledReferralTo: string | null }> {
  return h.transaction(async (tx) => {
    const owner = await lockedHolder(tx, requestId);
    if (!owner || (orgId !== null && owner !== orgId)) return { ok: false, previousOwner: owner, cancelledReferralTo: null };
    const { requests } = tx.t;
    await tx.q
      .update(requests)
      .set({ ownerOrgId: null, claimedAt: null, lastActivityAt: at })
      .where(and(eq(requests.id, requestId), eq(requests.ownerOrgId, owner)));
    const cancelledReferralTo = await revokePending(tx, requestId, at, type);
    await addAudit(tx, { ...audit, type, data: { org: owner }, createdAt: at });
    return { ok: true, previousOwner: owner, cancelledReferralTo };
  });
}

/** Coordinator: give the request to another organisation (or take it from whoever has it). */
export async function reassignRequest(
  h: AsyncDb,
  requestId: string,
  toOrgId: string,
  at: number,
  audit: Audit,
): Promise<{ previousOwner: string | null; cancelledReferralTo: string | null }> {
  return h.transaction(async (tx) => {
    const previousOwner = await lockedHolder(tx, requestId);
    const { requests } = tx.t;
    await tx.q.update(requests).set({ ownerOrgId: toOrgId, claimedAt: at, lastActivityAt: at }).where(eq(requests.id, requestId));
    const cancelledReferralTo = await revokePending(tx, requestId, at, "reassigned");
    await addAudit(tx, { ...audit, type: "reassigned", data: { from: previousOwner, to: toOrgId }, createdAt: at });
    return { previousOwner, cancelledReferralTo };
  });
}

export type ReferralFailure = "not_owner" | "pending_exists" | "same_org" | "not_pending" | "not_recipient" | "not_sender";

/**
 * Refer a request held by `fromOrgId` to `toOrgId`. The request's row is
 * locked while the holder and the pending referral are checked; the partial
 * unique index (one pending referral per request) refuses what slips past.
 */
export async function createReferral(
  h: AsyncDb,
  r: { id: string; requestId: string; fromOrgId: string; toOrgId: string; note: string; userId: string; at: number },
  audit: Audit,
): Promise<{ ok: true; referral: ReferralRow } | { ok: false; error: ReferralFailure }> {
  if (r.fromOrgId === r.toOrgId) return { ok: false, error: "same_org" };
  try {
    return await h.transaction(async (tx) => {
      if ((await lockedHolder(tx, r.requestId)) !== r.fromOrgId) return { ok: false as const, error: "not_owner" as const };
      const { requests, referrals } = tx.t;
      const existing = await first(
        tx.q.select({ id: referrals.id }).from(referrals).where(and(eq(referrals.requestId, r.requestId), eq(referrals.status, "pending"))),
      );
      if (existing) return { ok: false as const, error: "pending_exists" as const };
      const [referral] = await tx.q
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
        .returning();
      await tx.q.update(requests).set({ lastActivityAt: r.at }).where(eq(requests.id, r.requestId));
      await addAudit(tx, { ...audit, type: "referred", data: { from: r.fromOrgId, to: r.toOrgId }, createdAt: r.at });
      return { ok: true as const, referral };
    });
  } catch (e) {
    if (isUniqueViolation(e)) return { ok: false, error: "pending_exists" };
    throw e;
  }
}

/**
 * Accept, decline or revoke the pending referral of a request. The pending
 * row is locked as it is read: of two answers at once, the second finds it
 * no longer pending (PostgreSQL re-reads a locked row after its rival commits).
 */
export async function decideReferral(
  h: AsyncDb,
  d: { requestId: string; orgId: string; userId: string; decision: "accepted" | "declined" | "revoked"; reason?: string; at: number },
  audit: Audit,
): Promise<{ ok: true; referral: ReferralRow } | { ok: false; error: ReferralFailure }> {
  return h.transaction(async (tx) => {
    const { requests, referrals } = tx.t;
    const pending = await first(
      forUpdate(tx, tx.q.select().from(referrals).where(and(eq(referrals.requestId, d.requestId), eq(referrals.status, "pending")))),
    );
    if (!pending) return { ok: false as const, error: "not_pending" as const };
    if (d.decision === "revoked" ? pending.fromOrgId !== d.orgId : pending.toOrgId !== d.orgId) {
      return { ok: false as const, error: d.decision === "revoked" ? ("not_sender" as const) : ("not_recipient" as const) };
    }
    const [updated] = await tx.q
      .update(referrals)
      .set({ status: d.decision, reason: d.reason ?? null, decidedAt: d.at, decidedByUserId: d.userId })
      .where(and(eq(referrals.id, pending.id), eq(referrals.status, "pending")))
      .returning();
    if (!updated) return { ok: false as const, error: "not_pending" as const };
    await tx.q
      .update(requests)
      .set(d.decision === "accepted" ? { ownerOrgId: pending.toOrgId, claimedAt: d.at, lastActivityAt: d.at } : { lastActivityAt: d.at })
      .where(eq(requests.id, d.requestId));
    const type = { accepted: "referral_accepted", declined: "referral_declined", revoked: "referral_revoked" }[d.decision];
    await addAudit(tx, {
      ...audit,
      type,
      data: { from: pending.fromOrgId, to: pending.toOrgId, ...(d.reason ? { reason: d.reason } : {}) },
      createdAt: d.at,
    });
    return { ok: true as const, referral: updated };
  });
}

/** Referrals waiting for an organisation ("Voor ons"). */
export async function inboxFor(h: AsyncDb, orgId: string, boardId?: string) {
  const { requests, referrals, organisations } = h.t;
  return h.q
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
    .where(and(eq(referrals.toOrgId, orgId), eq(referrals.status, "pending"), boardId ? eq(requests.boardId, boardId) : undefined))
    .orderBy(asc(referrals.createdAt));
}

/** Claims without activity since `before` on boards whose expiry setting has passed. */
export async function staleClaims(h: AsyncDb, boardIdToCutoff: Map<string, number>) {
  const { requests } = h.t;
  const out: Array<{ id: string; boardId: string; ownerOrgId: string }> = [];
  for (const [boardId, cutoff] of boardIdToCutoff) {
    const rows = await h.q
      .select({ id: requests.id, boardId: requests.boardId, ownerOrgId: requests.ownerOrgId })
      .from(requests)
      .where(and(eq(requests.boardId, boardId), isNotNull(requests.ownerOrgId), lt(requests.lastActivityAt, cutoff)));
    for (const r of rows) out.push({ id: r.id, boardId: r.boardId, ownerOrgId: r.ownerOrgId! });
  }
  return out;
}

export async function referralHistory(h: AsyncDb, requestId: string) {
  return h.q.select().from(h.t.referrals).where(eq(h.t.referrals.requestId, requestId)).orderBy(desc(h.t.referrals.createdAt));
}

export async function ownersOf(h: AsyncDb, requestIds: readonly string[]) {
  if (requestIds.length === 0) return [];
  const { requests } = h.t;
  return h.q
    .select({ id: requests.id, ownerOrgId: requests.ownerOrgId })
    .from(requests)
    .where(inArray(requests.id, [...requestIds]));
}

// ---------------------------------------------------------------- the synchronous path (SQLite only)

/**
 * The holder now, read synchronously: the room's check of a client's edit
 * and the API's card move decide inside one synchronous step on the live
 * document. SQLite only; on PostgreSQL the room needs the holders in memory
 * per board, refreshed on every ownership change (decision 001).
 */
export function holderNow(db: DB, requestId: string): string | null {
  return reads(db).holder.get({ id: requestId })?.owner ?? null;
}

/**
 * The room's reads, prepared once per connection: the holder is read for
 * every edit of a request, and building and preparing its SQL each time
 * cost about 0.3 ms of CPU an edit (the read itself a few µs).
 */
const readStatements = new WeakMap<DB, ReturnType<typeof prepareReads>>();

function prepareReads(db: DB) {
  const orgId = sql.placeholder("orgId");
  return {
    holder: db.select({ owner: requests.ownerOrgId }).from(requests).where(eq(requests.id, sql.placeholder("id"))).prepare(),
    everHeld: db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.requestId, sql.placeholder("id")),
          sql`((${auditEvents.type} = 'claimed' AND json_extract(${auditEvents.data}, '$.org') = ${orgId})
            OR (${auditEvents.type} IN ('reassigned', 'referral_accepted') AND json_extract(${auditEvents.data}, '$.to') = ${orgId}))`,
        ),
      )
      .limit(1)
      .prepare(),
  };
}

function reads(db: DB): ReturnType<typeof prepareReads> {
  let st = readStatements.get(db);
  if (!st) readStatements.set(db, (st = prepareReads(db)));
  return st;
}

/**
 * Whether an organisation ever held a request (claimed it, was given it, or
 * accepted it as a referral): an edit it made offline while it did is
 * repaired by the server, not refused as forged. Synchronous, for the room.
 */
export function everHeld(db: DB, requestId: string, orgId: string): boolean {
  return !!reads(db).everHeld.get({ id: requestId, orgId });
}

/** claimRequest, synchronously (SQLite's one writer decides): for the room and a move through the API. */
export function claimRequestNow(db: DB, requestId: string, orgId: string, at: number, audit: Audit): { won: boolean; ownerOrgId: string | null } {
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
    return { won: false, ownerOrgId: holderNow(tx as unknown as DB, requestId) };
  });
}

/** unclaimRequest, synchronously: for the room and a move through the API. */
export function unclaimRequestNow(
  db: DB,
  requestId: string,
  orgId: string | null,
  at: number,
  audit: Audit,
): { ok: boolean; previousOwner: string | null; cancelledReferralTo: string | null } {
  return db.transaction((tx) => {
    const owner = holderNow(tx as unknown as DB, requestId);
    if (!owner || (orgId !== null && owner !== orgId)) return { ok: false, previousOwner: owner, cancelledReferralTo: null };
    tx.update(requests)
      .set({ ownerOrgId: null, claimedAt: null, lastActivityAt: at })
      .where(and(eq(requests.id, requestId), eq(requests.ownerOrgId, owner)))
      .run();
    const cancelled = tx
      .update(referrals)
      .set({ status: "revoked", decidedAt: at, reason: "unclaimed" })
      .where(and(eq(referrals.requestId, requestId), eq(referrals.status, "pending")))
      .returning({ toOrgId: referrals.toOrgId })
      .get();
    appendAudit(tx as unknown as DB, { ...audit, type: "unclaimed", data: { org: owner }, createdAt: at });
    return { ok: true, previousOwner: owner, cancelledReferralTo: cancelled?.toOrgId ?? null };
  });
}

// ---------------------------------------------------------------- the room's holders in memory (both engines)

export interface BoardHolderRows {
  /** Each request of the board (or of `requestIds`) with its holder now. */
  holders: Array<{ id: string; ownerOrgId: string | null }>;
  /** Which organisation ever held which request (claimed, given it, accepted it as a referral): `everHeld`'s rule. */
  everHeld: Array<{ requestId: string; orgId: string }>;
}

/**
 * What the room keeps in memory to judge clients' edits without a query
 * (the asynchronous storage, decision 001): the holder of every request of
 * a board and the organisations that ever held each, read in one
 * `repeatable read` transaction (one snapshot). `requestIds`: only these
 * (a refresh after an ownership change).
 */
export async function boardHolders(h: AsyncDb, boardId: string, requestIds?: readonly string[]): Promise<BoardHolderRows> {
  if (requestIds && requestIds.length === 0) return { holders: [], everHeld: [] };
  return h.transaction(
    async (tx) => {
      const { requests, auditEvents } = tx.t;
      const holders = await tx.q
        .select({ id: requests.id, ownerOrgId: requests.ownerOrgId })
        .from(requests)
        .where(and(eq(requests.boardId, boardId), requestIds ? inArray(requests.id, [...requestIds]) : undefined));
      const org = jsonText(tx, auditEvents.data, "org");
      const to = jsonText(tx, auditEvents.data, "to");
      const rows = await tx.q
        .select({ requestId: auditEvents.requestId, type: auditEvents.type, org, to })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.boardId, boardId),
            requestIds ? inArray(auditEvents.requestId, [...requestIds]) : isNotNull(auditEvents.requestId),
            inArray(auditEvents.type, ["claimed", "reassigned", "referral_accepted"]),
          ),
        );
      const seen = new Set<string>();
      const everHeld: BoardHolderRows["everHeld"] = [];
      for (const r of rows) {
        const orgId = r.type === "claimed" ? r.org : r.to;
        if (!r.requestId || !orgId) continue;
        const key = `${r.requestId}\u0000${orgId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        everHeld.push({ requestId: r.requestId, orgId });
      }
      return { holders, everHeld };
    },
    { isolation: "repeatable read" },
  );
}
