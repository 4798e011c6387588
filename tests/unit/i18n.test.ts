import { describe, expect, it } from "vitest";
import { CATALOGS, fieldError, formatAge, translator } from "../../app/i18n";

const { nl, en } = CATALOGS;

describe("i18n", () => {
  it("English has every Dutch key and no extra ones", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(nl).sort());
  });

  it("every placeholder in Dutch appears in English too", () => {
    for (const key of Object.keys(nl) as Array<keyof typeof nl>) {
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(ph(en[key]), key).toEqual(ph(nl[key]));
    }
  });

  it("fills placeholders and translates field error codes", () => {
    const t = translator("nl");
    expect(t("boards.title", { alliance: "AVE Emmen" })).toBe("Borden van AVE Emmen");
    expect(fieldError(t, "tooShort")).toBe("Dit is te kort.");
    expect(fieldError(translator("en"), "required")).toBe("This field is required.");
    expect(fieldError(t, undefined)).toBeUndefined();
  });

  it("formats ages relative to now", () => {
    const now = Date.UTC(2026, 10, 23);
    expect(formatAge(now - 3 * 86400_000, now, "nl")).toMatch(/3 d/);
    expect(formatAge(now - 2 * 3600_000, now, "en")).toMatch(/2 h/);
  });
});
