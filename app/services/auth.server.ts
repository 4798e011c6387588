/**
 * Sessions and access. One place decides who someone is (from the session
 * cookie) and what they may open; pages, the JSON API, the Yjs endpoint and
 * socket.io all ask here.
 */
import { createHash, randomBytes } from "node:crypto";
import { json, redirect } from "@remix-run/node";
import {
  deleteSession,
  extendSession,
  findUserForLogin,
  getBoard,
  getSessionUser,
  getUserById,
  insertSession,
  type BoardRow,
  type SessionUser,
} from "../../db/accounts";
import type { AsyncDb } from "../../db/client";
import type { TwoFactorPolicy } from "../../db/schema";
import { addLoginDevice, deleteExpiredLoginDevices, forgetLoginDevices, isDeviceOfOthers, isLoginDevice } from "../../db/limits";
import type { AppServices } from "./context.server";
import { addressKey, appLimits, clientAddress, LOGIN_FAILURE_MEMORY_MS, retryAfterSeconds, tooManyResponse } from "./limits.server";
import { dummyHash, verifyPassword } from "./password.server";

export type { SessionUser, BoardRow };
export const SESSION_COOKIE = "ab_session";

export function parseCookies(header: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (!(k in out)) {
      try {
        out[k] = decodeURIComponent(v);
      } catch {
        out[k] = v;
      }
    }
  }
  return out;
}

function sessionIdFromToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function tokenFromCookieHeader(header: string | null | undefined): string | null {
  const token = parseCookies(header)[SESSION_COOKIE];
  return token && /^[A-Za-z0-9_-]{32,128}$/.test(token) ? token : null;
}

/**
 * A stable key of the session a Cookie header carries (the stored session
 * id: a hash of the token, never the token), or null. Limits and presence
 * ownership are per session.
 */
export function sessionKeyFromCookieHeader(header: string | null | undefined): string | null {
  const token = tokenFromCookieHeader(header);
  return token ? sessionIdFromToken(token) : null;
}

/** The header naming whose page a response is: the service worker (public/sw.js OWNER_HEADER) keeps a page only for its own person. */
export const OWNER_HEADER = "X-Alliantiebord-User";
const KEPT_PAGE = /^\/boards(\/[A-Za-z0-9_-]{1,64})?\/?$/;

/**
 * Marks a page the offline worker may keep (the list of boards, a board
 * page and their data) with the id of the person it was made for. A worker
 * of someone who was logged in before in this browser sees a page of another
 * person, keeps nothing of it and drops its own copies.
 */
export async function markPageOwner(headers: Headers, request: Request, context: { services?: AppServices }): Promise<void> {
  if (request.method !== "GET" || !context.services) return;
  if (!KEPT_PAGE.test(new URL(request.url).pathname)) return;
  const user = await userFromCookieHeader(context.services.async, request.headers.get("Cookie"), context.services.now());
  headers.set(OWNER_HEADER, user?.id ?? "");
  headers.append("Vary", "Cookie");
}

/** The signed-in person for a Cookie header, or null. Used by pages and sockets alike. */
export async function userFromCookieHeader(h: AsyncDb, header: string | null | undefined, at = Date.now()): Promise<SessionUser | null> {
  const token = tokenFromCookieHeader(header);
  if (!token) return null;
  return getSessionUser(h, sessionIdFromToken(token), at);
}

/**
 * Whether the browser reached us over TLS, so cookies get `Secure`:
 * COOKIE_SECURE=true forces it; otherwise the request's own scheme, which the
 * server (server/http/proxy.ts) takes from X-Forwarded-Proto only when the
 * peer is a trusted proxy (TRUST_PROXY).
 */
export function isSecureRequest(svc: AppServices, request?: Request | null): boolean {
  if (svc.env.COOKIE_SECURE) return true;
  if (!request) return false;
  try {
    return new URL(request.url).protocol === "https:";
  } catch {
    return false;
  }
}

