/**
 * The coordinator's overview and the report for funders, computed from the
 * board document and facts from SQL. Pure: the server feeds it, tests and the
 * benchmark call it directly. Nothing here carries a reference, a name of a
 * person or free text from a card, except card titles in the coordinator's own
 * overview (which every alliance member sees on the board anyway).
 *
 * Everything is counted by the columns' stages (app/board/stages.ts), never
 * by their position: open is every stage but done; "not picked up" is a
 * request nobody holds in an intake or open column; done is when a request
 * first moved into a done column (`doneArrivals`, from the audit of moves).
 */
import { holderRule, isActiveStage, isStage, STAGES, stageOfColumn } from "./stages";
import type { PlacesReport } from "./job-report";
import type { CardView, CategoryView, ColumnView, Stage } from "./types";

export interface RequestFact {
  createdByOrgId: string;
  ownerOrgId: string | null;
  createdAt: number;
  firstClaimAt: number | null;
  /** When it first moved into a `done` column (see `doneArrivals`), or null. */
  doneAt: number | null;
  mergedInto: string | null;
}

export interface OverviewInput {
  now: number;
  columns: ColumnView[];
  categories: CategoryView[];
  cards: CardView[];
  facts: Map<string, RequestFact>;
  organisations: Array<{ id: string; shortName: string; color?: string }>;
  offers: Array<{ organisationId: string; category: string; capacity: number }>;
  staleDays: number;
}

const DAY = 86400_000;

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

function liveCards(input: Pick<OverviewInput, "cards" | "facts">): CardView[] {
  return input.cards.filter((c) => !c.archived && !input.facts.get(c.id)?.mergedInto);
}

/** A column's stage by id; a card pointing at an unknown column counts with the first column, where the board shows it. */
export function stageLookup(columns: readonly ColumnView[]): (columnId: string) => Stage {
  const known = new Map(columns.map((c) => [c.id, c.stage]));
  return (id) => known.get(id) ?? stageOfColumn(columns, id);
}

/**
 * The row a request counts under in "who does what": its holder; without one,
 * "none" (not picked up yet) in an intake or open column, "unheld" in a held
 * or done column (a finished request nobody held, or one whose claim is being
 * restored): a request in a held column is never "not picked up".
 */
export function holderRow(stage: Stage, holder: string | null): string {
  if (holder) return holder;
  return holderRule(stage) === "none" ? "none" : "unheld";
}

export interface MoveEvent {
  requestId: string | null;
  at: number;
  from: unknown;
  to: unknown;
  /** The stages of `from` and `to` at the time of the move (recorded since stages exist). */
  fromStage?: unknown;
  toStage?: unknown;
}

/**
 * When each request first arrived in a `done` column, from the audit of its
 * moves: the earliest move into a column whose stage is done, not counting
 * moves between two done columns. A move is judged by the stages recorded
 * with it, so a done column removed since still counts; older moves, recorded
 * without stages, by the columns' stage now.
 */
export function doneArrivals(moves: Iterable<MoveEvent>, columns: readonly ColumnView[]): Map<string, number> {
  const stage = new Map(columns.map((c) => [c.id, c.stage]));
  const out = new Map<string, number>();
  for (const m of moves) {
    const to = isStage(m.toStage) ? m.toStage : typeof m.to === "string" ? stage.get(m.to) : undefined;
    const from = isStage(m.fromStage) ? m.fromStage : typeof m.from === "string" ? stage.get(m.from) : undefined;
    if (!m.requestId || to !== "done") continue;
    if (from === "done") continue;
    const prev = out.get(m.requestId);
    if (prev === undefined || m.at < prev) out.set(m.requestId, m.at);
  }
  return out;
}

