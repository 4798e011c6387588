/**
 * The front door guard's pure rules (app/board/front-door-guard.ts): token
 * and challenge shapes, fill time, budget arithmetic with spam marks, the
 * flood rule, the Amsterdam day, and the proof-of-work: a challenge solved
 * here with SHA-256 and checked, a wrong solution refused.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ADDRESS_PER_DAY,
  ADDRESS_PER_HOUR,
  FLOOD_ITEMS,
  MAX_FORM_AGE_MS,
  MIN_FILL_MS,
  SPAM_WEIGHT,
  amsterdamDayBounds,
  budgetUse,
  capReached,
  challengeText,
  floodOn,
  formTokenText,
  judgeAddressBudget,
  judgeFillTime,
  leadingZeroBits,
  meetsDifficulty,
  parseChallenge,
  parseFormToken,
  powInput,
  splitPow,
} from "~/board/front-door-guard";

const sha = (s: string) => new Uint8Array(createHash("sha256").update(s).digest());
const NONCE = "AAAAAAAAAAAAAAAAAAAAAA";
const MAC = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

describe("tokens and challenges", () => {
  it("reads a form token and a challenge it wrote, and what it signed", () => {
    const text = formTokenText("alliance_1", 1_700_000_000_000, NONCE);
    const t = parseFormToken(`${text}.${MAC}`);
    expect(t).toEqual({ allianceId: "alliance_1", issuedAt: 1_700_000_000_000, nonce: NONCE, mac: MAC, signed: text });
    const ctext = challengeText("a-2", 1_700_000_000_123, 14, NONCE);
    expect(parseChallenge(`${ctext}.${MAC}`)).toEqual({ allianceId: "a-2", issuedAt: 1_700_000_000_123, difficulty: 14, nonce: NONCE, mac: MAC, signed: ctext });
  });

  it("refuses what is not one", () => {
    for (const bad of [undefined, null, 42, {}, "", "f1", `f2.a.1.${NONCE}.${MAC}`, `f1.a.1.${NONCE}`, `f1.a b.1.${NONCE}.${MAC}`, `f1.a.1.short.${MAC}`, `f1.a.ZZ.${NONCE}.${MAC}`, `f1.a.1.${NONCE}.${MAC}.x`, "f1." + "a".repeat(400)]) {
      expect(parseFormToken(bad)).toBeNull();
    }
    expect(parseFormToken(`${challengeText("a", 1, 14, NONCE)}.${MAC}`)).toBeNull();
    expect(parseChallenge(`${formTokenText("a", 1, NONCE)}.${MAC}`)).toBeNull();
    expect(parseChallenge(`${challengeText("a", 1, 0, NONCE)}.${MAC}`)).toBeNull();
    expect(parseChallenge(`${challengeText("a", 1, 33, NONCE)}.${MAC}`)).toBeNull();
  });
});

describe("fill time", () => {
  const t0 = 1_700_000_000_000;
  it("too fast within 3 s, with the time still to wait", () => {
    expect(judgeFillTime(t0, t0)).toEqual({ ok: false, code: "too_fast", retryAfterMs: MIN_FILL_MS });
    expect(judgeFillTime(t0, t0 + MIN_FILL_MS - 1)).toEqual({ ok: false, code: "too_fast", retryAfterMs: 1 });
    expect(judgeFillTime(t0, t0 + MIN_FILL_MS)).toEqual({ ok: true });
  });
  it("too old after 2 hours; from the future is no token of ours", () => {
    expect(judgeFillTime(t0, t0 + MAX_FORM_AGE_MS)).toEqual({ ok: true });
    expect(judgeFillTime(t0, t0 + MAX_FORM_AGE_MS + 1)).toEqual({ ok: false, code: "token_invalid" });
    expect(judgeFillTime(t0 + 120_000, t0)).toEqual({ ok: false, code: "token_invalid" });
  });
});

describe("budgets and the flood", () => {
  it("a spam mark weighs SPAM_WEIGHT items", () => {
    expect(budgetUse(3, 0)).toBe(3);
    expect(budgetUse(3, 1)).toBe(2 + SPAM_WEIGHT);
  });
  it("the address budget: the hour, then the day", () => {
    expect(judgeAddressBudget({ hour: ADDRESS_PER_HOUR - 1, day: ADDRESS_PER_HOUR - 1 })).toEqual({ ok: true });
    expect(judgeAddressBudget({ hour: ADDRESS_PER_HOUR, day: ADDRESS_PER_HOUR })).toEqual({ ok: false, window: "hour" });
    expect(judgeAddressBudget({ hour: 0, day: ADDRESS_PER_DAY - 1 })).toEqual({ ok: true });
    expect(judgeAddressBudget({ hour: 0, day: ADDRESS_PER_DAY })).toEqual({ ok: false, window: "day" });
    // One spam mark takes the hour; two take the day.
    expect(judgeAddressBudget({ hour: budgetUse(1, 1), day: budgetUse(1, 1) })).toEqual({ ok: false, window: "hour" });
    expect(judgeAddressBudget({ hour: 0, day: budgetUse(2, 2) })).toEqual({ ok: false, window: "day" });
  });
  it("the cap and the flood rule", () => {
    expect(capReached(199, 200)).toBe(false);
    expect(capReached(200, 200)).toBe(true);
    expect(capReached(0, 0)).toBe(true);
    expect(floodOn({ recent: FLOOD_ITEMS - 1, today: 0, cap: 200 })).toBe(false);
    expect(floodOn({ recent: FLOOD_ITEMS, today: FLOOD_ITEMS, cap: 200 })).toBe(true);
    expect(floodOn({ recent: 0, today: 159, cap: 200 })).toBe(false);
    expect(floodOn({ recent: 0, today: 160, cap: 200 })).toBe(true);
    expect(floodOn({ recent: 0, today: 3, cap: 4 })).toBe(false);
    expect(floodOn({ recent: 0, today: 4, cap: 5 })).toBe(true);
  });
  it("the Amsterdam day, summer and winter", () => {
    // 2026-07-01 12:00 UTC is 14:00 in Amsterdam (UTC+2).
    const summer = amsterdamDayBounds(Date.UTC(2026, 6, 1, 12));
    expect(summer).toEqual({ day: "2026-07-01", start: Date.UTC(2026, 5, 30, 22), end: Date.UTC(2026, 6, 1, 22) });
    // 23:30 UTC on 31 December is already 1 January in Amsterdam (UTC+1).
    expect(amsterdamDayBounds(Date.UTC(2026, 11, 31, 23, 30))).toEqual({ day: "2027-01-01", start: Date.UTC(2026, 11, 31, 23), end: Date.UTC(2027, 0, 1, 23) });
    // The day the clocks go back has 25 hours.
    const autumn = amsterdamDayBounds(Date.UTC(2026, 9, 25, 12));
    expect(autumn.end - autumn.start).toBe(25 * 3600_000);
  });
});

describe("proof of work", () => {
  it("counts leading zero bits", () => {
    expect(leadingZeroBits(new Uint8Array([0x80]))).toBe(0);
    expect(leadingZeroBits(new Uint8Array([0x01]))).toBe(7);
    expect(leadingZeroBits(new Uint8Array([0, 0, 0x10, 0xff]))).toBe(19);
    expect(leadingZeroBits(new Uint8Array([0, 0]))).toBe(16);
  });

  it("a solution found here by hashing is accepted; a wrong one is not", () => {
    const challenge = `${challengeText("alliance_1", 1_700_000_000_000, 12, NONCE)}.${MAC}`;
    let n = 0;
    while (!meetsDifficulty(sha(powInput(challenge, String(n))), 12)) n++;
    const sent = splitPow(powInput(challenge, String(n)));
    expect(sent).toEqual({ challenge, solution: String(n) });
    expect(leadingZeroBits(sha(powInput(sent!.challenge, sent!.solution)))).toBeGreaterThanOrEqual(12);
    // Every counter before it fails, so does a changed solution: a wrong proof is refused.
    for (let m = 0; m < n; m++) expect(meetsDifficulty(sha(powInput(challenge, String(m))), 12)).toBe(false);
    expect(meetsDifficulty(sha(powInput(challenge, String(n) + "0")), 12) && meetsDifficulty(sha(powInput(challenge, String(n) + "1")), 12)).toBe(false);
  });

  it("what a sent proof may look like", () => {
    expect(splitPow("p1.x:123")).toEqual({ challenge: "p1.x", solution: "123" });
    for (const bad of [undefined, 7, "", "p1.x", "p1.x:", "p1.x:-1", "p1.x:1e3", "p1.x:1234567890123", "x".repeat(400) + ":1"]) expect(splitPow(bad)).toBeNull();
  });
});
