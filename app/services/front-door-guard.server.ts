/**
 * The public front door's spam and abuse defences (issue 15), without any
 * third-party service. The front door's routes call, in this order:
 *
 * - `formGuard(svc, allianceId)` when they hand out the form: a signed form
 *   token (alliance + the time it was issued) and, while a flood is on, a
 *   signed proof-of-work challenge;
 * - `admitSubmission(svc, …)` before anything is stored: the honeypot, the
 *   token (signature, minimum fill time, maximum age, used once), the
 *   alliance's daily cap, the proof-of-work while a flood is on
 *   (signature, age, difficulty, used once) and the address's budget. Cheapest
 *   first; no board document is touched, and at most three indexed counts
 *   in SQL are read;
 * - `recordAccepted(svc, …)` after the item is stored (it counts from then on).
 *
 * Addresses are never stored or logged: the budget counts by `addressKey`,
 * an HMAC of the address (an IPv6 address by its /64) with a random secret
 * that is replaced every Amsterdam day, so yesterday's keys (stored with the
 * items) cannot be tied to any address by anyone, not even with the database
 * and a backup. One server keeps it in its memory (a restart starts new keys:
 * the day's budgets start afresh; refusals stay cheap); several servers share
 * it through Redis until shortly after its day ends (`GuardStore`,
 * server/cluster/front-door-store.ts).
 *
 * Tokens and challenges are used once: their nonces are remembered until
 * they would have expired anyway (a token is good for 2 hours, a challenge 15
 * minutes), in memory (a restart forgets them) or, with several servers, in
 * Redis as keyed hashes, so one used on one server is refused on another.
 *
 * Refusals are counted per code and logged at most once a minute, with
 * counts only.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  ADDRESS_PER_HOUR,
  FLOOD_WINDOW_MS,
  POW_DIFFICULTY,
  POW_MAX_AGE_MS,
  MAX_FORM_AGE_MS,
  amsterdamDayBounds,
  budgetUse,
  capReached,
  challengeText,
  floodOn,
  formTokenText,
  judgeAddressBudget,
  judgeFillTime,
  meetsDifficulty,
  parseChallenge,
  parseFormToken,
  powInput,
  splitPow,
} from "../board/front-door-guard";
import type { AsyncDb } from "../../db/client";
import { allianceSecretOrNull } from "../../db/duplicates";
import { addressUse, allianceItemsSince, allianceLoad, frontDoorDailyCap, setFrontDoorDailyCap as setFrontDoorDailyCapRow } from "../../db/front-door-guard";
import type { AppServices } from "./context.server";
import { MemoryStore, addressKey as addressPrefix, retryAfterSeconds } from "./limits.server";

export type GuardCode = "honeypot" | "too_fast" | "token_invalid" | "address_budget" | "daily_cap" | "pow_required" | "pow_invalid";

export const GUARD_CODES: readonly GuardCode[] = ["honeypot", "too_fast", "token_invalid", "address_budget", "daily_cap", "pow_required", "pow_invalid"];

export interface FormGuard {
  token: string;
  pow: null | { challenge: string; difficulty: number };
}

export type Admission =
  | { ok: true; addressKey: string }
  | {
      ok: false;
      status: 403 | 422 | 429;
      code: GuardCode;
      retryAfterSeconds?: number;
      /** With `pow_required` and `pow_invalid`: a fresh challenge to solve and send again (the JSON API has no form to show it in). */
      pow?: { challenge: string; difficulty: number };
    };

type Svc = Pick<AppServices, "async" | "env" | "now">;

// ------------------------------------------------------------------ what servers share

/**
 * What must be the same on every server of an installation: the day's
 * secret for address keys and the nonces already used. In this process's
 * memory (`MemoryGuardStore`, one server) or in Redis (several).
 */
export interface GuardStore {
  /** The secret (32 bytes) address keys are made with on `day` (Amsterdam), which ends at `endsAt`. */
  daySecret(day: string, endsAt: number, now: number): Promise<Buffer>;
  /** Take `key` (a kind and a nonce) once for `windowMs`: false when it was taken before, here or elsewhere. */
  spend(key: string, windowMs: number, now: number): Promise<boolean>;
}

/** One server's guard store: everything in its memory. */
export class MemoryGuardStore implements GuardStore {
  private secret: { day: string; key: Buffer } | null = null;
  private readonly spent = new MemoryStore({ maxKeys: 200_000 });

