/**
 * "Wachtwoord vergeten?": a single-use link by e-mail to choose a new
 * password, when mail is configured (without mail the page sends nothing and
 * says to ask the coordinator, who resets it on /beheer).
 *
 * - The link carries 32 random bytes; only their SHA-256 is stored
 *   (db/password-resets.ts), valid RESET_VALID_MS, used once: one UPDATE
 *   checks and marks it, so a second use or a race gives exactly one success.
 * - No account enumeration: a known, an unknown and a disabled address get
 *   the same answer, and every answer is given RESET_ANSWER_MS after the
 *   request arrived at the earliest, so the time does not tell either (the
 *   work for a known address, a row and a queued mail, takes a few ms).
 *   Disabled accounts get no mail.
 * - Requests are limited per client address and per e-mail address (known or
 *   not), so nobody can flood a mailbox or probe many addresses quickly.
 * - Using the link ends every session of the account (and closes their live
 *   connections), then logs the person in afresh.
 */
import { createHash, randomBytes } from "node:crypto";
import { findUserByEmail, getUserById } from "../../db/accounts";
import { insertPasswordReset, passwordResetState, usePasswordReset, type ResetState } from "../../db/password-resets";
import { isLocale, translator, type Locale } from "../i18n";
import { PASSWORD_MIN } from "./admin.server";
import { forgetOtherLoginDevices } from "./auth.server";
import type { AppServices } from "./context.server";
import { publicUrl } from "./env.server";
import { addressKey, appLimits, Limiter } from "./limits.server";
import { composeMail } from "./mail-layout.server";
import { hashPassword } from "./password.server";

export const RESET_VALID_MS = 3600_000;
/** Every answer to a reset request takes at least this long (known or unknown address alike). */
export const RESET_ANSWER_MS = 400;
/** Reset requests per e-mail address per hour, and per client address per 15 minutes. */
export const RESETS_PER_EMAIL_PER_HOUR = 3;
export const RESETS_PER_ADDRESS_PER_15_MINUTES = 10;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface ResetLimits {
  email: Limiter;
  address: Limiter;
}

// Per server, in the server's limit stores (shared by the servers with REDIS_URL).
function resetLimits(svc: AppServices): ResetLimits {
  const limits = appLimits(svc);
  return {
    email: new Limiter({ limit: RESETS_PER_EMAIL_PER_HOUR, windowMs: 3600_000 }, limits.store("password-reset-email"), svc.now),
    address: new Limiter({ limit: RESETS_PER_ADDRESS_PER_15_MINUTES, windowMs: 15 * 60_000 }, limits.store("password-reset-address"), svc.now),
  };
}

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export type ResetRequestResult =
  | { status: "sent" }
  | { status: "mailOff" }
  | { status: "invalid" }
  | { status: "throttled"; retryAfterSeconds: number };

/**
 * Ask for a reset link. "sent" is the answer for every well-formed address,
 * known or not (the page says: if this address is known, a mail is on its way).
 */
export async function requestPasswordReset(svc: AppServices, emailInput: unknown, clientAddress: string): Promise<ResetRequestResult> {
  if (!svc.mail.enabled) return { status: "mailOff" };
  const started = Date.now();
  const result = await startReset(svc, emailInput, clientAddress);
  const wait = started + RESET_ANSWER_MS - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  return result;
}

async function startReset(svc: AppServices, emailInput: unknown, clientAddress: string): Promise<ResetRequestResult> {
  const email = typeof emailInput === "string" ? emailInput.trim().toLowerCase() : "";
  if (!email || email.length > 254 || !EMAIL.test(email)) return { status: "invalid" };
  const limits = resetLimits(svc);
  const addr = addressKey(clientAddress);
  await Promise.all([limits.address.sync(addr), limits.email.sync(email)]);
  const byAddress = limits.address.peek(addr);
  if (!byAddress.ok) return { status: "throttled", retryAfterSeconds: Math.ceil(byAddress.retryAfterMs / 1000) };
  const byEmail = limits.email.take(email);
  if (!byEmail.ok) return { status: "throttled", retryAfterSeconds: Math.ceil(byEmail.retryAfterMs / 1000) };
  limits.address.take(addr);
  await Promise.all([limits.address.sync(addr), limits.email.sync(email)]);
  // The token is drawn and hashed for every address, known or not.
  const token = randomBytes(32).toString("base64url");
  const hash = tokenHash(token);
  const user = await findUserByEmail(svc.async, email);
  if (!user || user.disabledAt !== null) return { status: "sent" };
  const now = svc.now();
  await insertPasswordReset(svc.async, { tokenHash: hash, userId: user.id, createdAt: now, expiresAt: now + RESET_VALID_MS });
  const locale = isLocale(user.locale) ? user.locale : "nl";
  const t = translator(locale);
  const mail = composeMail({
    locale,
    subject: t("reset.mail.subject"),
    heading: t("reset.mail.heading"),
    paragraphs: [t("reset.mail.body"), t("reset.mail.validity")],
    action: { label: t("reset.mail.action"), url: `${publicUrl(svc.env)}/wachtwoord-herstellen/${token}` },
    footer: [t("reset.mail.notYou")],
  });
  await svc.mail.enqueue({ key: `password-reset:${hash}`, to: user.email, ...mail });
  return { status: "sent" };
}

/** What a link is worth now: the page shows the form, or why it cannot be used. */
export async function resetLinkState(svc: AppServices, token: unknown): Promise<ResetState> {
  if (typeof token !== "string" || !TOKEN.test(token)) return "unknown";
  return passwordResetState(svc.async, tokenHash(token), svc.now());
}

export type ResetCompleteResult =
  | { ok: true; userId: string; locale: Locale }
  | { ok: false; state: Exclude<ResetState, "valid"> }
  | { ok: false; state: "valid"; errors: Record<string, string> };

/**
 * Choose the new password with a link. On success the link is spent, every
 * session of the account has ended and its live connections are closed; the
 * caller starts the new session.
 */
export async function completePasswordReset(svc: AppServices, token: unknown, input: Record<string, unknown>): Promise<ResetCompleteResult> {
  const state = await resetLinkState(svc, token);
  if (state !== "valid") return { ok: false, state };
  const password = typeof input.password === "string" ? input.password : "";
  const repeat = typeof input.repeat === "string" ? input.repeat : "";
  const errors: Record<string, string> = {};
  if (password.length < PASSWORD_MIN) errors.password = "tooShort";
  else if (password.length > 1000) errors.password = "tooLong";
  if (repeat !== password) errors.repeat = "mismatch";
  if (Object.keys(errors).length) return { ok: false, state: "valid", errors };
  const hash = await hashPassword(password);
  // Another request may have used the link while the password was hashed: the UPDATE decides.
  const used = await usePasswordReset(svc.async, tokenHash(token as string), hash, svc.now());
  if (!used) {
    const now = await resetLinkState(svc, token);
    return { ok: false, state: now === "valid" ? "used" : now };
  }
  // Every session of the account ended: all its live connections close, and no browser is known to it any more.
  svc.rooms.disconnectUser(used.userId, "password reset");
  await forgetOtherLoginDevices(svc, used.userId, null);
  const locale = (await getUserById(svc.async, used.userId))?.locale;
  return { ok: true, userId: used.userId, locale: isLocale(locale) ? locale : "nl" };
}
