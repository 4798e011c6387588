import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import {
  addCard,
  addCards,
  addCategory,
  addColumn,
  BoardError,
  cardsInColumn,
  cardsMap,
  categoriesMap,
  columnsMap,
  DEFAULT_CATEGORIES,
  DEFAULT_COLUMNS,
  effectiveColumn,
  freeCategoryId,
  getCard,
  initBoard,
  listCategories,
  listColumns,
  metaMap,
  moveCard,
  moveColumn,
  readBoard,
  renameColumn,
  SCHEMA_VERSION,
  setArchived,
  updateCard,
  updateCategory,
  type NewCard,
} from "~/board/domain";
import { compareStrings } from "~/board/order";

// ------------------------------------------------------------------ helpers

function newDoc(clientID?: number): Y.Doc {
  const doc = new Y.Doc();
  if (clientID !== undefined) doc.clientID = clientID;
  return doc;
}

function board(clientID?: number): Y.Doc {
  const doc = newDoc(clientID);
  initBoard(doc);
  return doc;
}

/** A second replica of `doc`, created by a full sync. */
function replica(doc: Y.Doc, clientID?: number): Y.Doc {
  const other = newDoc(clientID);
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
  return other;
}

/** Exchange everything both ways (state-vector based, as y-protocols does). */
function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

function syncAll(docs: Y.Doc[]): void {
  for (let round = 0; round < 2; round++) {
    for (const a of docs) for (const b of docs) if (a !== b) sync(a, b);
  }
}

function card(id: string, over: Partial<NewCard> = {}): NewCard {
  return {
    id,
    title: `Kaart ${id}`,
    category: "wonen",
    description: "",
    area: "",
    urgency: "normaal",
    createdAt: 1_000,
    createdByOrg: "org-1",
    ...over,
  };
}

function ids(doc: Y.Doc, column: string, opts?: { archived?: boolean }): string[] {
  return cardsInColumn(doc, column, opts).map((c) => c.id);
}

function expectBoardError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(BoardError);
  expect((thrown as BoardError).code).toBe(code);
}

/** Count the transactions a callback runs, and whether any of them changed the document. */
function recordUpdates(doc: Y.Doc, fn: () => void): Uint8Array[] {
  const updates: Uint8Array[] = [];
  const handler = (u: Uint8Array) => updates.push(u);
  doc.on("update", handler);
  try {
    fn();
  } finally {
    doc.off("update", handler);
  }
  return updates;
}

const COLUMN_IDS = DEFAULT_COLUMNS.map((c) => c.id);
const CATEGORY_IDS = DEFAULT_CATEGORIES.map((c) => c.id);

// ------------------------------------------------------------------ initBoard

describe("initBoard", () => {
  it("creates the default columns and categories in order", () => {
    const doc = board();
    expect(metaMap(doc).get("schema")).toBe(SCHEMA_VERSION);
    const cols = listColumns(doc);
    expect(cols.map((c) => c.id)).toEqual(COLUMN_IDS);
    expect(cols.map((c) => c.name)).toEqual(DEFAULT_COLUMNS.map((c) => c.name));
    const cats = listCategories(doc);
    expect(cats.map((c) => c.id)).toEqual(CATEGORY_IDS);
    expect(cats[0]).toMatchObject({ id: "wonen", label: "Wonen", color: "#2f6690", icon: "home" });
    expect(readBoard(doc).cards).toEqual([]);
  });

  it("is idempotent: a second call writes nothing", () => {
    const doc = board();
    const before = Y.encodeStateVector(doc);
    const snapshot = readBoard(doc);
    const updates = recordUpdates(doc, () => initBoard(doc));
    expect(updates).toHaveLength(0);
    expect(Y.encodeStateVector(doc)).toEqual(before);
    expect(readBoard(doc)).toEqual(snapshot);
  });

  it("does not recreate columns or categories on a board that already has some", () => {
    const doc = board();
    renameColumn(doc, "nieuw", "Binnengekomen");
    addColumn(doc, { id: "wacht", name: "Wacht" });
    initBoard(doc);
    expect(listColumns(doc)).toHaveLength(6);
    expect(listColumns(doc)[0].name).toBe("Binnengekomen");
  });

  it("does nothing on a replica that synced an initialised board", () => {
    const a = board();
    const b = replica(a);
    const updates = recordUpdates(b, () => initBoard(b));
    expect(updates).toHaveLength(0);
    expect(readBoard(b)).toEqual(readBoard(a));
  });

  it("two fresh documents that both initialise concurrently converge to exactly 5 columns and 4 categories", () => {
    const a = newDoc(11);
    const b = newDoc(22);
    initBoard(a);
    initBoard(b);
    sync(a, b);
    for (const doc of [a, b]) {
      expect(columnsMap(doc).size).toBe(5);
      expect(categoriesMap(doc).size).toBe(4);
      expect(listColumns(doc).map((c) => c.id)).toEqual(COLUMN_IDS);
      expect(listCategories(doc).map((c) => c.id)).toEqual(CATEGORY_IDS);
    }
    expect(readBoard(a)).toEqual(readBoard(b));
    expect(Y.encodeStateVector(a)).toEqual(Y.encodeStateVector(b));
    // Running init again on either side stays a no-op.
    expect(recordUpdates(a, () => initBoard(a))).toHaveLength(0);
  });

  it("cards added on both sides of a concurrent init survive the merge", () => {
    const a = newDoc(11);
    const b = newDoc(22);
    initBoard(a);
    initBoard(b);
    addCard(a, card("from-a"));
    addCard(b, card("from-b"));
    sync(a, b);
    for (const doc of [a, b]) {
      expect(ids(doc, "nieuw").sort()).toEqual(["from-a", "from-b"]);
      expect(columnsMap(doc).size).toBe(5);
    }
  });
});

