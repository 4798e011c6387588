/**
 * Texts for the public front door's pages (/hulp/<slug>) in its five
 * languages. Only the public routes import this module, so staff pages do not
 * carry the Arabic, Tigrinya and Ukrainian catalogs. Their keys start with
 * `public.`; Dutch and English have them in the staff catalogs.
 */
import arCatalog from "./catalogs/ar.json";
import tiCatalog from "./catalogs/ti.json";
import ukCatalog from "./catalogs/uk.json";
import { CATALOGS, type MessageKey } from "./index";
import { catalogFormatter, LOCALE_TAGS, type MessageValues } from "./format";
import { isPublicLocale, type PublicLocale } from "./page-language";

export {
  isPublicLocale,
  pageLanguageHandle,
  PUBLIC_LOCALE_NAMES,
  PUBLIC_LOCALES,
  textDirection,
  type PageLanguageHandle,
  type PublicLocale,
} from "./page-language";

/** The keys the public pages use (and ar/ti/uk must have). */
export type PublicPageKey = Extract<MessageKey, `public.${string}`>;

function publicPart(cat: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(cat).filter(([k]) => k.startsWith("public.")));
}

/** The public pages' catalogs, for the completeness test. */
export const PUBLIC_CATALOGS: Record<PublicLocale, Record<string, string>> = {
  nl: publicPart(CATALOGS.nl),
  en: publicPart(CATALOGS.en),
  ar: arCatalog as Record<string, string>,
  ti: tiCatalog as Record<string, string>,
  uk: ukCatalog as Record<string, string>,
};

export type PublicTranslate = (key: PublicPageKey, vars?: MessageValues) => string;

const translators = new Map<PublicLocale, PublicTranslate>();

/** `t` for a public page; a key a language lacks (the completeness test forbids it) falls back to English, then Dutch. */
export function publicTranslator(locale: PublicLocale): PublicTranslate {
  const loc: PublicLocale = isPublicLocale(locale) ? locale : "nl";
  let t = translators.get(loc);
  if (!t) {
    const fallback = loc === "nl" ? undefined : loc === "en" ? PUBLIC_CATALOGS.nl : { ...PUBLIC_CATALOGS.nl, ...PUBLIC_CATALOGS.en };
    t = catalogFormatter(LOCALE_TAGS[loc], PUBLIC_CATALOGS[loc], fallback) as PublicTranslate;
    translators.set(loc, t);
  }
  return t;
}

/**
 * The public page's language: an explicit choice (a `?taal=` switch, a form
 * field) when it is one of ours, else the first language of the browser's
 * Accept-Language (by q, then order) that the front door speaks, else Dutch.
 */
export function pickPublicLocale(acceptLanguage: string | null | undefined, chosen?: string | null): PublicLocale {
  if (isPublicLocale(chosen)) return chosen;
  const ranked = (acceptLanguage ?? "")
    .slice(0, 1000)
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { lang: tag.trim().toLowerCase().split("-")[0], q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.lang && Number.isFinite(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked.map((x) => x.lang).find(isPublicLocale) ?? "nl";
}