  /** Synchronous, for the Redis store's fallback while Redis is away. */
  secretNow(day: string): Buffer {
    if (this.secret?.day !== day) this.secret = { day, key: randomBytes(32) };
    return this.secret.key;
  }

  /** Synchronous, for the Redis store (it remembers here what it took or saw taken). */
  spendNow(key: string, windowMs: number, now: number): boolean {
    if (this.spent.get(key, now)) return false;
    this.spent.add(key, 1, windowMs, now);
    return true;
  }

  async daySecret(day: string): Promise<Buffer> {
    return this.secretNow(day);
  }

  async spend(key: string, windowMs: number, now: number): Promise<boolean> {
    return this.spendNow(key, windowMs, now);
  }
}

// ------------------------------------------------------------------ state per server

interface GuardState {
  /** Per alliance: the key tokens and challenges are signed with (derived from its match secret). */
  macKeys: Map<string, Buffer>;
  /** The day's secret and the used nonces, unless the server registered a store of its own. */
  store: MemoryGuardStore;
  /** Refusals and admissions since the last log line. */
  counts: Record<string, number>;
  lastLog: number;
}

// Kept on globalThis, found by the database handle, as the limits are: the
// Remix build carries its own copy of this module.
const REGISTRY = Symbol.for("alliantiebord.front-door-guard");
const registry: WeakMap<AsyncDb, GuardState> = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= new WeakMap()) as WeakMap<AsyncDb, GuardState>;
// The store each running server registered for its services object (server/app.ts): two servers in one process keep their own.
const STORES = Symbol.for("alliantiebord.front-door-guard.stores");
const stores: WeakMap<object, GuardStore> = ((globalThis as Record<symbol, unknown>)[STORES] ??= new WeakMap()) as WeakMap<object, GuardStore>;

function state(svc: Svc): GuardState {
  let s = registry.get(svc.async);
  if (!s) {
    s = { macKeys: new Map(), store: new MemoryGuardStore(), counts: {}, lastLog: 0 };
    registry.set(svc.async, s);
  }
  return s;
}

/** The server's guard store for its services (server/app.ts, before any request): memory, or Redis with several servers. */
export function registerGuardStore(svc: object, store: GuardStore): void {
  stores.set(svc, store);
}

function guardStore(svc: Svc): GuardStore {
  return stores.get(svc) ?? state(svc).store;
}

async function macKey(svc: Svc, allianceId: string): Promise<Buffer | null> {
  const st = state(svc);
  let k = st.macKeys.get(allianceId);
  if (!k) {
    const secret = await allianceSecretOrNull(svc.async, allianceId);
    if (!secret) return null;
    k = createHmac("sha256", secret).update("front-door-guard:v1").digest();
    st.macKeys.set(allianceId, k);
  }
  return k;
}

function mac(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text).digest("base64url").slice(0, 32);
}

