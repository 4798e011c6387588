/** Comments on a request: stored in SQL, streamed live to the board. */
import { randomUUID } from "node:crypto";
import { getBoard } from "../../db/accounts";
import { insertComment, listComments } from "../../db/comments";
import { getRequest } from "../../db/requests";
import { cleanText } from "../board/validate";
import { publishLatest } from "./activity.server";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { notifyComment } from "./notifications.server";
import { PERSONAL_DATA_MESSAGE, personalDataGate, recordAcknowledged } from "./personal-data.server";

export const COMMENT_EVENT = "comment:new";
export const COMMENT_MAX = 2000;

type Target = { boardId: string; requestId: string };

async function locate(svc: AppServices, user: SessionUser, t: Target) {
  const board = await getBoard(svc.async, t.boardId);
  if (!board || board.allianceId !== user.allianceId) return null;
  return getRequest(svc.async, t.boardId, t.requestId);
}

export async function commentsOf(svc: AppServices, user: SessionUser, t: Target) {
  return (await locate(svc, user, t)) ? listComments(svc.async, t.requestId) : null;
}

/**
 * Add a comment. Personal data in it refuses it (422 `personal_data` with
 * `found: [{ field: "body", kind }]`) unless `acknowledge` is true; then it is
 * saved and the acknowledgement recorded (kinds only).
 */
export async function addComment(svc: AppServices, user: SessionUser, t: Target, bodyInput: unknown, acknowledge?: unknown) {
  if (user.role === "viewer") return { ok: false as const, status: 403, error: "forbidden", message: "Viewers cannot comment." };
  if (!(await locate(svc, user, t))) return { ok: false as const, status: 404, error: "not_found", message: "No such request on this board." };
  if ((await getBoard(svc.async, t.boardId))?.archivedAt != null) {
    return { ok: false as const, status: 409, error: "board_archived", message: "This board is archived: it can be read, not changed." };
  }
  const body = cleanText(bodyInput, true);
  if (!body) return { ok: false as const, status: 400, error: "required", message: "A comment cannot be empty." };
  if (body.length > COMMENT_MAX) return { ok: false as const, status: 400, error: "tooLong", message: `At most ${COMMENT_MAX} characters.` };
  const pd = personalDataGate(svc, { body }, acknowledge);
  if (!pd.ok) return { ok: false as const, status: 422, error: "personal_data", message: PERSONAL_DATA_MESSAGE, found: pd.found };
  const id = randomUUID();
  await insertComment(svc.async, { id, requestId: t.requestId, boardId: t.boardId, userId: user.id, orgId: user.organisationId, body, at: svc.now() });
  await recordAcknowledged(svc, user, t, pd.found, { commentId: id });
  const comment = (await listComments(svc.async, t.requestId)).find((c) => c.id === id)!;
  svc.realtime.toBoard(t.boardId, COMMENT_EVENT, comment);
  await publishLatest(svc, t.boardId, t.requestId);
  await notifyComment(svc, user, t, id);
  return { ok: true as const, comment };
}
