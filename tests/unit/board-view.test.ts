import { describe, expect, it } from "vitest";
import { cardView } from "../factories/views";
import * as Y from "yjs";
import { addCard, addColumn, initBoard, moveCard, readBoard, setArchived, updateCard } from "../../app/board/domain";
import type { CardView, ColumnView } from "../../app/board/types";
import { applyCardChanges, deriveView, type BoardView, type CardChange } from "../../app/board/view";
import { BoardStore } from "../../app/hooks/board-store";
import { seededRandom as random } from "../factories/random";

const columns: ColumnView[] = [
  { id: "nieuw", name: "Nieuw", order: "a0", stage: "intake" },
  { id: "open", name: "Open", order: "a1", stage: "open" },
  { id: "klaar", name: "Klaar", order: "a2", stage: "done" },
];
const categories = [{ id: "wonen", label: "Wonen", color: "#1f4e79", icon: "home" as const, order: "a0" }];

const card = cardView;

/** What a view shows, as plain ids, for comparing two views by contents. */
function shape(view: BoardView) {
  const byColumn: Record<string, string[]> = {};
  for (const [col, list] of Object.entries(view.cardsByColumn)) byColumn[col] = list.map((c) => c.id);
  return {
    byColumn,
    archived: view.archived.map((c) => c.id),
    cards: Object.fromEntries([...view.cardById].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}


describe("applyCardChanges", () => {
  const base = deriveView(null, columns, categories, [
    card("1"),
    card("2"),
    card("3", { column: "open" }),
    card("4", { column: "open" }),
    card("5", { column: "klaar" }),
    card("6", { archived: true, updatedAt: 5 }),
  ]);

  it("moves a card: only the two columns concerned get new arrays, every other card keeps its object", () => {
    const moved = { ...base.cardById.get("1")!, column: "open", order: "a35", updatedAt: 9 };
    const next = applyCardChanges(base, [["1", moved]]);
    expect(next.cardsByColumn.nieuw.map((c) => c.id)).toEqual(["2"]);
    expect(next.cardsByColumn.open.map((c) => c.id)).toEqual(["3", "1", "4"]);
    expect(next.cardsByColumn.klaar).toBe(base.cardsByColumn.klaar);
    expect(next.archived).toBe(base.archived);
    expect(next.columns).toBe(base.columns);
    expect(next.categoryById).toBe(base.categoryById);
    expect(next.cardsByColumn.open[0]).toBe(base.cardById.get("3"));
    expect(next.cardById.get("1")).toBe(moved);
    expect(next.cardById.get("2")).toBe(base.cardById.get("2"));
    // The previous view is left as it was.
    expect(base.cardsByColumn.nieuw.map((c) => c.id)).toEqual(["1", "2"]);
    expect(base.cardById.get("1")!.column).toBe("nieuw");
  });

  it("returns the same view when nothing changed (equal contents in a new object, or an unknown card removed)", () => {
    expect(applyCardChanges(base, [["2", { ...base.cardById.get("2")! }]])).toBe(base);
    expect(applyCardChanges(base, [["nope", null]])).toBe(base);
    expect(applyCardChanges(base, [])).toBe(base);
  });

  it("an edit in place replaces that card in its column and nothing else", () => {
    const edited = { ...base.cardById.get("4")!, title: "Nieuwe titel" };
    const next = applyCardChanges(base, [["4", edited]]);
    expect(next.cardsByColumn.open).not.toBe(base.cardsByColumn.open);
    expect(next.cardsByColumn.open).toEqual([base.cardById.get("3"), edited]);
    expect(next.cardsByColumn.nieuw).toBe(base.cardsByColumn.nieuw);
  });

  it("archives, restores, adds and removes cards", () => {
    const archived = applyCardChanges(base, [["2", { ...base.cardById.get("2")!, archived: true, updatedAt: 10 }]]);
    expect(archived.cardsByColumn.nieuw.map((c) => c.id)).toEqual(["1"]);
    expect(archived.archived.map((c) => c.id)).toEqual(["2", "6"]);
    const restored = applyCardChanges(archived, [["6", { ...base.cardById.get("6")!, archived: false, column: "klaar", order: "a9" }]]);
    expect(restored.archived.map((c) => c.id)).toEqual(["2"]);
    expect(restored.cardsByColumn.klaar.map((c) => c.id)).toEqual(["5", "6"]);
    const added = applyCardChanges(restored, [["7", card("7", { column: "open", order: "a0" })], ["5", null]]);
    expect(added.cardsByColumn.open.map((c) => c.id)).toEqual(["7", "3", "4"]);
    expect(added.cardsByColumn.klaar.map((c) => c.id)).toEqual(["6"]);
    expect(added.cardById.has("5")).toBe(false);
  });

  it("orders equal keys by id and shows a card of an unknown column in the first column, like a full rebuild", () => {
    const next = applyCardChanges(base, [
      ["9", card("9", { order: "a2" })],
      ["0", card("0", { order: "a2" })],
      ["x", card("x", { column: "weg", order: "a15" })],
    ]);
    expect(next.cardsByColumn.nieuw.map((c) => c.id)).toEqual(["1", "x", "0", "2", "9"]);
    expect(next.cardsByColumn.weg).toBeUndefined();
    expect(shape(next)).toEqual(shape(deriveView(null, columns, categories, next.cardById.values())));
  });

  it("agrees with a full rebuild over long random runs, in small and large batches", () => {
    const rnd = random(42);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
    const ids = Array.from({ length: 120 }, (_, i) => `c${i}`);
    const orders = ["a0", "a1", "a1", "a2", "a3", "a4", "a5"]; // repeats: ties happen
    let view = deriveView(null, columns, categories, []);
    for (let step = 0; step < 400; step++) {
      const batch: CardChange[] = [];
      const size = step % 50 === 49 ? 100 : 1 + Math.floor(rnd() * 4);
      for (let j = 0; j < size; j++) {
        const id = pick(ids);
        const before = view.cardById.get(id);
        const r = rnd();
        if (r < 0.1) batch.push([id, null]);
        else
          batch.push([
            id,
            card(id, {
              ...(before ?? {}),
              column: pick(["nieuw", "open", "klaar", "onbekend"]),
              order: pick(orders),
              archived: rnd() < 0.15,
              updatedAt: Math.floor(rnd() * 5),
              title: rnd() < 0.3 ? `t${step}` : (before?.title ?? id),
            }),
          ]);
      }
      const next = applyCardChanges(view, batch);
      const expected = deriveView(null, columns, categories, next.cardById.values());
      expect(shape(next)).toEqual(shape(expected));
      // Every column whose cards are the same objects in the same order kept its array.
      for (const col of Object.keys(next.cardsByColumn)) {
        const before = view.cardsByColumn[col];
        const after = next.cardsByColumn[col];
        if (before && before.length === after.length && before.every((c, i) => c === after[i])) expect(after).toBe(before);
      }
      view = next;
    }
    expect(view.cardById.size).toBeGreaterThan(50);
  });
});

describe("BoardStore on a live document", () => {
  function board(cards: number) {
    const doc = new Y.Doc();
    initBoard(doc);
    for (let i = 0; i < cards; i++) {
      addCard(doc, {
        id: `k${i}`,
        title: `Kaart ${i}`,
        category: "wonen",
        description: "",
        area: "",
        urgency: "normaal",
        createdAt: 1,
        createdByOrg: "org",
        column: ["nieuw", "open", "afgerond"][i % 3],
      });
    }
    return doc;
  }

  it("follows moves, edits and archiving from another peer, publishing once per transaction", () => {
    const doc = board(30);
    const store = new BoardStore(doc);
    let published = 0;
    store.subscribe(() => published++);
    const first = store.getView();

    // Another peer's move arrives as an update.
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    const sv = Y.encodeStateVector(doc);
    moveCard(other, "k0", "opgepakt", 0, 5);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, sv));

    const moved = store.getView();
    expect(published).toBe(1);
    expect(moved.cardsByColumn.opgepakt.map((c) => c.id)).toEqual(["k0"]);
    expect(moved.cardsByColumn.nieuw.map((c) => c.id)).not.toContain("k0");
    expect(moved.cardsByColumn.open).toBe(first.cardsByColumn.open);
    expect(moved.cardsByColumn.afgerond).toBe(first.cardsByColumn.afgerond);
    expect(moved.cardById.get("k1")).toBe(first.cardById.get("k1"));

    updateCard(doc, "k4", { title: "Andere titel" }, 6);
    setArchived(doc, "k2", true, 7);
    expect(published).toBe(3);
    const now = store.getView();
    expect(now.cardById.get("k4")!.title).toBe("Andere titel");
    expect(now.archived.map((c) => c.id)).toEqual(["k2"]);
    expect(now.cardsByColumn.opgepakt).toBe(moved.cardsByColumn.opgepakt);

    // Matches reading the whole document.
    const full = deriveView(null, readBoard(doc).columns, readBoard(doc).categories, readBoard(doc).cards);
    expect(shape(now)).toEqual(shape(full));

    // A transaction that changes no card publishes nothing.
    doc.transact(() => doc.getMap("meta").set("x", 1));
    updateCard(doc, "k4", { title: "Andere titel" }, 8);
    expect(published).toBe(3);
    store.destroy();
  });

  it("regroups when a column is added, keeping untouched columns", () => {
    const doc = board(9);
    const store = new BoardStore(doc);
    const before = store.getView();
    addColumn(doc, { id: "wacht", name: "Wacht" });
    const after = store.getView();
    expect(after.columns.map((c) => c.id)).toContain("wacht");
    expect(after.cardsByColumn.wacht).toEqual([]);
    expect(after.cardsByColumn.nieuw).toBe(before.cardsByColumn.nieuw);
    expect(after.cardById).toBe(before.cardById);
    store.destroy();
  });
});

