/** A job's facts in words: its places ("4 van 6 plaatsen"), when, what it asks. */
import { amsterdamWallTime, MEETING_TIME_ZONE } from "~/board/meeting-time";
import type { CardView, LanguageLevel } from "~/board/types";
import type { Locale, MessageKey, Translate } from "~/i18n";
import { LOCALE_TAGS } from "~/i18n/format";

export const LEVEL_KEYS: Record<LanguageLevel, MessageKey> = {
  none: "job.level.none",
  A1: "job.level.A1",
  A2: "job.level.A2",
  "B1+": "job.level.B1+",
};

export function placesText(t: Translate, job: Pick<CardView, "places" | "filled">): string {
  return t("job.places", { filled: job.filled, places: job.places });
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function format(locale: Locale, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(opts)}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALE_TAGS[locale] ?? "nl-NL", { timeZone: MEETING_TIME_ZONE, ...opts });
    dateFormats.set(key, f);
  }
  return f;
}

/** "za 5 dec om 10:00" or "Elke zaterdag om 10:00" (Amsterdam time); "" without a date. */
export function jobWhen(t: Translate, locale: Locale, job: Pick<CardView, "at" | "recurrence">): string {
  if (!job.at) return "";
  const time = amsterdamWallTime(job.at).time;
  if (job.recurrence === "weekly") return t("job.weekly", { weekday: format(locale, { weekday: "long" }).format(job.at), time });
  return t("job.once", { date: format(locale, { weekday: "short", day: "numeric", month: "short" }).format(job.at), time });
}
