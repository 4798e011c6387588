/**
 * The board as it was: stored moments (`board_moments`: the whole Yjs
 * document and the audit log's position at that time), taken when a meeting
 * starts or ends, once a day for a board that changed, or when a coordinator
 * asks; read back as a plain, read-only board with the live board's
 * visibility rules (references only for the organisation that may see them
 * today), and the audit events between two moments.
 *
 * Nothing here changes a board: a moment is read from the live document and
 * decoded into a Y.Doc of its own.
 */
import { randomUUID } from "node:crypto";
import * as Y from "yjs";
import { readBoard } from "../board/domain";
import type { BoardSnapshot, CardView, CategoryView, ColumnView } from "../board/types";
import { activityFeed, type ActivityRow } from "../../db/activity";
import { requestsForBoard } from "../../db/export";
import { boardsDueForMoment, getMoment, insertMoment, listMoments, maxAuditId, type MomentListItem } from "../../db/moments";
import type { MomentReason } from "../../db/schema";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { maySeeReference } from "./requests.server";

export type { MomentListItem, MomentReason };

const DAY_MS = 86_400_000;

/** A card as it was, with today's reference where this person may see it (else null), as the live API gives it. */
export type MomentCard = CardView & { reference: string | null };

export interface MomentBoard {
  id: string;
  at: number;
  reason: MomentReason;
  meetingId: string | null;
  columns: ColumnView[];
  categories: CategoryView[];
  cards: MomentCard[];
}

/**
 * Store the board as it is now: the audit position, then the LIVE document
 * (loading the room if nobody has it open) right after it. On SQLite both
 * are read before any other flow's write (the read runs in the same turn);
 * where a change can land between them (PostgreSQL), it lands after the
 * position, so "since this moment" shows it again rather than missing it.
 */
export async function takeMoment(
  svc: AppServices,
  boardId: string,
  reason: MomentReason,
  opts: { meetingId?: string; userId?: string; at?: number } = {},
): Promise<{ id: string; at: number }> {
  const lastAuditId = await maxAuditId(svc.async, boardId);
  const data = await svc.rooms.readDoc(boardId, (doc) => Y.encodeStateAsUpdate(doc));
  const id = randomUUID();
  const at = opts.at ?? svc.now();
  await insertMoment(svc.async, {
    id,
    boardId,
    reason,
    meetingId: opts.meetingId ?? null,
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    lastAuditId,
    createdByUserId: opts.userId ?? null,
    at,
  });
  return { id, at };
}

/** A stored document read back with the board's own reader (app/board/domain.ts). Pure. */
export function momentSnapshot(data: Uint8Array): BoardSnapshot {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, data);
    return readBoard(doc);
  } finally {
    doc.destroy();
  }
}

/** The board's moments, oldest first. The caller has checked the board (requireBoard). */
export async function boardMomentList(svc: AppServices, board: BoardRow): Promise<MomentListItem[]> {
  return listMoments(svc.async, board.id);
}

/**
 * One moment as a plain board, or null for an id that is not one of this
 * board's. Every card of that time is there (archived ones marked, merged or
 * removed ones since as they were); a reference only where today's rules let
 * this person see it, never more.
 */
export async function momentBoard(svc: AppServices, user: SessionUser, board: BoardRow, momentId: string): Promise<MomentBoard | null> {
  const row = await getMoment(svc.async, board.id, momentId);
  if (!row) return null;
  const snapshot = momentSnapshot(row.data);
  const requests = new Map((await requestsForBoard(svc.async, board.id)).map((r) => [r.id, r]));
  const cards = snapshot.cards.map((c): MomentCard => {
    const r = requests.get(c.id);
    return { ...c, reference: r && maySeeReference(user, r) ? r.reference : null };
  });
  return { id: row.id, at: row.at, reason: row.reason, meetingId: row.meetingId, columns: snapshot.columns, categories: snapshot.categories, cards };
}

/**
 * What happened between two moments of a board: the audit rows after the
 * earlier moment up to the later one, newest first (as the activity feed),
 * at most `limit`. Null when either id is not one of this board's. The order
 * of the two ids does not matter.
 */
export async function changesBetween(
  svc: AppServices,
  board: BoardRow,
  momentId: string,
  otherId: string,
  limit = 200,
): Promise<{ from: MomentListItem; to: MomentListItem; events: ActivityRow[]; more: boolean } | null> {
  const a = await getMoment(svc.async, board.id, momentId);
  const b = await getMoment(svc.async, board.id, otherId);
  if (!a || !b) return null;
  const [from, to] = a.lastAuditId < b.lastAuditId || (a.lastAuditId === b.lastAuditId && a.at <= b.at) ? [a, b] : [b, a];
  const events =
    to.lastAuditId > from.lastAuditId
      ? await activityFeed(svc.async, { boardId: board.id, afterId: from.lastAuditId, beforeId: to.lastAuditId + 1, limit: limit + 1 })
      : [];
  const item = (m: typeof a): MomentListItem => ({ id: m.id, at: m.at, reason: m.reason, meetingId: m.meetingId });
  return { from: item(from), to: item(to), events: events.slice(0, limit), more: events.length > limit };
}

/** A coordinator's "Nu een moment vastleggen". The caller has checked the board (requireBoard: 404, 409 archived). */
export async function manualMoment(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
): Promise<{ ok: true; id: string; at: number; reason: "manual" } | { ok: false; status: 403 | 409 }> {
  if (user.role !== "coordinator") return { ok: false, status: 403 };
  if (board.archivedAt !== null) return { ok: false, status: 409 };
  const m = await takeMoment(svc, board.id, "manual", { userId: user.id });
  return { ok: true, ...m, reason: "manual" };
}

/**
 * The daily sweep: a `daily` moment for every board (not archived) that
 * changed since its last moment, once that is `DAY_MS` old. One board that
 * fails does not stop the others; what failed is returned for the log.
 */
export async function dailyMoments(
  svc: AppServices,
  now = svc.now(),
): Promise<{ stored: string[]; failed: Array<{ boardId: string; error: string }> }> {
  const stored: string[] = [];
  const failed: Array<{ boardId: string; error: string }> = [];
  for (const boardId of await boardsDueForMoment(svc.async, now - DAY_MS)) {
    try {
      await takeMoment(svc, boardId, "daily", { at: now });
      stored.push(boardId);
    } catch (e) {
      failed.push({ boardId, error: (e as Error).message });
    }
  }
  return { stored, failed };
}
