import { boardSettings, getBoard, listBoardsForAlliance, listOrganisations } from "../../db/accounts";
import { listCategories, listColumns } from "../board/domain";
import { canOpenBoard, type SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";

/** The boards a person may open: those of their alliance. */
export function boardsFor(svc: AppServices, user: SessionUser): Array<{ id: string; name: string }> {
  return listBoardsForAlliance(svc.db, user.allianceId).map((b) => ({ id: b.id, name: b.name }));
}

export function organisationsFor(svc: AppServices, user: SessionUser) {
  return listOrganisations(svc.db, user.allianceId);
}

export function boardSettingsFor(svc: AppServices, boardId: string) {
  return boardSettings(svc.db, boardId);
}

/**
 * A board as an integration needs it to find its ids: name, columns in board
 * order with their stage, categories. Null when the board is unknown or of
 * another alliance (the API answers 404 for both, so it does not tell which
 * boards exist elsewhere).
 */
export async function boardStructure(svc: AppServices, user: SessionUser, boardId: string) {
  const board = getBoard(svc.db, boardId);
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
