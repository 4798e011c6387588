import { describe, expect, it } from "vitest";
import {
  BOARD_NAME_MAX,
  checkBoardName,
  checkOrganisation,
  cleanText,
  isIcon,
  isUrgency,
  LIMITS,
  slugify,
  validateCardFields,
  validateCategory,
  validateColumnName,
  validateReference,
} from "~/board/validate";

const CATEGORIES = ["wonen", "taal", "werk", "maatje"];

function errorsOf(r: { ok: boolean; errors?: unknown }): Record<string, string> {
  if (r.ok) throw new Error("expected a validation failure");
  return r.errors as Record<string, string>;
}

describe("cleanText", () => {
  it("returns an empty string for non-strings", () => {
    expect(cleanText(undefined)).toBe("");
    expect(cleanText(null)).toBe("");
    expect(cleanText(42)).toBe("");
    expect(cleanText({ toString: () => "x" })).toBe("");
  });

  it("trims and folds whitespace runs on one line", () => {
    expect(cleanText("   Huis   zoeken \t in\nEmmen  ")).toBe("Huis zoeken in Emmen");
  });

  it("drops control characters", () => {
    expect(cleanText("a\u0000b\u0007c\u001Fd\u007Fe")).toBe("abcde");
    expect(cleanText("\u0008\u000B\u000Cx")).toBe("x");
  });

  it("keeps newlines in multiline mode but normalises CRLF and folds spaces", () => {
    expect(cleanText("  regel 1\r\nregel   2\rregel\t\t3  ", true)).toBe("regel 1\nregel 2\nregel 3");
    expect(cleanText("a\u0000\nb", true)).toBe("a\nb");
  });

  it("normalises to NFC", () => {
    const decomposed = "Cafe\u0301";
    expect(cleanText(decomposed)).toBe("Caf\u00e9");
    expect(cleanText(decomposed).length).toBe(4);
  });
});

describe("validateCardFields", () => {
  const valid = {
    title: "Kamer gezocht",
    category: "wonen",
    description: "Gezin van vier",
    area: "Emmen-Oost",
    urgency: "hoog",
  };

  it("accepts valid fields and returns cleaned values", () => {
    const r = validateCardFields({ ...valid, title: "  Kamer   gezocht  ", description: " a\r\nb " }, CATEGORIES);
    expect(r).toEqual({
      ok: true,
      value: { title: "Kamer gezocht", category: "wonen", description: "a\nb", area: "Emmen-Oost", urgency: "hoog" },
    });
  });

  it("requires a title and enforces its length", () => {
    expect(errorsOf(validateCardFields({ ...valid, title: "" }, CATEGORIES))).toEqual({ title: "required" });
    expect(errorsOf(validateCardFields({ ...valid, title: "    " }, CATEGORIES))).toEqual({ title: "required" });
    expect(errorsOf(validateCardFields({ ...valid, title: undefined }, CATEGORIES))).toEqual({ title: "required" });
    expect(errorsOf(validateCardFields({ ...valid, title: "ab" }, CATEGORIES))).toEqual({ title: "tooShort" });
    // Control characters do not count towards the minimum length.
    expect(errorsOf(validateCardFields({ ...valid, title: "a\u0000\u0001b" }, CATEGORIES))).toEqual({
      title: "tooShort",
    });
    expect(validateCardFields({ ...valid, title: "abc" }, CATEGORIES).ok).toBe(true);
    expect(validateCardFields({ ...valid, title: "x".repeat(LIMITS.titleMax) }, CATEGORIES).ok).toBe(true);
    expect(errorsOf(validateCardFields({ ...valid, title: "x".repeat(LIMITS.titleMax + 1) }, CATEGORIES))).toEqual({
      title: "tooLong",
    });
    // Length is measured after trimming.
    expect(validateCardFields({ ...valid, title: `  ${"x".repeat(LIMITS.titleMax)}  ` }, CATEGORIES).ok).toBe(true);
  });

  it("requires a known category", () => {
    expect(errorsOf(validateCardFields({ ...valid, category: "" }, CATEGORIES))).toEqual({ category: "required" });
    expect(errorsOf(validateCardFields({ ...valid, category: "gezondheid" }, CATEGORIES))).toEqual({
      category: "unknown",
    });
    expect(errorsOf(validateCardFields({ ...valid, category: "wonen" }, []))).toEqual({ category: "unknown" });
    expect(validateCardFields({ ...valid, category: " taal " }, CATEGORIES)).toMatchObject({
      ok: true,
      value: { category: "taal" },
    });
  });

  it("limits description and area", () => {
    expect(
      validateCardFields({ ...valid, description: "x".repeat(LIMITS.descriptionMax) }, CATEGORIES).ok,
    ).toBe(true);
    expect(
      errorsOf(validateCardFields({ ...valid, description: "x".repeat(LIMITS.descriptionMax + 1) }, CATEGORIES)),
    ).toEqual({ description: "tooLong" });
    expect(errorsOf(validateCardFields({ ...valid, area: "x".repeat(LIMITS.areaMax + 1) }, CATEGORIES))).toEqual({
      area: "tooLong",
    });
  });

  it("defaults urgency to normaal and rejects unknown urgencies", () => {
    const { urgency: _omit, ...noUrgency } = valid;
    expect(validateCardFields(noUrgency, CATEGORIES)).toMatchObject({ ok: true, value: { urgency: "normaal" } });
    expect(validateCardFields({ ...valid, urgency: "" }, CATEGORIES)).toMatchObject({
      ok: true,
      value: { urgency: "normaal" },
    });
    expect(validateCardFields({ ...valid, urgency: "  spoed " }, CATEGORIES)).toMatchObject({
      ok: true,
      value: { urgency: "spoed" },
    });
    expect(errorsOf(validateCardFields({ ...valid, urgency: "urgent" }, CATEGORIES))).toEqual({ urgency: "unknown" });
    expect(errorsOf(validateCardFields({ ...valid, urgency: "HOOG" }, CATEGORIES))).toEqual({ urgency: "unknown" });
  });

  it("optional fields default to empty strings", () => {
    expect(validateCardFields({ title: "Taalmaatje", category: "taal" }, CATEGORIES)).toEqual({
      ok: true,
      value: { title: "Taalmaatje", category: "taal", description: "", area: "", urgency: "normaal" },
    });
  });

  it("reports every failing field at once", () => {
    const r = validateCardFields(
      { title: "a", category: "nope", description: "x".repeat(LIMITS.descriptionMax + 1), area: "y".repeat(61), urgency: "?" },
      CATEGORIES,
    );
    expect(errorsOf(r)).toEqual({
      title: "tooShort",
      category: "unknown",
      description: "tooLong",
      area: "tooLong",
      urgency: "unknown",
    });
  });
});