// ------------------------------------------------------------------ addCard

describe("addCard", () => {
  it("appends at the end of the first column by default", () => {
    const doc = board();
    const first = addCard(doc, card("c1"));
    expect(first).toMatchObject({
      id: "c1",
      title: "Kaart c1",
      column: "nieuw",
      archived: false,
      urgency: "normaal",
      createdAt: 1_000,
      updatedAt: 1_000,
      createdByOrg: "org-1",
    });
    addCard(doc, card("c2"));
    addCard(doc, card("a0")); // an id that would sort first: position comes from the order key
    expect(ids(doc, "nieuw")).toEqual(["c1", "c2", "a0"]);
    const orders = cardsInColumn(doc, "nieuw").map((c) => c.order);
    expect(compareStrings(orders[0], orders[1])).toBe(-1);
    expect(compareStrings(orders[1], orders[2])).toBe(-1);
  });

  it("appends at the end of a given column", () => {
    const doc = board();
    addCard(doc, card("x", { column: "open" }));
    addCard(doc, card("y", { column: "open" }));
    addCard(doc, card("z"));
    expect(ids(doc, "open")).toEqual(["x", "y"]);
    expect(ids(doc, "nieuw")).toEqual(["z"]);
  });

  it("defaults to the first column in display order, also after a column reorder", () => {
    const doc = board();
    moveColumn(doc, "afgerond", 0);
    expect(addCard(doc, card("c")).column).toBe("afgerond");
  });

  it("stores all the fields", () => {
    const doc = board();
    addCard(
      doc,
      card("full", { title: "Fiets", category: "werk", description: "regel 1\nregel 2", area: "Centrum", urgency: "spoed" }),
    );
    expect(getCard(doc, "full")).toMatchObject({
      title: "Fiets",
      category: "werk",
      description: "regel 1\nregel 2",
      area: "Centrum",
      urgency: "spoed",
    });
  });

  it("rejects a missing id, a duplicate id, an unknown column and an unknown category", () => {
    const doc = board();
    addCard(doc, card("c1"));
    expectBoardError(() => addCard(doc, card("")), "card.id");
    expectBoardError(() => addCard(doc, card("c1")), "card.exists");
    expectBoardError(() => addCard(doc, card("c2", { column: "nergens" })), "column.unknown");
    expectBoardError(() => addCard(doc, card("c3", { category: "nergens" })), "category.unknown");
    expect(cardsMap(doc).size).toBe(1);
  });

  it("refuses to add cards to a board without columns", () => {
    const doc = newDoc();
    expectBoardError(() => addCard(doc, card("c1")), "column.unknown");
  });

  it("writes in a single transaction with the given origin", () => {
    const doc = board();
    const origins: unknown[] = [];
    doc.on("afterTransaction", (tr: Y.Transaction) => origins.push(tr.origin));
    addCard(doc, card("c1"), "test-origin");
    expect(origins).toEqual(["test-origin"]);
  });
});