export function overview(input: OverviewInput) {
  const stageOf = stageLookup(input.columns);
  const cards = liveCards(input);
  // Open: every stage but done, wherever the columns stand.
  const open = cards.filter((c) => isActiveStage(stageOf(c.column)));
  const holderOf = (c: CardView) => input.facts.get(c.id)?.ownerOrgId ?? null;
  // Not picked up yet: nobody holds it and it waits in an intake or open column.
  const isUnclaimed = (c: CardView) => !holderOf(c) && holderRule(stageOf(c.column)) === "none";

  const byStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  for (const c of cards) byStage[stageOf(c.column)]++;

  // Who does what: category × holding organisation × column.
  const cells: Record<string, Record<string, Record<string, number>>> = {};
  for (const c of cards) {
    const org = holderRow(stageOf(c.column), holderOf(c));
    const byOrg = (cells[c.category] ??= {});
    const byCol = (byOrg[org] ??= {});
    byCol[c.column] = (byCol[c.column] ?? 0) + 1;
  }

  const capacity = new Map<string, number>();
  for (const o of input.offers) capacity.set(o.category, (capacity.get(o.category) ?? 0) + Math.max(0, o.capacity));

  const perCategory = input.categories.map((cat) => {
    const inCat = open.filter((c) => c.category === cat.id);
    const unclaimed = inCat.filter(isUnclaimed);
    const claimTimes = cards
      .filter((c) => c.category === cat.id)
      .map((c) => input.facts.get(c.id))
      .filter((f): f is RequestFact => !!f && f.firstClaimAt !== null)
      .map((f) => (f.firstClaimAt! - f.createdAt) / DAY);
    return {
      category: cat.id,
      label: cat.label,
      color: cat.color,
      open: inCat.length,
      unclaimed: unclaimed.length,
      medianDaysToClaim: round1(median(claimTimes)),
      longestUnclaimed: unclaimed
        .map((c) => ({ id: c.id, title: c.title, ageDays: Math.floor((input.now - c.createdAt) / DAY) }))
        .sort((a, b) => b.ageDays - a.ageDays)
        .slice(0, 3),
      // Demand: open requests nobody holds yet; capacity: what organisations declared free.
      demand: unclaimed.length,
      capacity: capacity.get(cat.id) ?? 0,
    };
  });

  const staleCutoff = input.now - input.staleDays * DAY;
  const stale = open
    .filter((c) => c.createdAt < staleCutoff)
    .map((c) => ({
      id: c.id,
      title: c.title,
      category: c.category,
      column: c.column,
      ageDays: Math.floor((input.now - c.createdAt) / DAY),
      holder: holderOf(c),
      unclaimed: isUnclaimed(c),
    }))
    .sort((a, b) => b.ageDays - a.ageDays);

  return {
    totals: { all: cards.length, open: open.length, unclaimed: open.filter(isUnclaimed).length, stale: stale.length },
    byStage,
    matrix: {
      categories: input.categories.map((c) => c.id),
      organisations: [...input.organisations.map((o) => o.id), "none", "unheld"],
      columns: input.columns.map((c) => c.id),
      cells,
    },
    perCategory,
    stale: stale.slice(0, 25),
  };
}

export type Overview = ReturnType<typeof overview>;

// ---------------------------------------------------------------- the report for the municipality

export interface ReportInput extends Omit<OverviewInput, "offers" | "staleDays"> {
  from: number;
  /** exclusive end */
  to: number;
}

function isoWeekStart(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
  return new Date(monday).toISOString().slice(0, 10);
}

/**
 * Anonymous figures for a period: only counts, durations, categories,
 * columns and organisation names. No reference, no person, no card text.
 */
