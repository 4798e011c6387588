import { DEFAULT_LOCALE, isLocale, type Locale } from "../i18n";
import { parseCookies } from "./auth.server";

export const LOCALE_COOKIE = "ab_lang";

/**
 * The chosen language. Logged in: the person's own (users.locale, set on
 * /account or with the header's switch), whatever the cookie says, so every
 * device shows it. Logged out: the cookie, then Dutch (the product's default,
 * whatever the browser says). Login and the switch keep the cookie equal to
 * the stored language, so the login page after a logout speaks it too.
 */
export function localeFromRequest(request: Request, user?: { locale: string } | null): Locale {
  if (user && isLocale(user.locale)) return user.locale;
  return chosenLocale(request) ?? DEFAULT_LOCALE;
}

/** The language this browser chose (the header's switch, or the last login), or null when it never chose one. */
export function chosenLocale(request: Request): Locale | null {
  const v = parseCookies(request.headers.get("Cookie"))[LOCALE_COOKIE];
  return isLocale(v) ? v : null;
}

export function localeCookie(locale: Locale): string {
  return `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=31536000; SameSite=Lax`;
}
