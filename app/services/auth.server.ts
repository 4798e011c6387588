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
import type { DB } from "../../db/client";
import type { AppServices } from "./context.server";
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

/** The signed-in person for a Cookie header, or null. Used by pages and sockets alike. */
export function userFromCookieHeader(db: DB, header: string | null | undefined, at = Date.now()): SessionUser | null {
  const token = tokenFromCookieHeader(header);
  if (!token) return null;
  const user = getSessionUser(db, sessionIdFromToken(token), at);
  return user;
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

export function createSession(svc: AppServices, userId: string, request?: Request | null): string {
  const token = randomBytes(32).toString("base64url");
  const maxAge = svc.env.SESSION_DAYS * 86400;
  insertSession(svc.db, { id: sessionIdFromToken(token), userId, expiresAt: svc.now() + maxAge * 1000 });
  return sessionCookie(token, svc, maxAge, request);
}

export function destroySession(svc: AppServices, request: Request): void {
  const token = tokenFromCookieHeader(request.headers.get("Cookie"));
  if (token) deleteSession(svc.db, sessionIdFromToken(token));
}

/** Keep an active person signed in: push the expiry forward at most once an hour. */
export function refreshSession(svc: AppServices, request: Request): void {
  const token = tokenFromCookieHeader(request.headers.get("Cookie"));
  if (!token) return;
  extendSession(svc.db, sessionIdFromToken(token), svc.now() + svc.env.SESSION_DAYS * 86400_000);
}

// ---------------------------------------------------------------- login throttle

const attempts = new Map<string, { count: number; resetAt: number }>();
const MAX_ATTEMPTS = 10;
const WINDOW_MS = 60_000;

export function loginThrottled(key: string, now: number): boolean {
  const a = attempts.get(key);
  if (!a || a.resetAt < now) return false;
  return a.count >= MAX_ATTEMPTS;
}

function noteFailedLogin(key: string, now: number) {
  const a = attempts.get(key);
  if (!a || a.resetAt < now) attempts.set(key, { count: 1, resetAt: now + WINDOW_MS });
  else a.count++;
  if (attempts.size > 10_000) for (const [k, v] of attempts) if (v.resetAt < now) attempts.delete(k);
}

/** Check credentials; returns the user id or null. Costs the same whether or not the email exists. */
export async function checkCredentials(svc: AppServices, email: string, password: string): Promise<string | null> {
  const key = email.trim().toLowerCase();
  const row = findUserForLogin(svc.db, key);
  const ok = await verifyPassword(password, row?.passwordHash ?? (await dummyHash()));
  if (!row || !ok || row.disabledAt) {
    noteFailedLogin(key, svc.now());
    return null;
  }
  attempts.delete(key);
  return row.id;
}

/** Whether the person still has to replace a one-time password. */
export function mustChangePassword(svc: AppServices, userId: string): boolean {
  return getUserById(svc.db, userId)?.mustChangePassword ?? false;
}

// ---------------------------------------------------------------- guards for routes

function wantsJson(request: Request): boolean {
  return new URL(request.url).pathname.startsWith("/api/");
}

export function getUser(svc: AppServices, request: Request): SessionUser | null {
  return userFromCookieHeader(svc.db, request.headers.get("Cookie"), svc.now());
}

/** The signed-in person, or a redirect to the login page (401 JSON for the API). */
export function requireUser(svc: AppServices, request: Request, opts: { allowPasswordChange?: boolean } = {}): SessionUser {
  const user = getUser(svc, request);
  if (user && user.mustChangePassword && !opts.allowPasswordChange) {
    // A one-time password must be replaced before anything else.
    if (wantsJson(request)) {
      throw json({ error: "password_change_required", message: "Choose a new password first." }, { status: 403 });
    }
    throw redirect("/wachtwoord");
  }
  if (user) return user;
  if (wantsJson(request)) throw json({ error: "unauthenticated", message: "Log in first." }, { status: 401 });
  const url = new URL(request.url);
  throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
}

/** Whether a person may open a board: it must belong to their alliance. */
export function canOpenBoard(user: SessionUser, board: BoardRow | null): board is BoardRow {
  return !!board && board.allianceId === user.allianceId;
}

/**
 * The board, if the person may open it: 404 for an unknown board, 403 for a
 * board of another alliance (JSON under /api/).
 */
export function requireBoard(svc: AppServices, request: Request, user: SessionUser, boardId: string): BoardRow {
  const board = getBoard(svc.db, boardId);
  if (canOpenBoard(user, board)) return board;
  const status = board ? 403 : 404;
  if (wantsJson(request)) {
    throw json(
      status === 403
        ? { error: "forbidden", message: "This board belongs to another alliance." }
        : { error: "not_found", message: "No such board." },
      { status },
    );
  }
  throw new Response(status === 403 ? "Forbidden" : "Not found", { status });
}

const REDIRECT_BASE = "http://alliantiebord.invalid";

/**
 * A redirect target after login (or a language switch) that stays on this
 * site: a path starting with a single "/", without control characters,
 * whitespace or backslashes (browsers drop tabs and newlines and read "\\" as
 * "/", so "/\t/evil.example" would become "//evil.example"), and without
 * encoded variants of those ("%2F%2F", "%5C", "%09"). Anything else, also an
 * absolute URL or "javascript:", gives `fallback`. The result is the path
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
  return url.pathname + url.search + url.hash;
}