export function sessionCookie(token: string, svc: AppServices, maxAgeSeconds: number, request?: Request | null): string {
  const parts = [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAgeSeconds}`,
  ];
  if (isSecureRequest(svc, request)) parts.push("Secure");
  return parts.join("; ");
}

export function clearedSessionCookie(svc: AppServices, request?: Request | null): string {
  return sessionCookie("", svc, 0, request);
}

export async function createSession(svc: AppServices, userId: string, request?: Request | null): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  const maxAge = svc.env.SESSION_DAYS * 86400;
  const userAgent = request?.headers.get("User-Agent")?.slice(0, 400) || null;
  await insertSession(svc.async, { id: sessionIdFromToken(token), userId, expiresAt: svc.now() + maxAge * 1000, userAgent, createdAt: svc.now() });
  return sessionCookie(token, svc, maxAge, request);
}

export async function destroySession(svc: AppServices, request: Request): Promise<void> {
  const token = tokenFromCookieHeader(request.headers.get("Cookie"));
  if (token) await deleteSession(svc.async, sessionIdFromToken(token));
}

/** Keep an active person signed in: push the expiry forward at most once an hour. */
export async function refreshSession(svc: AppServices, request: Request): Promise<void> {
  const token = tokenFromCookieHeader(request.headers.get("Cookie"));
  if (!token) return;
  await extendSession(svc.async, sessionIdFromToken(token), svc.now() + svc.env.SESSION_DAYS * 86400_000);
}

// ---------------------------------------------------------------- login throttle

/**
 * Login throttling that never locks the real person out.
 *
 * Three counts, kept in app/services/limits.server.ts:
 * - **Per client address**: LOGIN_FAILURES_PER_ADDRESS failed attempts (over
 *   all accounts) in LOGIN_ADDRESS_WINDOW_MINUTES; then that address gets 429
 *   for the rest of the window. This is what stops spraying one password over
 *   many accounts.
 * - **Per account, a growing wait**: after LOGIN_FREE_FAILURES failures on an
 *   account (from anywhere, remembered 24 hours), each further failure
 *   doubles the wait (LOGIN_DELAY_BASE_SECONDS, 2×, 4×, … up to
 *   LOGIN_DELAY_MAX_SECONDS). The wait holds only for addresses that already
 *   failed on that account. A *fresh* address, one without failures on it,
 *   still gets its attempt: a stranger cannot lock the real person out from
 *   elsewhere, while every address an attacker uses costs them its freshness
 *   after one wrong guess.
 * - **Known browsers** ("device cookies", after OWASP's idea): a successful
 *   login leaves a random token in the `ab_device` cookie; the server keeps
 *   its SHA-256 with the account (db/limits.ts, 180 days). A browser whose
 *   token logged into the account before is not held by the address budget
 *   or the account's wait, so the real person logs in even from the address
 *   an attacker shares (an office, a campus). It has its own budget,
 *   LOGIN_DEVICE_FAILURES failures per window; past that (a stolen laptop)
 *   it counts as a stranger again. The cookie proves nothing but that this
 *   browser logged in before; it never replaces the password.
 *
 * A refused attempt is answered 429 with Retry-After and the wait in words,
 * before the password is hashed (no work for the attacker's requests). A
 * correct login clears that address's failures on the account; the account's
 * own count is left to expire, so the real person's success does not hand an
 * attacker elsewhere a fresh set of free attempts. The password-change form
 * checks the current password through the same gate.
 */
export const DEVICE_COOKIE = "ab_device";
const DEVICE_DAYS = 180;

/** Who is knocking: the client's address and the known-browser token, if any. */
export interface LoginClient {
  address: string;
  deviceToken: string | null;
}

export function loginClient(request: Request, context?: unknown): LoginClient {
  const token = parseCookies(request.headers.get("Cookie"))[DEVICE_COOKIE];
  return {
    address: clientAddress(request, context),
    deviceToken: token && /^[A-Za-z0-9_-]{32,128}$/.test(token) ? token : null,
  };
}

export type CredentialResult =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/**
 * Check credentials through the throttle. Costs the same whether or not the
 * email exists (unknown accounts are counted like known ones).
 */
export async function checkCredentials(
  svc: AppServices,
  email: string,
  password: string,
  client: LoginClient = { address: "unknown", deviceToken: null },
): Promise<CredentialResult> {
  const account = email.trim().toLowerCase();
  const row = await findUserForLogin(svc.async, account);
  const gate = await loginGate(svc, account, row?.id ?? null, client);
  if (!gate.ok) return { ok: false, reason: "throttled", retryAfterSeconds: gate.retryAfterSeconds };
  const ok = await verifyPassword(password, row?.passwordHash ?? (await dummyHash()));
  if (!row || !ok || row.disabledAt) {
    await gate.fail();
    return { ok: false, reason: "invalid" };
  }
  await gate.pass();
  return { ok: true, userId: row.id };
}

/** One attempt let through the login throttle: say how it ended. */
export type LoginGate = { ok: true; fail(): Promise<void>; pass(): Promise<void> } | { ok: false; retryAfterSeconds: number };

/**
 * The login throttle (the three counts above) for one attempt on `account`
 * (its e-mail address; `userId` null when no such account exists): counted
 * before the secret is checked, then `fail()` or `pass()`. Passwords and
 * the second step's codes (app/services/two-factor.server.ts) go through
 * this same gate with the same counts, so a wrong code costs what a wrong
 * password costs.
 */
export async function loginGate(svc: AppServices, account: string, userId: string | null, client: LoginClient): Promise<LoginGate> {
  const limits = appLimits(svc).login;
  const deviceKey = client.deviceToken ? `${sessionIdFromToken(client.deviceToken)}|${account}` : null;
  const addrKey = addressKey(client.address);
  const pairKey = `${account}|${addrKey}`;
  // With several servers: decide on what all of them counted of these keys,
  // and send this attempt's counts before its answer (Limiter.sync): asked
  // for together, each is one Redis round trip for all four limits.
  const synced = () =>
    Promise.all([limits.pairs.sync?.([pairKey]), limits.account.sync(account), limits.address.sync(addrKey), deviceKey ? limits.device.sync(deviceKey) : null]);
  await synced();
  // Every attempt is counted before the secret is checked (and given back
  // when it was right): parallel attempts cannot all slip under the budget.
  const knownBrowser =
    !!userId && !!deviceKey && (await isLoginDevice(svc.async, sessionIdFromToken(client.deviceToken!), userId, svc.now())) && limits.device.take(deviceKey).ok;
  if (!knownBrowser) {
    const wait = limits.pairs.get(pairKey, svc.now()) ? limits.account.waitMs(account) : 0;
    if (wait > 0) return { ok: false, retryAfterSeconds: retryAfterSeconds(wait) };
    const byAddress = limits.address.take(addrKey);
    if (!byAddress.ok) return { ok: false, retryAfterSeconds: retryAfterSeconds(byAddress.retryAfterMs) };
  }
  // The hit taken here goes to the other servers in the background while
  // the secret is checked, and for certain with the outcome, before the answer.
  return {
    ok: true,
    async fail() {
      if (!knownBrowser) {
        limits.pairs.add(pairKey, 1, LOGIN_FAILURE_MEMORY_MS, svc.now());
        limits.account.fail(account);
      }
      await synced();
    },
    async pass() {
      if (knownBrowser) limits.device.reset(deviceKey!);
      else limits.address.refund(addrKey);
      limits.pairs.delete(pairKey);
      await synced();
    },
  };
}

/**
 * After a successful login: remember this browser for the account and return
 * its cookie (the browser's existing token is kept, so one browser can be
 * known to several accounts).
 */
export async function rememberLoginDevice(svc: AppServices, client: LoginClient, userId: string, request?: Request | null): Promise<string> {
  const token = client.deviceToken ?? randomBytes(32).toString("base64url");
  const maxAge = DEVICE_DAYS * 86400;
  await deleteExpiredLoginDevices(svc.async, svc.now());
  await addLoginDevice(svc.async, { tokenHash: sessionIdFromToken(token), userId, createdAt: svc.now(), expiresAt: svc.now() + maxAge * 1000 });
  const parts = [`${DEVICE_COOKIE}=${token}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAge}`];
  if (isSecureRequest(svc, request)) parts.push("Secure");
  return parts.join("; ");
}

/** What the browser is told to erase when a session starts in it: everything, if someone else logged in here before. */
export const CLEAR_SITE_DATA = '"cache", "storage"';

/**
 * The headers that start a person's session in this browser: the session
 * cookie, the known-browser cookie, and, when this browser logged into
 * another account before (a shared computer at the library or the
 * language house), `Clear-Site-Data` so the earlier person's offline
 * board copies and the worker's cached pages are gone before the first
 * page of the new person loads. The same person logging in again keeps
 * their offline copy (edits made offline are still waiting in it).
 */
export async function sessionStartHeaders(svc: AppServices, request: Request, client: LoginClient, userId: string): Promise<Headers> {
  const headers = new Headers();
  const sharedBrowser = !!client.deviceToken && (await isDeviceOfOthers(svc.async, sessionIdFromToken(client.deviceToken), userId, svc.now()));
  headers.append("Set-Cookie", await createSession(svc, userId, request));
  headers.append("Set-Cookie", await rememberLoginDevice(svc, client, userId, request));
  if (sharedBrowser) headers.set("Clear-Site-Data", CLEAR_SITE_DATA);
  return headers;
}

/**
 * Every other browser stops being known to the account (log out everywhere,
 * a new password): a lost laptop's cookie no longer lifts the throttle. The
 * browser of `client` stays known; without a client, none does.
 */
export async function forgetOtherLoginDevices(svc: AppServices, userId: string, client?: LoginClient | null): Promise<void> {
  await forgetLoginDevices(svc.async, userId, client?.deviceToken ? sessionIdFromToken(client.deviceToken) : null);
}

/** The message for a refused attempt, with the wait rounded up to whole seconds or minutes ("Probeer het over 2 minuten opnieuw."). */
export function throttleMessage(seconds: number): {
  key: "login.tooManySeconds" | "login.tooManyMinutes";
  vars: { n: number };
} {
  if (seconds < 60) return { key: "login.tooManySeconds", vars: { n: seconds } };
  return { key: "login.tooManyMinutes", vars: { n: Math.ceil(seconds / 60) } };
}

/** Whether the person still has to replace a one-time password. */
export async function mustChangePassword(svc: AppServices, userId: string): Promise<boolean> {
  return (await getUserById(svc.async, userId))?.mustChangePassword ?? false;
}

// ---------------------------------------------------------------- guards for routes

function wantsJson(request: Request): boolean {
  return new URL(request.url).pathname.startsWith("/api/");
}

export function getUser(svc: AppServices, request: Request): Promise<SessionUser | null> {
  return userFromCookieHeader(svc.async, request.headers.get("Cookie"), svc.now());
}

const counted = new WeakSet<Request>();

/**
 * Writes per session (WRITES_PER_SESSION_PER_MINUTE, a sliding minute): every
 * request other than GET/HEAD/OPTIONS that passes requireUser (the JSON API's
 * writes and every page action) is counted once; over the budget it is
 * refused with 429 JSON `{ error: "rate_limited", retryAfter }` and
 * Retry-After. socket.io's state-changing events count against the same
 * budget (server/realtime.ts). Board edits go over Yjs and are not counted.
 * With several servers the count is the cluster's at the moment of the
 * decision (Limiter.takeShared).
 */
export async function spendWriteBudget(svc: AppServices, request: Request): Promise<void> {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS" || counted.has(request)) return;
  counted.add(request);
  const key = sessionKeyFromCookieHeader(request.headers.get("Cookie"));
  if (!key) return;
  const d = await appLimits(svc).writes.takeShared(key);
  if (!d.ok) throw tooManyResponse(d.retryAfterMs, "rate_limited", "Too many changes in a short time. Wait a moment and try again.");
}

/** Whether the alliance's policy asks this role for a second login step. */
export function twoFactorRequiredFor(policy: TwoFactorPolicy, role: SessionUser["role"]): boolean {
  return policy === "everyone" || (policy === "coordinators" && role === "coordinator");
}

/** The page where a person sets up two-factor login (where one who must is sent). */
export const TWO_FACTOR_SETUP_PATH = "/account/tweestapsverificatie";

/**
 * What a person must do before anything else, or null: replace a one-time
 * password, then set up the two-factor login their alliance demands. Pages
 * redirect to it, the API answers 403 with this code, and the Yjs endpoint
 * and socket.io refuse the connection.
 */
export function pendingDuty(user: SessionUser): "password_change_required" | "two_factor_required" | null {
  if (user.mustChangePassword) return "password_change_required";
  if (!user.twoFactorEnabled && twoFactorRequiredFor(user.twoFactorPolicy, user.role)) return "two_factor_required";
  return null;
}

/**
 * The signed-in person, or a redirect to the login page (401 JSON for the
 * API). A person with a pending duty (pendingDuty) is sent to do it first:
 * only the password page (`allowPasswordChange`) and the two-factor setup
 * page (`allowTwoFactorSetup`) let them through.
 */
export async function requireUser(svc: AppServices, request: Request, opts: { allowPasswordChange?: boolean; allowTwoFactorSetup?: boolean } = {}): Promise<SessionUser> {
  const user = await getUser(svc, request);
  const duty = user ? pendingDuty(user) : null;
  if (duty === "password_change_required" && !opts.allowPasswordChange) {
    // A one-time password must be replaced before anything else.
    if (wantsJson(request)) {
      throw json({ error: "password_change_required", message: "Choose a new password first." }, { status: 403 });
    }
    throw redirect("/wachtwoord");
  }
  if (duty === "two_factor_required" && !opts.allowTwoFactorSetup) {
    if (wantsJson(request)) {
      throw json({ error: "two_factor_required", message: "Your alliance requires two-factor login: set it up on /account first." }, { status: 403 });
    }
    throw redirect(TWO_FACTOR_SETUP_PATH);
  }
  if (user) {
    await spendWriteBudget(svc, request);
    return user;
  }
  if (wantsJson(request)) throw json({ error: "unauthenticated", message: "Log in first." }, { status: 401 });
  const url = new URL(request.url);
  throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
}

/** Whether a person may open a board: it must belong to their alliance. */
export function canOpenBoard(user: SessionUser, board: BoardRow | null): board is BoardRow {
  return !!board && board.allianceId === user.allianceId;
}

/** What a write to an archived board is answered with (JSON under /api/). */
export const BOARD_ARCHIVED = { error: "board_archived", message: "This board is archived: it can be read, not changed." } as const;

/**
 * The board, if the person may open it: 404 for an unknown board and for a
 * board of another alliance alike (JSON under /api/), so nobody learns which
 * board ids exist elsewhere. An archived board is read-only for everyone: a
 * request other than GET/HEAD/OPTIONS to it is refused with 409
 * `board_archived` (the board's own page, overview and report still load).
 */
export async function requireBoard(svc: AppServices, request: Request, user: SessionUser, boardId: string): Promise<BoardRow> {
  const board = await getBoard(svc.async, boardId);
  if (!canOpenBoard(user, board)) {
    if (wantsJson(request)) throw json({ error: "not_found", message: "No such board." }, { status: 404 });
    throw new Response("Not found", { status: 404 });
  }
  if (board.archivedAt !== null && !["GET", "HEAD", "OPTIONS"].includes(request.method)) {
    if (wantsJson(request)) throw json(BOARD_ARCHIVED, { status: 409 });
    throw new Response("Archived", { status: 409 });
  }
  return board;
}

const REDIRECT_BASE = "http://alliantiebord.invalid";

/** The path a URL parser makes of a target (dot segments resolved), or "//" when it cannot parse it. */
function resolvedPath(to: string): string {
  try {
    return new URL(to, REDIRECT_BASE).pathname;
  } catch {
    return "//";
  }
}

/**
 * A redirect target after login (or a language switch) that stays on this
 * site: a path starting with a single "/", without control characters,
 * whitespace or backslashes (browsers drop tabs and newlines and read "\\" as
 * "/", so "/\t/evil.example" would become "//evil.example"), and without
 * encoded variants of those ("%2F%2F", "%5C", "%09"), and without dot
 * segments that resolve to "//host" ("/.//evil.example"). Anything else,
 * also an absolute URL or "javascript:", gives `fallback`. The result is the path
 * as a URL parser reads it, so the Location header is always valid.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/boards"): string {
  if (typeof to !== "string" || to.length > 2048) return fallback;
  if (!to.startsWith("/") || to.startsWith("//")) return fallback;
  // eslint-disable-next-line no-control-regex
  const unsafe = /[\\\s\x00-\x1f\x7f-\x9f]/;
  if (unsafe.test(to)) return fallback;
  let decoded = to;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return fallback;
    }
    if (next.startsWith("//") || unsafe.test(next) || /^\/*[a-z][a-z0-9+.-]*:/i.test(next.slice(1))) return fallback;
    if (next.startsWith("/") && resolvedPath(next).startsWith("//")) return fallback;
    if (next === decoded) break;
    decoded = next;
  }
  let url: URL;
  try {
    url = new URL(to, REDIRECT_BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== REDIRECT_BASE) return fallback;
  // Dot segments can leave an empty first segment ("/.//evil.example" is
  // read as "//evil.example"): a Location a browser takes as another host.
  if (url.pathname.startsWith("//")) return fallback;
  return url.pathname + url.search + url.hash;
}
