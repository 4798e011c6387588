/**
 * Two-factor login (issue 14): TOTP (RFC 6238: 30-second steps, 6 digits,
 * SHA-1, which every authenticator app reads) by otplib, recovery codes, the
 * second step of the login, and the alliance's policy.
 *
 * - The secret is sealed with DATA_KEY (seal.server.ts), bound to the person
 *   (`totp:<userId>`, `totp-pending:<userId>` until confirmed). Without a key
 *   two-factor login cannot be set up (the page says so).
 * - A code is accepted for the current step and one step either side (clock
 *   drift), and only for a step later than the last one used: a code works
 *   once, also when it is sent twice at once (db/two-factor.ts spendTimeStep
 *   checks and records in one UPDATE).
 * - 10 recovery codes of 16 characters (about 79 bits each), shown once;
 *   only their SHA-256 is stored, each works once.
 * - The login: a right password for an account with two-factor login gives
 *   no session, only a challenge (a random token in the `ab_2fa` cookie,
 *   its hash in SQL, 10 minutes, 5 wrong codes). Every code goes through
 *   the login throttle (auth.server.ts loginGate) like a password.
 */
import { createHash, randomBytes, randomInt } from "node:crypto";
import { redirect } from "@remix-run/node";
import { generateSecret, generateURI, verifySync } from "otplib";
import QRCode from "qrcode";
import { TWO_FACTOR_POLICIES, type TwoFactorPolicy } from "../../db/schema";
import {
  deleteLoginChallenge,
  disableTwoFactor,
  enableTwoFactor,
  failLoginChallenge,
  getLoginChallenge,
  getTwoFactor,
  getTwoFactorPolicy,
  insertLoginChallenge,
  replaceRecoveryCodes,
  setPendingSecret,
  setTwoFactorPolicy,
  spendRecoveryCode,
  spendTimeStep,
  twoFactorStatusOfPeople,
  unusedRecoveryCodes,
} from "../../db/two-factor";
import { findUserForLogin, getUserById } from "../../db/accounts";
import { accountLocale } from "./account.server";
import {
  checkCredentials,
  isSecureRequest,
  loginGate,
  mustChangePassword,
  parseCookies,
  sessionStartHeaders,
  twoFactorRequiredFor,
  type LoginClient,
  type SessionUser,
} from "./auth.server";
import type { AppServices } from "./context.server";
import { localeCookie } from "./locale.server";
import { dataKeyOf, open, seal } from "./seal.server";

// ------------------------------------------------------------------ codes

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** One step either side of now: what authenticator apps' clocks need, and no more. */
const TOTP_TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;
export const ISSUER = "Alliantiebord";

/** A new secret, base32 (20 random bytes, as RFC 4226 recommends for SHA-1). */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The time step a moment falls in. */
export function timeStepAt(atMs: number): number {
  return Math.floor(atMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** A typed code as six digits (spaces and dashes dropped), or null. */
export function normaliseTotpCode(input: unknown): string | null {
  if (typeof input !== "string") return null;
  const code = input.replace(/[\s-]/g, "");
  return new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code) ? code : null;
}

/**
 * Whether `code` is the secret's code for the step of `atMs` or one either
 * side, and of a step later than `afterStep` (the last one used); its step
 * when it is.
 */
export function checkTotp(secret: string, input: unknown, atMs: number, afterStep?: number): { ok: true; step: number } | { ok: false } {
  const token = normaliseTotpCode(input);
  if (!token) return { ok: false };
  let r: ReturnType<typeof verifySync>;
  try {
    r = verifySync({
    secret,
    token,
    epoch: Math.floor(atMs / 1000),
    epochTolerance: TOTP_TOLERANCE_SECONDS,
    period: TOTP_PERIOD_SECONDS,
    digits: TOTP_DIGITS,
    algorithm: "sha1",
    ...(afterStep !== undefined && afterStep > 0 ? { afterTimeStep: afterStep } : {}),
    });
  } catch {
    // The library's guardrails refuse what is no code (it throws); that is a wrong code.
    return { ok: false };
  }
  // A TOTP result carries its time step (the functional API's type is the union with HOTP's).
  const step = r.valid && "timeStep" in r ? (r as { timeStep: number }).timeStep : null;
  return typeof step === "number" ? { ok: true, step } : { ok: false };
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function totpUri(secret: string, account: string): string {
  return generateURI({ issuer: ISSUER, label: account, secret, algorithm: "sha1", digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS });
}

/**
 * The QR code of `text` as an SVG element: paths with fill and stroke
 * attributes only (no style attribute, no script, no image URL), so the
 * page shows it inline under the strict CSP.
 */
export async function qrSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 2, color: { dark: "#000000", light: "#ffffff" } });
  if (/style=|<script|href=/i.test(svg)) throw new Error("unexpected QR code markup");
  return svg.replace("<svg ", '<svg role="img" focusable="false" aria-hidden="true" ');
}

