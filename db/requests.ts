/**
 * Requests (cards) as the server knows them: creator, holder, pseudonymous
 * reference; and the audit log's rows. On the asynchronous layer (both
 * engines, docs/decisions/001-async-database-layer.md). `appendAudit` is the
 * synchronous SQLite-only twin of `addAudit`, for what still writes inside a
 * synchronous transaction: ownership's `…Now` functions (the room's check)
 * and the board's rebuild (db/rebuild.ts: forget, spam).
 */
import { and, desc, eq, gte, lt } from "drizzle-orm";
import type { AsyncDb, DB } from "./client";
import { affected, first, forShare, forUpdate } from "./dialect";
import { auditEvents, type requests } from "./schema";

export type RequestRow = typeof requests.$inferSelect;
export type NewRequest = typeof requests.$inferInsert;

export async function insertRequest(h: AsyncDb, r: NewRequest): Promise<void> {
  await h.q.insert(h.t.requests).values(r);
}

export async function getRequest(h: AsyncDb, boardId: string, requestId: string): Promise<RequestRow | null> {
  const { requests } = h.t;
  return (await first(h.q.select().from(requests).where(and(eq(requests.boardId, boardId), eq(requests.id, requestId))))) ?? null;
}

/**
 * The request, its row locked against changes of holder until the caller's
 * transaction ends (PostgreSQL `FOR SHARE`; SQLite's transactions are serial):
 * for a write whose right depends on who holds the request.
 */
export async function getRequestLocked(tx: AsyncDb, boardId: string, requestId: string): Promise<RequestRow | null> {
  const { requests } = tx.t;
  return (await first(forShare(tx, tx.q.select().from(requests).where(and(eq(requests.boardId, boardId), eq(requests.id, requestId)))))) ?? null;
}

export async function setRequestReference(h: AsyncDb, requestId: string, reference: string | null, referenceKey: string | null, at = Date.now()): Promise<void> {
  const { requests } = h.t;
  await h.q.update(requests).set({ reference, referenceKey, lastActivityAt: at }).where(eq(requests.id, requestId));
}

export async function touchRequest(h: AsyncDb, requestId: string, at = Date.now()): Promise<void> {
  const { requests } = h.t;
  await h.q.update(requests).set({ lastActivityAt: at }).where(eq(requests.id, requestId));
}

export interface AuditInput {
  boardId: string;
  requestId?: string | null;
  userId?: string | null;
  orgId?: string | null;
  type: string;
  data?: Record<string, unknown>;
  createdAt?: number;
}

/** The audit row of an event (either layer writes it). */
function auditRow(e: AuditInput) {
  return {
    boardId: e.boardId,
    requestId: e.requestId ?? null,
    userId: e.userId ?? null,
    orgId: e.orgId ?? null,
    type: e.type,
    data: e.data ?? {},
    createdAt: e.createdAt ?? Date.now(),
  };
}

export function appendAudit(db: DB, e: AuditInput): void {
  db.insert(auditEvents).values(auditRow(e)).run();
}

/** appendAudit on the asynchronous layer (inside a caller's transaction: pass its `tx`). */
export async function addAudit(h: AsyncDb, e: AuditInput): Promise<void> {
  await h.q.insert(h.t.auditEvents).values(auditRow(e));
}

export async function requestHistory(h: AsyncDb, requestId: string, limit = 100) {
  const { auditEvents } = h.t;
  return h.q.select().from(auditEvents).where(eq(auditEvents.requestId, requestId)).orderBy(desc(auditEvents.id)).limit(limit);
}

/**
 * Create a request row and its audit entries in one transaction. With
 * `refuse` (a quota): the creating organisation's row is locked first
 * (PostgreSQL; SQLite's transaction is the only writer), so the creations
 * of one organisation are counted one after the other; when `refuse`
 * answers anything but null nothing is written and that is returned.
 * With `key`: its row (idempotency_keys) in the same transaction (a row of
 * the same key older than `keyValidSince` is removed first), so a
 * request that committed always has its key; a second create with the same
 * person and key fails on its unique index and writes nothing
 * (isUniqueViolation).
 */
