/**
 * The staff UI's texts: one ICU MessageFormat catalog per language in
 * app/i18n/catalogs/<lang>.json (how to edit them: app/i18n/README.md), formatted
 * with intl-messageformat (format.ts). Dutch is the default; English has every key.
 * The public front door's languages (ar, ti, uk) are in public.ts, which only the
 * public routes import.
 */
import { useRouteLoaderData } from "@remix-run/react";
import enCatalog from "./catalogs/en.json";
import nlCatalog from "./catalogs/nl.json";
import { catalogFormatter, LOCALE_TAGS, type MessageValues } from "./format";

export type MessageKey = keyof typeof nlCatalog;
const nl: Record<MessageKey, string> = nlCatalog;
// Typed against the Dutch keys: a key missing from en.json does not compile.
const en: Record<MessageKey, string> = enCatalog;
/** Every staff catalog, for the completeness test. */
export const CATALOGS = { nl, en };

export type Locale = "nl" | "en";
export const LOCALES: readonly Locale[] = ["nl", "en"];
export const DEFAULT_LOCALE: Locale = "nl";

export function isLocale(v: unknown): v is Locale {
  return v === "nl" || v === "en";
}

/** A signed-in person's language (their account's; Dutch when it holds something else). */
export function localeOf(user: { locale: string }): Locale {
  return isLocale(user.locale) ? user.locale : DEFAULT_LOCALE;
}

export type Translate = (key: MessageKey, vars?: MessageValues) => string;

const translators = new Map<Locale, Translate>();

export function translator(locale: Locale): Translate {
  const loc: Locale = isLocale(locale) ? locale : DEFAULT_LOCALE;
  let t = translators.get(loc);
  if (!t) {
    t = catalogFormatter(LOCALE_TAGS[loc], CATALOGS[loc], nl) as Translate;
    translators.set(loc, t);
  }
  return t;
}

/** Translate a validation error code (from app/board/validate.ts) for a field. */
export function fieldError(t: Translate, code: string | undefined): string | undefined {
  if (!code) return undefined;
  const key = `field.${code}` as MessageKey;
  return key in nl ? t(key) : code;
}

export function useLocale(): Locale {
  const data = useRouteLoaderData("root") as { locale?: Locale } | undefined;
  return isLocale(data?.locale) ? data!.locale! : DEFAULT_LOCALE;
}

export function useT(): Translate {
  return translator(useLocale());
}

/** The BCP 47 tag for Intl formatters in a staff language: "nl-NL" or "en-GB" (Dutch for anything else). */
export function localeTag(locale: string): string {
  return locale === "en" ? LOCALE_TAGS.en : LOCALE_TAGS.nl;
}

/** Creating an Intl formatter costs ~0.1 ms; a board shows thousands of ages. One per locale. */
const relativeTime = new Map<Locale, Intl.RelativeTimeFormat>();

/** Relative age for cards: "3 dagen", "2 uur", in the chosen locale. */
export function formatAge(ms: number, now: number, locale: Locale): string {
  const diff = Math.max(0, now - ms);
  let rtf = relativeTime.get(locale);
  if (!rtf) {
    rtf = new Intl.RelativeTimeFormat(LOCALE_TAGS[locale] ?? LOCALE_TAGS.nl, { numeric: "auto", style: "short" });
    relativeTime.set(locale, rtf);
  }
  const min = Math.round(diff / 60000);
  if (min < 60) return rtf.format(-min, "minute");
  const h = Math.round(min / 60);
  if (h < 24) return rtf.format(-h, "hour");
  const d = Math.round(h / 24);
  if (d < 60) return rtf.format(-d, "day");
  return rtf.format(-Math.round(d / 30), "month");
}