export function report(input: ReportInput) {
  const cards = input.cards.filter((c) => !input.facts.get(c.id)?.mergedInto);
  const inPeriod = cards.filter((c) => c.createdAt >= input.from && c.createdAt < input.to);
  const colName = new Map(input.columns.map((c) => [c.id, c.name]));
  const status = (c: CardView) => (c.archived ? "Gearchiveerd" : colName.get(c.column) ?? c.column);

  const byCategory = input.categories.map((cat) => {
    const list = inPeriod.filter((c) => c.category === cat.id);
    const byStatus: Record<string, number> = {};
    for (const c of list) byStatus[status(c)] = (byStatus[status(c)] ?? 0) + 1;
    return { category: cat.id, label: cat.label, total: list.length, byStatus };
  });

  const byOrganisation = input.organisations.map((o) => ({
    organisation: o.shortName,
    entered: inPeriod.filter((c) => input.facts.get(c.id)?.createdByOrgId === o.id).length,
    holding: inPeriod.filter((c) => input.facts.get(c.id)?.ownerOrgId === o.id).length,
  }));

  const claim: number[] = [];
  const doneDurations: number[] = [];
  for (const c of inPeriod) {
    const f = input.facts.get(c.id);
    if (!f) continue;
    if (f.firstClaimAt !== null && f.firstClaimAt < input.to) claim.push((f.firstClaimAt - f.createdAt) / DAY);
    if (f.doneAt !== null && f.doneAt < input.to) doneDurations.push((f.doneAt - f.createdAt) / DAY);
  }

  const weeks = new Map<string, { created: number; done: number }>();
  for (let t = input.from; t < input.to; t += 7 * DAY) weeks.set(isoWeekStart(t), { created: 0, done: 0 });
  for (const c of cards) {
    const f = input.facts.get(c.id);
    if (c.createdAt >= input.from && c.createdAt < input.to) {
      const w = weeks.get(isoWeekStart(c.createdAt)) ?? { created: 0, done: 0 };
      w.created++;
      weeks.set(isoWeekStart(c.createdAt), w);
    }
    if (f?.doneAt && f.doneAt >= input.from && f.doneAt < input.to) {
      const w = weeks.get(isoWeekStart(f.doneAt)) ?? { created: 0, done: 0 };
      w.done++;
      weeks.set(isoWeekStart(f.doneAt), w);
    }
  }

  return {
    period: { from: new Date(input.from).toISOString().slice(0, 10), to: new Date(input.to - 1).toISOString().slice(0, 10) },
    created: inPeriod.length,
    byCategory,
    byOrganisation,
    timeToClaim: { medianDays: round1(median(claim)), count: claim.length },
    timeToDone: { medianDays: round1(median(doneDurations)), count: doneDurations.length },
    trend: [...weeks.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([week, v]) => ({ week, ...v })),
  };
}

export type Report = ReturnType<typeof report>;

function csvCell(v: string | number | null): string {
  const s = v === null ? "" : String(v);
  // Quote, and neutralise spreadsheet formulas (=, +, -, @ at the start).
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * One CSV table: section, key, sub-key, value. The volunteer places (issue
 * 15) add `places,<YYYY-MM>,<category id>:offered|filled|used` and
 * `team,<team name>,filled|used`.
 */
export function reportCsv(r: Report & { places?: PlacesReport }): string {
  const rows: Array<Array<string | number | null>> = [["section", "key", "subkey", "value"]];
  rows.push(["period", "from", "", r.period.from], ["period", "to", "", r.period.to], ["total", "created", "", r.created]);
  for (const c of r.byCategory) {
    rows.push(["category", c.label, "total", c.total]);
    for (const [s, n] of Object.entries(c.byStatus)) rows.push(["category", c.label, s, n]);
  }
  for (const o of r.byOrganisation) rows.push(["organisation", o.organisation, "entered", o.entered], ["organisation", o.organisation, "holding", o.holding]);
  rows.push(["time_to_claim", "median_days", "", r.timeToClaim.medianDays], ["time_to_claim", "count", "", r.timeToClaim.count]);
  rows.push(["time_to_done", "median_days", "", r.timeToDone.medianDays], ["time_to_done", "count", "", r.timeToDone.count]);
  for (const w of r.trend) rows.push(["trend", w.week, "created", w.created], ["trend", w.week, "done", w.done]);
  for (const p of r.places?.rows ?? []) {
    rows.push(["places", p.month, `${p.category}:offered`, p.offered], ["places", p.month, `${p.category}:filled`, p.filled], ["places", p.month, `${p.category}:used`, p.used]);
  }
  for (const t of r.places?.teams ?? []) rows.push(["team", t.team, "filled", t.filled], ["team", t.team, "used", t.used]);
  return rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
