/**
 * "Aan de slag": what a new alliance still needs, for its coordinator, on a
 * board that has not been used yet. Each step is read from what is there
 * (no flags to tick): the organisations that work together, the people
 * invited, the list the alliance brings, what organisations offer, mail.
 * Null when there is nothing to say: the person is no coordinator, or the
 * board is in use and the alliance has its people.
 */
import { listOrganisations, listPeople } from "../../db/accounts";
import { openInvitations } from "../../db/invitations";
import { listOffers } from "../../db/offers";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";

export type StartStepId = "organisations" | "people" | "requests" | "offers" | "mail";
export interface StartStep {
  id: StartStepId;
  done: boolean;
}

export async function gettingStarted(svc: AppServices, user: SessionUser, board: { id: string; cards: number; archived: boolean }): Promise<StartStep[] | null> {
  if (user.role !== "coordinator" || board.archived) return null;
  const organisations = (await listOrganisations(svc.async, user.allianceId)).length;
  const people = (await listPeople(svc.async, user.allianceId)).filter((p) => p.disabledAt === null).length;
  const invited = (await openInvitations(svc.async, user.allianceId)).length;
  const steps: StartStep[] = [
    { id: "organisations", done: organisations > 1 },
    { id: "people", done: people > 1 || invited > 0 },
    { id: "requests", done: board.cards > 0 },
    { id: "offers", done: (await listOffers(svc.async, user.allianceId)).length > 0 },
    { id: "mail", done: svc.mail.enabled },
  ];
  // Once the board is in use and others are on it, the panel has done its work.
  const started = steps.find((s) => s.id === "requests")!.done && steps.find((s) => s.id === "people")!.done;
  return started ? null : steps;
}
