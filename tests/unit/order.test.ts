import { describe, expect, it } from "vitest";
import {
  compareOrdered,
  compareStrings,
  keyBetween,
  keysBetween,
  placeAt,
  sortOrdered,
  type Ordered,
} from "~/board/order";

/** Apply a placeAt result: the full list, sorted, with the new item "NEW" in it. */
function applyPlacement(siblings: Ordered[], index: number): { list: string[]; rekeyed: boolean } {
  const placed = placeAt(siblings, index);
  const items: Ordered[] = siblings.map((s) => ({ id: s.id, order: placed.rekey?.get(s.id) ?? s.order }));
  items.push({ id: "NEW", order: placed.key });
  return { list: sortOrdered(items).map((i) => i.id), rekeyed: placed.rekey !== undefined };
}

function expectedList(siblings: Ordered[], index: number): string[] {
  const ids = siblings.map((s) => s.id);
  const i = Math.max(0, Math.min(index, ids.length));
  ids.splice(i, 0, "NEW");
  return ids;
}

describe("compareStrings / compareOrdered", () => {
  it("compares byte-wise, not by locale", () => {
    // In byte order upper case sorts before lower case, and "Z" before "a".
    expect(compareStrings("Z", "a")).toBe(-1);
    expect(compareStrings("a", "Z")).toBe(1);
    expect(compareStrings("a0", "a0")).toBe(0);
    expect(["b", "a", "B", "A"].sort(compareStrings)).toEqual(["A", "B", "a", "b"]);
  });

  it("orders by order key, then by id", () => {
    const items: Ordered[] = [
      { id: "y", order: "a1" },
      { id: "x", order: "a1" },
      { id: "z", order: "a0" },
    ];
    expect(sortOrdered(items).map((i) => i.id)).toEqual(["z", "x", "y"]);
    expect(compareOrdered({ id: "x", order: "a1" }, { id: "y", order: "a1" })).toBe(-1);
    expect(compareOrdered({ id: "x", order: "a2" }, { id: "y", order: "a1" })).toBe(1);
  });

  it("sortOrdered does not mutate its input", () => {
    const items: Ordered[] = [
      { id: "b", order: "a1" },
      { id: "a", order: "a0" },
    ];
    const copy = structuredClone(items);
    sortOrdered(items);
    expect(items).toEqual(copy);
  });
});

describe("keyBetween / keysBetween", () => {
  it("returns a key strictly between its neighbours", () => {
    const pairs: Array<[string | null, string | null]> = [
      [null, null],
      ["a0", null],
      [null, "a0"],
      ["a0", "a1"],
      ["a0", "a0V"],
      ["Zz", "a0"],
      ["a1", "a2"],
    ];
    for (const [a, b] of pairs) {
      const k = keyBetween(a, b);
      if (a !== null) expect(compareStrings(a, k)).toBe(-1);
      if (b !== null) expect(compareStrings(k, b)).toBe(-1);
    }
  });

  it("keeps producing keys strictly between when bisecting repeatedly", () => {
    let lo = "a0";
    const hi = "a1";
    for (let i = 0; i < 50; i++) {
      const k = keyBetween(lo, hi);
      expect(compareStrings(lo, k)).toBe(-1);
      expect(compareStrings(k, hi)).toBe(-1);
      lo = k;
    }
    let top = "a1";
    for (let i = 0; i < 50; i++) {
      const k = keyBetween("a0", top);
      expect(compareStrings("a0", k)).toBe(-1);
      expect(compareStrings(k, top)).toBe(-1);
      top = k;
    }
  });

  it("refuses equal or inverted neighbours", () => {
    expect(() => keyBetween("a0", "a0")).toThrow();
    expect(() => keyBetween("a1", "a0")).toThrow();
  });

  it("keysBetween returns n strictly increasing keys inside the bounds", () => {
    const keys = keysBetween("a0", "a1", 10);
    expect(keys).toHaveLength(10);
    const all = ["a0", ...keys, "a1"];
    for (let i = 1; i < all.length; i++) expect(compareStrings(all[i - 1], all[i])).toBe(-1);
    expect(keysBetween(null, null, 0)).toEqual([]);
  });
});

