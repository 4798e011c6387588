/**
 * Invitations: how a person gets an account. A coordinator (on /beheer or
 * through POST /api/invitations), or the command line for an alliance's
 * first coordinator, invites an e-mail address into one of the alliance's
 * organisations with a role. The invitee gets a link with a random token
 * (only its SHA-256 is stored), valid 7 days and once; behind it they choose
 * a password, the account is made and they are logged in.
 *
 * One validation (`checkInvitation`) serves the form, the API and the
 * command line. A wrong token counts as a failed login of the client's
 * address (the same budget, app/services/limits.server.ts), so guessing
 * links is as slow as guessing passwords.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { emailTaken, listOrganisations } from "../../db/accounts";
import {
  acceptInvitation as acceptInDb,
  insertInvitation,
  invitationById,
  invitationByTokenHash,
  openInvitations,
  pendingInvitationFor,
  renewInvitationToken,
  userLocale,
  withdrawInvitation as withdrawInDb,
} from "../../db/invitations";
import { ROLES, type Role } from "../../db/schema";
import { isWorkingOrganisation } from "../board/front-door";
import { cleanText } from "../board/validate";
import { isLocale, translator, type Locale } from "../i18n";
import { PASSWORD_MIN } from "./admin.server";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { publicUrl } from "./env.server";
import { addressKey, appLimits, retryAfterSeconds } from "./limits.server";
import { composeMail } from "./mail-layout.server";
import { hashPassword } from "./password.server";

export const INVITATION_DAYS = 7;
const DAY_MS = 86_400_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type InvitationErrors = Partial<Record<"email" | "name" | "organisationId" | "role" | "locale", string>>;

export interface InvitationValue {
  email: string;
  name: string;
  organisationId: string;
  role: Role;
  locale: Locale;
}

/**
 * The one check of an invitation: 422 with field errors (`required`,
 * `pattern`, `tooShort`, `tooLong`, `unknown`: an organisation of another
 * alliance is unknown too), or 409 when the address already has an account
 * (`exists`) or a pending invitation (`pending`).
 */
export async function checkInvitation(
  svc: AppServices,
  allianceId: string,
  input: Record<string, unknown>,
  fallbackLocale: Locale,
): Promise<{ ok: true; value: InvitationValue } | { ok: false; status: 409 | 422; errors: InvitationErrors }> {
  const email = cleanText(input.email).toLowerCase();
  const name = cleanText(input.name);
  const organisationId = typeof input.organisationId === "string" ? input.organisationId : "";
  const role = input.role ?? "member";
  const locale = input.locale === undefined || input.locale === "" ? fallbackLocale : input.locale;
  const errors: InvitationErrors = {};
  if (!EMAIL.test(email)) errors.email = email ? "pattern" : "required";
  else if (email.length > 254) errors.email = "tooLong";
  if (name.length < 2) errors.name = name ? "tooShort" : "required";
  else if (name.length > 80) errors.name = "tooLong";
  if (!organisationId || !(await listOrganisations(svc.async, allianceId)).some((o) => o.id === organisationId && isWorkingOrganisation(o))) errors.organisationId = "unknown";
  if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) errors.role = "unknown";
  if (!isLocale(locale)) errors.locale = "unknown";
  if (Object.keys(errors).length) return { ok: false, status: 422, errors };
  if (await emailTaken(svc.async, email)) return { ok: false, status: 409, errors: { email: "exists" } };
  if (await pendingInvitationFor(svc.async, email, svc.now())) return { ok: false, status: 409, errors: { email: "pending" } };
  return { ok: true, value: { email, name, organisationId, role: role as Role, locale: locale as Locale } };
}

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: tokenHash(token) };
}

export function invitationLink(svc: Pick<AppServices, "env">, token: string): string {
  return `${publicUrl(svc.env)}/uitnodiging/${token}`;
}