/** The secret in groups of four for typing it in by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

// ------------------------------------------------------------------ recovery codes

export const RECOVERY_CODE_COUNT = 10;
/** Letters and digits that cannot be mistaken for each other (no i, l, o, 0, 1). */
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_LENGTH = 16;

/** New recovery codes as shown ("abcd-efgh-jkmn-pqrs"). */
export function newRecoveryCodes(n = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: n }, () => {
    let s = "";
    for (let i = 0; i < RECOVERY_LENGTH; i++) s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
    return s.replace(/(.{4})(?!$)/g, "$1-");
  });
}

/** A typed recovery code without dashes, spaces or capitals, or null when it cannot be one. */
export function normaliseRecoveryCode(input: unknown): string | null {
  if (typeof input !== "string") return null;
  const s = input.toLowerCase().replace(/[\s-]/g, "");
  return s.length === RECOVERY_LENGTH && [...s].every((c) => RECOVERY_ALPHABET.includes(c)) ? s : null;
}

export function hashRecoveryCode(normalised: string): string {
  return createHash("sha256").update(`recovery-code:${normalised}`).digest("hex");
}

// ------------------------------------------------------------------ the secret, sealed

function sealKey(svc: AppServices): Buffer | null {
  return dataKeyOf(svc.env);
}

/** What a person's confirmed TOTP secret is bound to (also the start check's, contacts.server.ts dataKeyProblem). */
export const activeAad = (userId: string) => `totp:${userId}`;
const pendingAad = (userId: string) => `totp-pending:${userId}`;

/** An unconfirmed secret is shown for at most this long; then a new one is made. */
const PENDING_MS = 60 * 60_000;

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: number | null;
  disabledAt: number | null;
  /** Unused recovery codes. */
  recoveryCodesLeft: number;
  /** The alliance asks it of this person. */
  required: boolean;
  policy: TwoFactorPolicy;
  /** The server has a DATA_KEY to seal the secret with. */
  available: boolean;
}

export async function twoFactorStatus(svc: AppServices, user: SessionUser): Promise<TwoFactorStatus> {
  const row = await getTwoFactor(svc.async, user.id);
  const enabled = !!row?.enabledAt && !!row.secret;
  return {
    enabled,
    enabledAt: enabled ? row!.enabledAt : null,
    disabledAt: row?.disabledAt ?? null,
    recoveryCodesLeft: enabled ? await unusedRecoveryCodes(svc.async, user.id) : 0,
    required: twoFactorRequiredFor(user.twoFactorPolicy, user.role),
    policy: user.twoFactorPolicy,
    available: !!sealKey(svc),
  };
}

export interface SetupPage {
  secret: string;
  /** The secret in groups of four. */
  secretGrouped: string;
  uri: string;
  svg: string;
}

export type TwoFactorError = "unavailable" | "already_enabled" | "not_enabled" | "no_setup" | "code" | "password" | "required" | "throttled";

/**
 * The secret to scan, made now or the unconfirmed one of the past hour (so a
 * reload shows the same QR code as the phone already scanned).
 */
export async function setupSecret(svc: AppServices, user: SessionUser): Promise<{ ok: true; setup: SetupPage } | { ok: false; error: TwoFactorError }> {
  const key = sealKey(svc);
  if (!key) return { ok: false, error: "unavailable" };
  const row = await getTwoFactor(svc.async, user.id);
  if (row?.enabledAt) return { ok: false, error: "already_enabled" };
  let secret: string | null = null;
  if (row?.pendingSecret && row.pendingAt && svc.now() - row.pendingAt < PENDING_MS) {
    try {
      secret = open(key, row.pendingSecret, pendingAad(user.id));
    } catch {
      secret = null;
    }
  }
  if (!secret) {
    secret = newTotpSecret();
    await setPendingSecret(svc.async, user.id, seal(key, secret, pendingAad(user.id)), svc.now());
  }
  const uri = totpUri(secret, user.email);
  return { ok: true, setup: { secret, secretGrouped: groupSecret(secret), uri, svg: await qrSvg(uri) } };
}

