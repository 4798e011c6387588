/** What an import of a list needs from SQL: all of its request rows and their audit rows in one transaction. */
import type { DB } from "./client";
import { auditEvents, requests } from "./schema";

export type ImportedRequest = typeof requests.$inferInsert;
export type ImportedAudit = typeof auditEvents.$inferInsert;

/** SQLite binds at most 32,766 values per statement: rows are written in slices well under that. */
const SLICE = 400;

/** Every row and its "created" audit row, or none of them. */
export function insertImportedRequests(db: DB, rows: readonly ImportedRequest[], audits: readonly ImportedAudit[]): void {
  db.transaction((tx) => {
    for (let i = 0; i < rows.length; i += SLICE) tx.insert(requests).values(rows.slice(i, i + SLICE)).run();
    for (let i = 0; i < audits.length; i += SLICE) tx.insert(auditEvents).values(audits.slice(i, i + SLICE)).run();
  });
}
