import { localeTag, type Locale } from "~/i18n";

const languageNames = new Map<Locale, Intl.DisplayNames>();

/** A front-door card's language in the reader's language ("Arabisch", "Arabic"); the code when unknown. */
export function languageName(code: string, locale: Locale): string {
  let names = languageNames.get(locale);
  if (!names) languageNames.set(locale, (names = new Intl.DisplayNames([localeTag(locale)], { type: "language" })));
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