/** Confirm the scanned secret with a code from the app: two-factor login is on, and here are the recovery codes (shown once). */
export async function confirmSetup(
  svc: AppServices,
  user: SessionUser,
  code: unknown,
): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; error: TwoFactorError }> {
  const key = sealKey(svc);
  if (!key) return { ok: false, error: "unavailable" };
  const row = await getTwoFactor(svc.async, user.id);
  if (row?.enabledAt) return { ok: false, error: "already_enabled" };
  if (!row?.pendingSecret || !row.pendingAt || svc.now() - row.pendingAt >= PENDING_MS) return { ok: false, error: "no_setup" };
  let secret: string;
  try {
    secret = open(key, row.pendingSecret, pendingAad(user.id));
  } catch {
    return { ok: false, error: "no_setup" };
  }
  const check = checkTotp(secret, code, svc.now());
  if (!check.ok) return { ok: false, error: "code" };
  const codes = newRecoveryCodes();
  await enableTwoFactor(svc.async, user.id, seal(key, secret, activeAad(user.id)), check.step, codes.map((c) => hashRecoveryCode(normaliseRecoveryCode(c)!)), svc.now());
  return { ok: true, recoveryCodes: codes };
}

/**
 * Check a second-step code of a person with two-factor login on: a TOTP code
 * (spending its step) or a recovery code (spending it). Not throttled here:
 * callers go through loginGate.
 */
export async function spendSecondFactor(svc: AppServices, userId: string, input: unknown): Promise<{ ok: true; kind: "totp" | "recovery" } | { ok: false }> {
  const row = await getTwoFactor(svc.async, userId);
  const key = sealKey(svc);
  if (!row?.enabledAt || !row.secret || !key) return { ok: false };
  if (normaliseTotpCode(input)) {
    let secret: string;
    try {
      secret = open(key, row.secret, activeAad(userId));
    } catch {
      return { ok: false };
    }
    const check = checkTotp(secret, input, svc.now(), row.lastStep);
    return check.ok && (await spendTimeStep(svc.async, userId, check.step)) ? { ok: true, kind: "totp" } : { ok: false };
  }
  const recovery = normaliseRecoveryCode(input);
  if (recovery && (await spendRecoveryCode(svc.async, userId, hashRecoveryCode(recovery), svc.now()))) return { ok: true, kind: "recovery" };
  return { ok: false };
}

/** A code through the login throttle: throttled, wrong, or right (and spent). */
async function gatedCode(svc: AppServices, user: { id: string; email: string }, code: unknown, client: LoginClient): Promise<"ok" | "wrong" | { retryAfterSeconds: number }> {
  const gate = await loginGate(svc, user.email, user.id, client);
  if (!gate.ok) return { retryAfterSeconds: gate.retryAfterSeconds };
  if (!(await spendSecondFactor(svc, user.id, code)).ok) {
    await gate.fail();
    return "wrong";
  }
  await gate.pass();
  return "ok";
}

export type GuardedResult<T = object> = ({ ok: true } & T) | { ok: false; error: TwoFactorError; field?: "password" | "code"; retryAfterSeconds?: number };

/**
 * Turn two-factor login off: the password and a code (or a recovery code),
 * both through the login throttle. Refused while the alliance requires it of
 * this person.
 */
