/**
 * What an import of a list needs from SQL, on the asynchronous layer (both
 * engines, decision 001): the alliance's organisations' short names (the
 * duplicate warning names the other organisation), all of an import's
 * request rows and their audit rows in one transaction, judged there
 * against the limits with the organisation's row locked, and the same rows
 * removed again when the board's document could not take their cards
 * (app/services/import.server.ts explains the order).
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first, forUpdate } from "./dialect";
import type { auditEvents, requests } from "./schema";

export type ImportedRequest = Required<Pick<typeof requests.$inferInsert, "id" | "boardId" | "createdByOrgId" | "lastActivityAt" | "createdAt">> &
  Pick<typeof requests.$inferInsert, "createdByUserId" | "reference" | "referenceKey" | "importId">;
export type ImportedAudit = Pick<typeof auditEvents.$inferInsert, "boardId" | "requestId" | "userId" | "orgId" | "type" | "data" | "createdAt">;

/** Rows per INSERT: 500 requests are 4,500 parameters, well below SQLite's 32,766 and PostgreSQL's 65,535. */
const BATCH = 500;

/** The alliance's organisations: id → short name. */
export async function organisationNames(h: AsyncDb, allianceId: string): Promise<Map<string, string>> {
  const { organisations } = h.t;
  const rows = await h.q
    .select({ id: organisations.id, shortName: organisations.shortName })
    .from(organisations)
    .where(eq(organisations.allianceId, allianceId))
    .orderBy(asc(organisations.name));
  return new Map(rows.map((o) => [o.id, o.shortName]));
}

/**
 * Every row and its audit rows, or none of them, in one transaction
 * (`insertRows`). With `refuse` (the limits), the rows'
 * organisation's row is locked first (`forUpdate`; as createRequestWithAudit
 * does for a single request) and `refuse` runs inside the transaction: what
 * it returns other than null is returned and nothing is written. So imports
 * and new requests of one organisation are judged one after the other, on
 * PostgreSQL through any number of servers. On PostgreSQL the transaction
 * may be retried: `refuse` reads only through `tx`.
 */
export async function insertImportedRequests<R = never>(
  h: AsyncDb,
  rows: readonly ImportedRequest[],
  audits: readonly ImportedAudit[],
  refuse?: (tx: AsyncDb) => R | null | Promise<R | null>,
): Promise<R | null> {
  const orgs = new Set(rows.map((r) => r.createdByOrgId));
  if (refuse && orgs.size !== 1) throw new Error("an import's rows are of one organisation");
  return h.transaction(async (tx) => {
    const { organisations } = tx.t;
    if (refuse) {
      await first(forUpdate(tx, tx.q.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, rows[0].createdByOrgId))));
      const refused = await refuse(tx);
      if (refused !== null) return refused;
    }
    await insertRows(tx, rows, audits);
    return null;
  });
}

/**
 * The INSERTs themselves, inside the caller's transaction. PostgreSQL:
 * multi-row INSERTs of `BATCH` rows (a round trip each). SQLite: one
 * prepared statement (placeholders) run per row, the same on the builder's
 * side for every row: building multi-row INSERTs costs there several times
 * what running them does (10,000 rows with their audit rows: about 2 s
 * against 0.7 s; tests/bench/import.ts).
 */
async function insertRows(tx: AsyncDb, rows: readonly ImportedRequest[], audits: readonly ImportedAudit[]): Promise<void> {
  const { requests, auditEvents } = tx.t;
  const request = (r: ImportedRequest) => ({
    id: r.id,
    boardId: r.boardId,
    createdByUserId: r.createdByUserId ?? null,
    createdByOrgId: r.createdByOrgId,
    reference: r.reference ?? null,
    referenceKey: r.referenceKey ?? null,
    importId: r.importId ?? null,
    lastActivityAt: r.lastActivityAt,
    createdAt: r.createdAt,
  });
  const audit = (a: ImportedAudit) => ({
    boardId: a.boardId,
    requestId: a.requestId ?? null,
    userId: a.userId ?? null,
    orgId: a.orgId ?? null,
    type: a.type,
    data: a.data ?? null,
    createdAt: a.createdAt,
  });
  if (tx.dialect === "sqlite") {
    const p = (name: string) => sql.placeholder(name);
    const insertRequest = tx.q
      .insert(requests)
      .values({
        id: p("id"),
        boardId: p("boardId"),
        createdByUserId: p("createdByUserId"),
        createdByOrgId: p("createdByOrgId"),
        reference: p("reference"),
        referenceKey: p("referenceKey"),
        importId: p("importId"),
        lastActivityAt: p("lastActivityAt"),
        createdAt: p("createdAt"),
      })
      .prepare("import_request");
    for (const r of rows) await insertRequest.execute(request(r));
    const insertAudit = tx.q
      .insert(auditEvents)
      .values({ boardId: p("boardId"), requestId: p("requestId"), userId: p("userId"), orgId: p("orgId"), type: p("type"), data: p("data"), createdAt: p("createdAt") })
      .prepare("import_audit");
    for (const a of audits) await insertAudit.execute(audit(a));
    return;
  }
  for (let i = 0; i < rows.length; i += BATCH) await tx.q.insert(requests).values(rows.slice(i, i + BATCH).map(request));
  for (let i = 0; i < audits.length; i += BATCH) await tx.q.insert(auditEvents).values(audits.slice(i, i + BATCH).map(audit));
}

/**
 * Remove an import's request rows and their audit rows again (one
 * transaction): the compensation when its cards did not reach the board's
 * document. Rows that point at the requests with a foreign key go with
 * them (ON DELETE); nothing else can have been attached to a request
 * without its card. Returns the requests removed (0 when run again).
 */
export async function deleteImportedRequests(h: AsyncDb, boardId: string, importId: string): Promise<number> {
  return h.transaction(async (tx) => {
    const { requests, auditEvents } = tx.t;
    const ids = (await tx.q.select({ id: requests.id }).from(requests).where(and(eq(requests.boardId, boardId), eq(requests.importId, importId)))).map((r) => r.id);
    for (let i = 0; i < ids.length; i += BATCH) {
      const part = ids.slice(i, i + BATCH);
      await tx.q.delete(auditEvents).where(and(eq(auditEvents.boardId, boardId), inArray(auditEvents.requestId, part)));
      await tx.q.delete(requests).where(inArray(requests.id, part));
    }
    return ids.length;
  });
}
