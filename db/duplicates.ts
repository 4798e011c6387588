/**
 * The SQL side of duplicate detection: keys per request, coordinator
 * decisions, merges. On the asynchronous layer (both engines): a merge locks
 * both requests' rows as it reads them, so of two merges of one request at
 * once the second finds it merged and changes nothing.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first, forUpdate } from "./dialect";
import { addAudit } from "./requests";

export async function allianceSecret(h: AsyncDb, allianceId: string): Promise<string> {
  const secret = await allianceSecretOrNull(h, allianceId);
  if (secret === null) throw new Error(`no alliance ${allianceId}`);
  return secret;
}

/** The alliance's match secret, or null when there is no such alliance. */
export async function allianceSecretOrNull(h: AsyncDb, allianceId: string): Promise<string | null> {
  const { alliances } = h.t;
  const row = await first(h.q.select({ s: alliances.matchSecret }).from(alliances).where(eq(alliances.id, allianceId)));
  return row?.s ?? null;
}

export async function boardRequestKeys(h: AsyncDb, boardId: string) {
  const { requests } = h.t;
  return h.q
    .select({
      id: requests.id,
      createdByOrgId: requests.createdByOrgId,
      ownerOrgId: requests.ownerOrgId,
      referenceKey: requests.referenceKey,
      mergedInto: requests.mergedInto,
      createdAt: requests.createdAt,
    })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), isNull(requests.mergedInto)));
}

export async function requestsWithKey(h: AsyncDb, boardId: string, key: string) {
  const { requests } = h.t;
  return h.q
    .select({ id: requests.id, createdByOrgId: requests.createdByOrgId, ownerOrgId: requests.ownerOrgId })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), eq(requests.referenceKey, key), isNull(requests.mergedInto)));
}

export async function boardDecisions(h: AsyncDb, boardId: string) {
  const { duplicateDecisions } = h.t;
  return h.q.select().from(duplicateDecisions).where(eq(duplicateDecisions.boardId, boardId));
}

function pair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

export async function markNotDuplicate(h: AsyncDb, boardId: string, a: string, b: string, userId: string, at: number): Promise<void> {
  const [x, y] = pair(a, b);
  const { duplicateDecisions } = h.t;
  await h.q
    .insert(duplicateDecisions)
    .values({ boardId, requestA: x, requestB: y, decision: "not_duplicate", decidedByUserId: userId, decidedAt: at })
    .onConflictDoUpdate({
      target: [duplicateDecisions.requestA, duplicateDecisions.requestB],
      set: { decision: "not_duplicate", decidedByUserId: userId, decidedAt: at },
    });
}

/**
 * Merge `from` into `into`: comments move over, `from` keeps its own history
 * and points to `into`, both get an audit row. Returns false when either is
 * unknown or already merged. Both rows are locked as they are read
 * (`forUpdate`; in id order, so two merges of the same pair cannot deadlock).
 */
export async function mergeRequests(
  h: AsyncDb,
  m: { boardId: string; into: string; from: string; userId: string; orgId: string; at: number },
): Promise<boolean> {
  if (m.into === m.from) return false;
  return h.transaction(async (tx) => {
    const { requests, comments, duplicateDecisions } = tx.t;
    const rows = await forUpdate(
      tx,
      tx.q
        .select({ id: requests.id, mergedInto: requests.mergedInto })
        .from(requests)
        .where(and(eq(requests.boardId, m.boardId), inArray(requests.id, [m.into, m.from])))
        .orderBy(requests.id),
    );
    if (rows.length !== 2 || rows.some((r) => r.mergedInto)) return false;
    await tx.q.update(requests).set({ mergedInto: m.into, lastActivityAt: m.at }).where(eq(requests.id, m.from));
    await tx.q.update(requests).set({ lastActivityAt: m.at }).where(eq(requests.id, m.into));
    await tx.q.update(comments).set({ requestId: m.into }).where(eq(comments.requestId, m.from));
    const [x, y] = pair(m.into, m.from);
    await tx.q
      .insert(duplicateDecisions)
      .values({ boardId: m.boardId, requestA: x, requestB: y, decision: "merged", decidedByUserId: m.userId, decidedAt: m.at })
      .onConflictDoUpdate({
        target: [duplicateDecisions.requestA, duplicateDecisions.requestB],
        set: { decision: "merged", decidedByUserId: m.userId, decidedAt: m.at },
      });
    const who = { boardId: m.boardId, userId: m.userId, orgId: m.orgId, createdAt: m.at };
    await addAudit(tx, { ...who, requestId: m.into, type: "merged", data: { from: m.from } });
    await addAudit(tx, { ...who, requestId: m.from, type: "merged_into", data: { into: m.into } });
    return true;
  });
}

/** Requests merged into this one (their histories belong to its history). */
export async function mergedSources(h: AsyncDb, requestId: string): Promise<string[]> {
  const { requests } = h.t;
  const rows = await h.q.select({ id: requests.id }).from(requests).where(eq(requests.mergedInto, requestId));
  return rows.map((r) => r.id);
}