describe("addCards", () => {
  it("appends a batch after the cards already in each column, in the order given, in one transaction", () => {
    const doc = board();
    addCard(doc, card("old", { column: "open" }));
    addCard(doc, card("archived", { column: "open" }));
    setArchived(doc, "archived", true, 2_000);
    const updates = recordUpdates(doc, () =>
      addCards(doc, [card("b1", { column: "open" }), card("n1"), card("b2", { column: "open" }), card("b3", { column: "open" })]),
    );
    expect(updates).toHaveLength(1);
    expect(ids(doc, "open")).toEqual(["old", "b1", "b2", "b3"]);
    expect(ids(doc, "nieuw")).toEqual(["n1"]);
  });

  it("counts a card in an unknown column where the board shows it (the first column)", () => {
    const doc = board();
    addCard(doc, card("stray"));
    cardsMap(doc).get("stray")!.set("column", "verdwenen");
    addCards(doc, [card("next")]);
    expect(ids(doc, "nieuw")).toEqual(["stray", "next"]);
  });

  it("refuses the whole batch when one card is wrong (duplicate within the batch too) and writes nothing", () => {
    const doc = board();
    expectBoardError(() => addCards(doc, [card("a"), card("a")]), "card.exists");
    expectBoardError(() => addCards(doc, [card("a"), card("b", { category: "nergens" })]), "category.unknown");
    expect(cardsMap(doc).size).toBe(0);
  });

  it("adds 5,000 cards to a board of 5,000 with every column in key order", () => {
    const doc = board();
    const batch = (prefix: string) =>
      Array.from({ length: 5_000 }, (_, i) => card(`${prefix}${i}`, { column: COLUMN_IDS[i % COLUMN_IDS.length] }));
    addCards(doc, batch("a"));
    addCards(doc, batch("b"));
    for (const column of COLUMN_IDS) {
      const list = ids(doc, column);
      expect(list).toHaveLength(2_000);
      expect(list[999].startsWith("a") && list[1000].startsWith("b")).toBe(true);
    }
  });
});

// ------------------------------------------------------------------ moveCard

