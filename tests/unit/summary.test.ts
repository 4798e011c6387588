/**
 * "Sinds de vorige vergadering" on a scripted history: a board built with the
 * domain's own operations, read at the moment and now, with the audit rows
 * the server would have written in between, and known answers, edge cases
 * included (entered and finished in the period, moved out of done again, a
 * claim let go, a referral declined, a stale request, actions overdue, due
 * and done).
 */
import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { addCard, initBoard, moveCard, readBoard, setArchived } from "../../app/board/domain";
import {
  EMPTY_BOARD,
  SUMMARY_KEYS,
  summariseSince,
  dayOf,
  type SummaryAction,
  type SummaryEvent,
  type SummaryInput,
  type PendingDuplicate,
} from "../../app/board/summary";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 2, 12);
const SINCE = NOW - 20 * DAY;
const at = (daysAgo: number) => NOW - daysAgo * DAY;

function scripted() {
  const doc = new Y.Doc();
  initBoard(doc);
  const events: SummaryEvent[] = [];
  const log = (daysAgo: number, type: string, requestId: string, orgId: string | null, data: Record<string, unknown> = {}) => {
    if (at(daysAgo) > SINCE) events.push({ type, requestId, orgId, data, createdAt: at(daysAgo) });
  };
  const card = (id: string, daysAgo: number, org: string, category: string, column = "nieuw") => {
    addCard(doc, { id, title: `Aanvraag ${id}`, category, description: "", area: "", urgency: "normaal", createdAt: at(daysAgo), createdByOrg: org, column });
    log(daysAgo, "created", id, org, { category });
  };
  const move = (id: string, to: string, daysAgo: number, org: string) => {
    const { from } = moveCard(doc, id, to, Number.MAX_SAFE_INTEGER, at(daysAgo));
    log(daysAgo, "moved", id, org, { from, to });
  };

  // ---- before the moment
  card("old-open", 40, "taalhuis", "taal", "open"); // untouched since: stale
  card("old-held", 35, "coa", "werk", "opgepakt"); // held by coa, finished in the period
  card("was-done", 50, "vwn", "wonen", "afgerond"); // done before, moved out in the period
  card("claim-unclaim", 30, "vwn", "wonen", "open");
  card("ref-declined", 30, "coa", "werk", "opgepakt");
  card("ref-accepted", 30, "vwn", "maatje", "opgepakt");
  card("stale-held", 60, "vwn", "taal", "opgepakt"); // held by coa, quiet for a month
  card("commented", 60, "vwn", "taal", "open"); // card untouched, but SQL saw a comment lately
  card("archived-old", 60, "vwn", "taal", "open");
  setArchived(doc, "archived-old", true, at(45)); // archived: never stale
  const before = readBoard(doc);

  // ---- after the moment
  move("old-held", "afgerond", 5, "coa");
  move("was-done", "open", 3, "vwn");
  log(10, "claimed", "claim-unclaim", "taalhuis", { org: "taalhuis" });
  move("claim-unclaim", "opgepakt", 10, "taalhuis");
  log(9, "unclaimed", "claim-unclaim", "taalhuis", { org: "taalhuis" });
  move("claim-unclaim", "open", 9, "taalhuis");
  log(8, "referred", "ref-declined", "coa", { from: "coa", to: "taalhuis" });
  log(7, "referral_declined", "ref-declined", "taalhuis", { from: "coa", to: "taalhuis", reason: "vol" });
  log(6, "referred", "ref-accepted", "vwn", { from: "vwn", to: "maatjes" });
  log(5, "referral_accepted", "ref-accepted", "maatjes", { from: "vwn", to: "maatjes" });
  card("new-done", 15, "taalhuis", "taal");
  log(14, "claimed", "new-done", "taalhuis", { org: "taalhuis" });
  move("new-done", "opgepakt", 14, "taalhuis");
  move("new-done", "afgerond", 2, "taalhuis");
  card("new-open", 1, "vwn", "maatje");
  card("new-moved-out", 12, "coa", "werk");
  move("new-moved-out", "afgerond", 11, "coa");
  move("new-moved-out", "open", 10, "coa");
  const after = readBoard(doc);

  const holders = new Map<string, string | null>([
    ["old-held", "coa"],
    ["claim-unclaim", null],
    ["ref-declined", "coa"],
    ["ref-accepted", "maatjes"],
    ["stale-held", "coa"],
    ["new-done", "taalhuis"],
  ]);
  // What SQL's last_activity_at would say: claims, referrals and comments touch it.
  const lastActivity = new Map([
    ["stale-held", at(30)],
    ["commented", at(2)],
    ["claim-unclaim", at(9)],
    ["ref-declined", at(7)],
    ["ref-accepted", at(5)],
    ["new-done", at(14)],
  ]);
  const duplicates: PendingDuplicate[] = [
    { requestIds: ["new-open", "ref-accepted"], categories: ["maatje"], organisations: ["vwn", "maatjes"], foundAt: at(1) },
    { requestIds: ["old-open", "commented"], categories: ["taal"], organisations: ["taalhuis", "vwn"], foundAt: at(25) },
  ];
  const actions: SummaryAction[] = [
    { id: "a-overdue", orgId: "coa", requestId: "old-open", due: dayOf(at(2)), doneAt: null },
    { id: "a-due", orgId: "taalhuis", requestId: null, due: dayOf(at(-3)), doneAt: null },
    { id: "a-due-edge", orgId: "vwn", requestId: "new-open", due: dayOf(at(-7)), doneAt: null },
    { id: "a-done", orgId: "coa", requestId: "old-held", due: dayOf(at(5)), doneAt: at(6) },
    { id: "a-later", orgId: "coa", requestId: null, due: dayOf(at(-20)), doneAt: null },
    { id: "a-today", orgId: "coa", requestId: "stale-held", due: dayOf(NOW), doneAt: null },
  ];
  const input: SummaryInput = { before, after, sinceAt: SINCE, events, holders, lastActivity, duplicates, actions, now: NOW, staleDays: 14 };
  return input;
}