export async function disableWithProof(svc: AppServices, user: SessionUser, input: { password?: unknown; code?: unknown }, client: LoginClient): Promise<GuardedResult> {
  const status = await twoFactorStatus(svc, user);
  if (!status.enabled) return { ok: false, error: "not_enabled" };
  if (status.required) return { ok: false, error: "required" };
  const password = typeof input.password === "string" ? input.password : "";
  if (!password) return { ok: false, error: "password", field: "password" };
  const check = await checkCredentials(svc, user.email, password, client);
  if (!check.ok && check.reason === "throttled") return { ok: false, error: "throttled", retryAfterSeconds: check.retryAfterSeconds };
  if (!check.ok || check.userId !== user.id) return { ok: false, error: "password", field: "password" };
  const code = await gatedCode(svc, user, input.code, client);
  if (code === "wrong") return { ok: false, error: "code", field: "code" };
  if (code !== "ok") return { ok: false, error: "throttled", retryAfterSeconds: code.retryAfterSeconds };
  await disableTwoFactor(svc.async, user.id, svc.now());
  return { ok: true };
}

/** New recovery codes (the old ones stop working), for a code from the app. */
export async function renewRecoveryCodes(
  svc: AppServices,
  user: SessionUser,
  input: { code?: unknown },
  client: LoginClient,
): Promise<GuardedResult<{ recoveryCodes: string[] }>> {
  if (!(await twoFactorStatus(svc, user)).enabled) return { ok: false, error: "not_enabled" };
  const code = await gatedCode(svc, user, input.code, client);
  if (code === "wrong") return { ok: false, error: "code", field: "code" };
  if (code !== "ok") return { ok: false, error: "throttled", retryAfterSeconds: code.retryAfterSeconds };
  const codes = newRecoveryCodes();
  await replaceRecoveryCodes(svc.async, user.id, codes.map((c) => hashRecoveryCode(normaliseRecoveryCode(c)!)), svc.now());
  return { ok: true, recoveryCodes: codes };
}

// ------------------------------------------------------------------ the login's second step

