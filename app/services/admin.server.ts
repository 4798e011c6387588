/**
 * The coordinator's pages: organisations, people, roles, access, board
 * settings. Only coordinators of the alliance may do any of this; every change
 * to a person's access takes effect on their open connections at once.
 */
import { randomInt, randomUUID } from "node:crypto";
import {
  disableUser,
  emailTaken,
  enableUser,
  getUserById,
  insertUser,
  listOrganisations,
  listPeople,
  setBoardExpiryDays,
  setPassword,
  setUserRole,
} from "../../db/accounts";
import { referenceCheckCounts, requestsPerOrgSince } from "../../db/limits";
import { checkpointTruncate, vacuumErased } from "../../db/rebuild";
import { eraseStaffAccount, STAFF_ERASED_TABLES } from "../../db/staff-erase";
import { ROLES, type Role } from "../../db/schema";
import { isWorkingOrganisation } from "../board/front-door";
import { checkOrganisation, cleanText } from "../board/validate";
import { checkCredentials, type LoginClient, type SessionUser } from "./auth.server";
import { sqliteOf, type AppServices } from "./context.server";
import { localeOf, translator } from "../i18n";
import { hashPassword } from "./password.server";
import { vacuumFailed } from "./rebuild.server";
import { createOrganisation } from "./setup.server";
import { requestQuota } from "./requests.server";

export type AdminErrors = Partial<Record<string, string>>;
export type AdminResult<T = object> = ({ ok: true } & T) | { ok: false; errors: AdminErrors; status: number };

export function isCoordinator(user: SessionUser): boolean {
  return user.role === "coordinator";
}

export function requireCoordinator(user: SessionUser): void {
  if (!isCoordinator(user)) throw new Response("Forbidden", { status: 403 });
}

export async function adminOverview(svc: AppServices, user: SessionUser) {
  requireCoordinator(user);
  return { organisations: await listOrganisations(svc.async, user.allianceId), people: await listPeople(svc.async, user.allianceId) };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function addOrganisation(svc: AppServices, user: SessionUser, input: Record<string, unknown>): Promise<AdminResult<{ id: string }>> {
  requireCoordinator(user);
  const { value, errors } = checkOrganisation(input);
  const all: AdminErrors = { ...errors };
  if (!all.name && (await listOrganisations(svc.async, user.allianceId)).some((o) => o.name.toLowerCase() === value.name.toLowerCase())) all.name = "exists";
  if (Object.keys(all).length) return { ok: false, errors: all, status: 400 };
  const { id } = await createOrganisation(svc.async, { allianceId: user.allianceId, ...value });
  return { ok: true, id };
}

/** A readable one-time password: no look-alike characters. */
export function oneTimePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  let s = "";
  for (let i = 0; i < 12; i++) s += alphabet[randomInt(alphabet.length)];
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
}

function isRole(v: unknown): v is Role {
  return typeof v === "string" && (ROLES as readonly string[]).includes(v);
}

/**
 * Create an account with a one-time password, shown once to the coordinator;
 * the person must choose their own password at first login.
 */
export async function addPerson(
  svc: AppServices,
  user: SessionUser,
  input: Record<string, unknown>,
): Promise<AdminResult<{ id: string; password: string; email: string }>> {
  requireCoordinator(user);
  const email = cleanText(input.email).toLowerCase();
  const name = cleanText(input.name);
  const orgId = cleanText(input.organisationId);
  const role = input.role ?? "member";
  const errors: AdminErrors = {};
  if (!EMAIL.test(email)) errors.email = email ? "pattern" : "required";
  else if (await emailTaken(svc.async, email)) errors.email = "exists";
  if (name.length < 2) errors.name = name ? "tooShort" : "required";
  else if (name.length > 80) errors.name = "tooLong";
  if (!(await listOrganisations(svc.async, user.allianceId)).some((o) => o.id === orgId && isWorkingOrganisation(o))) errors.organisationId = "unknown";
  if (!isRole(role)) errors.role = "unknown";
  if (Object.keys(errors).length) return { ok: false, errors, status: 400 };
  const password = oneTimePassword();
  const id = randomUUID();
  await insertUser(svc.async, {
    id,
    email,
    name,
    organisationId: orgId,
    role: role as Role,
    passwordHash: await hashPassword(password),
    mustChangePassword: true,
  });
  return { ok: true, id, password, email };
}

async function personInAlliance(svc: AppServices, user: SessionUser, personId: unknown) {
  if (typeof personId !== "string") return null;
  const person = await getUserById(svc.async, personId);
  return person && person.allianceId === user.allianceId ? person : null;
}

export async function changeRole(svc: AppServices, user: SessionUser, personId: unknown, role: unknown): Promise<AdminResult> {
  requireCoordinator(user);
  const person = await personInAlliance(svc, user, personId);
  if (!person) return { ok: false, errors: { person: "unknown" }, status: 404 };
  if (!isRole(role)) return { ok: false, errors: { role: "unknown" }, status: 400 };
  if (person.id === user.id && role !== "coordinator") return { ok: false, errors: { role: "self" }, status: 400 };
  await setUserRole(svc.async, person.id, role);
  // Open connections carry the old role: close them, the browser reconnects with the new one.
  svc.rooms.disconnectUser(person.id, "role changed");
  return { ok: true };
}