describe("validateReference", () => {
  it("allows an empty reference", () => {
    expect(validateReference("")).toEqual({ ok: true, value: "" });
    expect(validateReference("   ")).toEqual({ ok: true, value: "" });
    expect(validateReference(undefined)).toEqual({ ok: true, value: "" });
  });

  it("accepts pseudonymous codes and upper-cases them", () => {
    expect(validateReference("AB-1987-EMMEN-OOST")).toEqual({ ok: true, value: "AB-1987-EMMEN-OOST" });
    expect(validateReference(" ab-1987-emmen-oost ")).toEqual({ ok: true, value: "AB-1987-EMMEN-OOST" });
    expect(validateReference("VWN 2024/117")).toEqual({ ok: true, value: "VWN 2024/117" });
    expect(validateReference("dossier#12_a.b")).toEqual({ ok: true, value: "DOSSIER#12_A.B" });
  });

  it("rejects markup and other characters outside the allowed alphabet", () => {
    for (const bad of ["<script>", "<script>alert(1)</script>", "AB<1", "a&b", 'x"y', "naam@mail.nl", "-AB", "Émile"]) {
      expect(validateReference(bad), bad).toEqual({ ok: false, errors: { reference: "pattern" } });
    }
  });

  it("enforces the length limits", () => {
    expect(validateReference("A")).toEqual({ ok: false, errors: { reference: "tooShort" } });
    expect(validateReference("AB")).toEqual({ ok: true, value: "AB" });
    expect(validateReference("A".repeat(LIMITS.referenceMax))).toEqual({
      ok: true,
      value: "A".repeat(LIMITS.referenceMax),
    });
    expect(validateReference("A".repeat(LIMITS.referenceMax + 1))).toEqual({
      ok: false,
      errors: { reference: "tooLong" },
    });
  });

  it("drops control characters before checking", () => {
    expect(validateReference("AB\u0000-12")).toEqual({ ok: true, value: "AB-12" });
  });
});