export const CHALLENGE_COOKIE = "ab_2fa";
const CHALLENGE_MS = 10 * 60_000;
/** Wrong codes one challenge allows; then the password must be given again. */
export const CHALLENGE_FAILURES = 5;

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function challengeCookie(svc: AppServices, request: Request, token: string, maxAgeSeconds: number): string {
  const parts = [`${CHALLENGE_COOKIE}=${token}`, "Path=/login", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAgeSeconds}`];
  if (isSecureRequest(svc, request)) parts.push("Secure");
  return parts.join("; ");
}

/** The session starts: cookies, the person's language, and where to go (a one-time password is replaced first). */
async function startSession(svc: AppServices, request: Request, client: LoginClient, userId: string, redirectTo: string): Promise<Response> {
  const to = (await mustChangePassword(svc, userId)) ? "/wachtwoord" : redirectTo;
  const headers = await sessionStartHeaders(svc, request, client, userId);
  // The person's stored language wins over this browser's cookie from now on; keep them equal.
  headers.append("Set-Cookie", localeCookie(await accountLocale(svc, userId)));
  return redirect(to, { headers });
}

/**
 * After a right password (the login form, or a new password from a reset
 * link): the session, or, for an account with two-factor login, the second
 * step first (no session until it is passed).
 */
export async function passwordAccepted(svc: AppServices, request: Request, client: LoginClient, userId: string, redirectTo: string): Promise<Response> {
  const row = await getTwoFactor(svc.async, userId);
  if (!row?.enabledAt) return startSession(svc, request, client, userId, redirectTo);
  const token = randomBytes(32).toString("base64url");
  await insertLoginChallenge(svc.async, { tokenHash: tokenHash(token), userId, redirectTo, createdAt: svc.now(), expiresAt: svc.now() + CHALLENGE_MS });
  return redirect("/login?stap=code", { headers: { "Set-Cookie": challengeCookie(svc, request, token, CHALLENGE_MS / 1000) } });
}

function challengeToken(request: Request): string | null {
  const token = parseCookies(request.headers.get("Cookie"))[CHALLENGE_COOKIE];
  return token && /^[A-Za-z0-9_-]{32,128}$/.test(token) ? token : null;
}

/** Whether this browser is halfway a login (a live challenge). */
export async function hasLoginChallenge(svc: AppServices, request: Request): Promise<boolean> {
  const token = challengeToken(request);
  return !!token && !!(await getLoginChallenge(svc.async, tokenHash(token), svc.now()));
}

export type SecondStepResult =
  | { kind: "done"; response: Response }
  | { kind: "expired"; clear: string }
  | { kind: "throttled"; retryAfterSeconds: number }
  | { kind: "wrong"; left: number }
  | { kind: "locked"; clear: string };

/** The second step: a code (or a recovery code) for this browser's challenge, through the login throttle. */
export async function completeSecondStep(svc: AppServices, request: Request, client: LoginClient, code: unknown): Promise<SecondStepResult> {
  const clear = challengeCookie(svc, request, "", 0);
  const token = challengeToken(request);
  const challenge = token ? await getLoginChallenge(svc.async, tokenHash(token), svc.now()) : null;
  const user = challenge ? await getUserById(svc.async, challenge.userId) : null;
  if (!token || !challenge || !user || challenge.failures >= CHALLENGE_FAILURES) return { kind: "expired", clear };
  // Access removed meanwhile: the attempt is over.
  if ((await findUserForLogin(svc.async, user.email))?.disabledAt) return { kind: "expired", clear };
  const r = await gatedCode(svc, user, code, client);
  if (r === "wrong") {
    const failures = await failLoginChallenge(svc.async, tokenHash(token));
    if (failures >= CHALLENGE_FAILURES) {
      await deleteLoginChallenge(svc.async, tokenHash(token));
      return { kind: "locked", clear };
    }
    return { kind: "wrong", left: CHALLENGE_FAILURES - failures };
  }
  if (r !== "ok") return { kind: "throttled", retryAfterSeconds: r.retryAfterSeconds };
  // Spent once: of two requests with the same challenge only one starts a session.
  if (!(await deleteLoginChallenge(svc.async, tokenHash(token)))) return { kind: "expired", clear };
  const response = await startSession(svc, request, client, challenge.userId, challenge.redirectTo);
  response.headers.append("Set-Cookie", clear);
  return { kind: "done", response };
}

/** Leave the second step: the challenge goes (the password must be given again). */
export async function abandonSecondStep(svc: AppServices, request: Request): Promise<string> {
  const token = challengeToken(request);
  if (token) await deleteLoginChallenge(svc.async, tokenHash(token));
  return challengeCookie(svc, request, "", 0);
}

// ------------------------------------------------------------------ the alliance's policy

export function isTwoFactorPolicy(v: unknown): v is TwoFactorPolicy {
  return typeof v === "string" && (TWO_FACTOR_POLICIES as readonly string[]).includes(v);
}

export interface PolicySummary {
  policy: TwoFactorPolicy;
  /** People (not removed) with two-factor login on, of all. */
  enabled: number;
  people: number;
  /** People the policy asks it of who have not set it up (they can do nothing else until they have). */
  missing: number;
}

export async function twoFactorPolicySummary(svc: AppServices, allianceId: string): Promise<PolicySummary> {
  const policy = await getTwoFactorPolicy(svc.async, allianceId);
  const people = await twoFactorStatusOfPeople(svc.async, allianceId);
  return {
    policy,
    enabled: people.filter((p) => p.enabled).length,
    people: people.length,
    missing: people.filter((p) => !p.enabled && twoFactorRequiredFor(policy, p.role as SessionUser["role"])).length,
  };
}

/**
 * A coordinator sets whom the alliance asks for two-factor login. The
 * coordinator must have it on to require it of coordinators or everyone
 * (else the change would lock them out at once). People it now asks who
 * have not set it up lose their live connections, and their next page sends
 * them to the setup.
 */
export async function setPolicy(
  svc: AppServices,
  user: SessionUser,
  policy: unknown,
): Promise<{ ok: true; summary: PolicySummary } | { ok: false; status: 403 | 422; error: "forbidden" | "unknown_policy" | "own_two_factor_first" }> {
  if (user.role !== "coordinator") return { ok: false, status: 403, error: "forbidden" };
  if (!isTwoFactorPolicy(policy)) return { ok: false, status: 422, error: "unknown_policy" };
  if (policy !== "off" && !user.twoFactorEnabled) return { ok: false, status: 422, error: "own_two_factor_first" };
  await setTwoFactorPolicy(svc.async, user.allianceId, policy);
  for (const p of await twoFactorStatusOfPeople(svc.async, user.allianceId)) {
    if (!p.enabled && twoFactorRequiredFor(policy, p.role as SessionUser["role"])) svc.rooms.disconnectUser(p.id, "two-factor login required");
  }
  return { ok: true, summary: await twoFactorPolicySummary(svc, user.allianceId) };
}