describe("moveCard", () => {
  function boardWith(n: number, column = "nieuw"): Y.Doc {
    const doc = board();
    for (let i = 0; i < n; i++) addCard(doc, card(`c${i}`, { column }));
    return doc;
  }

  it("moves within a column to the exact index (index counted without the card)", () => {
    const doc = boardWith(4); // c0 c1 c2 c3
    moveCard(doc, "c0", "nieuw", 2, 2_000);
    expect(ids(doc, "nieuw")).toEqual(["c1", "c2", "c0", "c3"]);
    moveCard(doc, "c3", "nieuw", 0, 2_001);
    expect(ids(doc, "nieuw")).toEqual(["c3", "c1", "c2", "c0"]);
    moveCard(doc, "c1", "nieuw", 3, 2_002);
    expect(ids(doc, "nieuw")).toEqual(["c3", "c2", "c0", "c1"]);
    moveCard(doc, "c2", "nieuw", 1, 2_003); // its own index: stays put
    expect(ids(doc, "nieuw")).toEqual(["c3", "c2", "c0", "c1"]);
  });

  it("moves to every index of another column", () => {
    for (let index = 0; index <= 3; index++) {
      const doc = board();
      for (const id of ["o1", "o2", "o3"]) addCard(doc, card(id, { column: "open" }));
      addCard(doc, card("m"));
      const result = moveCard(doc, "m", "open", index, 3_000);
      expect(result.from).toBe("nieuw");
      expect(result.to).toBe("open");
      expect(result.order).toBe(getCard(doc, "m")!.order);
      const expected = ["o1", "o2", "o3"];
      expected.splice(index, 0, "m");
      expect(ids(doc, "open")).toEqual(expected);
      expect(ids(doc, "nieuw")).toEqual([]);
      expect(getCard(doc, "m")).toMatchObject({ column: "open", updatedAt: 3_000 });
    }
  });

  it("clamps an index past the end", () => {
    const doc = boardWith(3);
    moveCard(doc, "c0", "nieuw", 99, 1);
    expect(ids(doc, "nieuw")).toEqual(["c1", "c2", "c0"]);
    moveCard(doc, "c0", "open", -3, 1);
    expect(ids(doc, "open")).toEqual(["c0"]);
  });

  it("counts the index among visible (non-archived) cards only", () => {
    const doc = boardWith(4); // c0 c1 c2 c3
    setArchived(doc, "c1", true, 1);
    expect(ids(doc, "nieuw")).toEqual(["c0", "c2", "c3"]);
    addCard(doc, card("m", { column: "open" }));
    moveCard(doc, "m", "nieuw", 1, 2);
    expect(ids(doc, "nieuw")).toEqual(["c0", "m", "c2", "c3"]);
  });

  it("throws BoardError for an unknown column or card and leaves the card untouched", () => {
    const doc = boardWith(2);
    const before = getCard(doc, "c0");
    const updates = recordUpdates(doc, () => {
      expectBoardError(() => moveCard(doc, "c0", "bestaat-niet", 0, 5), "column.unknown");
      expectBoardError(() => moveCard(doc, "nope", "open", 0, 5), "card.unknown");
    });
    expect(updates).toHaveLength(0);
    expect(getCard(doc, "c0")).toEqual(before);
  });

  it("places correctly between two cards that received the same key concurrently (rekey)", () => {
    const a = board(1);
    const b = replica(a, 2);
    addCard(a, card("c-a"));
    addCard(b, card("c-b"));
    sync(a, b);
    // Both got the same key at the end of the empty column; the tie is broken by id.
    expect(getCard(a, "c-a")!.order).toBe(getCard(a, "c-b")!.order);
    expect(ids(a, "nieuw")).toEqual(["c-a", "c-b"]);
    addCard(a, card("m", { column: "open" }));
    moveCard(a, "m", "nieuw", 1, 10);
    expect(ids(a, "nieuw")).toEqual(["c-a", "m", "c-b"]);
    const orders = cardsInColumn(a, "nieuw").map((c) => c.order);
    expect(new Set(orders).size).toBe(3);
    sync(a, b);
    expect(ids(b, "nieuw")).toEqual(["c-a", "m", "c-b"]);
  });

  it("two concurrent moves of the same card converge to one position", () => {
    const a = board(1);
    addCard(a, card("x"));
    addCard(a, card("y", { column: "open" }));
    const b = replica(a, 2);
    moveCard(a, "x", "open", 0, 10);
    moveCard(b, "x", "afgerond", 0, 11);
    sync(a, b);
    expect(readBoard(a)).toEqual(readBoard(b));
    const columnsWithX = COLUMN_IDS.filter((c) => ids(a, c).includes("x"));
    expect(columnsWithX).toHaveLength(1);
    expect(cardsMap(a).size).toBe(2);
  });

  // Regression: column and order are written together on every move, rekey
  // and restore, so concurrent moves never mix their positions.
  it("concurrent moves never mix one move's column with another move's order", () => {
    const d = board(4);
    addCard(d, card("x"));
    addCard(d, card("o1", { column: "open" }));
    addCard(d, card("o2", { column: "open" }));
    addCard(d, card("f1", { column: "afgerond" }));
    addCard(d, card("f2", { column: "afgerond" }));
    const a = replica(d, 1);
    const b = replica(d, 2);
    const c = replica(d, 3);
    // C reorders x within its column (writes `order` only); only A sees it.
    addCard(c, card("y"));
    moveCard(c, "x", "nieuw", 1, 5);
    sync(c, a);
    const moveA = moveCard(a, "x", "open", 1, 6); // between o1 and o2
    const moveB = moveCard(b, "x", "afgerond", 2, 7); // after f2
    syncAll([a, b, c, d]);
    const final = getCard(a, "x")!;
    const coherent =
      (final.column === moveA.to && final.order === moveA.order) ||
      (final.column === moveB.to && final.order === moveB.order);
    expect(coherent).toBe(true);
  });
});

// ------------------------------------------------------------------ updateCard

