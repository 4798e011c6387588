/**
 * A stored moment replayed is the board at that moment: a document is built
 * with the board's own operations, its whole state stored (as takeMoment
 * stores it: Y.encodeStateAsUpdate) at several points while cards are added,
 * moved, edited and archived and columns change, and each stored state,
 * decoded later, equals the board read at that point.
 */
import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import {
  addCard,
  addColumn,
  initBoard,
  moveCard,
  readBoard,
  removeColumn,
  renameColumn,
  setArchived,
  updateCard,
  type NewCard,
} from "~/board/domain";
import type { BoardSnapshot } from "~/board/types";
import { momentSnapshot } from "~/services/moments.server";
import { seededRandom } from "../factories/random";

function card(i: number, column?: string): NewCard {
  return {
    id: `card-${i}`,
    title: `Hulpvraag ${i}`,
    category: ["wonen", "taal", "werk", "maatje"][i % 4],
    description: i % 3 ? "" : `Omschrijving ${i}`,
    area: "Centrum",
    urgency: "normaal",
    createdAt: 1_000 + i,
    createdByOrg: i % 2 ? "org-a" : "org-b",
    column,
  };
}

describe("a stored moment replayed", () => {
  it("equals the board read at the moment it was stored, at every point of a history of changes", () => {
    const doc = new Y.Doc();
    initBoard(doc);
    const stored: Array<{ data: Uint8Array; expected: BoardSnapshot }> = [];
    const store = () => stored.push({ data: Y.encodeStateAsUpdate(doc), expected: structuredClone(readBoard(doc)) });

    store(); // the empty board
    for (let i = 0; i < 6; i++) addCard(doc, card(i, i < 3 ? "nieuw" : "open"));
    store();
    moveCard(doc, "card-0", "open", 0, 2_000);
    moveCard(doc, "card-4", "afgerond", 0, 2_001);
    store();
    updateCard(doc, "card-1", { title: "Taalmaatje voor gezin", urgency: "hoog" }, 2_002);
    setArchived(doc, "card-4", true, 2_003);
    store();
    addColumn(doc, { id: "wachtlijst", name: "Wachtlijst", stage: "open" });
    moveCard(doc, "card-2", "wachtlijst", 0, 2_004);
    renameColumn(doc, "open", "Open voor iedereen");
    store();
    removeColumn(doc, "wachtlijst", { moveTo: "nieuw", now: 2_005 });
    setArchived(doc, "card-4", false, 2_006);
    addCard(doc, card(6));
    store();

    // A seeded stream of further moves, a moment every few steps.
    const rnd = seededRandom(13);
    const columns = ["nieuw", "open", "opgepakt", "in-uitvoering", "afgerond"];
    for (let step = 0; step < 60; step++) {
      const id = `card-${Math.floor(rnd() * 7)}`;
      const r = rnd();
      if (r < 0.7) moveCard(doc, id, columns[Math.floor(rnd() * columns.length)], Math.floor(rnd() * 3), 3_000 + step);
      else if (r < 0.85) setArchived(doc, id, rnd() < 0.5, 3_000 + step);
      else updateCard(doc, id, { area: `Wijk ${step}` }, 3_000 + step);
      if (step % 7 === 0) store();
    }

    // Every stored state decodes to the board as it was, and they are not all alike.
    for (const { data, expected } of stored) expect(momentSnapshot(data)).toEqual(expected);
    const distinct = new Set(stored.map((s) => JSON.stringify(s.expected)));
    expect(distinct.size).toBe(stored.length);
    // The earliest moments do not follow the live board: card-0 was in "nieuw" then, not where it is now.
    expect(momentSnapshot(stored[1].data).cards.find((c) => c.id === "card-0")?.column).toBe("nieuw");
    expect(momentSnapshot(stored[0].data).cards).toEqual([]);
  });

  it("a stored state also replays after the live document went on (the bytes are the moment, not a reference to it)", () => {
    const doc = new Y.Doc();
    initBoard(doc);
    addCard(doc, card(1));
    const data = Y.encodeStateAsUpdate(doc);
    const before = structuredClone(readBoard(doc));
    moveCard(doc, "card-1", "afgerond", 0, 5_000);
    setArchived(doc, "card-1", true, 5_001);
    expect(momentSnapshot(data)).toEqual(before);
    expect(momentSnapshot(data)).not.toEqual(readBoard(doc));
  });
});