export async function createRequestWithAudit<R = never>(
  h: AsyncDb,
  r: NewRequest,
  audit: AuditInput | readonly AuditInput[],
  refuse?: (tx: AsyncDb) => R | null | Promise<R | null>,
  key?: IdempotencyKey,
  keyValidSince = 0,
): Promise<R | null> {
  return h.transaction(async (tx) => {
    if (refuse) {
      const { organisations } = tx.t;
      await first(forUpdate(tx, tx.q.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, r.createdByOrgId))));
      const refused = await refuse(tx);
      if (refused !== null) return refused;
    }
    await tx.q.insert(tx.t.requests).values(r);
    for (const a of Array.isArray(audit) ? audit : [audit as AuditInput]) await addAudit(tx, a);
    if (key) {
      const { idempotencyKeys: k } = tx.t;
      // The same key's row from before `keyValidSince` (not swept yet) counts no more: it makes way.
      await tx.q.delete(k).where(and(eq(k.userId, key.userId), eq(k.keyHash, key.keyHash), lt(k.createdAt, keyValidSince)));
      await tx.q.insert(k).values({ ...key, requestId: r.id, createdAt: r.createdAt });
    }
    return null;
  });
}

/** A create's idempotency key as stored: hashes only (app/services/requests.server.ts makes them). */
export interface IdempotencyKey {
  userId: string;
  keyHash: string;
  fingerprint: string;
}

/** The request a person's key made since `since` (and what was sent with it), or null: none, older (swept within the hour), or the request is gone. */
export async function requestByIdempotencyKey(
  h: AsyncDb,
  userId: string,
  keyHash: string,
  since: number,
): Promise<{ fingerprint: string; requestId: string; boardId: string; createdAt: number; mergedInto: string | null; anonymisedAt: number | null } | null> {
  const { idempotencyKeys: k, requests: r } = h.t;
  const row = await first(
    h.q
      .select({ fingerprint: k.fingerprint, requestId: k.requestId, boardId: r.boardId, createdAt: r.createdAt, mergedInto: r.mergedInto, anonymisedAt: r.anonymisedAt })
      .from(k)
      .innerJoin(r, eq(r.id, k.requestId))
      .where(and(eq(k.userId, userId), eq(k.keyHash, keyHash), gte(k.createdAt, since))),
  );
  return row ?? null;
}

/**
 * A request whose first attempt stored its row and key but stopped before its
 * card, finished by a retry: the row's reference and the key's fingerprint as
 * the retry sent them, with its audit entries (an acknowledgement of personal
 * data in the new text), in one transaction.
 */
export async function finishIdempotentRequest(
  h: AsyncDb,
  r: { id: string; reference: string | null; referenceKey: string | null },
  key: IdempotencyKey,
  audit: readonly AuditInput[],
): Promise<void> {
  await h.transaction(async (tx) => {
    const { requests, idempotencyKeys: k } = tx.t;
    await tx.q.update(requests).set({ reference: r.reference, referenceKey: r.referenceKey }).where(eq(requests.id, r.id));
    await tx.q.update(k).set({ fingerprint: key.fingerprint }).where(and(eq(k.userId, key.userId), eq(k.keyHash, key.keyHash)));
    for (const a of audit) await addAudit(tx, a);
  });
}

/** How long a create's idempotency key is kept: a retry comes within minutes, not days. */
export const IDEMPOTENCY_KEEP_MS = 24 * 3600_000;

/** Keys older than `before` go (the hourly sessions sweep: now − IDEMPOTENCY_KEEP_MS). */
export async function deleteIdempotencyKeysBefore(h: AsyncDb, before: number): Promise<number> {
  return affected(await h.q.delete(h.t.idempotencyKeys).where(lt(h.t.idempotencyKeys.createdAt, before)));
}