describe("updateCard", () => {
  it("writes only the changed fields and returns from/to", () => {
    const doc = board();
    addCard(doc, card("c", { title: "Oud", area: "Noord" }));
    const changes = updateCard(doc, "c", { title: "Nieuw", area: "Noord", urgency: "hoog" }, 5_000);
    expect(changes).toEqual([
      { field: "title", from: "Oud", to: "Nieuw" },
      { field: "urgency", from: "normaal", to: "hoog" },
    ]);
    expect(getCard(doc, "c")).toMatchObject({ title: "Nieuw", area: "Noord", urgency: "hoog", updatedAt: 5_000 });
  });

  it("writes nothing (and keeps updatedAt) when nothing changed", () => {
    const doc = board();
    addCard(doc, card("c", { title: "Zelfde" }));
    const updates = recordUpdates(doc, () => {
      expect(updateCard(doc, "c", { title: "Zelfde", category: "wonen" }, 9_999)).toEqual([]);
      expect(updateCard(doc, "c", {}, 9_999)).toEqual([]);
    });
    expect(updates).toHaveLength(0);
    expect(getCard(doc, "c")!.updatedAt).toBe(1_000);
  });

  it("does not overwrite a concurrent edit of another field", () => {
    const a = board(1);
    addCard(a, card("c", { title: "Titel", description: "Oud" }));
    const b = replica(a, 2);
    // B sends the whole form back, but only the description differs.
    updateCard(a, "c", { title: "Titel aangepast" }, 10);
    updateCard(b, "c", { title: "Titel", description: "Nieuw" }, 11);
    sync(a, b);
    for (const doc of [a, b]) expect(getCard(doc, "c")).toMatchObject({ title: "Titel aangepast", description: "Nieuw" });
  });

  it("validates category and urgency, and unknown cards", () => {
    const doc = board();
    addCard(doc, card("c"));
    expectBoardError(() => updateCard(doc, "c", { category: "nergens" }, 1), "category.unknown");
    expectBoardError(() => updateCard(doc, "c", { urgency: "kritiek" as never }, 1), "urgency.unknown");
    expectBoardError(() => updateCard(doc, "nope", { title: "x" }, 1), "card.unknown");
    expect(updateCard(doc, "c", { category: "taal" }, 2)).toEqual([{ field: "category", from: "wonen", to: "taal" }]);
  });
});

// ------------------------------------------------------------------ concurrency

describe("concurrent edits on synced documents", () => {
  it("a move and a title edit of the same card both survive", () => {
    const a = board(1);
    addCard(a, card("c1"));
    addCard(a, card("c2", { column: "opgepakt" }));
    const b = replica(a, 2);
    moveCard(a, "c1", "opgepakt", 1, 10);
    updateCard(b, "c1", { title: "Nieuwe titel" }, 11);
    sync(a, b);
    for (const doc of [a, b]) {
      expect(getCard(doc, "c1")).toMatchObject({ title: "Nieuwe titel", column: "opgepakt" });
      expect(ids(doc, "opgepakt")).toEqual(["c2", "c1"]);
      expect(ids(doc, "nieuw")).toEqual([]);
    }
    expect(readBoard(a)).toEqual(readBoard(b));
  });

  it("an archive and a move of the same card both survive", () => {
    const a = board(1);
    addCard(a, card("c"));
    const b = replica(a, 2);
    setArchived(a, "c", true, 10);
    moveCard(b, "c", "afgerond", 0, 11);
    sync(a, b);
    for (const doc of [a, b]) expect(getCard(doc, "c")).toMatchObject({ archived: true, column: "afgerond" });
  });

  it("concurrent card additions on three peers keep every card exactly once", () => {
    const a = board(1);
    const b = replica(a, 2);
    const c = replica(a, 3);
    for (let i = 0; i < 5; i++) {
      addCard(a, card(`a${i}`));
      addCard(b, card(`b${i}`));
      addCard(c, card(`c${i}`));
    }
    syncAll([a, b, c]);
    const list = ids(a, "nieuw");
    expect(list).toHaveLength(15);
    expect(new Set(list).size).toBe(15);
    expect(ids(b, "nieuw")).toEqual(list);
    expect(ids(c, "nieuw")).toEqual(list);
    // Each peer's own cards keep their relative order.
    for (const p of ["a", "b", "c"]) {
      expect(list.filter((id) => id.startsWith(p))).toEqual([0, 1, 2, 3, 4].map((i) => `${p}${i}`));
    }
  });
});

// ------------------------------------------------------------------ archive