/**
 * The invitation mail, in the language chosen for it. Nothing personal but
 * the invitee's own name: the alliance, the organisation and the role, and
 * the link. Queued once per sending (a resend is a new mail).
 */
/** Whether the mail was queued; "limited" when mail is on but the invitation mail limits hold (the link works all the same). */
async function queueInvitationMail(svc: AppServices, invitationId: string, sentAt: number, token: string): Promise<boolean | "limited"> {
  if (!svc.mail.enabled) return false;
  const inv = await invitationById(svc.async, invitationId);
  if (!inv) return false;
  const view = await invitationByTokenHash(svc.async, inv.tokenHash);
  if (!view) return false;
  const limits = appLimits(svc).invitationMails;
  await Promise.all([limits.address.sync(inv.email), limits.alliance.sync(view.allianceId)]);
  if (!limits.address.peek(inv.email).ok || !limits.alliance.peek(view.allianceId).ok) return "limited";
  limits.address.take(inv.email);
  limits.alliance.take(view.allianceId);
  await Promise.all([limits.address.sync(inv.email), limits.alliance.sync(view.allianceId)]);
  const locale: Locale = isLocale(inv.locale) ? inv.locale : "nl";
  const t = translator(locale);
  const vars = { alliance: view.allianceName, organisation: view.organisationName, role: t(`admin.role.${inv.role as Role}`), name: inv.name };
  const mail = composeMail({
    locale,
    subject: t("invite.mail.subject", vars),
    heading: t("invite.mail.heading", vars),
    paragraphs: [t("invite.mail.body", vars), t("invite.mail.howto")],
    action: { label: t("invite.mail.action"), url: invitationLink(svc, token) },
    footer: [t("invite.mail.footer", vars)],
  });
  // Through the services' handle: the command line issues inside its transaction (svc.async is that transaction's).
  return svc.mail.enqueue({ key: `invitation:${invitationId}:${sentAt}`, to: inv.email, ...mail }, svc.async);
}

export interface IssuedInvitation {
  id: string;
  /** The one-time link; shown once (the token is not stored). */
  link: string;
  /** Whether the mail was queued (mail is configured). */
  mailed: boolean;
  /** Mail is on, but too many invitation mails went to this address or from this alliance lately: pass the link on. */
  mailLimited?: true;
}

/** Store an invitation that passed checkInvitation and queue its mail. `invitedBy` is null from the command line. */
export async function issueInvitation(svc: AppServices, allianceId: string, value: InvitationValue, invitedBy: string | null): Promise<IssuedInvitation> {
  const { token, hash } = newToken();
  const id = randomUUID();
  const at = svc.now();
  await insertInvitation(svc.async, {
    id,
    allianceId,
    organisationId: value.organisationId,
    email: value.email,
    name: value.name,
    role: value.role,
    locale: value.locale,
    tokenHash: hash,
    invitedByUserId: invitedBy,
    createdAt: at,
    lastSentAt: at,
    expiresAt: at + INVITATION_DAYS * DAY_MS,
  });
  const mailed = await queueInvitationMail(svc, id, at, token);
  return { id, link: invitationLink(svc, token), mailed: mailed === true, ...(mailed === "limited" ? { mailLimited: true as const } : {}) };
}

/** The language a coordinator's invitations default to: their own (users.locale), else the page's. */
export async function inviterLocale(svc: AppServices, user: SessionUser, pageLocale?: Locale): Promise<Locale> {
  if (pageLocale) return pageLocale;
  const l = await userLocale(svc.async, user.id);
  return isLocale(l) ? l : "nl";
}

export type InviteResult =
  | ({ ok: true } & IssuedInvitation)
  | { ok: false; status: 403 | 404 | 409 | 422; errors: InvitationErrors | Record<string, string> };

