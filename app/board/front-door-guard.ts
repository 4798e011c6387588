/**
 * The rules of the public front door's spam and abuse defences (issue 15),
 * pure: no IO, no clock, no crypto library. The server
 * (app/services/front-door-guard.server.ts) signs, hashes and counts; the
 * browser's proof-of-work solver (app/pow/solve.ts) hashes with WebCrypto.
 * Both use the arithmetic here.
 */
import { amsterdamDay, amsterdamToMs } from "./meeting-time";

/** Minimum time between the form being handed out and sent back: faster is a script. */
export const MIN_FILL_MS = 3_000;
/** A form older than this is refused (reload the page): tokens cannot be hoarded for a flood. */
export const MAX_FORM_AGE_MS = 2 * 3600_000;

/** Items per address key: per hour and per calendar day. */
export const ADDRESS_PER_HOUR = 5;
export const ADDRESS_PER_DAY = 20;
/** What an item marked as spam weighs in its address key's budget (one mark: the hour gone, two: the day). */
export const SPAM_WEIGHT = 10;

/** The flood: this many accepted items of one alliance within FLOOD_WINDOW_MS turns the challenge on. */
export const FLOOD_ITEMS = 20;
export const FLOOD_WINDOW_MS = 10 * 60_000;
/** ... or this share of the daily cap taken today. */
export const FLOOD_CAP_SHARE = 0.8;

/**
 * Leading zero bits the proof-of-work asks: 2^14 ≈ 16,000 SHA-256 hashes
 * expected. WebCrypto in batches of 256 does ~30,000 a second on one
 * loaded server core (measured), a cheap phone perhaps a third of that:
 * about 0.5 s here and 1–3 s there, and one hash for the server to check.
 */
export const POW_DIFFICULTY = 14;
/** A challenge is good this long after it was issued. */
export const POW_MAX_AGE_MS = 15 * 60_000;

/** The names of the guard's fields in the public form. */
export const GUARD_FIELDS = {
  /** The honeypot: hidden from people (not shown, not focusable, not read out); scripts fill it. */
  honeypot: "website",
  token: "formToken",
  /** The solved proof-of-work: powInput(challenge, solution), filled by the page's script. */
  pow: "pow",
} as const;

// ------------------------------------------------------------------ tokens

/**
 * A form token: `f1.<allianceId>.<issuedAt base36>.<nonce>.<mac>` and a
 * challenge: `p1.<allianceId>.<issuedAt base36>.<difficulty>.<nonce>.<mac>`,
 * where mac is the server's HMAC over everything before it. These read the
 * parts; whether the mac is right is the server's to check.
 */
export interface FormTokenParts {
  allianceId: string;
  issuedAt: number;
  nonce: string;
  signed: string;
  mac: string;
}

