/** The sentence of one notification, in the page's language (pure: the bell and /account/meldingen share it). */
import { localeTag, type Locale, type MessageKey, type Translate } from "~/i18n";

/** The kinds, in the order the settings list them (the same as db/schema.ts NOTIFICATION_KINDS). */
export const KINDS = ["referral", "comment", "duplicate", "claim_expiring", "meeting_action", "digest"] as const;
export type Kind = (typeof KINDS)[number];

export interface NotificationItem {
  id: string;
  kind: Kind;
  boardId: string | null;
  requestId: string | null;
  createdAt: number;
  readAt: number | null;
  href: string | null;
  vars: Record<string, string | number>;
}

export function notificationText(t: Translate, n: NotificationItem, locale: Locale): string {
  const vars = { ...n.vars };
  if (n.kind === "digest" && typeof vars.date === "string") vars.date = dayText(vars.date, locale);
  if (n.kind === "meeting_action" && typeof vars.due === "string") vars.due = dayText(vars.due, locale);
  if (n.kind !== "digest" && !vars.title) vars.title = t("notif.aRequest");
  if (n.kind === "meeting_action" && !vars.meeting) vars.meeting = t("mtg.notif.aMeeting");
  return t(`notif.item.${n.kind}` as MessageKey, vars);
}

/** A calendar day (YYYY-MM-DD) as "17 december"; anything else as it is. */
export function dayText(day: string, locale: Locale): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return day;
  return new Intl.DateTimeFormat(localeTag(locale), { day: "numeric", month: "long", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

export function notificationTime(ms: number, locale: Locale): string {
  return new Intl.DateTimeFormat(localeTag(locale), { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam" }).format(new Date(ms));
}
