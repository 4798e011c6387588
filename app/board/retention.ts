/**
 * Retention: how long a finished request stays as it was entered, and which
 * requests the daily sweep anonymises (app/services/retention.server.ts).
 *
 * A request is due when it stands in a done column or is archived, is not
 * anonymised yet, and became done or archived longer ago than the board's
 * retention (in calendar months). "Became" is the newest audit event that
 * made it so (a move into a done column, an archiving); a request without
 * such an event (its column's stage was changed to done, an old import)
 * counts from its last activity. Both are the later of the possible
 * readings, so a request is never anonymised early.
 *
 * Pure: no IO.
 */
import type { Stage } from "./types";

export const RETENTION_DEFAULT_MONTHS = 12;
export const RETENTION_MIN_MONTHS = 1;
/** Ten years: longer is no retention at all. */
export const RETENTION_MAX_MONTHS = 120;

/** A coordinator's input: a whole number of months within the bounds, else `type` or `range`. */
export function checkRetentionMonths(v: unknown): { ok: true; value: number } | { ok: false; error: "type" | "range" } {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v.trim()) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) return { ok: false, error: "type" };
  if (!Number.isInteger(n) || n < RETENTION_MIN_MONTHS || n > RETENTION_MAX_MONTHS) return { ok: false, error: "range" };
  return { ok: true, value: n };
}

/**
 * The moment `months` calendar months before `now` (UTC): 31 March minus one
 * month is 28 or 29 February, the last day of the shorter month.
 */
export function retentionCutoff(now: number, months: number): number {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

export interface RetentionFacts {
  /** The stage of the column the card stands in now (from the live document). */
  stage: Stage;
  archived: boolean;
  anonymisedAt: number | null;
  /** The newest move into a done column or archiving of the request (audit), or null when there is none. */
  closedAt: number | null;
  lastActivityAt: number;
}

/** Since when a finished request counts as finished (see the module comment). */
export function finishedSince(f: Pick<RetentionFacts, "closedAt" | "lastActivityAt">): number {
  return f.closedAt ?? f.lastActivityAt;
}

/** Whether the sweep anonymises this request now. */
export function isDueForRetention(f: RetentionFacts, cutoff: number): boolean {
  if (f.anonymisedAt !== null) return false;
  if (f.stage !== "done" && !f.archived) return false;
  return finishedSince(f) <= cutoff;
}

/** The fields an anonymised card keeps: what the report, the overview and the counts read. */
const KEPT_FIELDS = ["id", "category", "column", "order", "archived", "urgency", "createdAt", "createdByOrg", "updatedAt"] as const;

/**
 * A card as the sweep leaves it: its title is its category's label, its
 * description and area are empty, and every other field it may carry (also
 * one this code does not know) is left out; where it stands, its category,
 * urgency, who entered it and its times stay.
 */
export function anonymisedCard(card: Readonly<Record<string, unknown>>, categoryLabel: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEPT_FIELDS) if (card[k] !== undefined) out[k] = card[k];
  out.title = categoryLabel;
  out.description = "";
  out.area = "";
  return out;
}