function macMatches(key: Buffer, text: string, given: string): boolean {
  const want = Buffer.from(mac(key, text));
  const got = Buffer.from(given);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Take a nonce once: false when it was used before (on any server). */
function spend(svc: Svc, kind: "t" | "p", nonce: string, windowMs: number): Promise<boolean> {
  return guardStore(svc).spend(`${kind}:${nonce}`, windowMs, svc.now());
}

function count(svc: Svc, allianceId: string, what: string): void {
  const st = state(svc);
  st.counts[what] = (st.counts[what] ?? 0) + 1;
  const now = svc.now();
  if (now - st.lastLog < 60_000) return;
  st.lastLog = now;
  const counts = st.counts;
  st.counts = {};
  // Counts and codes only: never an address, key, text or contact.
  if (svc.env.LOG_LEVEL === "info" || svc.env.LOG_LEVEL === "debug") {
    console.log(JSON.stringify({ t: new Date(now).toISOString(), lvl: "info", msg: "front door guard", lastAlliance: allianceId, ...counts }));
  }
}

// ------------------------------------------------------------------ address keys

/**
 * The key an address is counted under today: HMAC with the day's secret of
 * the alliance and the address (an IPv6 address by its /64). 22 characters.
 */
export async function addressKeyFor(svc: Svc, allianceId: string, address: string): Promise<string> {
  const now = svc.now();
  const { day, end } = amsterdamDayBounds(now);
  const secret = await guardStore(svc).daySecret(day, end, now);
  return createHmac("sha256", secret).update(`${allianceId}|${addressPrefix(address)}`).digest("base64url").slice(0, 22);
}

// ------------------------------------------------------------------ the flood

interface Load {
  recent: number;
  today: number;
  cap: number;
  dayEnd: number;
}

async function load(svc: Svc, allianceId: string): Promise<Load> {
  const now = svc.now();
  const day = amsterdamDayBounds(now);
  const l = await allianceLoad(svc.async, allianceId, now - FLOOD_WINDOW_MS, day.start);
  return { recent: l.recent, today: l.today, cap: l.cap ?? 0, dayEnd: day.end };
}

/** Whether the alliance's front door asks for the proof-of-work now. */
export async function floodIsOn(svc: Svc, allianceId: string): Promise<boolean> {
  return floodOn(await load(svc, allianceId));
}

// ------------------------------------------------------------------ the form

function issueChallenge(svc: Svc, key: Buffer, allianceId: string): { challenge: string; difficulty: number } {
  const text = challengeText(allianceId, svc.now(), POW_DIFFICULTY, randomBytes(16).toString("base64url"));
  return { challenge: `${text}.${mac(key, text)}`, difficulty: POW_DIFFICULTY };
}

/**
 * The hidden fields of the public form: a signed token with the time it was
 * issued, and a challenge while a flood is on. A form shown again after a
 * refusal passes its `previousToken`: the new token keeps the first one's
 * time (the person has been filling in since then).
 */
export async function formGuard(svc: Svc, allianceId: string, opts: { previousToken?: unknown } = {}): Promise<FormGuard> {
  const key = await macKey(svc, allianceId);
  if (!key) throw new Error("formGuard: unknown alliance");
  const now = svc.now();
  let issuedAt = now;
  const prev = parseFormToken(opts.previousToken);
  if (prev && prev.allianceId === allianceId && macMatches(key, prev.signed, prev.mac) && prev.issuedAt <= now && now - prev.issuedAt < MAX_FORM_AGE_MS) {
    issuedAt = prev.issuedAt;
  }
  const text = formTokenText(allianceId, issuedAt, randomBytes(16).toString("base64url"));
  return { token: `${text}.${mac(key, text)}`, pow: (await floodIsOn(svc, allianceId)) ? issueChallenge(svc, key, allianceId) : null };
}

// ------------------------------------------------------------------ admission

function refuse(svc: Svc, allianceId: string, status: 403 | 422 | 429, code: GuardCode, retryAfterMs?: number): Admission {
  count(svc, allianceId, code);
  return retryAfterMs === undefined ? { ok: false, status, code } : { ok: false, status, code, retryAfterSeconds: retryAfterSeconds(retryAfterMs) };
}

export interface SubmissionInput {
  allianceId: string;
  /** The client's address (clientAddress in limits.server.ts); only its keyed hash leaves this function. */
  address: string;
  /** The honeypot field's value: anything but empty or absent is a script. */
  honeypot: unknown;
  token: unknown;
  /** The page's solved challenge, `<challenge>:<solution>` (GUARD_FIELDS.pow), or absent. */
  powSolution: unknown;
  /**
   * "form" (the default): the public page's form, which must carry its
   * token. "api": `POST /api/public/<slug>/requests` from an embedding
   * website, which never saw our form: no token needed (one sent is still
   * checked); the honeypot, cap, proof-of-work and budget apply alike.
   */
  channel?: "form" | "api";
}

/**
 * Whether a submission may be stored. Refusals, cheapest check first:
 * 422 `honeypot`; 403 `token_invalid` (no token on a form, a wrong signature or
 * alliance, older than 2 hours, used before); 422 `too_fast` (sent within 3
 * seconds of the form; Retry-After); 429 `daily_cap` (until midnight);
 * 403 `pow_required` / `pow_invalid` while a flood is on; 429
 * `address_budget` (5 an hour, 20 a day; a spam-marked item weighs 10).
 */
export async function admitSubmission(svc: Svc, input: SubmissionInput): Promise<Admission> {
  const { allianceId } = input;
  if (input.honeypot !== undefined && input.honeypot !== null && input.honeypot !== "") return refuse(svc, allianceId, 422, "honeypot");

  const key = await macKey(svc, allianceId);
  if (!key) return refuse(svc, allianceId, 403, "token_invalid");
  const now = svc.now();
  const tokenSent = input.token !== undefined && input.token !== null && input.token !== "";
  if (input.channel !== "api" || tokenSent) {
    const token = parseFormToken(input.token);
    if (!token || token.allianceId !== allianceId || !macMatches(key, token.signed, token.mac)) return refuse(svc, allianceId, 403, "token_invalid");
    const fill = judgeFillTime(token.issuedAt, now);
    if (!fill.ok) return fill.code === "too_fast" ? refuse(svc, allianceId, 422, "too_fast", fill.retryAfterMs) : refuse(svc, allianceId, 403, "token_invalid");
    if (!(await spend(svc, "t", token.nonce, MAX_FORM_AGE_MS))) return refuse(svc, allianceId, 403, "token_invalid");
  }

  const l = await load(svc, allianceId);
  // Full for today: no work to ask for.
  if (capReached(l.today, l.cap)) return refuse(svc, allianceId, 429, "daily_cap", l.dayEnd - now);
  if (floodOn(l)) {
    if (input.powSolution === undefined || input.powSolution === null || input.powSolution === "") {
      return { ...refuse(svc, allianceId, 403, "pow_required"), pow: issueChallenge(svc, key, allianceId) } as Admission;
    }
    const pow = splitPow(input.powSolution);
    const ch = pow && parseChallenge(pow.challenge);
    if (
      !pow ||
      !ch ||
      ch.allianceId !== allianceId ||
      !macMatches(key, ch.signed, ch.mac) ||
      ch.difficulty < POW_DIFFICULTY ||
      now - ch.issuedAt > POW_MAX_AGE_MS ||
      ch.issuedAt > now + 60_000 ||
      !meetsDifficulty(createHash("sha256").update(powInput(pow.challenge, pow.solution)).digest(), ch.difficulty) ||
      !(await spend(svc, "p", ch.nonce, POW_MAX_AGE_MS))
    ) {
      return { ...refuse(svc, allianceId, 403, "pow_invalid"), pow: issueChallenge(svc, key, allianceId) } as Admission;
    }
  }

  const addressKey = await addressKeyFor(svc, allianceId, input.address);
  const day = amsterdamDayBounds(now);
  const hourAgo = now - 3600_000;
  const use = await addressUse(svc.async, addressKey, hourAgo, day.start);
  const verdict = judgeAddressBudget({ hour: budgetUse(use.hour, use.hourSpam), day: budgetUse(use.day, use.daySpam) });
  if (!verdict.ok) {
    // The day's budget is back at midnight (a new key); the hour's when its oldest item is an hour old.
    const wait = verdict.window === "day" || use.hourOldest === null ? day.end - now : Math.min(day.end - now, use.hourOldest + 3600_000 - now);
    return refuse(svc, allianceId, 429, "address_budget", wait);
  }
  return { ok: true, addressKey };
}

/** After the item is stored (with `addressKey` in front_door_items): counted for the log. */
export function recordAccepted(svc: Svc, input: { allianceId: string; addressKey: string }): void {
  count(svc, input.allianceId, "accepted");
}

/** For tests and the bench: the budget an address has left this hour (spam marks included). */
export async function addressHourLeft(svc: Svc, allianceId: string, address: string): Promise<number> {
  const now = svc.now();
  const key = await addressKeyFor(svc, allianceId, address);
  const day = amsterdamDayBounds(now);
  const use = await addressUse(svc.async, key, now - 3600_000, day.start);
  return Math.max(0, ADDRESS_PER_HOUR - budgetUse(use.hour, use.hourSpam));
}

// ------------------------------------------------------------------ the daily cap

export const DAILY_CAP_MAX = 100_000;

/** The alliance's daily cap and how many items came in today (for /beheer). */
export async function frontDoorCapSummary(svc: Svc, allianceId: string): Promise<{ cap: number; today: number }> {
  const day = amsterdamDayBounds(svc.now());
  return { cap: (await frontDoorDailyCap(svc.async, allianceId)) ?? 0, today: await allianceItemsSince(svc.async, allianceId, day.start) };
}

/** A coordinator sets the daily cap: a whole number 0..100000 (0 closes the front door to new items). */
export async function setFrontDoorCap(
  svc: Svc,
  user: { role: string; allianceId: string },
  value: unknown,
): Promise<{ ok: true; cap: number } | { ok: false; status: 403 | 422; error: "forbidden" | "capRange" }> {
  if (user.role !== "coordinator") return { ok: false, status: 403, error: "forbidden" };
  const n = typeof value === "number" ? value : typeof value === "string" && /^\s*\d{1,7}\s*$/.test(value) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > DAILY_CAP_MAX) return { ok: false, status: 422, error: "capRange" };
  await setFrontDoorDailyCapRow(svc.async, user.allianceId, n);
  return { ok: true, cap: n };
}
