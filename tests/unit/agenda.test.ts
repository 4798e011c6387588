/**
 * The proposed agenda: the order of its items, their titles with counts in
 * both languages, the views they open, and what is left out when there is
 * nothing to discuss.
 */
import { describe, expect, it } from "vitest";
import { CARD_LIST_MAX, cardListParam, proposeAgenda, type AgendaFacts } from "../../app/board/agenda";
import { parseFilters } from "../../app/hooks/useBoardView";
import { translator } from "../../app/i18n";

const facts: AgendaFacts = {
  openActions: { count: 3, cardIds: ["r1", "r2", "r1"] },
  hasSince: true,
  unclaimedDays: 14,
  unclaimed: ["u1", "u2"],
  duplicateGroups: 1,
  duplicates: ["d1", "d2"],
  referrals: ["f1"],
  categories: [
    { id: "wonen", label: "Wonen", open: 0 },
    { id: "taal", label: "Taal", open: 4 },
    { id: "werk", label: "Werk", open: 1 },
  ],
};

describe("proposeAgenda", () => {
  it("proposes the items in the agreed order with counts in the titles", () => {
    const items = proposeAgenda(facts, translator("nl"));
    expect(items.map((i) => [i.kind, i.title])).toEqual([
      ["actions", "Openstaande acties: 3"],
      ["since", "Sinds de vorige vergadering"],
      ["unclaimed", "2 aanvragen langer dan 14 dagen niet opgepakt"],
      ["duplicates", "1 mogelijke dubbel om te beslissen"],
      ["referrals", "1 doorverwijzing zonder antwoord"],
      ["category", "Taal: 4 open aanvragen"],
      ["category", "Werk: 1 open aanvraag"],
    ]);
  });

  it("speaks the coordinator's language", () => {
    const items = proposeAgenda(facts, translator("en"));
    expect(items.map((i) => i.title)).toEqual([
      "Open actions: 3",
      "Since the last meeting",
      "2 requests not picked up for more than 14 days",
      "1 possible duplicate to decide",
      "1 referral without an answer",
      "Taal: 4 open requests",
      "Werk: 1 open request",
    ]);
  });

  it("each item is a view the board's filters understand", () => {
    const items = proposeAgenda(facts, translator("nl"));
    const filters = items.map((i) => parseFilters(new URLSearchParams(i.view.query)));
    expect(filters[0].cards).toEqual(["r1", "r2"]);
    expect(items[1].view.query).toBe("");
    expect(filters[2]).toMatchObject({ unclaimed: true, olderThanDays: 14, cards: null });
    expect(filters[3].cards).toEqual(["d1", "d2"]);
    expect(filters[4].cards).toEqual(["f1"]);
    expect(filters[5]).toMatchObject({ category: "taal", cards: null });
    for (const i of items) expect(i.view).toMatchObject({ cardId: null, columnId: null });
  });

  it("leaves out what has nothing to discuss", () => {
    const quiet: AgendaFacts = {
      openActions: { count: 0, cardIds: [] },
      hasSince: false,
      unclaimedDays: 30,
      unclaimed: [],
      duplicateGroups: 0,
      duplicates: [],
      referrals: [],
      categories: [{ id: "taal", label: "Taal", open: 0 }],
    };
    expect(proposeAgenda(quiet, translator("nl"))).toEqual([]);
    const items = proposeAgenda({ ...quiet, hasSince: true, unclaimed: ["x"] }, translator("nl"));
    expect(items.map((i) => i.kind)).toEqual(["since", "unclaimed"]);
    expect(items[1].title).toBe("1 aanvraag langer dan 30 dagen niet opgepakt");
    expect(items[1].view.query).toBe("open=1&ouderDan=30");
  });

  it("an open action without a linked request still opens the agenda, with the whole board", () => {
    const items = proposeAgenda({ ...facts, openActions: { count: 1, cardIds: [] } }, translator("nl"));
    expect(items[0]).toEqual({ kind: "actions", title: "Openstaande acties: 1", view: { query: "", cardId: null, columnId: null } });
  });

  it("caps a card list at CARD_LIST_MAX ids", () => {
    const many = Array.from({ length: CARD_LIST_MAX + 50 }, (_, i) => `id-${i}`);
    expect(cardListParam(many).split(",")).toHaveLength(CARD_LIST_MAX);
    expect(cardListParam(["a", "b", "a", ""])).toBe("a,b");
  });
});
