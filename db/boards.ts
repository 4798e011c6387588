/**
 * Boards as a coordinator manages them: list (active and archived), create
 * with their first document, rename, archive and put back. Reading one board
 * for access checks stays in accounts.ts (`getBoard`).
 */
import { and, asc, count, eq, isNotNull, isNull, ne, sql } from "drizzle-orm";
import type { DB } from "./client";
import { boards, boardSnapshots, requests } from "./schema";

export interface ManagedBoard {
  id: string;
  name: string;
  archivedAt: number | null;
  createdAt: number;
  retentionMonths: number;
}

const columns = { id: boards.id, name: boards.name, archivedAt: boards.archivedAt, createdAt: boards.createdAt, retentionMonths: boards.retentionMonths };

/** The alliance's boards, by name: active ones, or only the archived ones. */
export function listBoards(db: DB, allianceId: string, opts: { archived: boolean }): ManagedBoard[] {
  return db
    .select(columns)
    .from(boards)
    .where(and(eq(boards.allianceId, allianceId), opts.archived ? isNotNull(boards.archivedAt) : isNull(boards.archivedAt)))
    .orderBy(asc(sql`${boards.name} collate nocase`), asc(boards.id))
    .all();
}

/** One board of the alliance (active or archived), or null also when it belongs to another alliance. */
export function boardOfAlliance(db: DB, allianceId: string, boardId: string): ManagedBoard | null {
  return db.select(columns).from(boards).where(and(eq(boards.id, boardId), eq(boards.allianceId, allianceId))).get() ?? null;
}

/** Whether another board of the alliance (archived ones too) has this name, ignoring case. */
export function boardNameTaken(db: DB, allianceId: string, name: string, exceptId?: string): boolean {
  const row = db
    .select({ id: boards.id })
    .from(boards)
    .where(
      and(
        eq(boards.allianceId, allianceId),
        sql`lower(${boards.name}) = lower(${name})`,
        exceptId ? ne(boards.id, exceptId) : undefined,
      ),
    )
    .get();
  return !!row;
}

/**
 * A new board and its first document (stored as the snapshot), in one
 * transaction: a board row never exists without a document. The name is
 * checked again inside the transaction, so two coordinators creating the
 * same name at once get one board. False when the name was taken.
 */
export function insertBoardWithDocument(
  db: DB,
  b: { id: string; allianceId: string; name: string; claimExpiryDays?: number; retentionMonths?: number },
  state: Uint8Array,
  at: number,
): boolean {
  return db.transaction((tx) => {
    if (boardNameTaken(tx as unknown as DB, b.allianceId, b.name)) return false;
    tx.insert(boards).values({ ...b, createdAt: at }).run();
    tx.insert(boardSnapshots)
      .values({ boardId: b.id, data: Buffer.from(state.buffer, state.byteOffset, state.byteLength), lastUpdateId: 0, updatedAt: at })
      .run();
    return true;
  });
}

export function renameBoard(db: DB, boardId: string, name: string): void {
  db.update(boards).set({ name }).where(eq(boards.id, boardId)).run();
}

/** Archive (a time) or put back (null). */
export function setBoardArchivedAt(db: DB, boardId: string, archivedAt: number | null): void {
  db.update(boards).set({ archivedAt }).where(eq(boards.id, boardId)).run();
}

/** How many months a finished request of the board stays as entered (app/board/retention.ts). */
export function setBoardRetentionMonths(db: DB, boardId: string, months: number): void {
  db.update(boards).set({ retentionMonths: months }).where(eq(boards.id, boardId)).run();
}

export function boardClaimExpiryDays(db: DB, boardId: string): number | null {
  return db.select({ d: boards.claimExpiryDays }).from(boards).where(eq(boards.id, boardId)).get()?.d ?? null;
}

export function countBoardRequests(db: DB, boardId: string): number {
  return db.select({ n: count() }).from(requests).where(eq(requests.boardId, boardId)).get()?.n ?? 0;
}
