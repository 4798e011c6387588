/**
 * How the meeting pages write dates and lengths of time (Amsterdam time, the
 * person's language), and how they turn a service's field error into words.
 */
import { MEETING_TIME_ZONE } from "~/board/meeting-time";
import { localeTag, fieldError, type Locale, type MessageKey, type Translate } from "~/i18n";

const dateTimeFormats = new Map<Locale, Intl.DateTimeFormat>();
const dayFormats = new Map<Locale, Intl.DateTimeFormat>();

/** "woensdag 2 december 2026 om 19:30". */
export function formatMeetingAt(ms: number, locale: Locale): string {
  let f = dateTimeFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(localeTag(locale), { dateStyle: "full", timeStyle: "short", timeZone: MEETING_TIME_ZONE });
    dateTimeFormats.set(locale, f);
  }
  return f.format(ms);
}

/** A calendar day (YYYY-MM-DD) as "2 december 2026". */
export function formatDay(day: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  let f = dayFormats.get(locale);
  if (!f) {
    // Month written out: abbreviations differ between ICU versions (Node on the server, the browser), which would break hydration.
    f = new Intl.DateTimeFormat(localeTag(locale), { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
    dayFormats.set(locale, f);
  }
  return f.format(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
}

/** A length of time as m:ss, or h:mm:ss from an hour. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** A field error code of the meeting rules in words: the meeting texts first, then the general field texts. */
export function meetingFieldError(t: Translate, code: string | undefined): string | undefined {
  if (!code) return undefined;
  const key = `mtg.error.${code}` as MessageKey;
  const own = t(key);
  if (own !== key) return own;
  const general = fieldError(t, code);
  return general === code ? t("mtg.error.invalid") : general;
}
