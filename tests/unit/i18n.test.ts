import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CATALOGS, fieldError, formatAge, translator } from "../../app/i18n";
import { catalogFormatter, LOCALE_TAGS, messageArguments, pluralCategories } from "../../app/i18n/format";
import { PUBLIC_CATALOGS, PUBLIC_LOCALES, pickPublicLocale, publicTranslator, textDirection } from "../../app/i18n/public-pages";

type Catalog = Record<string, string>;
type Lang = keyof typeof LOCALE_TAGS;
const { nl, en } = CATALOGS as unknown as Record<"nl" | "en", Catalog>;
/** What each message rendered before the move to ICU: key -> hash of its moved text, or [hash, old rendering]. */
const before = JSON.parse(readFileSync(new URL("./fixtures/i18n-before-icu.json", import.meta.url), "utf8")) as Record<
  "nl" | "en",
  Record<string, string | [string, string]>
>;

/** Everything wrong with a set of catalogs: missing or extra keys, bad ICU, arguments that differ from Dutch. */
function catalogProblems(cats: Partial<Record<Lang, Catalog>>): string[] {
  const problems: string[] = [];
  const base = cats.nl!;
  for (const [lang, cat] of Object.entries(cats) as Array<[Lang, Catalog]>) {
    const expected = lang === "nl" || lang === "en" ? Object.keys(base) : Object.keys(base).filter((k) => k.startsWith("public."));
    for (const k of expected) if (!(k in cat)) problems.push(`${lang}: missing ${k}`);
    for (const k of Object.keys(cat)) if (!expected.includes(k)) problems.push(`${lang}: extra ${k}`);
    for (const [k, msg] of Object.entries(cat)) {
      let args: Map<string, string>;
      try {
        args = messageArguments(msg, LOCALE_TAGS[lang]);
      } catch (e) {
        problems.push(`${lang}: ${k} is not ICU: ${(e as Error).message}`);
        continue;
      }
      if (lang === "nl" || !(k in base)) continue;
      const want = [...messageArguments(base[k])].map(([n, kind]) => `${n}:${kind}`).sort();
      const got = [...args].map(([n, kind]) => `${n}:${kind}`).sort();
      if (want.join() !== got.join()) problems.push(`${lang}: ${k} has arguments ${got.join(" ")}, Dutch has ${want.join(" ")}`);
    }
  }
  return problems;
}

/** Plural messages that lack a form the language needs for one of these counts. */
function pluralProblems(lang: Lang, cat: Catalog, counts = [0, 1, 2, 5, 11]): string[] {
  const rules = new Intl.PluralRules(LOCALE_TAGS[lang]);
  const problems: string[] = [];
  for (const [k, msg] of Object.entries(cat)) {
    for (const [arg, forms] of pluralCategories(msg, LOCALE_TAGS[lang])) {
      for (const n of counts) {
        const form = rules.select(n);
        if (!forms.includes(`=${n}`) && !forms.includes(form)) problems.push(`${lang}: ${k} {${arg}} has no "${form}" form (for ${n})`);
      }
    }
  }
  return problems;
}