/** A coordinator invites someone into their own alliance. */
export async function invite(svc: AppServices, user: SessionUser, input: Record<string, unknown>, pageLocale?: Locale): Promise<InviteResult> {
  if (user.role !== "coordinator") return { ok: false, status: 403, errors: { form: "forbidden" } };
  const checked = await checkInvitation(svc, user.allianceId, input, await inviterLocale(svc, user, pageLocale));
  if (!checked.ok) return checked;
  return { ok: true, ...(await issueInvitation(svc, user.allianceId, checked.value, user.id)) };
}

/** The alliance's open invitations for /beheer (expired ones marked, so they can be sent again). */
export async function pendingInvitations(svc: AppServices, user: SessionUser) {
  if (user.role !== "coordinator") return [];
  const now = svc.now();
  return (await openInvitations(svc.async, user.allianceId)).map((i) => ({ ...i, expired: i.expiresAt <= now }));
}

async function ownOpenInvitation(svc: AppServices, user: SessionUser, id: unknown) {
  if (typeof id !== "string") return null;
  const inv = await invitationById(svc.async, id);
  return inv && inv.allianceId === user.allianceId && inv.acceptedAt === null && inv.withdrawnAt === null ? inv : null;
}

/** Send again: a new token (the old link stops working) and 7 new days. */
export async function resendInvitation(svc: AppServices, user: SessionUser, id: unknown): Promise<InviteResult> {
  if (user.role !== "coordinator") return { ok: false, status: 403, errors: { form: "forbidden" } };
  const inv = await ownOpenInvitation(svc, user, id);
  if (!inv) return { ok: false, status: 404, errors: { form: "gone" } };
  const { token, hash } = newToken();
  const at = svc.now();
  if (!(await renewInvitationToken(svc.async, inv.id, hash, at, at + INVITATION_DAYS * DAY_MS))) return { ok: false, status: 404, errors: { form: "gone" } };
  const mailed = await queueInvitationMail(svc, inv.id, at, token);
  return { ok: true, id: inv.id, link: invitationLink(svc, token), mailed: mailed === true, ...(mailed === "limited" ? { mailLimited: true as const } : {}) };
}

export async function withdrawInvitation(svc: AppServices, user: SessionUser, id: unknown): Promise<{ ok: true; name: string } | { ok: false; status: 403 | 404 }> {
  if (user.role !== "coordinator") return { ok: false, status: 403 };
  const inv = await ownOpenInvitation(svc, user, id);
  if (!inv || !(await withdrawInDb(svc.async, inv.id, svc.now()))) return { ok: false, status: 404 };
  return { ok: true, name: inv.name };
}

// ------------------------------------------------------------------ the link

export type LinkState = "open" | "unknown" | "expired" | "withdrawn" | "used";

export type LinkView =
  | { state: "open"; alliance: string; organisation: string; role: Role; name: string; email: string; locale: Locale }
  | { state: Exclude<LinkState, "open"> }
  | { state: "throttled"; retryAfterSeconds: number };

function looksLikeToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

/**
 * What the link shows. An unknown token costs the client's address one
 * failed login (the login budget per address); over the budget the answer
 * is "throttled" before the token is looked up.
 */
export async function viewLink(svc: AppServices, token: string, address: string): Promise<LinkView> {
  const limiter = appLimits(svc).login.address;
  const key = addressKey(address);
  await limiter.sync(key);
  const budget = limiter.peek(key);
  if (!budget.ok) return { state: "throttled", retryAfterSeconds: retryAfterSeconds(budget.retryAfterMs) };
  const inv = looksLikeToken(token) ? await invitationByTokenHash(svc.async, tokenHash(token)) : null;
  if (!inv) {
    // Read just now: the hit only has to reach the other servers before the answer.
    limiter.take(key);
    await limiter.sync(key);
    return { state: "unknown" };
  }
  if (inv.acceptedAt !== null) return { state: "used" };
  if (inv.withdrawnAt !== null) return { state: "withdrawn" };
  if (inv.expiresAt <= svc.now()) return { state: "expired" };
  return {
    state: "open",
    alliance: inv.allianceName,
    organisation: inv.organisationName,
    role: inv.role as Role,
    name: inv.name,
    email: inv.email,
    locale: isLocale(inv.locale) ? inv.locale : "nl",
  };
}

