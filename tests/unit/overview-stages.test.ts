/**
 * The overview and the report count by column stage, never by position: a
 * coordinator adding a column at the start, in the middle or after
 * "Afgerond" changes no count; time to done and the weekly done line come
 * from the moves into a done column.
 */
import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { addCards, addColumn, initBoard, moveCard, readBoard } from "../../app/board/domain";
import { doneArrivals, holderRow, overview, report, type MoveEvent, type RequestFact } from "../../app/board/overview";
import { CARD_DEFAULTS, type Stage } from "../../app/board/types";

const DAY = 86400_000;
const NOW = Date.UTC(2026, 11, 2, 12);
const ORGS = [
  { id: "taalhuis", shortName: "Taalhuis" },
  { id: "coa", shortName: "COA" },
];

/** Seven requests over the default columns; holders as the rules want them (held columns held). */
function board() {
  const doc = new Y.Doc();
  initBoard(doc);
  const spec: Array<[string, string, string | null, number]> = [
    ["a", "nieuw", null, 30],
    ["b", "nieuw", null, 2],
    ["c", "open", null, 20],
    ["d", "opgepakt", "taalhuis", 40],
    ["e", "in-uitvoering", "coa", 25],
    ["f", "afgerond", "taalhuis", 50],
    ["g", "afgerond", null, 45],
  ];
  addCards(
    doc,
    spec.map(([id, column, , age]) => ({
      id,
      column,
      title: `Aanvraag ${id}`,
      category: "taal",
      description: "",
      area: "",
      urgency: "normaal" as const,
      createdAt: NOW - age * DAY,
      createdByOrg: "taalhuis",
    })),
  );
  const facts = new Map<string, RequestFact>(
    spec.map(([id, , holder, age]) => [
      id,
      { createdByOrgId: "taalhuis", ownerOrgId: holder, createdAt: NOW - age * DAY, firstClaimAt: holder ? NOW - (age - 3) * DAY : null, doneAt: null, mergedInto: null },
    ]),
  );
  return { doc, facts };
}

function figures(doc: Y.Doc, facts: Map<string, RequestFact>) {
  const s = readBoard(doc);
  const o = overview({ now: NOW, ...s, facts, organisations: ORGS, offers: [{ organisationId: "taalhuis", category: "taal", capacity: 4 }], staleDays: 14 });
  const rowTotals: Record<string, number> = {};
  for (const byOrg of Object.values(o.matrix.cells))
    for (const [org, byCol] of Object.entries(byOrg)) rowTotals[org] = (rowTotals[org] ?? 0) + Object.values(byCol).reduce((a, b) => a + b, 0);
  const taal = o.perCategory.find((c) => c.category === "taal")!;
  return {
    totals: o.totals,
    byStage: o.byStage,
    rowTotals,
    taal: { open: taal.open, unclaimed: taal.unclaimed, demand: taal.demand, longest: taal.longestUnclaimed.map((l) => l.id) },
    stale: o.stale.map((x) => `${x.id}:${x.unclaimed}`),
  };
}

describe("overview by stage", () => {
  it("counts open as every stage but done and 'not picked up' only in intake and open columns", () => {
    const { doc, facts } = board();
    const f = figures(doc, facts);
    expect(f.totals).toEqual({ all: 7, open: 5, unclaimed: 3, stale: 4 });
    expect(f.byStage).toEqual({ intake: 2, open: 1, held: 2, done: 2 });
    expect(f.rowTotals).toEqual({ none: 3, taalhuis: 2, coa: 1, unheld: 1 });
    expect(f.taal).toEqual({ open: 5, unclaimed: 3, demand: 3, longest: ["a", "c", "b"] });
    // Finished requests are never listed as waiting.
    expect(f.stale).toEqual(["d:false", "a:true", "e:false", "c:true"]);
  });

  it("a request in a held column without a holder is not 'not picked up'", () => {
    const { doc, facts } = board();
    facts.set("d", { ...facts.get("d")!, ownerOrgId: null });
    const f = figures(doc, facts);
    expect(f.totals.unclaimed).toBe(3);
    expect(f.rowTotals.unheld).toBe(2);
    expect(f.stale).toContain("d:false");
    expect(holderRow("held", null)).toBe("unheld");
    expect(holderRow("open", null)).toBe("none");
    expect(holderRow("intake", "coa")).toBe("coa");
  });

  const placements: Array<[string, { stage: Stage; index?: number }]> = [
    ["at the start", { stage: "intake", index: 0 }],
    ["in the middle (default place, before Afgerond)", { stage: "open" }],
    ["in the middle, held", { stage: "held", index: 3 }],
    ["after Afgerond (an open column last)", { stage: "open", index: 5 }],
    ["after Afgerond (a second done column)", { stage: "done", index: 5 }],
  ];
  for (const [where, col] of placements) {
    it(`adding an empty column ${where} changes no count`, () => {
      const { doc, facts } = board();
      const before = figures(doc, facts);
      const added = addColumn(doc, { id: "wacht-op-gemeente", name: "Wacht op gemeente", ...col });
      const columns = readBoard(doc).columns;
      if (col.index !== undefined) expect(columns[col.index].id).toBe(added.id);
      else expect(columns.findIndex((c) => c.id === added.id)).toBe(columns.findIndex((c) => c.stage === "done") - 1);
      expect(figures(doc, facts)).toEqual(before);
    });
  }

  it("a request moved into a column added after Afgerond counts by that column's stage", () => {
    const { doc, facts } = board();
    addColumn(doc, { id: "archief", name: "Archief", stage: "done", index: 5 });
    addColumn(doc, { id: "wacht", name: "Wacht op gemeente", stage: "open", index: 6 });
    moveCard(doc, "f", "archief", 0, NOW);
    moveCard(doc, "c", "wacht", 0, NOW);
    const f = figures(doc, facts);
    expect(f.totals).toEqual({ all: 7, open: 5, unclaimed: 3, stale: 4 });
    expect(f.byStage).toEqual({ intake: 2, open: 1, held: 2, done: 2 });
  });
});

