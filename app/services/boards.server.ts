/**
 * Boards: which a person may open, and a coordinator's management of them
 * (create, copy the columns and categories of another board, rename,
 * archive and put back). An archived board stays readable for everyone of
 * the alliance (board page, overview, report) and changes for nobody: the
 * sync server makes every connection to it read-only, the API and the pages
 * answer writes with 409 `board_archived` (auth.server.ts `requireBoard`),
 * and the claim expiry sweep passes it by.
 */
import { randomUUID } from "node:crypto";
import * as Y from "yjs";
import { boardSettings, getBoard, listOrganisations } from "../../db/accounts";
import {
  boardClaimExpiryDays,
  boardNameTaken,
  boardOfAlliance,
  insertBoardWithDocument,
  listBoards,
  renameBoard,
  setBoardArchivedAt,
  setBoardRetentionMonths,
  type ManagedBoard,
} from "../../db/boards";
import { initBoard, initBoardFrom, listCategories, listColumns } from "../board/domain";
import { checkRetentionMonths } from "../board/retention";
import { checkBoardName } from "../board/validate";
import { canOpenBoard, type SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";

/** The boards a person may open and work on: those of their alliance that are not archived. */
export async function boardsFor(svc: AppServices, user: SessionUser): Promise<Array<{ id: string; name: string }>> {
  return (await listBoards(svc.async, user.allianceId, { archived: false })).map((b) => ({ id: b.id, name: b.name }));
}

/** The alliance's archived boards (still readable), newest name order like the others. */
export async function archivedBoardsFor(svc: AppServices, user: SessionUser): Promise<Array<{ id: string; name: string; archivedAt: number }>> {
  return (await listBoards(svc.async, user.allianceId, { archived: true })).map((b) => ({ id: b.id, name: b.name, archivedAt: b.archivedAt! }));
}

export async function organisationsFor(svc: AppServices, user: SessionUser) {
  return listOrganisations(svc.async, user.allianceId);
}

export function boardSettingsFor(svc: AppServices, boardId: string) {
  return boardSettings(svc.async, boardId);
}

/**
 * The beheer page's retention form: whole months within the bounds (a
 * form sends digits). 404 for a board that is not the alliance's.
 */
export async function setBoardRetention(
  svc: AppServices,
  user: SessionUser,
  boardId: string,
  monthsInput: unknown,
): Promise<{ ok: true } | { ok: false; status: 403 | 404 | 422; errors: BoardErrors }> {
  const board = await boardOfAlliance(svc.async, user.allianceId, boardId);
  if (!board) return { ok: false, status: 404, errors: {} };
  if (user.role !== "coordinator") return { ok: false, status: 403, errors: {} };
  const checked = checkRetentionMonths(monthsInput);
  if (!checked.ok) return { ok: false, status: 422, errors: { retentionMonths: checked.error } };
  await setBoardRetentionMonths(svc.async, board.id, checked.value);
  return { ok: true };
}

/**
 * The categories of the alliance's active boards, each id once (the first
 * board's label, boards by name): what an organisation can declare offers
 * for, whichever board a request is on. Matching goes by category id, so a
 * board copied from another shares its ids.
 */
export async function allianceCategories(svc: AppServices, user: SessionUser): Promise<Array<{ id: string; label: string }>> {
  const seen = new Map<string, { id: string; label: string }>();
  for (const b of await boardsFor(svc, user)) {
    const cats = await svc.rooms.readDoc(b.id, (doc) => listCategories(doc));
    for (const c of cats) if (!seen.has(c.id)) seen.set(c.id, { id: c.id, label: c.label });
  }
  return [...seen.values()];
}

/** Whether a board is archived (read-only for everyone). */
export async function isBoardArchived(svc: AppServices, boardId: string): Promise<boolean> {
  return ((await getBoard(svc.async, boardId))?.archivedAt ?? null) !== null;
}

/**
 * A board as an integration needs it to find its ids: name, columns in board
 * order with their stage, categories. Null when the board is unknown or of
 * another alliance (the API answers 404 for both, so it does not tell which
 * boards exist elsewhere).
 */
export async function boardStructure(svc: AppServices, user: SessionUser, boardId: string) {
  const board = await getBoard(svc.async, boardId);
  if (!canOpenBoard(user, board)) return null;
  const { columns, categories } = await svc.rooms.withDoc(board.id, (doc) => ({
    columns: listColumns(doc),
    categories: listCategories(doc),
  }));
  return {
    id: board.id,
    name: board.name,
    columns: columns.map((c) => ({ id: c.id, name: c.name, stage: c.stage })),
    categories: categories.map((c) => ({ id: c.id, label: c.label, color: c.color })),
  };
}

// ---------------------------------------------------------------- management (coordinators)

export { BOARD_NAME_MAX } from "../board/validate";

/** socket.io event to a board's channel after a rename, archive or put back. */
export const BOARD_CHANGED_EVENT = "board:changed";

/** Error codes per field: `required`, `tooShort`, `tooLong`, `type`, `taken` (name); `unknown` (copyFrom); `type`, `range` (retentionMonths). */
export type BoardErrors = Partial<Record<"name" | "copyFrom" | "archived" | "retentionMonths", string>>;

export type BoardResult<T> =
  | ({ ok: true } & T)
  | { ok: false; status: 403; error: "forbidden" }
  | { ok: false; status: 404; error: "not_found" }
  | { ok: false; status: 409; error: "board_archived" }
  | { ok: false; status: 422; error: "invalid"; errors: BoardErrors };

export interface BoardView {
  id: string;
  name: string;
  archived: boolean;
  archivedAt: number | null;
  /** Months a done or archived request stays as entered before the sweep anonymises it. */
  retentionMonths: number;
}

function view(b: ManagedBoard): BoardView {
  return { id: b.id, name: b.name, archived: b.archivedAt !== null, archivedAt: b.archivedAt, retentionMonths: b.retentionMonths };
}

const forbidden = { ok: false, status: 403, error: "forbidden" } as const;
const notFound = { ok: false, status: 404, error: "not_found" } as const;
const invalid = (errors: BoardErrors) => ({ ok: false, status: 422, error: "invalid", errors }) as const;

/** A board of the person's alliance (active or archived) as its coordinators manage it; null also for another alliance's. */
export async function managedBoard(svc: AppServices, user: SessionUser, boardId: string): Promise<BoardView | null> {
  const b = await boardOfAlliance(svc.async, user.allianceId, boardId);
  return b ? view(b) : null;
}

/**
 * Create a board for the coordinator's alliance: the default columns and
 * categories, or (with `copyFrom`, a board of the same alliance, archived
 * ones too) that board's columns with their stages and its categories, and
 * its claim expiry and retention settings. Never its requests. Copying is offered only
 * here, at creation: a board in use has requests, holders and history
 * attached to its columns, and replacing those is what the board's own
 * column and category dialogs do one step at a time.
 */
export async function createBoard(
  svc: AppServices,
  user: SessionUser,
  input: { name?: unknown; copyFrom?: unknown },
): Promise<BoardResult<{ id: string; board: BoardView }>> {
  if (user.role !== "coordinator") return forbidden;
  const errors: BoardErrors = {};
  const { name, error } = checkBoardName(input.name);
  if (error) errors.name = error;
  else if (await boardNameTaken(svc.async, user.allianceId, name)) errors.name = "taken";
  let source: ManagedBoard | null = null;
  if (input.copyFrom !== undefined && input.copyFrom !== null && input.copyFrom !== "") {
    // A board of another alliance is "unknown", exactly like one that does not exist.
    source = typeof input.copyFrom === "string" ? await boardOfAlliance(svc.async, user.allianceId, input.copyFrom) : null;
    if (!source) errors.copyFrom = "unknown";
  }
  if (Object.keys(errors).length) return invalid(errors);

  const doc = new Y.Doc();
  let claimExpiryDays: number | undefined;
  let retentionMonths: number | undefined;
  if (source) {
    const structure = await svc.rooms.readDoc(source.id, (d) => ({
      columns: listColumns(d).map((c) => ({ id: c.id, name: c.name, stage: c.stage })),
      categories: listCategories(d).map((c) => ({ id: c.id, label: c.label, color: c.color, icon: c.icon })),
    }));
    initBoardFrom(doc, structure);
    claimExpiryDays = (await boardClaimExpiryDays(svc.async, source.id)) ?? undefined;
    retentionMonths = source.retentionMonths;
  } else {
    initBoard(doc);
  }
  const id = randomUUID();
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  const at = svc.now();
  if (!(await insertBoardWithDocument(svc.async, { id, allianceId: user.allianceId, name, claimExpiryDays, retentionMonths }, state, at))) {
    return invalid({ name: "taken" });
  }
  return { ok: true, id, board: view((await boardOfAlliance(svc.async, user.allianceId, id))!) };
}

/**
 * Rename, archive or put back a board of the coordinator's alliance, or set
 * its retention (months). `{ archived: false }` puts an archived board back
 * (a name may come with it); a rename of an archived board is refused with
 * 409. The retention may change on an archived board too: its requests are
 * still kept, and how long is still the coordinator's decision. Archiving
 * or putting back closes the board's live connections, which reconnect at
 * once as read-only (or writable again).
 */
export async function updateBoard(
  svc: AppServices,
  user: SessionUser,
  boardId: string,
  input: { name?: unknown; archived?: unknown; retentionMonths?: unknown },
): Promise<BoardResult<{ board: BoardView }>> {
  const board = await boardOfAlliance(svc.async, user.allianceId, boardId);
  if (!board) return notFound;
  if (user.role !== "coordinator") return forbidden;
  const errors: BoardErrors = {};
  let name: string | undefined;
  if (input.name !== undefined) {
    const checked = checkBoardName(input.name);
    if (checked.error) errors.name = checked.error;
    else if (await boardNameTaken(svc.async, user.allianceId, checked.name, board.id)) errors.name = "taken";
    else name = checked.name;
  }
  if (input.archived !== undefined && typeof input.archived !== "boolean") errors.archived = "type";
  let retentionMonths: number | undefined;
  if (input.retentionMonths !== undefined) {
    // JSON carries a number; a string of digits is a form's, not the API's.
    const checked = typeof input.retentionMonths === "number" ? checkRetentionMonths(input.retentionMonths) : ({ ok: false, error: "type" } as const);
    if (checked.ok) retentionMonths = checked.value;
    else errors.retentionMonths = checked.error;
  }
  if (Object.keys(errors).length) return invalid(errors);
  const archived = input.archived as boolean | undefined;
  const wasArchived = board.archivedAt !== null;
  // Archived means read-only: the only change it takes is being put back.
  if (wasArchived && archived !== false && name !== undefined && name !== board.name) {
    return { ok: false, status: 409, error: "board_archived" };
  }
  const renamed = name !== undefined && name !== board.name;
  const flipped = archived !== undefined && archived !== wasArchived;
  if (renamed) await renameBoard(svc.async, board.id, name!);
  if (retentionMonths !== undefined && retentionMonths !== board.retentionMonths) await setBoardRetentionMonths(svc.async, board.id, retentionMonths);
  if (flipped) {
    await setBoardArchivedAt(svc.async, board.id, archived ? svc.now() : null);
    svc.rooms.reconnectBoard(board.id, archived ? "board archived" : "board restored");
  }
  // Open board pages load the board's state again (name, read-only or not).
  if (renamed || flipped) svc.realtime.toBoard(board.id, BOARD_CHANGED_EVENT, { boardId: board.id });
  return { ok: true, board: view((await boardOfAlliance(svc.async, user.allianceId, board.id))!) };
}
