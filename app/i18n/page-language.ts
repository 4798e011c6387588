/**
 * The public front door's languages and how a page declares its own language,
 * so the root document renders `<html lang dir>` for it. Small on purpose: the
 * root imports it on every page; the catalogs for ar/ti/uk are in
 * public-pages.ts, which only the public routes import.
 */
import { useMatches } from "@remix-run/react";

/** The front door's languages (issue 15): the app's two and three more for its pages only. */
export type PublicLocale = "nl" | "en" | "ar" | "ti" | "uk";
export const PUBLIC_LOCALES: readonly PublicLocale[] = ["nl", "en", "ar", "ti", "uk"];
/** Each language's name in itself, for a language switch. */
export const PUBLIC_LOCALE_NAMES: Record<PublicLocale, string> = { nl: "Nederlands", en: "English", ar: "العربية", ti: "ትግርኛ", uk: "Українська" };

export function isPublicLocale(v: unknown): v is PublicLocale {
  return typeof v === "string" && (PUBLIC_LOCALES as readonly string[]).includes(v);
}

const RTL = new Set(["ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"]);

/** "rtl" for languages written right to left (of ours: Arabic), else "ltr". */
export function textDirection(locale: string): "ltr" | "rtl" {
  return RTL.has(locale.toLowerCase().split("-")[0]) ? "rtl" : "ltr";
}

/**
 * A route whose page is in a language of its own (the public front door)
 * exports `handle = pageLanguageHandle` (its loader data has `locale`), or its
 * own `{ pageLanguage: (data) => ... }`. The root then renders `<html lang dir>`
 * for that language; every other page keeps the staff language (nl/en), ltr.
 */
export interface PageLanguageHandle {
  pageLanguage: (data: unknown) => string | null | undefined;
}
export const pageLanguageHandle: PageLanguageHandle = {
  pageLanguage: (data) => (data && typeof data === "object" && "locale" in data ? String((data as { locale: unknown }).locale) : null),
};

/** The deepest matched route's declared language with its direction, or null (a staff page). */
export function usePageLanguage(): { lang: PublicLocale; dir: "ltr" | "rtl" } | null {
  const matches = useMatches();
  for (let i = matches.length - 1; i >= 0; i--) {
    const handle = matches[i].handle as Partial<PageLanguageHandle> | undefined;
    if (typeof handle?.pageLanguage !== "function") continue;
    const lang = handle.pageLanguage(matches[i].data);
    return isPublicLocale(lang) ? { lang, dir: textDirection(lang) } : null;
  }
  return null;
}