describe("report from the moves into done", () => {
  const columns = () => {
    const doc = new Y.Doc();
    initBoard(doc);
    addColumn(doc, { id: "archief", name: "Archief", stage: "done", index: 5 });
    return readBoard(doc).columns;
  };

  it("takes the first arrival in any done column, not moves between done columns or into other columns", () => {
    const moves: MoveEvent[] = [
      { requestId: "a", at: 10, from: "in-uitvoering", to: "afgerond" },
      { requestId: "a", at: 20, from: "afgerond", to: "open" },
      { requestId: "a", at: 30, from: "open", to: "afgerond" },
      { requestId: "b", at: 15, from: "afgerond", to: "archief" },
      { requestId: "c", at: 12, from: "opgepakt", to: "archief" },
      { requestId: "d", at: 11, from: "nieuw", to: "open" },
      { requestId: "e", at: 9, from: "opgepakt", to: "verdwenen" },
      { requestId: null, at: 1, from: "nieuw", to: "afgerond" },
    ];
    expect([...doneArrivals(moves, columns())].sort()).toEqual([
      ["a", 10],
      ["c", 12],
    ]);
  });

  it("counts a move by the stages recorded with it, so a done column removed since still counts", () => {
    const moves: MoveEvent[] = [
      // Into a done column that was removed later: recorded as done, counts.
      { requestId: "f", at: 40, from: "opgepakt", to: "klaar-oud", fromStage: "held", toStage: "done" },
      // Recorded when "open" was a done column (its stage changed since): the record wins.
      { requestId: "g", at: 41, from: "opgepakt", to: "open", fromStage: "held", toStage: "done" },
      // Between two columns that were done at the time: not a new arrival.
      { requestId: "h", at: 42, from: "oud", to: "afgerond", fromStage: "done", toStage: "done" },
    ];
    expect([...doneArrivals(moves, columns())].sort()).toEqual([
      ["f", 40],
      ["g", 41],
    ]);
  });

  it("gives the median time to done and the weekly created and done lines", () => {
    const cols = columns();
    const monday = Date.UTC(2026, 9, 5); // a Monday
    const cards = [0, 1, 2, 3].map((i) => ({
      id: `r${i}`,
      title: "",
      category: "taal",
      column: i < 3 ? (i === 2 ? "archief" : "afgerond") : "open",
      order: "a",
      archived: false,
      description: "",
      area: "",
      urgency: "normaal" as const,
      createdAt: monday + i * DAY,
      createdByOrg: "taalhuis",
      updatedAt: 0,
      ...CARD_DEFAULTS,
    }));
    // Done after 4, 9 and 15 days: r0 in week 1, r1 in week 2, r2 in week 3; r3 is still open.
    const moves: MoveEvent[] = [
      { requestId: "r0", at: monday + 4 * DAY, from: "opgepakt", to: "afgerond" },
      { requestId: "r1", at: monday + 10 * DAY, from: "in-uitvoering", to: "afgerond" },
      { requestId: "r2", at: monday + 17 * DAY, from: "opgepakt", to: "archief" },
    ];
    const arrivals = doneArrivals(moves, cols);
    const facts = new Map<string, RequestFact>(
      cards.map((c) => [c.id, { createdByOrgId: "taalhuis", ownerOrgId: null, createdAt: c.createdAt, firstClaimAt: null, doneAt: arrivals.get(c.id) ?? null, mergedInto: null }]),
    );
    const r = report({
      now: monday + 28 * DAY,
      columns: cols,
      categories: readBoard((() => { const d = new Y.Doc(); initBoard(d); return d; })()).categories,
      cards,
      facts,
      organisations: ORGS,
      from: monday,
      to: monday + 28 * DAY,
    });
    expect(r.timeToDone).toEqual({ medianDays: 9, count: 3 });
    expect(r.trend).toEqual([
      { week: "2026-10-05", created: 4, done: 1 },
      { week: "2026-10-12", created: 0, done: 1 },
      { week: "2026-10-19", created: 0, done: 1 },
      { week: "2026-10-26", created: 0, done: 0 },
    ]);
  });
});

describe("the 'Nog niet opgepakt' filter by stage", () => {
  it("keeps only requests nobody holds in intake and open columns, wherever those columns stand", async () => {
    const { cardMatcher, parseFilters, stageLookupFor } = await import("../../app/hooks/useBoardView");
    const { doc, facts } = board();
    addColumn(doc, { id: "nazorg", name: "Nazorg", stage: "open", index: 5 });
    moveCard(doc, "b", "nazorg", 0, NOW);
    const s = readBoard(doc);
    const keep = cardMatcher(parseFilters(new URLSearchParams("open=1")), {
      myOrgId: null,
      now: NOW,
      ownerOf: (id) => facts.get(id)?.ownerOrgId ?? null,
      stageOf: stageLookupFor(s.columns),
    })!;
    // g is finished without a holder: not "not picked up"; b waits in an open column after Afgerond.
    expect(s.cards.filter(keep).map((c) => c.id).sort()).toEqual(["a", "b", "c"]);
  });
});