describe("filtering a changing view", () => {
  it("filters again only the columns whose cards changed, keeping the others' filtered arrays", async () => {
    const { ColumnCache, narrowView } = await import("../../app/hooks/useBoardView");
    const cards = Array.from({ length: 30 }, (_, i) =>
      card(`f${String(i).padStart(2, "0")}`, { column: columns[i % 3].id, title: i % 2 ? "taal" : "wonen" }),
    );
    const view = deriveView(null, columns, categories, cards);
    const seen: string[] = [];
    const keep = (c: CardView) => {
      seen.push(c.id);
      return c.title === "taal";
    };
    const cache = new ColumnCache();
    const first = narrowView(view, keep, cache);
    cache.commit();
    expect(seen).toHaveLength(30);
    expect(first.cardsByColumn.open.every((c) => c.title === "taal")).toBe(true);

    // Someone moves a card from "nieuw" to "open": "klaar" is not filtered again.
    seen.length = 0;
    const movedCard = { ...view.cardById.get("f00")!, column: "open", title: "taal" };
    const next = applyCardChanges(view, [["f00", movedCard]]);
    const second = narrowView(next, keep, cache);
    cache.commit();
    expect(new Set(seen.map((id) => view.cardById.get(id)!.column))).toEqual(new Set(["nieuw", "open"]));
    expect(second.cardsByColumn.klaar).toBe(first.cardsByColumn.klaar);
    expect(second.cardsByColumn.open.map((c) => c.id)).toContain("f00");

    // A new filter filters everything again.
    seen.length = 0;
    narrowView(next, (c) => keep(c), cache);
    expect(seen).toHaveLength(30);
  });
});
