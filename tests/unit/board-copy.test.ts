import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCard, addCategory, addColumn, initBoard, initBoardFrom, listCategories, listColumns, readBoard, removeCategory, renameColumn } from "../../app/board/domain";

function structure(doc: Y.Doc) {
  return {
    columns: listColumns(doc).map(({ id, name, stage }) => ({ id, name, stage })),
    categories: listCategories(doc).map(({ id, label, color, icon }) => ({ id, label, color, icon })),
  };
}

describe("initBoardFrom (a new board copying another's structure)", () => {
  it("copies columns in order with their stages, and categories with their ids, never cards", () => {
    const source = new Y.Doc();
    initBoard(source);
    renameColumn(source, "open", "Wacht");
    addColumn(source, { id: "wachtlijst", name: "Wachtlijst", stage: "open", index: 1 });
    addCategory(source, { id: "klussen", label: "Klussen", color: "#335577", icon: "star" });
    removeCategory(source, "maatje", { now: 1 });
    addCard(source, { id: "c1", title: "Niet meenemen", category: "taal", description: "", area: "", urgency: "normaal", createdAt: 1, createdByOrg: "o" });

    const copy = new Y.Doc();
    initBoardFrom(copy, structure(source));
    expect(structure(copy)).toEqual(structure(source));
    expect(listColumns(copy).map((c) => c.name)).toEqual(["Nieuw", "Wachtlijst", "Wacht", "Opgepakt", "In uitvoering", "Afgerond"]);
    expect(readBoard(copy).cards).toEqual([]);
  });

  it("falls back to the defaults for an empty part", () => {
    const copy = new Y.Doc();
    initBoardFrom(copy, { columns: [], categories: [] });
    const fresh = new Y.Doc();
    initBoard(fresh);
    expect(structure(copy)).toEqual(structure(fresh));
  });
});
