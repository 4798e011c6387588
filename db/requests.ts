/** Requests (cards) as the server knows them: creator, holder, pseudonymous reference. */
import { and, desc, eq } from "drizzle-orm";
import type { AsyncDb, DB } from "./client";
import { auditEvents, requests } from "./schema";

export type RequestRow = typeof requests.$inferSelect;

export function insertRequest(db: DB, r: typeof requests.$inferInsert): void {
  db.insert(requests).values(r).run();
}

export function getRequest(db: DB, boardId: string, requestId: string): RequestRow | null {
  return (
    db
      .select()
      .from(requests)
      .where(and(eq(requests.boardId, boardId), eq(requests.id, requestId)))
      .get() ?? null
  );
}

export function setRequestReference(db: DB, requestId: string, reference: string | null, referenceKey: string | null) {
  db.update(requests).set({ reference, referenceKey, lastActivityAt: Date.now() }).where(eq(requests.id, requestId)).run();
}

export function touchRequest(db: DB, requestId: string, at = Date.now()) {
  db.update(requests).set({ lastActivityAt: at }).where(eq(requests.id, requestId)).run();
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

export function requestHistory(db: DB, requestId: string, limit = 100) {
  return db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.requestId, requestId))
    .orderBy(desc(auditEvents.id))
    .limit(limit)
    .all();
}

/** Create a request row and its audit entry in one transaction. */
export function createRequestWithAudit(db: DB, r: typeof requests.$inferInsert, audit: AuditInput): void {
  db.transaction((tx) => {
    tx.insert(requests).values(r).run();
    appendAudit(tx as unknown as DB, audit);
  });
}
