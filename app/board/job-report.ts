/**
 * The report's volunteer places (issue 15, Aan de Slag): places offered,
 * filled and used per category and month, and matches per local team. Pure:
 * the server gathers the jobs and their places (SQL and the board document)
 * and the unit tests feed their own.
 *
 * Counting rules (months are calendar months on Amsterdam's clock, like the
 * jobs' dates; only what happens inside the period [from, to) counts):
 * - A one-off job takes place once, at its date (no date: when it was
 *   made). In that month it *offers* its places, its taken places are
 *   *filled*, and the places whose person took part when it was done
 *   (`attended`, a no-show is unticked) are *used*.
 * - A weekly job takes place every 7 days from its date until it is done
 *   (or the period ends). Each month with an occurrence offers its places
 *   once; a place is filled in each month whose occurrences it was held
 *   for (from its filling until it ended); it is used in the month of the
 *   last occurrence it was held for.
 * - Matches per team: the places filled by the team's organisations (each
 *   place once, when it was filled in the period), and how many of those
 *   were used. A place filled by an organisation in two teams counts for both.
 */
import { amsterdamDay } from "./meeting-time";

const DAY = 86_400_000;
const WEEK = 7 * DAY;

export interface ReportJob {
  id: string;
  category: string;
  places: number;
  /** When it takes place (its first occurrence); 0 when no date was given. */
  at: number;
  recurrence: "once" | "weekly";
  createdAt: number;
  /** When the job was marked done; null while it runs. */
  doneAt: number | null;
}

export interface ReportPlace {
  jobId: string;
  /** The organisation whose person filled the place (null once that organisation is gone). */
  filledByOrgId: string | null;
  filledAt: number;
  /** When the place ended (the job done); null while it runs. */
  endedAt: number | null;
  /** Whether the person took part when the job was done; null until then. */
  attended: boolean | null;
}

export interface ReportTeam {
  id: string;
  name: string;
  /** The organisations that act for the team (its partners, and its own organisation if it has one). */
  organisationIds: readonly string[];
}

export interface PlacesInput {
  jobs: readonly ReportJob[];
  places: readonly ReportPlace[];
  teams: readonly ReportTeam[];
  /** The board's categories in board order (rows follow it; unknown categories last, by id). */
  categories: ReadonlyArray<{ id: string; label: string }>;
  from: number;
  /** Exclusive end. */
  to: number;
}

export interface PlacesRow {
  /** "YYYY-MM" (Amsterdam). */
  month: string;
  category: string;
  label: string;
  offered: number;
  filled: number;
  used: number;
}

export interface PlacesReport {
  rows: PlacesRow[];
  totals: { offered: number; filled: number; used: number };
  teams: Array<{ teamId: string; team: string; filled: number; used: number }>;
}

/** The Amsterdam calendar month of a moment, "YYYY-MM". */
export function monthOf(ms: number): string {
  return amsterdamDay(ms).slice(0, 7);
}

/** The moments a job takes place inside [from, to) (for weekly: until done, at most the period's end). */
export function occurrences(job: ReportJob, from: number, to: number): number[] {
  const first = job.at || job.createdAt;
  if (job.recurrence !== "weekly" || !job.at) return first >= from && first < to ? [first] : [];
  const end = Math.min(to, job.doneAt !== null ? job.doneAt + 1 : to);
  const out: number[] = [];
  // Jump to the first occurrence at or after `from` instead of walking from the start.
  let k = first >= from ? 0 : Math.ceil((from - first) / WEEK);
  for (let at = first + k * WEEK; at < end; k++, at = first + k * WEEK) out.push(at);
  return out;
}

export function placesReport(input: PlacesInput): PlacesReport {
  const cells = new Map<string, PlacesRow>();
  const label = new Map(input.categories.map((c) => [c.id, c.label]));
  const cell = (month: string, category: string) => {
    const key = `${month}\u0000${category}`;
    let row = cells.get(key);
    if (!row) {
      row = { month, category, label: label.get(category) ?? category, offered: 0, filled: 0, used: 0 };
      cells.set(key, row);
    }
    return row;
  };
  const placesOf = new Map<string, ReportPlace[]>();
  for (const p of input.places) placesOf.set(p.jobId, [...(placesOf.get(p.jobId) ?? []), p]);
  /** Per place: whether it was filled in the period, and whether it was used there. */
  const counted = new Map<ReportPlace, { filled: boolean; used: boolean }>();

  for (const job of input.jobs) {
    const occ = occurrences(job, input.from, input.to);
    if (!occ.length) continue;
    const byMonth = new Map<string, number[]>();
    for (const at of occ) byMonth.set(monthOf(at), [...(byMonth.get(monthOf(at)) ?? []), at]);
    for (const month of byMonth.keys()) cell(month, job.category).offered += job.places;
    const weekly = job.recurrence === "weekly" && !!job.at;
    for (const p of placesOf.get(job.id) ?? []) {
      const mark = { filled: false, used: false };
      if (!weekly) {
        const month = monthOf(occ[0]);
        cell(month, job.category).filled++;
        mark.filled = true;
        if (p.attended === true) {
          cell(month, job.category).used++;
          mark.used = true;
        }
      } else {
        const until = p.endedAt ?? Infinity;
        let last: number | null = null;
        for (const [month, ats] of byMonth) {
          // Held for one of the month's occurrences: filled before the day after it, not ended before it.
          const held = ats.filter((at) => p.filledAt < at + DAY && until >= at);
          if (!held.length) continue;
          cell(month, job.category).filled++;
          mark.filled = true;
          last = Math.max(last ?? held[held.length - 1], held[held.length - 1]);
        }
        if (p.attended === true && last !== null) {
          cell(monthOf(last), job.category).used++;
          mark.used = true;
        }
      }
      counted.set(p, mark);
    }
  }

  const order = new Map(input.categories.map((c, i) => [c.id, i]));
  const rows = [...cells.values()].sort(
    (a, b) =>
      a.month.localeCompare(b.month) ||
      (order.get(a.category) ?? Infinity) - (order.get(b.category) ?? Infinity) ||
      a.category.localeCompare(b.category),
  );
  const totals = rows.reduce((s, r) => ({ offered: s.offered + r.offered, filled: s.filled + r.filled, used: s.used + r.used }), { offered: 0, filled: 0, used: 0 });
  const teams = input.teams.map((t) => {
    const orgs = new Set(t.organisationIds);
    let filled = 0;
    let used = 0;
    for (const [p, mark] of counted) {
      if (!p.filledByOrgId || !orgs.has(p.filledByOrgId)) continue;
      if (mark.filled) filled++;
      if (mark.used) used++;
    }
    return { teamId: t.id, team: t.name, filled, used };
  });
  return { rows, totals, teams };
}
