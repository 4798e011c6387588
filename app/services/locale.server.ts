import { DEFAULT_LOCALE, isLocale, type Locale } from "../i18n";
import { parseCookies } from "./auth.server";

export const LOCALE_COOKIE = "ab_lang";

/** The chosen language: cookie first, then Dutch (the product's default, whatever the browser says). */
export function localeFromRequest(request: Request): Locale {
  const v = parseCookies(request.headers.get("Cookie"))[LOCALE_COOKIE];
  return isLocale(v) ? v : DEFAULT_LOCALE;
}

export function localeCookie(locale: Locale): string {
  return `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=31536000; SameSite=Lax`;
}
