/**
 * What an import of a list needs from SQL: all of its request rows and their
 * audit rows in one transaction.
 *
 * `insertImportedRequests` is the asynchronous layer's (decision 001), for
 * both engines. The import itself still judges the file against the board
 * and writes in one synchronous step inside the board's document
 * (app/services/import.server.ts, `withDoc`), so it calls
 * `insertImportedRequestsNow`: synchronous, SQLite only, until that step
 * moves with the room storage.
 */
import type { AsyncDb, DB } from "./client";
import type { auditEvents, requests } from "./schema";

export type ImportedRequest = Required<Pick<typeof requests.$inferInsert, "id" | "boardId" | "createdByOrgId" | "lastActivityAt" | "createdAt">> &
  Pick<typeof requests.$inferInsert, "createdByUserId" | "reference" | "referenceKey" | "importId">;
export type ImportedAudit = Pick<typeof auditEvents.$inferInsert, "boardId" | "requestId" | "userId" | "orgId" | "type" | "data" | "createdAt">;

/** Rows per INSERT: 500 requests are 4,500 parameters, well below SQLite's 32,766 and PostgreSQL's 65,535. */
const BATCH = 500;

/** Every row and its audit rows, or none of them: multi-row INSERTs of `BATCH` rows in one transaction. */
export async function insertImportedRequests(h: AsyncDb, rows: readonly ImportedRequest[], audits: readonly ImportedAudit[]): Promise<void> {
  await h.transaction(async (tx) => {
    const { requests, auditEvents } = tx.t;
    for (let i = 0; i < rows.length; i += BATCH) {
      await tx.q.insert(requests).values(
        rows.slice(i, i + BATCH).map((r) => ({
          id: r.id,
          boardId: r.boardId,
          createdByUserId: r.createdByUserId ?? null,
          createdByOrgId: r.createdByOrgId,
          reference: r.reference ?? null,
          referenceKey: r.referenceKey ?? null,
          importId: r.importId ?? null,
          lastActivityAt: r.lastActivityAt,
          createdAt: r.createdAt,
        })),
      );
    }
    for (let i = 0; i < audits.length; i += BATCH) {
      await tx.q.insert(auditEvents).values(
        audits.slice(i, i + BATCH).map((a) => ({
          boardId: a.boardId,
          requestId: a.requestId ?? null,
          userId: a.userId ?? null,
          orgId: a.orgId ?? null,
          type: a.type,
          data: a.data ?? null,
          createdAt: a.createdAt,
        })),
      );
    }
  });
}

/**
 * The same, synchronously on SQLite, for the import's judge-and-write step
 * inside the board's document. Two prepared statements run once per row:
 * building a query per row (or a multi-row insert) with the query builder
 * took most of a 10,000-row import's time.
 */
export function insertImportedRequestsNow(db: DB, rows: readonly ImportedRequest[], audits: readonly ImportedAudit[]): void {
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
