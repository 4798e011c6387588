/**
 * A person's own account (/account and /api/me): name, e-mail, password,
 * language, and their sessions. The page and the API call these same
 * functions, so the rules are the same.
 *
 * E-mail changes take effect at once, without a confirmation mail to the new
 * address, but only with the current password (through the login throttle):
 * a stolen session alone cannot move the account to another address and then
 * reset its password. When mail is on, the old address hears of the change
 * (without the new address in it), so the real owner notices a takeover and
 * can go to their coordinator. Without mail nobody is told; the coordinator
 * sees the address on /beheer.
 *
 * Sessions are shown by a handle (a hash of the stored session id, itself a
 * hash of the cookie token): the page can name a session without the id
 * that limits and sockets are keyed by ever reaching the browser.
 */
import { createHash } from "node:crypto";
import { deleteUserSession, deleteUserSessions, emailTaken, getUserById, listUserSessions, updateUserProfile, type SessionUser } from "../../db/accounts";
import { cleanText } from "../board/validate";
import { isLocale, localeOf, translator, type Locale } from "../i18n";
import { changeOwnPassword, type AdminErrors } from "./admin.server";
import { checkCredentials, forgetOtherLoginDevices, type LoginClient } from "./auth.server";
import type { AppServices } from "./context.server";
import { publicUrl } from "./env.server";
import { composeMail } from "./mail-layout.server";

export const NAME_MIN = 2;
export const NAME_MAX = 80;
export const EMAIL_MAX = 254;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type AccountErrors = AdminErrors;
export type AccountResult<T = object> =
  | ({ ok: true } & T)
  | { ok: false; status: number; errors: AccountErrors; retryAfterSeconds?: number };

export interface Profile {
  id: string;
  name: string;
  email: string;
  locale: Locale;
  role: SessionUser["role"];
  organisation: { id: string; name: string };
  alliance: { id: string; name: string };
}

export function profileOf(user: SessionUser): Profile {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    locale: localeOf(user),
    role: user.role,
    organisation: { id: user.organisationId, name: user.organisationName },
    alliance: { id: user.allianceId, name: user.allianceName },
  };
}

function isEmail(v: string): boolean {
  return v.length <= EMAIL_MAX && EMAIL.test(v);
}

/**
 * Change name, e-mail and/or language. Each field is optional; what is sent
 * is checked as a whole (422 `errors` per field), then an e-mail change needs
 * `currentPassword` (422 when missing or wrong, 429 when the login throttle
 * holds), then a taken address is 409. Nothing is changed unless all passes.
 */
export async function updateProfile(
  svc: AppServices,
  user: SessionUser,
  input: Record<string, unknown>,
  client?: LoginClient,
): Promise<AccountResult<{ profile: Profile; changed: { name: boolean; email: boolean; locale: boolean } }>> {
  const errors: AccountErrors = {};
  const next: { name?: string; email?: string; locale?: Locale } = {};
  if (input.name !== undefined) {
    if (typeof input.name !== "string") errors.name = "type";
    else {
      const name = cleanText(input.name);
      if (!name) errors.name = "required";
      else if (name.length < NAME_MIN) errors.name = "tooShort";
      else if (name.length > NAME_MAX) errors.name = "tooLong";
      else if (name !== user.name) next.name = name;
    }
  }
  if (input.email !== undefined) {
    if (typeof input.email !== "string") errors.email = "type";
    else {
      const email = input.email.trim().toLowerCase();
      if (!email) errors.email = "required";
      else if (!isEmail(email)) errors.email = "pattern";
      else if (email !== user.email) next.email = email;
    }
  }
  if (input.locale !== undefined) {
    if (!isLocale(input.locale)) errors.locale = "unknown";
    else if (input.locale !== localeOf(user)) next.locale = input.locale;
  }
  if (Object.keys(errors).length) return { ok: false, status: 422, errors };

  if (next.email !== undefined) {
    const current = typeof input.currentPassword === "string" ? input.currentPassword : "";
    if (!current) return { ok: false, status: 422, errors: { currentPassword: "required" } };
    const check = await checkCredentials(svc, user.email, current, client);
    if (!check.ok && check.reason === "throttled") {
      return { ok: false, status: 429, errors: { currentPassword: "tooMany" }, retryAfterSeconds: check.retryAfterSeconds };
    }
    if (!check.ok || check.userId !== user.id) return { ok: false, status: 422, errors: { currentPassword: "wrong" } };
    if (await emailTaken(svc.async, next.email)) return { ok: false, status: 409, errors: { email: "exists" } };
  }

  try {
    await updateUserProfile(svc.async, user.id, next);
  } catch (e) {
    // Two people claiming the same new address at once: the unique index decides.
    if (/UNIQUE/i.test((e as Error).message)) return { ok: false, status: 409, errors: { email: "exists" } };
    throw e;
  }
  const updated: SessionUser = { ...user, ...next };
  if (next.email !== undefined && svc.mail.enabled) await notifyEmailChanged(svc, user, localeOf(updated));
  return {
    ok: true,
    profile: profileOf(updated),
    changed: { name: next.name !== undefined, email: next.email !== undefined, locale: next.locale !== undefined },
  };
}