export type AcceptResult =
  | { ok: true; userId: string; allianceId: string }
  | { ok: false; status: 400; errors: { password?: "tooShort"; repeat?: "mismatch" } }
  | { ok: false; status: 404 | 410 | 409 | 429; state: Exclude<LinkState, "open"> | "email_taken" | "throttled"; retryAfterSeconds?: number };

/**
 * Accept an invitation with the chosen password: the account is created
 * and the invitation marked used in one transaction (db/invitations.ts), so
 * of two submits of the same link exactly one makes an account.
 */
export async function acceptInvitation(svc: AppServices, token: string, input: Record<string, unknown>, address: string): Promise<AcceptResult> {
  const view = await viewLink(svc, token, address);
  if (view.state === "throttled") return { ok: false, status: 429, state: "throttled", retryAfterSeconds: view.retryAfterSeconds };
  if (view.state !== "open") return { ok: false, status: view.state === "unknown" ? 404 : 410, state: view.state };
  const password = String(input.password ?? "");
  const repeat = String(input.repeat ?? "");
  const errors: { password?: "tooShort"; repeat?: "mismatch" } = {};
  if (password.length < PASSWORD_MIN) errors.password = "tooShort";
  if (repeat !== password) errors.repeat = "mismatch";
  if (Object.keys(errors).length) return { ok: false, status: 400, errors };
  const passwordHash = await hashPassword(password);
  const res = await acceptInDb(svc.async, tokenHash(token), { id: randomUUID(), passwordHash }, svc.now());
  if (!res.ok) {
    if (res.reason === "email_taken") return { ok: false, status: 409, state: "email_taken" };
    return { ok: false, status: res.reason === "unknown" ? 404 : 410, state: res.reason };
  }
  const inv = (await invitationByTokenHash(svc.async, tokenHash(token)))!;
  return { ok: true, userId: res.userId, allianceId: inv.allianceId };
}

// ------------------------------------------------------------------ /beheer

/**
 * The invitation intents of /beheer's form posts: `invite` (the form's
 * fields), `invite-resend` and `invite-withdraw` (`invitationId`). Returns
 * the status and what the page shows (the link once, field errors).
 */
export async function invitationAction(
  svc: AppServices,
  user: SessionUser,
  intent: string,
  form: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  if (intent === "invite") {
    const r = await invite(svc, user, form);
    if (!r.ok && r.status === 403) throw new Response("Forbidden", { status: 403 });
    return r.ok
      ? { status: 200, body: { ok: true, name: cleanText(form.name), email: cleanText(form.email).toLowerCase(), link: r.link, mailed: r.mailed, mailLimited: r.mailLimited ?? false } }
      : { status: r.status === 409 ? 409 : 400, body: { errors: r.errors } };
  }
  const id = form.invitationId;
  const inv = typeof id === "string" ? await invitationById(svc.async, id) : null;
  if (intent === "invite-resend") {
    const r = await resendInvitation(svc, user, id);
    if (!r.ok && r.status === 403) throw new Response("Forbidden", { status: 403 });
    return r.ok ? { status: 200, body: { ok: true, name: inv?.name ?? "", email: inv?.email ?? "", link: r.link, mailed: r.mailed, mailLimited: r.mailLimited ?? false } } : { status: 404, body: { errors: { form: "gone" } } };
  }
  if (intent === "invite-withdraw") {
    const r = await withdrawInvitation(svc, user, id);
    if (!r.ok && r.status === 403) throw new Response("Forbidden", { status: 403 });
    return r.ok ? { status: 200, body: { ok: true, name: r.name } } : { status: 404, body: { errors: { form: "gone" } } };
  }
  return { status: 400, body: { errors: { form: "unknown" } } };
}
