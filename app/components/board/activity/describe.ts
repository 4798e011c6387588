/**
 * Readable sentences for activity entries (the audit log as the board shows
 * it): "Fenna Dijkstra (Taalhuis) verplaatste ‘Taalmaatje…’ van Nieuw naar Open".
 *
 * Pure: everything it needs to name (cards, columns, categories,
 * organisations) comes in through `ActivityNames`, so the panel, the card
 * history and the unit tests share it.
 */
import { isPersonalDataKind } from "~/board/personal-data";
import type { CategoryView, ColumnView } from "~/board/types";
import type { MessageKey, Translate } from "~/i18n";
import type { ActivityEntry } from "~/lib/sync-client";
import { URGENCY_KEYS, categoryLabel, columnLabel } from "../labels";

export interface ActivityNames {
  /** The current title of a request, if it is still on the board. */
  cardTitle(requestId: string): string | undefined;
  columns: readonly ColumnView[];
  categoryById: ReadonlyMap<string, CategoryView>;
  /** Organisation id → a short display name. */
  orgName(orgId: string): string | undefined;
}

const TITLE_MAX = 40;

/** A title as quoted in a sentence: ‘…’, shortened with an ellipsis. */
export function quoteTitle(title: string): string {
  const clean = title.replace(/\s+/g, " ").trim();
  const short = clean.length > TITLE_MAX ? `${clean.slice(0, TITLE_MAX - 1).trimEnd()}…` : clean;
  return `‘${short}’`;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : v == null ? "" : String(v);
}

const FIELD_KEYS: Record<string, MessageKey> = {
  title: "act.field.title",
  category: "act.field.category",
  description: "act.field.description",
  area: "act.field.area",
  urgency: "act.field.urgency",
};

/** The sentence for one entry, in the translator's language. */
export function describeActivity(t: Translate, entry: ActivityEntry, names: ActivityNames): string {
  const data = entry.data ?? {};
  const who = entry.userName
    ? entry.orgName
      ? t("act.who", { name: entry.userName, org: entry.orgName })
      : entry.userName
    : entry.orgName ?? t("act.someone");
  const currentTitle = entry.requestId ? names.cardTitle(entry.requestId) : undefined;
  const fallbackTitle = entry.type === "created" ? str(data.title) : "";
  const title = currentTitle ?? fallbackTitle;
  const card = title ? quoteTitle(title) : t("act.aRequest");
  const org = (v: unknown) => {
    const id = str(v);
    return id ? names.orgName(id) ?? t("act.unknownOrg") : t("act.unknownOrg");
  };
  const column = (v: unknown) => {
    const id = str(v);
    const col = names.columns.find((c) => c.id === id);
    return col ? columnLabel(t, col) : id || "?";
  };
  const category = (v: unknown) => {
    const id = str(v);
    const c = names.categoryById.get(id);
    return c ? categoryLabel(t, c) : id || t("category.unknown");
  };

  switch (entry.type) {
    case "created":
      return data.category
        ? t("act.created.in", { who, card, category: category(data.category) })
        : t("act.created", { who, card });
    case "moved":
      return str(data.from) && str(data.from) !== str(data.to)
        ? t("act.moved", { who, card, from: column(data.from), to: column(data.to) })
        : t("act.reordered", { who, card, column: column(data.to) });
    case "edited": {
      const field = str(data.field);
      if (field === "title") {
        return t("act.edited.title", { who, from: quoteTitle(str(data.from)), to: quoteTitle(str(data.to)) });
      }
      if (field === "category") {
        return t("act.edited.change", {
          who,
          field: t("act.field.category"),
          card,
          from: category(data.from),
          to: category(data.to),
        });
      }
      if (field === "urgency") {
        const u = (v: unknown) => {
          const key = URGENCY_KEYS[str(v) as keyof typeof URGENCY_KEYS];
          return key ? t(key) : str(v);
        };
        return t("act.edited.change", { who, field: t("act.field.urgency"), card, from: u(data.from), to: u(data.to) });
      }
      if (field === "area") {
        return str(data.to)
          ? t("act.edited.to", { who, field: t("act.field.area"), card, to: str(data.to) })
          : t("act.edited", { who, field: t("act.field.area"), card });
      }
      const key = FIELD_KEYS[field];
      return key ? t("act.edited", { who, field: t(key), card }) : t("act.changed", { who, card });
    }
    case "archived":
      return t("act.archived", { who, card });
    case "restored":
      return t("act.restored", { who, card });
    case "claimed":
      return t("act.claimed", { who, card });
    case "unclaimed":
      return data.org && data.org !== entry.orgId
        ? t("act.unclaimed.for", { who, card, org: org(data.org) })
        : t("act.unclaimed", { who, card });
    case "reassigned":
      return t("act.reassigned", { who, card, to: org(data.to) });
    case "referred":
      return t("act.referred", { who, card, to: org(data.to) });
    case "referral_accepted":
      return t("act.referralAccepted", { who, card });
    case "referral_declined":
      return str(data.reason)
        ? t("act.referralDeclined.reason", { who, card, reason: str(data.reason) })
        : t("act.referralDeclined", { who, card });
    case "referral_revoked":
      return t("act.referralRevoked", { who, card, to: org(data.to) });
    case "claim_expired":
      return t("act.claimExpired", { card, org: org(data.org) });
    case "commented":
      return t("act.commented", { who, card });
    case "retention_sweep": {
      // The sweep's own line: counts only, no person did it.
      const count = Number(data.requests) || 0;
      const months = Number(data.months) || 0;
      return t("act.retentionSweep", { count, months });
    }
    case "reference_changed":
      // Never shows the reference itself.
      return t("act.referenceChanged", { who, card });
    case "personal_data_acknowledged": {
      // Kinds only: the text found is never recorded.
      const found = Array.isArray(data.found) ? (data.found as Array<{ kind?: unknown }>) : [];
      const kinds = [...new Set(found.map((f) => str(f?.kind)).filter(isPersonalDataKind))].map((k) => t(`pd.kind.${k}`));
      return t("pd.act.acknowledged", { who, card, kinds: kinds.join(", ") || "?" });
    }
    case "job_joined":
      return t("act.job.joined", { who, card });
    case "job_left":
      return t("act.job.left", { who, card });
    case "job_places_filled":
      return t("act.job.filled", { who, card, count: Array.isArray(data.requests) ? data.requests.length : 0 });
    case "job_place_freed":
      return t("act.job.freed", { who, card });
    case "job_attended":
      return t("act.job.attended", { who, card });
    case "job_absent":
      return t("act.job.absent", { who, card });
    case "job_done":
      return t("act.job.done", { who, card, attended: Number(data.attended) || 0, absent: Number(data.absent) || 0 });
    default:
      return t("act.changed", { who, card });
  }
}

/** Merge entries into a list, newest (highest id) first, without duplicates. */
export function mergeEntries(current: readonly ActivityEntry[], incoming: readonly ActivityEntry[]): ActivityEntry[] {
  if (incoming.length === 0) return current as ActivityEntry[];
  const byId = new Map<number, ActivityEntry>();
  for (const e of current) byId.set(e.id, e);
  let added = false;
  for (const e of incoming) {
    if (!byId.has(e.id)) added = true;
    byId.set(e.id, e);
  }
  if (!added && incoming.every((e) => current.some((c) => c === e))) return current as ActivityEntry[];
  return [...byId.values()].sort((a, b) => b.id - a.id);
}