/** Tell the old address that the account's address changed (never the new address itself). */
async function notifyEmailChanged(svc: AppServices, user: SessionUser, locale: Locale): Promise<void> {
  const t = translator(locale);
  const mail = composeMail({
    locale,
    subject: t("account.mail.emailChanged.subject"),
    heading: t("account.mail.emailChanged.heading"),
    paragraphs: [t("account.mail.emailChanged.body"), t("account.mail.emailChanged.notYou")],
    action: { label: t("account.mail.emailChanged.action"), url: `${publicUrl(svc.env)}/login` },
    footer: [t("account.mail.footer")],
  });
  await svc.mail.enqueue({ key: `email-changed:${user.id}:${svc.now()}`, to: user.email, ...mail });
}

/** The stored language of an account (Dutch if it has none). */
export async function accountLocale(svc: AppServices, userId: string): Promise<Locale> {
  const user = await getUserById(svc.async, userId);
  return user ? localeOf(user) : "nl";
}

/** Only the person's own language (the header's switch and /account). */
export async function setOwnLocale(svc: AppServices, user: SessionUser, locale: Locale): Promise<void> {
  if (locale !== localeOf(user)) await updateUserProfile(svc.async, user.id, { locale });
}

/**
 * Change the password (the current one checked through the login throttle,
 * as on /wachtwoord); on success every other session of the account ends and
 * its live connections close. This session stays.
 */
export async function changePassword(
  svc: AppServices,
  user: SessionUser,
  currentSessionId: string | null,
  input: Record<string, unknown>,
  client?: LoginClient,
): Promise<AccountResult<{ endedSessions: number }>> {
  const res = await changeOwnPassword(svc, user, input, client);
  if (!res.ok) return { ok: false, status: res.status === 400 ? 422 : res.status, errors: res.errors, retryAfterSeconds: "retryAfterSeconds" in res ? res.retryAfterSeconds : undefined };
  const ended = await endOtherSessions(svc, user, currentSessionId, "password changed", client);
  return { ok: true, endedSessions: ended };
}

// ------------------------------------------------------------------ sessions

export interface UserAgentSummary {
  browser: string | null;
  os: string | null;
  mobile: boolean;
}