describe("i18n catalogs", () => {
  it("nl and en have the same keys, every message is ICU and has Dutch's arguments", () => {
    expect(catalogProblems({ nl, en })).toEqual([]);
  });

  it("the checks fail when a key or an argument is missing or a message is broken", () => {
    const [k1, k2] = Object.keys(nl);
    const withArg = Object.keys(nl).find((k) => messageArguments(nl[k]).size > 0)!;
    const enMissing = { ...en };
    delete enMissing[k1];
    expect(catalogProblems({ nl, en: enMissing })).toEqual([`en: missing ${k1}`]);
    expect(catalogProblems({ nl, en: { ...en, "x.extra": "x" } })).toEqual(["en: extra x.extra"]);
    expect(catalogProblems({ nl, en: { ...en, [k2]: "{broken" } })[0]).toMatch(`en: ${k2} is not ICU`);
    expect(catalogProblems({ nl, en: { ...en, [withArg]: "no arguments" } })[0]).toMatch(`en: ${withArg} has arguments`);
    // A public catalog must have exactly the public keys (those nl has, here copied from nl).
    const publicNl = Object.fromEntries(Object.entries(nl).filter(([k]) => k.startsWith("public.")));
    expect(catalogProblems({ nl, en, ar: { ...publicNl, "public.x": "x" } })).toEqual(["ar: extra public.x"]);
    expect(pluralProblems("ar", { k: "{n, plural, one {# a} other {# b}}" })).toEqual([
      'ar: k {n} has no "zero" form (for 0)',
      'ar: k {n} has no "two" form (for 2)',
      'ar: k {n} has no "few" form (for 5)',
      'ar: k {n} has no "many" form (for 11)',
    ]);
  });

  it("ar, ti and uk have exactly Dutch's public.* keys, as valid ICU with Dutch's arguments", () => {
    const { ar, ti, uk } = PUBLIC_CATALOGS;
    expect(catalogProblems({ nl, ar, ti, uk })).toEqual([]);
    const firstPublic = Object.keys(nl).find((k) => k.startsWith("public."));
    if (firstPublic) {
      const arMissing = { ...ar };
      delete arMissing[firstPublic];
      expect(catalogProblems({ nl, ar: arMissing })).toEqual([`ar: missing ${firstPublic}`]);
    }
  });

  it("plural messages have every form each language needs for 0, 1, 2, 5 and 11", () => {
    const problems = (["nl", "en", "ar", "ti", "uk"] as const).flatMap((l) =>
      pluralProblems(l, l === "nl" ? nl : l === "en" ? en : PUBLIC_CATALOGS[l]),
    );
    expect(problems).toEqual([]);
  });

  it("Arabic and Ukrainian plurals pick their own forms", () => {
    const ar = catalogFormatter(LOCALE_TAGS.ar, {
      k: "{n, plural, zero {لا طلبات} one {طلب واحد} two {طلبان} few {# طلبات} many {# طلبًا} other {# طلب}}",
    });
    expect([0, 1, 2, 5, 11, 100].map((n) => ar("k", { n }))).toEqual(["لا طلبات", "طلب واحد", "طلبان", "5 طلبات", "11 طلبًا", "100 طلب"]);
    const uk = catalogFormatter(LOCALE_TAGS.uk, { k: "{n, plural, one {# запит} few {# запити} many {# запитів} other {# запиту}}" });
    expect([0, 1, 2, 5, 11, 21, 1.5].map((n) => uk("k", { n }))).toEqual([
      "0 запитів",
      "1 запит",
      "2 запити",
      "5 запитів",
      "11 запитів",
      "21 запит",
      "1,5 запиту",
    ]);
  });

  it("renders every message that kept its text exactly as the old {name} catalogs did", () => {
    const hash = (s: string) => createHash("sha1").update(s).digest("hex").slice(0, 10);
    let compared = 0;
    for (const lang of ["nl", "en"] as const) {
      const cat = CATALOGS[lang] as unknown as Catalog;
      const t = translator(lang) as (key: string, vars?: Record<string, string>) => string;
      for (const [key, entry] of Object.entries(before[lang])) {
        const [h, old] = typeof entry === "string" ? [entry, cat[key]] : entry;
        // A text changed since the move (or made a plural) is not the old text any more.
        if (!(key in cat) || hash(cat[key]) !== h) continue;
        const vars = Object.fromEntries([...messageArguments(cat[key])].map(([n]) => [n, `«${n}»`]));
        expect(t(key, vars), `${lang} ${key}`).toBe(old);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2000);
  });
});

describe("public pages' languages", () => {
  it("picks the asked language, else the browser's best one we speak, else Dutch", () => {
    expect(pickPublicLocale("ar-SY,ar;q=0.9,en;q=0.5")).toBe("ar");
    expect(pickPublicLocale("de-DE,de;q=0.9,uk;q=0.8,en;q=0.7")).toBe("uk");
    expect(pickPublicLocale("en;q=0.4, ti-ER;q=0.8")).toBe("ti");
    expect(pickPublicLocale("fr, de")).toBe("nl");
    expect(pickPublicLocale("ar;q=0, en")).toBe("en");
    expect(pickPublicLocale(null)).toBe("nl");
    expect(pickPublicLocale("ar", "uk")).toBe("uk");
    expect(pickPublicLocale("ar", "xx")).toBe("ar");
  });

  it("Arabic is right to left, the others left to right", () => {
    expect(PUBLIC_LOCALES.map((l) => textDirection(l))).toEqual(["ltr", "ltr", "rtl", "ltr", "ltr"]);
    expect(textDirection("ar-EG")).toBe("rtl");
  });

  it("a public translator formats its own language and never shows a bare key for a public key", () => {
    for (const l of PUBLIC_LOCALES) {
      const t = publicTranslator(l) as (key: string, vars?: Record<string, string | number | Date>) => string;
      for (const [k, msg] of Object.entries(PUBLIC_CATALOGS[l])) {
        const dummy = (kind: string) => (kind === "argument" || kind === "select" ? "x" : kind === "date" || kind === "time" ? new Date() : 3);
        const vars = Object.fromEntries([...messageArguments(msg, LOCALE_TAGS[l])].map(([n, kind]) => [n, dummy(kind)]));
        const out = t(k, vars);
        expect(out, `${l} ${k}`).not.toBe(k);
        expect(out, `${l} ${k}`).not.toMatch(/[{}]/);
      }
    }
  });
});

describe("translator", () => {
  it("fills placeholders and translates field error codes", () => {
    const t = translator("nl");
    expect(t("boards.title", { alliance: "AVE Emmen" })).toBe("Borden van AVE Emmen");
    expect(fieldError(t, "tooShort")).toBe("Dit is te kort.");
    expect(fieldError(translator("en"), "required")).toBe("This field is required.");
    expect(fieldError(t, undefined)).toBeUndefined();
  });

  it("keeps apostrophes, quotes around values and a missing value's {name}", () => {
    const t = translator("nl");
    expect(t("import.problem.unknown", { field: "Kolom", value: "Wachtrij" })).toBe("Kolom 'Wachtrij' bestaat niet op dit bord.");
    expect(t("boards.title")).toBe("Borden van {alliance}");
    expect(t("field.pattern")).toBe("Gebruik alleen letters, cijfers, spaties en - _ . / #.");
  });

  it("counts take the right form and are written the language's way", () => {
    const nlT = translator("nl");
    const enT = translator("en");
    expect([0, 1, 2, 5, 11, 1234].map((count) => nlT("column.count", { count }))).toEqual([
      "0 aanvragen",
      "1 aanvraag",
      "2 aanvragen",
      "5 aanvragen",
      "11 aanvragen",
      "1.234 aanvragen",
    ]);
    expect([1, 2].map((count) => enT("column.count", { count }))).toEqual(["1 request", "2 requests"]);
    expect([0, 1, 3].map((count) => nlT("match.reason.free", { count }))).toEqual(["Geen plaats meer vrij", "1 plaats vrij", "3 plaatsen vrij"]);
    expect([1, 2.5].map((count) => nlT("ov.days", { count }))).toEqual(["1 dag", "2,5 dagen"]);
    expect(enT("ov.days", { count: 2.5 })).toBe("2.5 days");
    expect([1, 4].map((left) => nlT("start.intro", { left }))).toEqual([
      "Dit bord is nieuw. Nog één stap voordat de alliantie er samen op werkt:",
      "Dit bord is nieuw. Nog 4 stappen voordat de alliantie er samen op werkt:",
    ]);
    expect(nlT("filter.count", { shown: 3, total: 1 })).toBe("3 van 1 aanvraag");
  });

  it("formats ages relative to now", () => {
    const now = Date.UTC(2026, 10, 23);
    expect(formatAge(now - 3 * 86400_000, now, "nl")).toMatch(/3 d/);
    expect(formatAge(now - 2 * 3600_000, now, "en")).toMatch(/2 h/);
  });
});
