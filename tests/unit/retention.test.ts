/**
 * The retention rule: which requests the daily sweep anonymises, the months
 * a coordinator may choose, the cutoff in calendar months, and what an
 * anonymised card keeps.
 */
import { describe, expect, it } from "vitest";
import {
  anonymisedCard,
  checkRetentionMonths,
  finishedSince,
  isDueForRetention,
  retentionCutoff,
  type RetentionFacts,
} from "../../app/board/retention";
import { describeActivity, type ActivityNames } from "../../app/components/board/activity/describe";
import { translator } from "../../app/i18n";
import type { ActivityEntry } from "../../app/lib/sync-client";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3, 9, 30);

const facts = (over: Partial<RetentionFacts>): RetentionFacts => ({
  stage: "done",
  archived: false,
  anonymisedAt: null,
  closedAt: null,
  lastActivityAt: NOW,
  ...over,
});

describe("retention months", () => {
  it("takes whole months from 1 to 120, numbers or digits", () => {
    expect(checkRetentionMonths(12)).toEqual({ ok: true, value: 12 });
    expect(checkRetentionMonths("6")).toEqual({ ok: true, value: 6 });
    expect(checkRetentionMonths(1)).toEqual({ ok: true, value: 1 });
    expect(checkRetentionMonths(120)).toEqual({ ok: true, value: 120 });
  });
  it("refuses what is out of bounds (range) or not a number (type)", () => {
    for (const v of [0, -3, 121, 1.5, "0", "999"]) expect(checkRetentionMonths(v)).toEqual({ ok: false, error: "range" });
    for (const v of ["", "twaalf", null, true, {}, Number.NaN, Infinity]) expect(checkRetentionMonths(v)).toEqual({ ok: false, error: "type" });
  });
});

describe("retentionCutoff", () => {
  it("goes back calendar months at the same time of day", () => {
    expect(retentionCutoff(NOW, 12)).toBe(Date.UTC(2025, 11, 3, 9, 30));
    expect(retentionCutoff(NOW, 1)).toBe(Date.UTC(2026, 10, 3, 9, 30));
    expect(retentionCutoff(NOW, 14)).toBe(Date.UTC(2025, 9, 3, 9, 30));
  });
  it("ends on the last day of a shorter month", () => {
    expect(retentionCutoff(Date.UTC(2026, 2, 31), 1)).toBe(Date.UTC(2026, 1, 28));
    expect(retentionCutoff(Date.UTC(2024, 2, 31), 1)).toBe(Date.UTC(2024, 1, 29));
    expect(retentionCutoff(Date.UTC(2026, 4, 31), 1)).toBe(Date.UTC(2026, 3, 30));
  });
});

describe("which requests are due", () => {
  const cutoff = retentionCutoff(NOW, 12);
  const old = cutoff - DAY;
  const recent = cutoff + DAY;

  it("a request done or archived before the cutoff", () => {
    expect(isDueForRetention(facts({ stage: "done", closedAt: old }), cutoff)).toBe(true);
    expect(isDueForRetention(facts({ stage: "open", archived: true, closedAt: old }), cutoff)).toBe(true);
    expect(isDueForRetention(facts({ stage: "held", archived: true, closedAt: cutoff }), cutoff)).toBe(true);
  });
  it("not one finished after the cutoff", () => {
    expect(isDueForRetention(facts({ stage: "done", closedAt: recent }), cutoff)).toBe(false);
    expect(isDueForRetention(facts({ archived: true, closedAt: cutoff + 1 }), cutoff)).toBe(false);
  });
  it("never an open one, however old", () => {
    for (const stage of ["intake", "open", "held"] as const) {
      expect(isDueForRetention(facts({ stage, closedAt: old - 400 * DAY, lastActivityAt: old - 400 * DAY }), cutoff)).toBe(false);
    }
  });
  it("never one anonymised before", () => {
    expect(isDueForRetention(facts({ closedAt: old, anonymisedAt: old + 1 }), cutoff)).toBe(false);
  });
  it("counts from the last activity when no audit event says when it was finished", () => {
    expect(finishedSince({ closedAt: null, lastActivityAt: old })).toBe(old);
    expect(isDueForRetention(facts({ closedAt: null, lastActivityAt: old }), cutoff)).toBe(true);
    expect(isDueForRetention(facts({ closedAt: null, lastActivityAt: recent }), cutoff)).toBe(false);
  });
  it("counts from the newest finishing event, not the last activity", () => {
    // Finished recently, after a long quiet time before: not due.
    expect(isDueForRetention(facts({ closedAt: recent, lastActivityAt: old }), cutoff)).toBe(false);
  });
});

describe("anonymisedCard", () => {
  const card = {
    id: "r1",
    title: "Mevrouw K. zoekt woning Emmen",
    category: "wonen",
    column: "afgerond",
    order: "a0",
    archived: true,
    description: "Belt op 06-12345678",
    area: "Emmerhout",
    urgency: "hoog",
    createdAt: 1,
    createdByOrg: "coa",
    updatedAt: 2,
    stray: "onbekend veld met tekst",
  };
  it("keeps where it stands and its category; the texts go, also unknown fields", () => {
    const a = anonymisedCard(card, "Wonen");
    expect(a).toEqual({
      id: "r1",
      title: "Wonen",
      category: "wonen",
      column: "afgerond",
      order: "a0",
      archived: true,
      description: "",
      area: "",
      urgency: "hoog",
      createdAt: 1,
      createdByOrg: "coa",
      updatedAt: 2,
    });
    expect(JSON.stringify(a)).not.toMatch(/Mevrouw|06-1234|Emmerhout|onbekend/);
  });
});

describe("the sweep's line in the activity panel", () => {
  const names: ActivityNames = { cardTitle: () => undefined, columns: [], categoryById: new Map(), orgName: () => undefined };
  const entry = (data: Record<string, unknown>): ActivityEntry => ({
    id: 9,
    boardId: "b",
    requestId: null,
    type: "retention_sweep",
    data,
    createdAt: NOW,
    userId: null,
    userName: null,
    orgId: null,
    orgName: null,
  });
  it("says how many requests the retention made anonymous, in Dutch and English", () => {
    expect(describeActivity(translator("nl"), entry({ months: 12, requests: 3, comments: 2, contacts: 1 }), names)).toBe(
      "De bewaartermijn (12 maanden) verstreek voor 3 aanvragen: ze zijn anoniem gemaakt",
    );
    expect(describeActivity(translator("nl"), entry({ months: 6, requests: 1 }), names)).toBe("De bewaartermijn (6 maanden) verstreek voor 1 aanvraag: die is anoniem gemaakt");
    expect(describeActivity(translator("en"), entry({ months: 24, requests: 5 }), names)).toBe("The retention (24 months) ran out for 5 requests: they were anonymised");
  });
});