describe("validateColumnName", () => {
  it("requires a name, trims it and limits its length", () => {
    expect(validateColumnName("  Wacht  op   gemeente ")).toEqual({ ok: true, value: "Wacht op gemeente" });
    expect(validateColumnName("")).toEqual({ ok: false, errors: { name: "required" } });
    expect(validateColumnName(" \u0000 ")).toEqual({ ok: false, errors: { name: "required" } });
    expect(validateColumnName(7)).toEqual({ ok: false, errors: { name: "required" } });
    expect(validateColumnName("x".repeat(LIMITS.columnNameMax)).ok).toBe(true);
    expect(validateColumnName("x".repeat(LIMITS.columnNameMax + 1))).toEqual({
      ok: false,
      errors: { name: "tooLong" },
    });
  });
});

describe("validateCategory", () => {
  it("accepts a valid category and lower-cases the colour", () => {
    expect(validateCategory({ label: " Gezondheid ", color: "#AABBCC", icon: "health" })).toEqual({
      ok: true,
      value: { label: "Gezondheid", color: "#aabbcc", icon: "health" },
    });
  });

  it("reports an error code per field", () => {
    expect(errorsOf(validateCategory({ label: "", color: "red", icon: "rocket" }))).toEqual({
      label: "required",
      color: "pattern",
      icon: "unknown",
    });
    expect(errorsOf(validateCategory({ label: "x".repeat(LIMITS.categoryLabelMax + 1), color: "#abc", icon: "home" }))).toEqual({
      label: "tooLong",
      color: "pattern",
    });
    expect(errorsOf(validateCategory({ label: "Ok", color: "#12345g", icon: "home" }))).toEqual({ color: "pattern" });
    expect(errorsOf(validateCategory({ label: "Ok", color: "#123456", icon: undefined }))).toEqual({ icon: "unknown" });
  });
});

describe("isUrgency / isIcon", () => {
  it("accept only the listed values", () => {
    expect(isUrgency("laag")).toBe(true);
    expect(isUrgency("spoed")).toBe(true);
    expect(isUrgency("Spoed")).toBe(false);
    expect(isUrgency(1)).toBe(false);
    expect(isIcon("home")).toBe(true);
    expect(isIcon("rocket")).toBe(false);
    expect(isIcon(null)).toBe(false);
  });
});

describe("slugify", () => {
  it("derives a URL-safe id from a label", () => {
    expect(slugify("Gezondheid & zorg")).toBe("gezondheid-zorg");
    expect(slugify("Maatje & ontmoeting")).toBe("maatje-ontmoeting");
    expect(slugify("  Éducation / École ")).toBe("education-ecole");
    expect(slugify("Werk!!!")).toBe("werk");
  });

  it("falls back when nothing usable remains", () => {
    expect(slugify("")).toBe("categorie");
    expect(slugify("!!!")).toBe("categorie");
    expect(slugify("日本語")).toBe("categorie");
  });

  it("limits the length to 32 characters", () => {
    const slug = slugify("a".repeat(50));
    expect(slug).toBe("a".repeat(32));
    expect(slugify("Een hele lange categorienaam die niet ophoudt").length).toBeLessThanOrEqual(32);
  });
});

describe("board and organisation names: one rule for forms, API, command line and seed", () => {
  it("checks a board's name", () => {
    expect(checkBoardName("  Hulpvragen  ")).toEqual({ name: "Hulpvragen" });
    expect(checkBoardName("")).toMatchObject({ error: "required" });
    expect(checkBoardName("H")).toMatchObject({ error: "tooShort" });
    expect(checkBoardName("x".repeat(BOARD_NAME_MAX + 1))).toMatchObject({ error: "tooLong" });
    expect(checkBoardName(42)).toMatchObject({ error: "type" });
  });

  it("checks an organisation, cutting a long name to a short one for cards", () => {
    const long = "Vluchtelingenwerkgroep Laarne-Kalken vzw";
    expect(checkOrganisation({ name: long })).toEqual({ value: { name: long, shortName: long.slice(0, 24).trim(), color: "#4a5568" }, errors: {} });
    expect(checkOrganisation({ name: "OCMW", color: "#ABCDEF" }).value.color).toBe("#abcdef");
    expect(checkOrganisation({ name: "O", shortName: "x".repeat(25), color: "red" }).errors).toEqual({ name: "tooShort", shortName: "tooLong", color: "pattern" });
  });

  it("the product's creation refuses what the forms refuse", async () => {
    const { createOrganisation, SetupError } = await import("../../app/services/setup.server");
    await expect(createOrganisation(null as never, { allianceId: "a", name: "O" })).rejects.toThrow(SetupError);
    await expect(createOrganisation(null as never, { allianceId: "a", name: "OCMW", color: "red" })).rejects.toThrow(SetupError);
  });
});
