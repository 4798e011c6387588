/**
 * Volunteer jobs and activities (issue 15, Aan de Slag): the input rules of a
 * job and of a request's matching fields, who may fill a job's places, and
 * the group matching (which requests fit a job, with the reasons, ranked).
 * Pure: the new-job form, the API, the card dialog and the server use these.
 */
import { amsterdamToMs, amsterdamWallTime } from "./meeting-time";
import { stageOfColumn } from "./stages";
import type { CardExtras, CardFields, CardView, ColumnView, LanguageLevel, Recurrence, Result } from "./types";
import { DAY_PARTS, DAYS, LIMITS, cleanText, isLanguageLevel, isRecurrence, normaliseAvailability, validateCardFields } from "./validate";

export interface JobInput extends CardFields, CardExtras {
  places: number;
}

export type JobField = keyof CardFields | "places" | "at" | "recurrence" | "durationMinutes" | "languageLevel" | "physical" | "asks";

/** A number from JSON or a form ("6"), or NaN. */
function toInt(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\s*\d+\s*$/.test(v)) return Number(v);
  return NaN;
}

/**
 * When a job is: `at` as ms, an ISO date-time ("2026-12-05T10:00:00Z"), or a
 * form's `date` + `time` on Amsterdam's wall clock. 0 when none is given.
 */
export function readJobAt(input: Record<string, unknown>): { at: number; error?: "type" | "pattern" } {
  const { at, date, time } = input;
  if (typeof at === "number") return Number.isFinite(at) && at >= 946684800000 && at < 4102444800000 ? { at } : { at: 0, error: "type" };
  if (typeof at === "string" && at.trim()) {
    const ms = Date.parse(at.trim());
    return Number.isFinite(ms) ? { at: ms } : { at: 0, error: "pattern" };
  }
  if (at !== undefined && at !== null && at !== "") return { at: 0, error: "type" };
  const d = typeof date === "string" ? date.trim() : "";
  const t = typeof time === "string" ? time.trim() : "";
  if (!d && !t) return { at: 0 };
  const ms = amsterdamToMs(d, t || "00:00");
  return ms === null ? { at: 0, error: "pattern" } : { at: ms };
}

/**
 * A new job's fields: a card's (title, category, description, area) plus its
 * places (1 to LIMITS.placesMax), when, how often, how long and what it asks.
 */
export function validateJob(input: Record<string, unknown>, categories: readonly string[]): Result<JobInput, JobField> {
  const card = validateCardFields(input, categories);
  const errors: Partial<Record<JobField, string>> = card.ok ? {} : { ...card.errors };
  const places = toInt(input.places);
  if (input.places === undefined || input.places === null || input.places === "") errors.places = "required";
  else if (!Number.isInteger(places)) errors.places = "type";
  else if (places < 1 || places > LIMITS.placesMax) errors.places = "range";
  const when = readJobAt(input);
  if (when.error) errors.at = when.error;
  const recurrence = input.recurrence === undefined || input.recurrence === null || input.recurrence === "" ? "once" : input.recurrence;
  if (!isRecurrence(recurrence)) errors.recurrence = "unknown";
  else if (recurrence === "weekly" && !when.at) errors.at = "required";
  const duration = input.durationMinutes === undefined || input.durationMinutes === null || input.durationMinutes === "" ? 0 : toInt(input.durationMinutes);
  if (!Number.isInteger(duration) || duration < 0 || duration > LIMITS.durationMax) errors.durationMinutes = "range";
  const level = input.languageLevel === undefined || input.languageLevel === null || input.languageLevel === "" ? "none" : input.languageLevel;
  if (!isLanguageLevel(level)) errors.languageLevel = "unknown";
  const physical = input.physical === true || input.physical === "true" || input.physical === "on";
  if (input.physical !== undefined && typeof input.physical !== "boolean" && typeof input.physical !== "string") errors.physical = "type";
  if (input.asks !== undefined && input.asks !== null && typeof input.asks !== "string") errors.asks = "type";
  const asks = cleanText(input.asks);
  if (asks.length > LIMITS.asksMax) errors.asks = "tooLong";
  if (!card.ok || Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      ...card.value,
      places,
      at: when.at,
      recurrence: recurrence as Recurrence,
      durationMinutes: duration,
      languageLevel: level as LanguageLevel,
      physical,
      asks,
      availability: "",
    },
  };
}

/**
 * A request's matching fields (the card dialog and the API): language level
 * ("" = not said) and availability (slots such as "ma-ochtend"). Only the
 * fields given are returned.
 */
export function validateMatchFields(
  input: Record<string, unknown>,
): Result<Partial<Pick<CardExtras, "languageLevel" | "availability">>, "languageLevel" | "availability"> {
  const out: Partial<Pick<CardExtras, "languageLevel" | "availability">> = {};
  const errors: Partial<Record<"languageLevel" | "availability", string>> = {};
  if (input.languageLevel !== undefined) {
    const v = input.languageLevel === null ? "" : input.languageLevel;
    if (v === "" || isLanguageLevel(v)) out.languageLevel = v as LanguageLevel | "";
    else errors.languageLevel = "unknown";
  }
  if (input.availability !== undefined) {
    const n = normaliseAvailability(input.availability);
    if (n.error) errors.availability = n.error;
    else out.availability = n.value;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value: out };
}

/**
 * Who may fill (and free) a job's places and mark it done: a coordinator, the
 * organisation that offers the job, or (once local teams exist) a member of
 * the job's team. Viewers never.
 */