/** "Firefox", "Windows": enough to recognise one's own devices, nothing more. */
export function describeUserAgent(ua: string | null | undefined): UserAgentSummary {
  const s = ua ?? "";
  const browser =
    /Edg(e|A|iOS)?\//.test(s) ? "Edge"
    : /OPR\/|Opera/.test(s) ? "Opera"
    : /SamsungBrowser\//.test(s) ? "Samsung Internet"
    : /Firefox\/|FxiOS\//.test(s) ? "Firefox"
    : /CriOS\/|Chrome\/|Chromium\//.test(s) ? "Chrome"
    : /Safari\//.test(s) && /Version\//.test(s) ? "Safari"
    : null;
  const os =
    /iPhone|iPod/.test(s) ? "iOS"
    : /iPad/.test(s) ? "iPadOS"
    : /Android/.test(s) ? "Android"
    : /Windows/.test(s) ? "Windows"
    : /CrOS/.test(s) ? "ChromeOS"
    : /Mac OS X|Macintosh/.test(s) ? "macOS"
    : /Linux/.test(s) ? "Linux"
    : null;
  return { browser, os, mobile: /Mobile|iPhone|Android/.test(s) };
}

export function sessionHandle(sessionId: string): string {
  return createHash("sha256").update(`session-handle:${sessionId}`).digest("base64url").slice(0, 22);
}

export interface SessionInfo extends UserAgentSummary {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  current: boolean;
}

/** The person's live sessions, this one first. */
export async function listSessions(svc: AppServices, user: SessionUser, currentSessionId: string | null): Promise<SessionInfo[]> {
  const rows = (await listUserSessions(svc.async, user.id, svc.now())).map((r) => ({
    id: sessionHandle(r.id),
    ...describeUserAgent(r.userAgent),
    createdAt: r.createdAt,
    lastSeenAt: r.lastSeenAt ?? r.createdAt,
    current: r.id === currentSessionId,
  }));
  return [...rows.filter((r) => r.current), ...rows.filter((r) => !r.current)];
}

/**
 * End every session but this one, close their live connections, and forget
 * every other browser as "known" to the login throttle (a lost laptop's
 * device cookie lifts nothing any more); this browser stays known.
 */
async function endOtherSessions(svc: AppServices, user: SessionUser, currentSessionId: string | null, reason: string, client?: LoginClient): Promise<number> {
  const ended = await deleteUserSessions(svc.async, user.id, currentSessionId);
  // Only the sockets of the ended sessions close; this session's board stays connected.
  svc.rooms.disconnectSessions(ended, reason);
  await forgetOtherLoginDevices(svc, user.id, client);
  return ended.length;
}

/** "Overal uitloggen": every session but this one ends, and their live connections close. */
export async function logoutOtherSessions(svc: AppServices, user: SessionUser, currentSessionId: string | null, client?: LoginClient): Promise<{ ended: number }> {
  return { ended: await endOtherSessions(svc, user, currentSessionId, "logged out elsewhere", client) };
}

/**
 * Two-factor login was just turned on: a session opened with the password
 * alone (perhaps by whoever learned it) must not outlive that, so every
 * other session ends as with "Overal uitloggen".
 */
export async function endSessionsAfterTwoFactorOn(
  svc: AppServices,
  user: SessionUser,
  currentSessionId: string | null,
  client?: LoginClient,
): Promise<{ ended: number }> {
  return { ended: await endOtherSessions(svc, user, currentSessionId, "two-factor login turned on", client) };
}

/** End one session by its handle (404 when it is not one of the person's live sessions). */
export async function logoutSession(
  svc: AppServices,
  user: SessionUser,
  handle: unknown,
  currentSessionId: string | null,
): Promise<AccountResult<{ current: boolean }>> {
  if (typeof handle !== "string") return { ok: false, status: 404, errors: { session: "unknown" } };
  const row = (await listUserSessions(svc.async, user.id, svc.now())).find((r) => sessionHandle(r.id) === handle);
  if (!row || !(await deleteUserSession(svc.async, user.id, row.id))) return { ok: false, status: 404, errors: { session: "unknown" } };
  svc.rooms.disconnectSessions([row.id], "logged out");
  return { ok: true, current: row.id === currentSessionId };
}
