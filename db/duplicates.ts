/** The SQL side of duplicate detection: keys per request, coordinator decisions, merges. */
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { DB } from "./client";
import { appendAudit } from "./requests";
import { alliances, comments, duplicateDecisions, requests } from "./schema";

export function allianceSecret(db: DB, allianceId: string): string {
  return db.select({ s: alliances.matchSecret }).from(alliances).where(eq(alliances.id, allianceId)).get()!.s;
}

export function boardRequestKeys(db: DB, boardId: string) {
  return db
    .select({
      id: requests.id,
      createdByOrgId: requests.createdByOrgId,
      ownerOrgId: requests.ownerOrgId,
      referenceKey: requests.referenceKey,
      mergedInto: requests.mergedInto,
      createdAt: requests.createdAt,
    })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), isNull(requests.mergedInto)))
    .all();
}

export function requestsWithKey(db: DB, boardId: string, key: string) {
  return db
    .select({ id: requests.id, createdByOrgId: requests.createdByOrgId, ownerOrgId: requests.ownerOrgId })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), eq(requests.referenceKey, key), isNull(requests.mergedInto)))
    .all();
}

export function boardDecisions(db: DB, boardId: string) {
  return db.select().from(duplicateDecisions).where(eq(duplicateDecisions.boardId, boardId)).all();
}

function pair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

export function markNotDuplicate(db: DB, boardId: string, a: string, b: string, userId: string, at: number) {
  const [x, y] = pair(a, b);
  db.insert(duplicateDecisions)
    .values({ boardId, requestA: x, requestB: y, decision: "not_duplicate", decidedByUserId: userId, decidedAt: at })
    .onConflictDoUpdate({
      target: [duplicateDecisions.requestA, duplicateDecisions.requestB],
      set: { decision: "not_duplicate", decidedByUserId: userId, decidedAt: at },
    })
    .run();
}

/**
 * Merge `from` into `into`: comments move over, `from` keeps its own history
 * and points to `into`, both get an audit row. Returns false when either is
 * unknown or already merged.
 */
export function mergeRequests(
  db: DB,
  m: { boardId: string; into: string; from: string; userId: string; orgId: string; at: number },
): boolean {
  return db.transaction((tx) => {
    const rows = tx
      .select({ id: requests.id, mergedInto: requests.mergedInto })
      .from(requests)
      .where(and(eq(requests.boardId, m.boardId), inArray(requests.id, [m.into, m.from])))
      .all();
    if (rows.length !== 2 || rows.some((r) => r.mergedInto)) return false;
    tx.update(requests).set({ mergedInto: m.into, lastActivityAt: m.at }).where(eq(requests.id, m.from)).run();
    tx.update(requests).set({ lastActivityAt: m.at }).where(eq(requests.id, m.into)).run();
    tx.update(comments).set({ requestId: m.into }).where(eq(comments.requestId, m.from)).run();
    const [x, y] = pair(m.into, m.from);
    tx.insert(duplicateDecisions)
      .values({ boardId: m.boardId, requestA: x, requestB: y, decision: "merged", decidedByUserId: m.userId, decidedAt: m.at })
      .onConflictDoUpdate({
        target: [duplicateDecisions.requestA, duplicateDecisions.requestB],
        set: { decision: "merged", decidedByUserId: m.userId, decidedAt: m.at },
      })
      .run();
    const who = { boardId: m.boardId, userId: m.userId, orgId: m.orgId, createdAt: m.at };
    appendAudit(tx as unknown as DB, { ...who, requestId: m.into, type: "merged", data: { from: m.from } });
    appendAudit(tx as unknown as DB, { ...who, requestId: m.from, type: "merged_into", data: { into: m.into } });
    return true;
  });
}

/** Requests merged into this one (their histories belong to its history). */
export function mergedSources(db: DB, requestId: string): string[] {
  return db.select({ id: requests.id }).from(requests).where(eq(requests.mergedInto, requestId)).all().map((r) => r.id);
}