const ids = (c: { ids: string[] }) => [...c.ids].sort();

describe("summariseSince on a scripted history", () => {
  const s = summariseSince(scripted());

  it("counts every total with the cards behind it", () => {
    const got = Object.fromEntries(SUMMARY_KEYS.map((k) => [k, ids(s.totals[k])]));
    expect(got).toEqual({
      new: ["new-done", "new-moved-out", "new-open"],
      claimed: ["new-done"],
      referralsSent: ["ref-accepted", "ref-declined"],
      referralsAccepted: ["ref-accepted"],
      referralsDeclined: ["ref-declined"],
      done: ["new-done", "old-held"],
      stale: ["old-open", "stale-held"],
      duplicates: ["new-open", "ref-accepted"],
      actionsOverdue: ["old-open"],
      actionsDue: ["new-open", "stale-held"],
    });
    for (const k of SUMMARY_KEYS.filter((k) => !k.startsWith("actions") && k !== "duplicates")) {
      expect(s.totals[k].count, k).toBe(s.totals[k].ids.length);
    }
    // Duplicates count groups; actions count actions (with or without a card).
    expect(s.totals.duplicates.count).toBe(1);
    expect(s.totals.actionsOverdue).toMatchObject({ count: 1, actionIds: ["a-overdue"] });
    expect(s.totals.actionsDue.count).toBe(3);
    expect([...s.totals.actionsDue.actionIds!].sort()).toEqual(["a-due", "a-due-edge", "a-today"]);
  });

  it("a request entered and finished in the period counts as new and as done", () => {
    expect(s.totals.new.ids).toContain("new-done");
    expect(s.totals.done.ids).toContain("new-done");
  });

  it("a request moved into done and out again is not done; one that left done is not done either", () => {
    expect(s.totals.done.ids).not.toContain("new-moved-out");
    expect(s.totals.done.ids).not.toContain("was-done");
  });

  it("a claim let go again in the period is not counted as claimed", () => {
    expect(s.totals.claimed.ids).not.toContain("claim-unclaim");
    expect(s.byOrganisation.taalhuis.claimed.ids).toEqual(["new-done"]);
  });

  it("splits per category (the card's category now) and per organisation (who did it)", () => {
    const cat = (c: string) => Object.fromEntries(SUMMARY_KEYS.map((k) => [k, s.byCategory[c]?.[k].count ?? 0]).filter(([, n]) => n));
    expect(cat("taal")).toEqual({ new: 1, claimed: 1, done: 1, stale: 2, actionsOverdue: 1, actionsDue: 1 });
    expect(cat("werk")).toEqual({ new: 1, referralsSent: 1, referralsDeclined: 1, done: 1 });
    expect(cat("maatje")).toEqual({ new: 1, referralsSent: 1, referralsAccepted: 1, duplicates: 1, actionsDue: 1 });
    expect(s.byCategory.wonen).toBeUndefined();

    const org = (o: string) => Object.fromEntries(SUMMARY_KEYS.map((k) => [k, ids(s.byOrganisation[o]?.[k] ?? { ids: [] })]).filter(([, v]) => v.length || false));
    // Referrals: sent by the sender, accepted and declined by the recipient.
    expect(org("coa")).toEqual({ new: ["new-moved-out"], referralsSent: ["ref-declined"], done: ["old-held"], stale: ["stale-held"], actionsOverdue: ["old-open"], actionsDue: ["stale-held"] });
    expect(org("taalhuis")).toEqual({ new: ["new-done"], claimed: ["new-done"], referralsDeclined: ["ref-declined"], done: ["new-done"], stale: ["old-open"] });
    expect(s.byOrganisation.taalhuis.actionsDue).toMatchObject({ count: 1, ids: [], actionIds: ["a-due"] });
    expect(org("maatjes")).toEqual({ referralsAccepted: ["ref-accepted"], duplicates: ["new-open", "ref-accepted"] });
    expect(org("vwn")).toEqual({ new: ["new-open"], referralsSent: ["ref-accepted"], duplicates: ["new-open", "ref-accepted"], actionsDue: ["new-open"] });
  });

  it("stale needs no movement on the card, in SQL and in the log; archived and done requests are never stale", () => {
    expect(s.totals.stale.ids).not.toContain("commented");
    expect(s.totals.stale.ids).not.toContain("archived-old");
    const input = scripted();
    const later = summariseSince({ ...input, lastActivity: new Map() });
    expect(ids(later.totals.stale)).toEqual(["commented", "old-open", "stale-held"]);
    // A longer window leaves the month-old ones out.
    expect(ids(summariseSince({ ...input, staleDays: 35 }).totals.stale)).toEqual(["old-open"]);
  });

  it("from the board's beginning every request is new and every finished one done", () => {
    const input = scripted();
    const all = summariseSince({ ...input, before: EMPTY_BOARD, sinceAt: null });
    expect(all.totals.new.count).toBe(input.after.cards.length);
    expect(ids(all.totals.done)).toEqual(["new-done", "old-held"]);
    // Every pending duplicate is new then.
    expect(all.totals.duplicates.count).toBe(2);
  });

  it("nothing happened: zero everywhere but the standing facts", () => {
    const input = scripted();
    const none = summariseSince({ ...input, before: input.after, sinceAt: NOW, events: [], duplicates: [], actions: [] });
    for (const k of SUMMARY_KEYS.filter((k) => k !== "stale")) expect(none.totals[k].count, k).toBe(0);
    expect(ids(none.totals.stale)).toEqual(["old-open", "stale-held"]);
  });
});