export interface ChallengeParts extends FormTokenParts {
  difficulty: number;
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const B64_RE = /^[A-Za-z0-9_-]{16,64}$/;
const TIME_RE = /^[0-9a-z]{1,12}$/;

export function formTokenText(allianceId: string, issuedAt: number, nonce: string): string {
  return `f1.${allianceId}.${issuedAt.toString(36)}.${nonce}`;
}

export function challengeText(allianceId: string, issuedAt: number, difficulty: number, nonce: string): string {
  return `p1.${allianceId}.${issuedAt.toString(36)}.${difficulty}.${nonce}`;
}

/** The parts of a form token, or null when it is not one (wrong shape, too long, not a string). */
export function parseFormToken(token: unknown): FormTokenParts | null {
  if (typeof token !== "string" || token.length > 300) return null;
  const p = token.split(".");
  if (p.length !== 5 || p[0] !== "f1") return null;
  const [, allianceId, at, nonce, mac] = p;
  if (!ID_RE.test(allianceId) || !TIME_RE.test(at) || !B64_RE.test(nonce) || !B64_RE.test(mac)) return null;
  return { allianceId, issuedAt: parseInt(at, 36), nonce, mac, signed: p.slice(0, 4).join(".") };
}

/** The parts of a proof-of-work challenge, or null. */
export function parseChallenge(challenge: unknown): ChallengeParts | null {
  if (typeof challenge !== "string" || challenge.length > 300) return null;
  const p = challenge.split(".");
  if (p.length !== 6 || p[0] !== "p1") return null;
  const [, allianceId, at, diff, nonce, mac] = p;
  if (!ID_RE.test(allianceId) || !TIME_RE.test(at) || !/^\d{1,2}$/.test(diff) || !B64_RE.test(nonce) || !B64_RE.test(mac)) return null;
  const difficulty = Number(diff);
  if (difficulty < 1 || difficulty > 32) return null;
  return { allianceId, issuedAt: parseInt(at, 36), difficulty, nonce, mac, signed: p.slice(0, 5).join(".") };
}

export type FillTimeVerdict = { ok: true } | { ok: false; code: "too_fast"; retryAfterMs: number } | { ok: false; code: "token_invalid" };

/** Whether a form handed out at `issuedAt` may be sent at `now`: not faster than MIN_FILL_MS, not older than MAX_FORM_AGE_MS. */
export function judgeFillTime(issuedAt: number, now: number): FillTimeVerdict {
  const age = now - issuedAt;
  // A token from the future was not made by this server's clock.
  if (age < -60_000 || age > MAX_FORM_AGE_MS) return { ok: false, code: "token_invalid" };
  if (age < MIN_FILL_MS) return { ok: false, code: "too_fast", retryAfterMs: MIN_FILL_MS - Math.max(0, age) };
  return { ok: true };
}

// ------------------------------------------------------------------ budgets

/** An address key's items: each counts 1, a spam-marked one SPAM_WEIGHT. */
export function budgetUse(items: number, spamItems: number): number {
  return items - spamItems + spamItems * SPAM_WEIGHT;
}

export type BudgetVerdict = { ok: true } | { ok: false; window: "hour" | "day" };

/** Whether one more item fits the address budget, from its use in the last hour and today. */
export function judgeAddressBudget(use: { hour: number; day: number }): BudgetVerdict {
  if (use.day + 1 > ADDRESS_PER_DAY) return { ok: false, window: "day" };
  if (use.hour + 1 > ADDRESS_PER_HOUR) return { ok: false, window: "hour" };
  return { ok: true };
}

/** Whether one more item fits the alliance's daily cap. */
export function capReached(today: number, cap: number): boolean {
  return today + 1 > cap;
}

/** Whether the proof-of-work challenge is on: a burst of accepted items, or the day's cap nearly taken. */
export function floodOn(f: { recent: number; today: number; cap: number }): boolean {
  return f.recent >= FLOOD_ITEMS || f.today >= Math.ceil(f.cap * FLOOD_CAP_SHARE);
}

// ------------------------------------------------------------------ proof of work

/** What is hashed for a solution: the challenge, a colon, the solution. */
export function powInput(challenge: string, solution: string): string {
  return `${challenge}:${solution}`;
}

/** A sent proof-of-work (`<challenge>:<solution>`, solution a decimal counter of at most 12 digits) split, or null. */
export function splitPow(pow: unknown): { challenge: string; solution: string } | null {
  if (typeof pow !== "string" || pow.length > 320) return null;
  const i = pow.lastIndexOf(":");
  if (i < 0) return null;
  const solution = pow.slice(i + 1);
  if (!/^\d{1,12}$/.test(solution)) return null;
  return { challenge: pow.slice(0, i), solution };
}

/** The number of zero bits a digest starts with. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Whether SHA-256(powInput(challenge, solution)) — given as `digest` — meets the difficulty. */
export function meetsDifficulty(digest: Uint8Array, difficulty: number): boolean {
  return leadingZeroBits(digest) >= difficulty;
}

// ------------------------------------------------------------------ the day

let lastDay: { day: string; start: number; end: number } | null = null;

/** The Amsterdam calendar day `now` lies in: its start and the next day's start (ms). The last answer is kept (every submission asks). */
export function amsterdamDayBounds(now: number): { day: string; start: number; end: number } {
  if (lastDay && now >= lastDay.start && now < lastDay.end) return lastDay;
  return (lastDay = computeDayBounds(now));
}

function computeDayBounds(now: number): { day: string; start: number; end: number } {
  const day = amsterdamDay(now);
  const next = new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)) + 1)).toISOString().slice(0, 10);
  return { day, start: amsterdamToMs(day, "00:00")!, end: amsterdamToMs(next, "00:00")! };
}