describe("placeAt", () => {
  const siblings: Ordered[] = [
    { id: "a", order: "a0" },
    { id: "b", order: "a1" },
    { id: "c", order: "a2" },
  ];

  it("places into an empty list", () => {
    const placed = placeAt([], 0);
    expect(placed.rekey).toBeUndefined();
    expect(typeof placed.key).toBe("string");
    expect(placed.key.length).toBeGreaterThan(0);
  });

  it("lands at every requested index without a rekey when keys are distinct", () => {
    for (let i = 0; i <= siblings.length; i++) {
      const placed = placeAt(siblings, i);
      expect(placed.rekey).toBeUndefined();
      if (i > 0) expect(compareStrings(siblings[i - 1].order, placed.key)).toBe(-1);
      if (i < siblings.length) expect(compareStrings(placed.key, siblings[i].order)).toBe(-1);
      expect(applyPlacement(siblings, i).list).toEqual(expectedList(siblings, i));
    }
  });

  it("places at the front and at the end", () => {
    const front = placeAt(siblings, 0);
    expect(compareStrings(front.key, "a0")).toBe(-1);
    const end = placeAt(siblings, siblings.length);
    expect(compareStrings("a2", end.key)).toBe(-1);
  });

  it("clamps out-of-range indexes to the ends", () => {
    expect(applyPlacement(siblings, -5).list).toEqual(["NEW", "a", "b", "c"]);
    expect(applyPlacement(siblings, 99).list).toEqual(["a", "b", "c", "NEW"]);
  });

  it("rekeys when the two neighbours share a key, and the item lands at the requested index", () => {
    // Two peers concurrently inserted "b" and "c" at the same spot: same key.
    const tied: Ordered[] = [
      { id: "a", order: "a0" },
      { id: "b", order: "a1" },
      { id: "c", order: "a1" },
      { id: "d", order: "a2" },
    ];
    const placed = placeAt(tied, 2);
    expect(placed.rekey).toBeInstanceOf(Map);
    expect(placed.rekey!.size).toBe(tied.length);
    // After the rekey all keys (siblings + the new one) are distinct.
    const keys = [...placed.rekey!.values(), placed.key];
    expect(new Set(keys).size).toBe(keys.length);
    expect(applyPlacement(tied, 2).list).toEqual(["a", "b", "NEW", "c", "d"]);
    // The siblings keep their relative order.
    const rekeyed = sortOrdered(tied.map((s) => ({ id: s.id, order: placed.rekey!.get(s.id)! })));
    expect(rekeyed.map((s) => s.id)).toEqual(["a", "b", "c", "d"]);
  });

  it("yields the requested position for every index in a list full of ties", () => {
    const tied: Ordered[] = ["p", "q", "r", "s"].map((id) => ({ id, order: "a0" }));
    for (let i = 0; i <= tied.length; i++) {
      expect(applyPlacement(tied, i).list).toEqual(expectedList(tied, i));
    }
    // Between two tied keys a rekey is unavoidable; at the very ends it is not.
    expect(placeAt(tied, 1).rekey).toBeDefined();
    expect(placeAt(tied, 0).rekey).toBeUndefined();
    expect(placeAt(tied, tied.length).rekey).toBeUndefined();
  });

  it("does not rekey when the tie is not next to the insertion point", () => {
    const tied: Ordered[] = [
      { id: "a", order: "a0" },
      { id: "b", order: "a0" },
      { id: "c", order: "a1" },
    ];
    const placed = placeAt(tied, 2);
    expect(placed.rekey).toBeUndefined();
    expect(applyPlacement(tied, 2).list).toEqual(["a", "b", "NEW", "c"]);
  });

  it("recovers from malformed keys with a rekey", () => {
    const bad: Ordered[] = [
      { id: "a", order: "zzz" },
      { id: "b", order: "zzzz" },
    ];
    const placed = placeAt(bad, 1);
    expect(placed.rekey).toBeDefined();
    expect(applyPlacement(bad, 1).list).toEqual(["a", "NEW", "b"]);
  });

  it("sustains many insertions at the same spot", () => {
    let list: Ordered[] = [
      { id: "first", order: keyBetween(null, null) },
      { id: "last", order: keyBetween(keyBetween(null, null), null) },
    ];
    for (let n = 0; n < 200; n++) {
      const placed = placeAt(list, 1);
      list = list.map((s) => ({ id: s.id, order: placed.rekey?.get(s.id) ?? s.order }));
      list.push({ id: `n${n}`, order: placed.key });
      list = sortOrdered(list);
      expect(list[1].id).toBe(`n${n}`);
      expect(list[0].id).toBe("first");
      expect(list[list.length - 1].id).toBe("last");
    }
  });
});
