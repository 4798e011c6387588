/**
 * Boards as a coordinator manages them: list (active and archived), create
 * with their first document, rename, archive and put back. Reading one board
 * for access checks stays in accounts.ts (`getBoard`). On the asynchronous
 * layer (SQLite and PostgreSQL, docs/decisions/001-async-database-layer.md).
 */
import { and, asc, eq, isNotNull, isNull, ne, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { caseless, count, first } from "./dialect";

export interface ManagedBoard {
  id: string;
  name: string;
  archivedAt: number | null;
  createdAt: number;
  retentionMonths: number;
}

const columnsOf = ({ boards }: AsyncDb["t"]) => ({
  id: boards.id,
  name: boards.name,
  archivedAt: boards.archivedAt,
  createdAt: boards.createdAt,
  retentionMonths: boards.retentionMonths,
});

/** The alliance's boards, by name: active ones, or only the archived ones. */
export async function listBoards(h: AsyncDb, allianceId: string, opts: { archived: boolean }): Promise<ManagedBoard[]> {
  const { boards } = h.t;
  return h.q
    .select(columnsOf(h.t))
    .from(boards)
    .where(and(eq(boards.allianceId, allianceId), opts.archived ? isNotNull(boards.archivedAt) : isNull(boards.archivedAt)))
    .orderBy(asc(caseless(h, boards.name)), asc(boards.id));
}

/** One board of the alliance (active or archived), or null also when it belongs to another alliance. */
export async function boardOfAlliance(h: AsyncDb, allianceId: string, boardId: string): Promise<ManagedBoard | null> {
  const { boards } = h.t;
  return (await first(h.q.select(columnsOf(h.t)).from(boards).where(and(eq(boards.id, boardId), eq(boards.allianceId, allianceId))))) ?? null;
}

/** Whether another board of the alliance (archived ones too) has this name, ignoring case. */
export async function boardNameTaken(h: AsyncDb, allianceId: string, name: string, exceptId?: string): Promise<boolean> {
  const { boards } = h.t;
  const row = await first(
    h.q
      .select({ id: boards.id })
      .from(boards)
      .where(and(eq(boards.allianceId, allianceId), sql`lower(${boards.name}) = lower(${name})`, exceptId ? ne(boards.id, exceptId) : undefined)),
  );
  return !!row;
}

/**
 * A new board and its first document (stored as the snapshot), in one
 * transaction: a board row never exists without a document. The name is
 * checked again inside the transaction, so two coordinators creating the
 * same name at once get one board (SQLite: one writer; PostgreSQL: the
 * transaction is serializable, retried on a serialization failure, so the
 * second sees the first's name). False when the name was taken.
 */
export async function insertBoardWithDocument(
  h: AsyncDb,
  b: { id: string; allianceId: string; name: string; claimExpiryDays?: number; retentionMonths?: number },
  state: Uint8Array,
  at: number,
): Promise<boolean> {
  return h.transaction(
    async (tx) => {
      if (await boardNameTaken(tx, b.allianceId, b.name)) return false;
      await tx.q.insert(tx.t.boards).values({ ...b, createdAt: at });
      await tx.q
        .insert(tx.t.boardSnapshots)
        .values({ boardId: b.id, data: Buffer.from(state.buffer, state.byteOffset, state.byteLength), lastUpdateId: 0, updatedAt: at });
      return true;
    },
    { isolation: "serializable" },
  );
}

export async function renameBoard(h: AsyncDb, boardId: string, name: string): Promise<void> {
  await h.q.update(h.t.boards).set({ name }).where(eq(h.t.boards.id, boardId));
}

/** Archive (a time) or put back (null). */
export async function setBoardArchivedAt(h: AsyncDb, boardId: string, archivedAt: number | null): Promise<void> {
  await h.q.update(h.t.boards).set({ archivedAt }).where(eq(h.t.boards.id, boardId));
}

/** How many months a finished request of the board stays as entered (app/board/retention.ts). */
export async function setBoardRetentionMonths(h: AsyncDb, boardId: string, months: number): Promise<void> {
  await h.q.update(h.t.boards).set({ retentionMonths: months }).where(eq(h.t.boards.id, boardId));
}

export async function boardClaimExpiryDays(h: AsyncDb, boardId: string): Promise<number | null> {
  const { boards } = h.t;
  return (await first(h.q.select({ d: boards.claimExpiryDays }).from(boards).where(eq(boards.id, boardId))))?.d ?? null;
}

export async function countBoardRequests(h: AsyncDb, boardId: string): Promise<number> {
  const { requests } = h.t;
  return (await first(h.q.select({ n: count() }).from(requests).where(eq(requests.boardId, boardId))))?.n ?? 0;
}