describe("setArchived", () => {
  it("archives and restores; a restored card goes to the end of its column", () => {
    const doc = board();
    for (const id of ["c0", "c1", "c2"]) addCard(doc, card(id));
    expect(setArchived(doc, "c0", true, 10)).toBe(true);
    expect(ids(doc, "nieuw")).toEqual(["c1", "c2"]);
    expect(ids(doc, "nieuw", { archived: true })).toEqual(["c0"]);
    expect(getCard(doc, "c0")).toMatchObject({ archived: true, updatedAt: 10 });
    // The archived card is still on the board, just hidden.
    expect(readBoard(doc).cards.map((c) => c.id).sort()).toEqual(["c0", "c1", "c2"]);
    expect(setArchived(doc, "c0", false, 20)).toBe(true);
    expect(ids(doc, "nieuw")).toEqual(["c1", "c2", "c0"]);
    expect(ids(doc, "nieuw", { archived: true })).toEqual([]);
    expect(getCard(doc, "c0")).toMatchObject({ archived: false, updatedAt: 20 });
  });

  it("returns false and writes nothing when the state does not change", () => {
    const doc = board();
    addCard(doc, card("c"));
    const updates = recordUpdates(doc, () => {
      expect(setArchived(doc, "c", false, 10)).toBe(false);
    });
    expect(updates).toHaveLength(0);
    setArchived(doc, "c", true, 11);
    expect(setArchived(doc, "c", true, 12)).toBe(false);
    expect(getCard(doc, "c")!.updatedAt).toBe(11);
  });

  it("throws for an unknown card", () => {
    expectBoardError(() => setArchived(board(), "nope", true, 1), "card.unknown");
  });
});

// ------------------------------------------------------------------ columns

describe("columns", () => {
  it("adds a column before the first done column, or where it is placed", () => {
    const doc = board();
    const col = addColumn(doc, { id: "wacht", name: "Wacht op gemeente", stage: "held" });
    expect(col).toMatchObject({ id: "wacht", name: "Wacht op gemeente", stage: "held" });
    expect(listColumns(doc).map((c) => c.id)).toEqual([...COLUMN_IDS.slice(0, -1), "wacht", "afgerond"]);
    addColumn(doc, { id: "archief", name: "Archief", stage: "done", index: 6 });
    expect(listColumns(doc).map((c) => c.id)).toEqual([...COLUMN_IDS.slice(0, -1), "wacht", "afgerond", "archief"]);
    expectBoardError(() => addColumn(doc, { id: "wacht", name: "Dubbel" }), "column.exists");
  });

  it("renames a column, and only writes when the name changes", () => {
    const doc = board();
    renameColumn(doc, "open", "Te verdelen");
    expect(listColumns(doc)[1]).toMatchObject({ id: "open", name: "Te verdelen" });
    expect(recordUpdates(doc, () => renameColumn(doc, "open", "Te verdelen"))).toHaveLength(0);
    expectBoardError(() => renameColumn(doc, "nope", "x"), "column.unknown");
  });

  it("reorders columns to the exact index", () => {
    const doc = board();
    moveColumn(doc, "afgerond", 0);
    expect(listColumns(doc).map((c) => c.id)).toEqual(["afgerond", "nieuw", "open", "opgepakt", "in-uitvoering"]);
    moveColumn(doc, "afgerond", 2);
    expect(listColumns(doc).map((c) => c.id)).toEqual(["nieuw", "open", "afgerond", "opgepakt", "in-uitvoering"]);
    moveColumn(doc, "nieuw", 99);
    expect(listColumns(doc).map((c) => c.id)).toEqual(["open", "afgerond", "opgepakt", "in-uitvoering", "nieuw"]);
    expectBoardError(() => moveColumn(doc, "nope", 0), "column.unknown");
  });

  it("cards keep their column when columns are reordered or renamed", () => {
    const doc = board();
    addCard(doc, card("c", { column: "opgepakt" }));
    moveColumn(doc, "opgepakt", 0);
    renameColumn(doc, "opgepakt", "Bezig");
    expect(ids(doc, "opgepakt")).toEqual(["c"]);
  });

  it("columns added concurrently at the same spot get a stable order and can still be placed between", () => {
    const a = board(1);
    const b = replica(a, 2);
    addColumn(a, { id: "x", name: "X" });
    addColumn(b, { id: "y", name: "Y" });
    sync(a, b);
    expect(listColumns(a).map((c) => c.id)).toEqual([...COLUMN_IDS.slice(0, -1), "x", "y", "afgerond"]);
    expect(listColumns(b)).toEqual(listColumns(a));
    moveColumn(a, "nieuw", 4); // between the tied x and y: needs a rekey
    expect(listColumns(a).map((c) => c.id)).toEqual(["open", "opgepakt", "in-uitvoering", "x", "nieuw", "y", "afgerond"]);
  });
});

