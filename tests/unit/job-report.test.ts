/**
 * The report's volunteer places (app/board/job-report.ts): offered, filled
 * and used per category and month, weekly jobs month by month, the period's
 * edges on Amsterdam's clock, and matches per team.
 */
import { describe, expect, it } from "vitest";
import { monthOf, occurrences, placesReport, type ReportJob, type ReportPlace } from "../../app/board/job-report";
import { amsterdamToMs } from "../../app/board/meeting-time";

const at = (date: string, time = "10:00") => amsterdamToMs(date, time)!;
const categories = [
  { id: "werk", label: "Werk" },
  { id: "maatje", label: "Maatje & ontmoeting" },
];
const year = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2027, 0, 1) };

function job(id: string, over: Partial<ReportJob> = {}): ReportJob {
  return { id, category: "werk", places: 6, at: at("2026-03-07"), recurrence: "once", createdAt: at("2026-02-20"), doneAt: null, ...over };
}
function place(jobId: string, over: Partial<ReportPlace> = {}): ReportPlace {
  return { jobId, filledByOrgId: "coa", filledAt: at("2026-02-25"), endedAt: null, attended: null, ...over };
}

describe("places per category and month", () => {
  it("a one-off job offers its places in its month; taken places are filled, places whose person came are used", () => {
    const done = at("2026-03-07", "14:00");
    const r = placesReport({
      jobs: [job("tuin", { doneAt: done }), job("koffie", { category: "maatje", places: 4, at: at("2026-04-02") })],
      places: [
        place("tuin", { endedAt: done, attended: true }),
        place("tuin", { endedAt: done, attended: true }),
        place("tuin", { endedAt: done, attended: false }),
        place("tuin", { endedAt: done, attended: true, filledByOrgId: "vwc" }),
        place("koffie"),
      ],
      teams: [],
      categories,
      ...year,
    });
    expect(r.rows).toEqual([
      { month: "2026-03", category: "werk", label: "Werk", offered: 6, filled: 4, used: 3 },
      { month: "2026-04", category: "maatje", label: "Maatje & ontmoeting", offered: 4, filled: 1, used: 0 },
    ]);
    expect(r.totals).toEqual({ offered: 10, filled: 5, used: 3 });
  });

  it("a job without a date counts in the month it was made; the category order is the board's", () => {
    const r = placesReport({
      jobs: [job("a", { at: 0, createdAt: at("2026-05-31", "23:30") }), job("b", { category: "maatje", at: at("2026-05-10"), places: 2 })],
      places: [],
      teams: [],
      categories: [...categories].reverse(),
      ...year,
    });
    expect(r.rows.map((x) => `${x.month} ${x.category} ${x.offered}`)).toEqual(["2026-05 maatje 2", "2026-05 werk 6"]);
  });

  it("months are Amsterdam's: 00:30 on 1 March is March, though it is still February in UTC", () => {
    const early = at("2026-03-01", "00:30");
    expect(new Date(early).getUTCMonth()).toBe(1);
    expect(monthOf(early)).toBe("2026-03");
    const r = placesReport({ jobs: [job("nacht", { at: early })], places: [place("nacht")], teams: [], categories, ...year });
    expect(r.rows.map((x) => x.month)).toEqual(["2026-03"]);
  });

  it("only what takes place inside the period counts", () => {
    const jobs = [job("voor", { at: at("2026-02-27") }), job("in", { at: at("2026-03-03") }), job("na", { at: at("2026-04-01") })];
    const r = placesReport({ jobs, places: jobs.map((j) => place(j.id)), teams: [], categories, from: Date.UTC(2026, 2, 1), to: Date.UTC(2026, 3, 1) });
    expect(r.rows).toEqual([{ month: "2026-03", category: "werk", label: "Werk", offered: 6, filled: 1, used: 0 }]);
  });

  it("a weekly job offers its places in every month it runs, until it is done", () => {
    const weekly = job("week", { recurrence: "weekly", at: at("2026-03-14"), places: 5, doneAt: at("2026-05-02", "15:00") });
    expect(occurrences(weekly, year.from, year.to).map((x) => new Date(x).toISOString().slice(0, 10))).toEqual([
      "2026-03-14",
      "2026-03-21",
      "2026-03-28",
      "2026-04-04",
      "2026-04-11",
      "2026-04-18",
      "2026-04-25",
      "2026-05-02",
    ]);
    const r = placesReport({ jobs: [weekly], places: [], teams: [], categories, ...year });
    expect(r.rows.map((x) => `${x.month}:${x.offered}`)).toEqual(["2026-03:5", "2026-04:5", "2026-05:5"]);
    // Not done: it runs until the period ends.
    const open = placesReport({ jobs: [{ ...weekly, doneAt: null }], places: [], teams: [], categories, from: year.from, to: Date.UTC(2026, 6, 1) });
    expect(open.rows.map((x) => x.month)).toEqual(["2026-03", "2026-04", "2026-05", "2026-06"]);
  });

  it("a weekly job's place is filled in each month it was held for, and used in the month of its last occurrence", () => {
    const done = at("2026-05-02", "15:00");
    const weekly = job("week", { recurrence: "weekly", at: at("2026-03-14"), places: 5, doneAt: done });
    const r = placesReport({
      jobs: [weekly],
      places: [
        // Held from before the start to the end, came: filled in March, April and May, used in May.
        place("week", { endedAt: done, attended: true }),
        // Joined on 30 March, after March's last occurrence: April and May.
        place("week", { filledAt: at("2026-03-30"), endedAt: done, attended: false }),
        // Joined on the day of an occurrence, after it began: still counted for that occurrence.
        place("week", { filledAt: at("2026-04-25", "12:00"), endedAt: done, attended: true }),
      ],
      teams: [],
      categories,
      ...year,
    });
    expect(r.rows.map((x) => `${x.month}:${x.offered}/${x.filled}/${x.used}`)).toEqual(["2026-03:5/1/0", "2026-04:5/3/0", "2026-05:5/3/2"]);
  });

  it("matches per team: places filled by the team's organisations, each once, and how many were used", () => {
    const done = at("2026-03-07", "14:00");
    const weekly = job("week", { recurrence: "weekly", at: at("2026-03-14"), doneAt: at("2026-04-18") });
    const r = placesReport({
      jobs: [job("tuin", { doneAt: done }), weekly, job("oud", { at: at("2025-11-01") })],
      places: [
        place("tuin", { filledByOrgId: "coa", endedAt: done, attended: true }),
        place("tuin", { filledByOrgId: "vwc", endedAt: done, attended: false }),
        place("tuin", { filledByOrgId: "kerk", endedAt: done, attended: true }),
        place("week", { filledByOrgId: "coa", endedAt: at("2026-04-18"), attended: true }),
        place("oud", { filledByOrgId: "coa" }),
        place("tuin", { filledByOrgId: null, endedAt: done, attended: true }),
      ],
      teams: [
        { id: "t1", name: "Aan de Slag Emmen", organisationIds: ["coa", "vwc", "gemeente"] },
        { id: "t2", name: "Kerken samen", organisationIds: ["kerk", "coa"] },
        { id: "t3", name: "Leeg team", organisationIds: ["voedselbank"] },
      ],
      categories,
      ...year,
    });
    expect(r.teams).toEqual([
      { teamId: "t1", team: "Aan de Slag Emmen", filled: 3, used: 2 },
      { teamId: "t2", team: "Kerken samen", filled: 3, used: 3 },
      { teamId: "t3", team: "Leeg team", filled: 0, used: 0 },
    ]);
  });

  it("nothing offered: no rows, zero totals", () => {
    const r = placesReport({ jobs: [], places: [], teams: [], categories, ...year });
    expect(r).toEqual({ rows: [], totals: { offered: 0, filled: 0, used: 0 }, teams: [] });
  });
});
