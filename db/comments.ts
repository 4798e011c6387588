import { asc, eq } from "drizzle-orm";
import type { DB } from "./client";
import { appendAudit } from "./requests";
import { comments, organisations, requests, users } from "./schema";

export function insertComment(
  db: DB,
  c: { id: string; requestId: string; boardId: string; userId: string; orgId: string; body: string; at: number },
) {
  db.transaction((tx) => {
    tx.insert(comments).values({ id: c.id, requestId: c.requestId, userId: c.userId, orgId: c.orgId, body: c.body, createdAt: c.at }).run();
    tx.update(requests).set({ lastActivityAt: c.at }).where(eq(requests.id, c.requestId)).run();
    appendAudit(tx as unknown as DB, {
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

export function listComments(db: DB, requestId: string) {
  return db
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
    .orderBy(asc(comments.createdAt))
    .all();
}
