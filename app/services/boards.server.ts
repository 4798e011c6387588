import { boardSettings, listBoardsForAlliance, listOrganisations } from "../../db/accounts";
import type { SessionUser } from "./auth.server";
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