export async function removeAccess(svc: AppServices, user: SessionUser, personId: unknown): Promise<AdminResult> {
  requireCoordinator(user);
  const person = await personInAlliance(svc, user, personId);
  if (!person) return { ok: false, errors: { person: "unknown" }, status: 404 };
  if (person.id === user.id) return { ok: false, errors: { person: "self" }, status: 400 };
  await disableUser(svc.async, person.id, svc.now());
  svc.rooms.disconnectUser(person.id, "access removed");
  return { ok: true };
}

export async function restoreAccess(svc: AppServices, user: SessionUser, personId: unknown): Promise<AdminResult> {
  requireCoordinator(user);
  const person = await personInAlliance(svc, user, personId);
  if (!person) return { ok: false, errors: { person: "unknown" }, status: 404 };
  await enableUser(svc.async, person.id);
  return { ok: true };
}

/**
 * Erase a person's account for good (AVG/GDPR art. 17): their name and
 * address leave the database (db/staff-erase.ts), what they did stays by
 * nobody, and on SQLite the write-ahead log is checkpointed (its pages are
 * zeroed by secure_delete), on PostgreSQL the tables it wrote are VACUUMed.
 * Only a person whose access was removed first (409 otherwise: a slip on
 * the wrong row cannot erase someone at work), never oneself. "Gewist
 * account" (in the coordinator's language) takes the name's place in the
 * meetings they attended.
 */
export async function eraseAccount(svc: AppServices, user: SessionUser, personId: unknown): Promise<AdminResult<{ name: string }>> {
  requireCoordinator(user);
  const person = await personInAlliance(svc, user, personId);
  if (!person) return { ok: false, errors: { person: "unknown" }, status: 404 };
  if (person.id === user.id) return { ok: false, errors: { person: "self" }, status: 400 };
  const erased = await eraseStaffAccount(svc.async, person.id, translator(localeOf(user))("admin.erasedName"));
  if (erased === "missing") return { ok: false, errors: { person: "unknown" }, status: 404 };
  if (erased === "active") return { ok: false, errors: { person: "stillActive" }, status: 409 };
  svc.rooms.disconnectUser(person.id, "account erased");
  if (svc.async.dialect === "sqlite") checkpointTruncate(sqliteOf(svc, "the WAL checkpoint"));
  else await vacuumErased(svc.async, STAFF_ERASED_TABLES).catch((e) => vacuumFailed(svc, null, e));
  return { ok: true, name: person.name };
}

export async function resetPassword(svc: AppServices, user: SessionUser, personId: unknown): Promise<AdminResult<{ password: string }>> {
  requireCoordinator(user);
  const person = await personInAlliance(svc, user, personId);
  if (!person) return { ok: false, errors: { person: "unknown" }, status: 404 };
  const password = oneTimePassword();
  await setPassword(svc.async, person.id, await hashPassword(password), true);
  // Until the new password is chosen, the person may not be on a board.
  svc.rooms.disconnectUser(person.id, "password reset");
  return { ok: true, password };
}

export async function setClaimExpiry(svc: AppServices, user: SessionUser, boardId: string, daysInput: unknown): Promise<AdminResult> {
  requireCoordinator(user);
  const days = Number(daysInput);
  if (!Number.isInteger(days) || days < 1 || days > 365) return { ok: false, errors: { claimExpiryDays: "range" }, status: 400 };
  await setBoardExpiryDays(svc.async, boardId, days);
  return { ok: true };
}

const DAY_MS = 86_400_000;

/**
 * The alliance's limits for its coordinator: the hourly request quota per
 * organisation (its own or the server's default), what each organisation
 * created in the past hour, and how many reference checks each person made
 * in the past 30 days (match, no match, refused for the budget).
 */
export async function limitsOverview(svc: AppServices, user: SessionUser) {
  requireCoordinator(user);
  const now = svc.now();
  return {
    requestQuota: await requestQuota(svc, user.allianceId),
    createdPastHour: await requestsPerOrgSince(svc.async, user.allianceId, now - 3600_000),
    referenceChecks: await referenceCheckCounts(svc.async, user.allianceId, now - 30 * DAY_MS),
  };
}

export const PASSWORD_MIN = 10;

/**
 * A person changes their own password (required after a one-time password).
 * The current password is checked through the login throttle (same budgets
 * per address and account, same known-browser exemption): a stolen session
 * cannot be used to guess it.
 */
export async function changeOwnPassword(
  svc: AppServices,
  user: SessionUser,
  input: Record<string, unknown>,
  client?: LoginClient,
): Promise<AdminResult | { ok: false; errors: AdminErrors; status: 429; retryAfterSeconds: number }> {
  const current = String(input.current ?? "");
  const next = String(input.password ?? "");
  const repeat = String(input.repeat ?? "");
  const errors: AdminErrors = {};
  const check = await checkCredentials(svc, user.email, current, client);
  if (!check.ok && check.reason === "throttled") {
    return { ok: false, errors: { current: "tooMany" }, status: 429, retryAfterSeconds: check.retryAfterSeconds };
  }
  if (!check.ok || check.userId !== user.id) errors.current = "wrong";
  if (next.length < PASSWORD_MIN) errors.password = "tooShort";
  else if (next === current) errors.password = "same";
  if (repeat !== next) errors.repeat = "mismatch";
  if (Object.keys(errors).length) return { ok: false, errors, status: 400 };
  await setPassword(svc.async, user.id, await hashPassword(next), false);
  return { ok: true };
}
