/**
 * For the privacy officer: the facts of this alliance and installation that
 * the privacy page states (retention per board, sessions, backups, the
 * two-factor policy), and the processing register (AVG art. 30) built from
 * them, one row per processing activity, shown on the page and downloaded
 * as CSV by a coordinator.
 */
import Papa from "papaparse";
import { boardRetentions, twoFactorPolicyOf } from "../../db/privacy";
import type { TwoFactorPolicy } from "../../db/schema";
import { translator, type Locale, type MessageKey, type Translate } from "../i18n";
import { REGISTER_COLUMNS, type RegisterColumn } from "../board/privacy-register";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";

export interface PrivacyFacts {
  boards: Array<{ name: string; retentionMonths: number; archived: boolean }>;
  sessionDays: number;
  backups: { on: boolean; keep: number };
  twoFactorPolicy: TwoFactorPolicy;
}

export async function privacyFacts(svc: AppServices, user: SessionUser): Promise<PrivacyFacts> {
  return {
    boards: await boardRetentions(svc.async, user.allianceId),
    sessionDays: svc.env.SESSION_DAYS,
    backups: { on: svc.env.BACKUP_DIR !== "", keep: svc.env.BACKUP_KEEP },
    twoFactorPolicy: await twoFactorPolicyOf(svc.async, user.allianceId),
  };
}

export type RegisterRow = Record<RegisterColumn, string>;

const ACTIVITIES = ["board", "contact", "comments", "audit", "accounts", "mail", "meetings", "backups"] as const;

/** The register's rows in the translator's language, filled with this alliance's settings. */
export function registerRows(t: Translate, facts: PrivacyFacts): RegisterRow[] {
  const boardRetention = facts.boards.length
    ? facts.boards.map((b) => t("register.retention.board", { board: b.name, months: b.retentionMonths })).join("; ")
    : t("register.retention.none");
  const twoFactor = t(`privacy.measure.twoFactor.${facts.twoFactorPolicy}`);
  const common = t("register.security.common");
  return ACTIVITIES.map((a) => {
    const key = (field: string) => `register.${a}.${field}` as MessageKey;
    const retention =
      a === "audit" || a === "mail" || a === "meetings"
        ? t(key("retention"))
        : a === "accounts"
          ? t(key("retention"), { sessionDays: facts.sessionDays })
          : a === "backups"
            ? facts.backups.on
              ? t("register.backups.retentionOn", { keep: facts.backups.keep })
              : t("register.backups.retentionOff")
            : boardRetention;
    return {
      activity: t(key("activity")),
      purpose: t(key("purpose")),
      subjects: t(key("subjects")),
      data: t(key("data")),
      recipients: t(key("recipients")),
      retention,
      security: `${t(key("security"), { twoFactor })}; ${common}`,
      storage: t(key("storage")),
    };
  });
}

const BOM = "\uFEFF";

/**
 * The processing register as CSV for Excel (`;`, CRLF, UTF-8 with a BOM,
 * cells that would start a formula made text by papaparse), in `locale`.
 * Coordinators only: null for anyone else.
 */
export async function processingRegisterCsv(svc: AppServices, user: SessionUser, locale: Locale): Promise<string | null> {
  if (user.role !== "coordinator") return null;
  const t = translator(locale);
  const rows = registerRows(t, await privacyFacts(svc, user));
  const csv = Papa.unparse(
    {
      fields: REGISTER_COLUMNS.map((c) => t(`privacy.col.${c}`)),
      data: rows.map((r) => REGISTER_COLUMNS.map((c) => r[c])),
    },
    { delimiter: ";", newline: "\r\n", escapeFormulae: true },
  );
  return BOM + csv + "\r\n";
}
