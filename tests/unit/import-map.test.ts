/** The import's pure mapping and row checks (app/board/import-map.ts). */
import { describe, expect, it } from "vitest";
import {
  csvCell,
  duplicatesWithinFile,
  guessMapping,
  mappingFromNames,
  mapRows,
  resolveCategory,
  resolveColumn,
  resolveUrgency,
  unneutralise,
} from "../../app/board/import-map";
import type { ColumnView } from "../../app/board/types";

const COLUMNS: ColumnView[] = [
  { id: "nieuw", name: "Nieuw", order: "a0", stage: "intake" },
  { id: "open", name: "Open", order: "a1", stage: "open" },
  { id: "opgepakt", name: "Opgepakt", order: "a2", stage: "held" },
  { id: "afgerond", name: "Afgerond", order: "a3", stage: "done" },
];
const CATEGORIES = [
  { id: "wonen", label: "Wonen" },
  { id: "maatje", label: "Maatje & ontmoeting" },
];

describe("import mapping", () => {
  it("guesses fields from Dutch and English headers, exact names before partial ones, each column once", () => {
    expect(guessMapping(["Nr", "Hulpvraag", "Soort", "Toelichting", "Wijk", "Prioriteit", "Cliënt-nummer", "Status"])).toEqual({
      title: 1,
      category: 2,
      description: 3,
      area: 4,
      urgency: 5,
      reference: 6,
      column: 7,
    });
    expect(guessMapping(["Title", "Category", "Description", "Area", "Urgency", "Reference"])).toEqual({
      title: 0,
      category: 1,
      description: 2,
      area: 3,
      urgency: 4,
      reference: 5,
    });
    // "Titel hulpvraag" contains a name; the exact "Omschrijving" wins the description.
    expect(guessMapping(["Titel hulpvraag", "Omschrijving", "Omschrijving kort"])).toEqual({ title: 0, description: 1 });
  });

  it("takes given header names (without case or accents) or #n, and says which are unknown", () => {
    const { mapping, unknown } = mappingFromNames(["Vraag", "Type", "Wijk"], { title: "vraag", category: "#2", area: "", reference: "Kenmerk" }, { area: 2 });
    expect(mapping).toEqual({ title: 0, category: 1 });
    expect(unknown).toEqual(["reference"]);
  });

  it("resolves values as people write them", () => {
    expect(["", "Hoog", "HIGH", "zeer hoog", "Urgent", "medium"].map(resolveUrgency)).toEqual(["normaal", "hoog", "hoog", "spoed", "spoed", "normaal"]);
    expect(resolveUrgency("morgen")).toBe("morgen");
    expect(resolveCategory("maatje & ontmoeting", CATEGORIES)).toBe("maatje");
    expect(resolveCategory("WONEN", CATEGORIES)).toBe("wonen");
    expect(resolveCategory("Huisvesting", CATEGORIES)).toBeNull();
    expect(resolveCategory("Huisvesting", CATEGORIES, { huisvesting: "wonen" })).toBe("wonen");
    expect(resolveCategory("Huisvesting", CATEGORIES, { huisvesting: "bestaat-niet" })).toBeNull();
    expect(resolveColumn("", COLUMNS, "nieuw")).toEqual({ id: "nieuw" });
    expect(resolveColumn("afgerond", COLUMNS, "nieuw")).toEqual({ id: "afgerond" });
    expect(resolveColumn("Opgepakt", COLUMNS, "nieuw")).toEqual({ error: "held" });
    expect(resolveColumn("Later", COLUMNS, "nieuw")).toEqual({ error: "unknown" });
  });

  it("checks every row with the card form's rules and keeps the file's row numbers", () => {
    const rows = mapRows(
      [
        ["Een goede titel", "Wonen", "x".repeat(2001), "Centrum", "", "ab"],
        ["", "", "", "", "", ""],
        ["Ok", "Fietsen", "", "", "later", "NAAM MET É"],
      ],
      { title: 0, category: 1, description: 2, area: 3, urgency: 4, reference: 5 },
      { categories: CATEGORIES, columns: COLUMNS },
    );
    expect(rows.map((r) => r.row)).toEqual([2, 4]);
    expect(rows[0].problems).toEqual([{ field: "description", code: "tooLong" }]);
    expect(rows[1].problems).toEqual([
      { field: "title", code: "tooShort" },
      { field: "category", code: "unknown", value: "Fietsen" },
      { field: "urgency", code: "unknown" },
      { field: "reference", code: "pattern" },
    ]);
    const good = mapRows([["Een goede titel", "wonen", "", "", "spoed", "ab-12"]], { title: 0, category: 1, urgency: 4, reference: 5 }, { categories: CATEGORIES, columns: COLUMNS });
    expect(good[0].card).toEqual({ title: "Een goede titel", category: "wonen", description: "", area: "", urgency: "spoed", column: "nieuw", reference: "AB-12" });
  });

  it("finds rows that repeat an earlier row's reference and category", () => {
    const dup = duplicatesWithinFile(["k1", "k2", "k1", "k1", null, "k2"], ["wonen", "taal", "wonen", "taal", "wonen", "taal"]);
    expect([...dup]).toEqual([
      [2, 0],
      [5, 1],
    ]);
  });

  it("writes CSV cells that a spreadsheet shows as text, and reads them back", () => {
    expect(csvCell("=SUM(A1)")).toBe("'=SUM(A1)");
    expect(csvCell("+31 6")).toBe("'+31 6");
    expect(csvCell("-5 graden")).toBe("'-5 graden");
    expect(csvCell("@home")).toBe("'@home");
    expect(csvCell("a;b")).toBe('"a;b"');
    expect(csvCell('zei "ja"')).toBe('"zei ""ja"""');
    expect(csvCell("=1;2")).toBe(`"'=1;2"`);
    expect(csvCell("gewoon")).toBe("gewoon");
    for (const v of ["=SUM(A1)", "+31 6", "-5", "@x", "gewoon", "'quote"]) {
      const cell = csvCell(v, ",");
      expect(unneutralise(cell.startsWith('"') ? cell.slice(1, -1) : cell)).toBe(v);
    }
  });
});
