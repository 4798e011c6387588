import { CARD_DEFAULTS, type CardView } from "../../app/board/types";

/** A card as the board shows it, for tests of views built from cards (no document needed). */
export function cardView(id: string, over: Partial<CardView> = {}): CardView {
  return {
    id,
    title: `Aanvraag ${id}`,
    category: "wonen",
    column: "nieuw",
    order: `a${id}`,
    archived: false,
    description: "",
    area: "",
    urgency: "normaal",
    createdAt: 1,
    createdByOrg: "org-a",
    updatedAt: 1,
    ...CARD_DEFAULTS,
    ...over,
  };
}
