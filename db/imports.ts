/** What an import of a list needs from SQL: all of its request rows and their audit rows in one transaction. */
import type { DB } from "./client";
import type { auditEvents, requests } from "./schema";

export type ImportedRequest = Required<Pick<typeof requests.$inferInsert, "id" | "boardId" | "createdByOrgId" | "lastActivityAt" | "createdAt">> &
  Pick<typeof requests.$inferInsert, "createdByUserId" | "reference" | "referenceKey" | "importId">;
export type ImportedAudit = Pick<typeof auditEvents.$inferInsert, "boardId" | "requestId" | "userId" | "orgId" | "type" | "data" | "createdAt">;

/**
 * Every row and its "created" audit row, or none of them. Two prepared
 * statements run once per row: building a query per row (or a multi-row
 * insert) with the query builder took most of a 10,000-row import's time.
 */
export function insertImportedRequests(db: DB, rows: readonly ImportedRequest[], audits: readonly ImportedAudit[]): void {
  const sqlite = db.$client;
  const request = sqlite.prepare(
    `INSERT INTO requests (id, board_id, created_by_user_id, created_by_org_id, reference, reference_key, import_id, last_activity_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const audit = sqlite.prepare(`INSERT INTO audit_events (board_id, request_id, user_id, org_id, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  sqlite.transaction(() => {
    for (const r of rows) {
      request.run(r.id, r.boardId, r.createdByUserId ?? null, r.createdByOrgId, r.reference ?? null, r.referenceKey ?? null, r.importId ?? null, r.lastActivityAt, r.createdAt);
    }
    for (const a of audits) {
      audit.run(a.boardId, a.requestId ?? null, a.userId ?? null, a.orgId ?? null, a.type, a.data === undefined || a.data === null ? null : JSON.stringify(a.data), a.createdAt);
    }
  })();
}