// ------------------------------------------------------------------ categories

describe("categories", () => {
  it("adds a category at the end with freeCategoryId", () => {
    const doc = board();
    const id = freeCategoryId(doc, "gezondheid");
    expect(id).toBe("gezondheid");
    const cat = addCategory(doc, { id, label: "Gezondheid", color: "#aa0000", icon: "health" });
    expect(cat).toMatchObject({ id: "gezondheid", label: "Gezondheid", color: "#aa0000", icon: "health" });
    expect(listCategories(doc).map((c) => c.id)).toEqual([...CATEGORY_IDS, "gezondheid"]);
    expectBoardError(() => addCategory(doc, { id, label: "Dubbel", color: "#000000", icon: "star" }), "category.exists");
  });

  it("freeCategoryId appends a counter for ids that are taken", () => {
    const doc = board();
    expect(freeCategoryId(doc, "wonen")).toBe("wonen-2");
    addCategory(doc, { id: "wonen-2", label: "Wonen 2", color: "#111111", icon: "home" });
    expect(freeCategoryId(doc, "wonen")).toBe("wonen-3");
    expect(freeCategoryId(doc, "nieuw")).toBe("nieuw");
  });

  it("a new category can be used for cards", () => {
    const doc = board();
    addCategory(doc, { id: "geld", label: "Geld", color: "#123456", icon: "money" });
    expect(addCard(doc, card("c", { category: "geld" })).category).toBe("geld");
  });

  it("updates only the given fields", () => {
    const doc = board();
    updateCategory(doc, "taal", { label: "Taal & les", icon: "book" });
    expect(listCategories(doc).find((c) => c.id === "taal")).toMatchObject({
      label: "Taal & les",
      icon: "book",
      color: "#9a5b00",
    });
    expect(recordUpdates(doc, () => updateCategory(doc, "taal", { label: "Taal & les" }))).toHaveLength(0);
    expectBoardError(() => updateCategory(doc, "nope", { label: "x" }), "category.unknown");
  });
});

// ------------------------------------------------------------------ reading

describe("reading", () => {
  it("effectiveColumn shows a card with an unknown column in the first column", () => {
    const doc = board();
    addCard(doc, card("c"));
    // Simulate a card written by an older client, pointing at a column that does not exist.
    cardsMap(doc).get("c")!.set("column", "oude-kolom");
    const columns = listColumns(doc);
    const c = getCard(doc, "c")!;
    expect(c.column).toBe("oude-kolom");
    expect(effectiveColumn(c, columns)).toBe("nieuw");
    expect(effectiveColumn({ column: "open" }, columns)).toBe("open");
    // After a column reorder the fallback follows the new first column.
    moveColumn(doc, "afgerond", 0);
    expect(effectiveColumn(c, listColumns(doc))).toBe("afgerond");
    // Without any columns the card keeps its own column.
    expect(effectiveColumn(c, [])).toBe("oude-kolom");
    // The card can be moved back into a real column.
    moveCard(doc, "c", "open", 0, 1);
    expect(effectiveColumn(getCard(doc, "c")!, listColumns(doc))).toBe("open");
  });

  it("reads defaults for missing or malformed fields", () => {
    const doc = board();
    addCard(doc, card("c"));
    const m = cardsMap(doc).get("c")!;
    m.set("urgency", "extreem");
    m.set("archived", "yes");
    m.set("createdAt", Number.NaN);
    m.delete("title");
    expect(getCard(doc, "c")).toMatchObject({ urgency: "normaal", archived: false, createdAt: 0, title: "" });
    categoriesMap(doc).get("taal")!.set("icon", "rocket");
    expect(listCategories(doc).find((x) => x.id === "taal")!.icon).toBe("star");
    expect(getCard(doc, "nope")).toBeNull();
  });

  it("readBoard returns plain, sorted data", () => {
    const doc = board();
    addCard(doc, card("b"));
    addCard(doc, card("a", { column: "open" }));
    const snap = readBoard(doc);
    expect(snap.columns.map((c) => c.id)).toEqual(COLUMN_IDS);
    expect(snap.categories.map((c) => c.id)).toEqual(CATEGORY_IDS);
    expect(snap.cards.map((c) => c.id).sort()).toEqual(["a", "b"]);
    // Plain JSON: survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});
