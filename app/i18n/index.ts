import { useRouteLoaderData } from "@remix-run/react";
import { accountEn, accountNl, type AccountKey } from "./account";
import { adminEn, adminNl, type AdminKey } from "./admin";
import { boardsEn, boardsNl, type BoardsKey } from "./boards";
import { importEn, importNl, type ImportKey } from "./import";
import { invitationsEn, invitationsNl, type InvitationsKey } from "./invitations";
import { startEn, startNl, type StartKey } from "./start";
import { meetingsEn, meetingsNl, type MeetingsKey } from "./meetings";
import { historyEn, historyNl, type HistoryKey } from "./history";
import { summaryEn, summaryNl, type SummaryKey } from "./summary";
import { followEn, followNl, type FollowKey } from "./follow";
import { notificationsEn, notificationsNl, type NotificationsKey } from "./notifications";
import { personalDataEn, personalDataNl, type PersonalDataKey } from "./personal-data";
import { privacyEn, privacyNl, type PrivacyKey } from "./privacy";
import { eraseEn, eraseNl, type EraseKey } from "./erase";
import { contactEn, contactNl, type ContactKey } from "./contact";
import { twoFactorEn, twoFactorNl, type TwoFactorKey } from "./two-factor";
import { teamsEn, teamsNl, type TeamsKey } from "./teams";
import { en as baseEn, nl as baseNl, type MessageKey as BaseKey } from "./messages";

export type MessageKey = BaseKey | AdminKey | BoardsKey | NotificationsKey | AccountKey | ImportKey | InvitationsKey | StartKey | MeetingsKey | HistoryKey | SummaryKey | FollowKey | PersonalDataKey | PrivacyKey | EraseKey | ContactKey | TwoFactorKey | TeamsKey;
const nl: Record<MessageKey, string> = { ...baseNl, ...adminNl, ...boardsNl, ...notificationsNl, ...accountNl, ...importNl, ...invitationsNl, ...startNl, ...meetingsNl, ...historyNl, ...summaryNl, ...followNl, ...personalDataNl, ...privacyNl, ...eraseNl, ...contactNl, ...twoFactorNl, ...teamsNl };
const en: Record<MessageKey, string> = { ...baseEn, ...adminEn, ...boardsEn, ...notificationsEn, ...accountEn, ...importEn, ...invitationsEn, ...startEn, ...meetingsEn, ...historyEn, ...summaryEn, ...followEn, ...personalDataEn, ...privacyEn, ...eraseEn, ...contactEn, ...twoFactorEn, ...teamsEn };
/** Every catalog, for the completeness test. */
export const CATALOGS = { nl, en };

export type Locale = "nl" | "en";
export const LOCALES: readonly Locale[] = ["nl", "en"];
export const DEFAULT_LOCALE: Locale = "nl";

const catalogs: Record<Locale, Record<MessageKey, string>> = { nl, en };

export function isLocale(v: unknown): v is Locale {
  return v === "nl" || v === "en";
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const cat = catalogs[locale] ?? nl;
  return (key, vars) => {
    const s = cat[key] ?? nl[key] ?? key;
    return vars ? s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`)) : s;
  };
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

/** Creating an Intl formatter costs ~0.1 ms; a board shows thousands of ages. One per locale. */
const relativeTime = new Map<Locale, Intl.RelativeTimeFormat>();

/** Relative age for cards: "3 dagen", "2 uur", in the chosen locale. */
export function formatAge(ms: number, now: number, locale: Locale): string {
  const diff = Math.max(0, now - ms);
  let rtf = relativeTime.get(locale);
  if (!rtf) {
    rtf = new Intl.RelativeTimeFormat(locale === "nl" ? "nl-NL" : "en-GB", { numeric: "auto", style: "short" });
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