export function mayFillPlaces(
  user: { role: "coordinator" | "member" | "viewer"; organisationId: string },
  job: { orgId: string; teamId?: string | null },
  userTeamIds: readonly string[] = [],
): boolean {
  if (user.role === "viewer") return false;
  if (user.role === "coordinator") return true;
  if (user.organisationId === job.orgId) return true;
  return !!job.teamId && userTeamIds.includes(job.teamId);
}

const LEVEL_RANK: Record<LanguageLevel, number> = { none: 0, A1: 1, A2: 2, "B1+": 3 };

/** Whether a person's level is enough for what the job asks (not said: unknown, null). */
export function levelFits(asked: LanguageLevel | "", has: LanguageLevel | ""): boolean | null {
  if (!asked || asked === "none") return true;
  if (!has) return null;
  return LEVEL_RANK[has] >= LEVEL_RANK[asked];
}

/** The day-part of a time on the wall clock: before 12 morning, before 18 afternoon, else evening. */
function dayPartOf(time: string): (typeof DAY_PARTS)[number] {
  const h = Number(time.slice(0, 2));
  return h < 12 ? "ochtend" : h < 18 ? "middag" : "avond";
}

/** The availability slots a job touches (its weekday and the day-parts from start to end, Amsterdam time); none without a date. */
export function jobSlots(job: Pick<CardView, "at" | "durationMinutes">): string[] {
  if (!job.at) return [];
  const start = amsterdamWallTime(job.at);
  const [y, m, d] = start.date.split("-").map(Number);
  const weekday = DAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7];
  const parts = new Set([dayPartOf(start.time)]);
  if (job.durationMinutes > 0) {
    const end = amsterdamWallTime(job.at + job.durationMinutes * 60_000 - 60_000);
    if (end.date === start.date) for (const p of DAY_PARTS.slice(DAY_PARTS.indexOf(dayPartOf(start.time)), DAY_PARTS.indexOf(dayPartOf(end.time)) + 1)) parts.add(p);
  }
  return [...parts].map((p) => `${weekday}-${p}`);
}

/** Whether the person is free when the job is (not said on either side: unknown, null). */
export function availabilityFits(job: Pick<CardView, "at" | "durationMinutes">, availability: string): boolean | null {
  const slots = jobSlots(job);
  if (slots.length === 0 || !availability) return null;
  const free = new Set(availability.split(" "));
  return slots.every((s) => free.has(s));
}

/** Categories whose requests are about work or meeting people (the default board's ids). */
export const WORK_AND_MEETING = ["werk", "maatje"] as const;

export type MatchReason = "category" | "workOrMeeting" | "area" | "language" | "availability";
export type MatchWarning = "languageBelow" | "notAvailable";

export interface Suggestion {
  requestId: string;
  score: number;
  reasons: MatchReason[];
  warnings: MatchWarning[];
}

const sameText = (a: string, b: string) => !!a && !!b && cleanText(a).toLocaleLowerCase("nl") === cleanText(b).toLocaleLowerCase("nl");

/**
 * Requests that could take a place in a job, best first, each with its
 * reasons (and what does not fit, shown as a warning): a request (not a job
 * or an offer), not archived, not finished, in no job yet, nobody holds it or
 * the filling organisation does (a coordinator: any holder, since a
 * coordinator may reassign anyway); in the job's category or one about work
 * or meeting people.
 */
export function suggestForJob(
  job: CardView,
  cards: readonly CardView[],
  ctx: {
    columns: readonly ColumnView[];
    holderOf: (requestId: string) => string | null;
    filler: { role: "coordinator" | "member" | "viewer"; organisationId: string };
    workAndMeeting?: readonly string[];
  },
): Suggestion[] {
  const wm = new Set(ctx.workAndMeeting ?? WORK_AND_MEETING);
  const out: Suggestion[] = [];
  for (const c of cards) {
    if (c.kind !== "request" || c.archived || c.job) continue;
    const stage = stageOfColumn(ctx.columns as ColumnView[], c.column);
    if (stage === "done") continue;
    const holder = ctx.holderOf(c.id);
    if (holder && holder !== ctx.filler.organisationId && ctx.filler.role !== "coordinator") continue;
    const reasons: MatchReason[] = [];
    const warnings: MatchWarning[] = [];
    let score = 0;
    if (c.category === job.category) {
      reasons.push("category");
      score += 4;
    } else if (wm.has(c.category)) {
      reasons.push("workOrMeeting");
      score += 2;
    } else continue;
    if (sameText(c.area, job.area)) {
      reasons.push("area");
      score += 3;
    }
    const level = levelFits(job.languageLevel, c.languageLevel);
    if (level === true && job.languageLevel && job.languageLevel !== "none") {
      reasons.push("language");
      score += 2;
    } else if (level === false) {
      warnings.push("languageBelow");
      score -= 3;
    }
    const free = availabilityFits(job, c.availability);
    if (free === true) {
      reasons.push("availability");
      score += 2;
    } else if (free === false) {
      warnings.push("notAvailable");
      score -= 2;
    }
    out.push({ requestId: c.id, score, reasons, warnings });
  }
  // Best first; equal scores: the longest waiting first.
  const created = new Map(cards.map((c) => [c.id, c.createdAt]));
  return out.sort((a, b) => b.score - a.score || created.get(a.requestId)! - created.get(b.requestId)! || a.requestId.localeCompare(b.requestId));
}

/** Free places of a job as its card shows them. */
export function placesLeft(job: Pick<CardView, "places" | "filled">): number {
  return Math.max(0, job.places - job.filled);
}
