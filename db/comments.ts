/** Comments on a request (on the asynchronous layer: both engines). */
import { asc, eq } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { addAudit } from "./requests";

/** The comment, the request's last activity and the "commented" audit row, in one transaction. */
export async function insertComment(
  h: AsyncDb,
  c: { id: string; requestId: string; boardId: string; userId: string; orgId: string; body: string; at: number },
): Promise<void> {
  await h.transaction(async (tx) => {
    const { comments, requests } = tx.t;
    await tx.q.insert(comments).values({ id: c.id, requestId: c.requestId, userId: c.userId, orgId: c.orgId, body: c.body, createdAt: c.at });
    await tx.q.update(requests).set({ lastActivityAt: c.at }).where(eq(requests.id, c.requestId));
    await addAudit(tx, {
      boardId: c.boardId,
      requestId: c.requestId,
      userId: c.userId,
      orgId: c.orgId,
      type: "commented",
      data: { commentId: c.id },
      createdAt: c.at,
    });
  });
}

export async function listComments(h: AsyncDb, requestId: string) {
  const { comments, organisations, users } = h.t;
  return h.q
    .select({
      id: comments.id,
      requestId: comments.requestId,
      body: comments.body,
      createdAt: comments.createdAt,
      userId: comments.userId,
      userName: users.name,
      orgId: comments.orgId,
      orgName: organisations.shortName,
    })
    .from(comments)
    .leftJoin(users, eq(users.id, comments.userId))
    .leftJoin(organisations, eq(organisations.id, comments.orgId))
    .where(eq(comments.requestId, requestId))
    .orderBy(asc(comments.createdAt), asc(comments.id));
}
