/**
 * Sealed contact details of a request (issue 14): who may read and write
 * them, sealing with DATA_KEY, the view log, and the handover on a referral.
 *
 * Who: the organisation that holds the request; while nobody holds it, the
 * organisation that entered it. Another organisation that comes to hold it
 * (a referral accepted, a claim, a coordinator's reassignment) reads what
 * was stored before only when the person consented to a handover (or when it
 * wrote the details itself); otherwise it gets nothing and is told why.
 * Viewers never; everybody else 403; another alliance 404 (requireBoard).
 * Every read, write, clear and handover is logged (contact_views); the
 * coordinators of the alliance see that log, never the content.
 */
import {
  clearContact,
  contactAad,
  contactViewsOf,
  getContact,
  logContactView,
  oneSealedValue,
  putContact,
  type ContactRow,
  type ContactViewAction,
} from "../../db/contacts";
import type { AsyncDb } from "../../db/client";
import { vacuumErased } from "../../db/rebuild";
import { vacuumFailed } from "./rebuild.server";
import { oneSealedSecret } from "../../db/two-factor";
import { activeAad } from "./two-factor.server";
import { getRequest, getRequestLocked, type RequestRow } from "../../db/requests";
import { EMPTY_CONTACT, isEmptyContact, validateContact, type ContactDetails, type ContactErrors } from "../board/contact";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { dataKeyOf, open, seal, SealError } from "./seal.server";

export type ContactAccess = "read" | "no_consent" | "none";

/** What this person may do with a request's details (see the file's comment). */
export function contactAccess(user: SessionUser, row: Pick<RequestRow, "createdByOrgId" | "ownerOrgId">, contact: ContactRow | null): ContactAccess {
  if (user.role === "viewer") return "none";
  const keeper = row.ownerOrgId ?? row.createdByOrgId;
  if (user.organisationId !== keeper) return "none";
  if (!contact) return "read";
  if (user.organisationId === row.createdByOrgId || user.organisationId === contact.updatedByOrgId || contact.consent) return "read";
  return "no_consent";
}

export type ContactFailure = { ok: false; status: number; error: string; message: string; errors?: ContactErrors };

const FAIL = {
  not_found: { status: 404, message: "No such request." },
  forbidden: { status: 403, message: "Only the organisation that holds this request may see or change its contact details." },
  no_consent: {
    status: 403,
    message: "The person did not consent to their contact details being handed over on referral; ask the organisation that entered the request.",
  },
  board_archived: { status: 409, message: "This board is archived: it can be read, not changed." },
  data_key_missing: { status: 503, message: "Contact details cannot be stored until the administrator sets DATA_KEY." },
  unreadable: { status: 500, message: "The stored contact details do not open with this server's DATA_KEY." },
  invalid: { status: 422, message: "Some contact details are not valid." },
} as const;

function fail(error: keyof typeof FAIL, extra: { errors?: ContactErrors } = {}): ContactFailure {
  return { ok: false, error, status: FAIL[error].status, message: FAIL[error].message, ...extra };
}

function unseal(key: Buffer, row: ContactRow): Omit<ContactDetails, "consent"> {
  const parsed = JSON.parse(open(key, row.sealed, contactAad(row.requestId))) as Partial<ContactDetails>;
  return {
    name: parsed.name ?? "",
    phone: parsed.phone ?? "",
    email: parsed.email ?? "",
    address: parsed.address ?? "",
    note: parsed.note ?? "",
  };
}

export interface ContactStatus {
  /** Whether details are stored; null for those who may neither read them nor see the log. */
  stored: boolean | null;
  access: ContactAccess;
  /** May store or change them now (access, a live board, a DATA_KEY). */
  canWrite: boolean;
  /** The server has a DATA_KEY (without one nothing can be stored). */
  available: boolean;
  /** For coordinators: who looked, when, what (never the content). */
  log: Array<{ action: ContactViewAction; at: number; user: string | null; organisation: string | null }> | null;
}

/** What the card dialog needs before anything is read (nothing logged). */
export async function contactStatus(svc: AppServices, user: SessionUser, board: BoardRow, requestId: string): Promise<ContactStatus | ContactFailure> {
  const row = await getRequest(svc.async, board.id, requestId);
  if (!row) return fail("not_found");
  const contact = await getContact(svc.async, requestId);
  const access = contactAccess(user, row, contact);
  const coordinator = user.role === "coordinator";
  const available = dataKeyOf(svc.env) !== null;
  return {
    stored: access !== "none" || coordinator ? contact !== null : null,
    access,
    canWrite: access === "read" && board.archivedAt === null && available,
    available,
    log: coordinator
      ? (await contactViewsOf(svc.async, requestId)).map((v) => ({ action: v.action, at: v.createdAt, user: v.userName, organisation: v.orgName }))
      : null,
  };
}

export type ContactRead = { ok: true; contact: ContactDetails; stored: boolean; updatedAt: number | null; available: boolean } | ContactFailure;

/** Read the details (logged as a view when there are any). */
export async function readContact(svc: AppServices, user: SessionUser, board: BoardRow, requestId: string): Promise<ContactRead> {
  const row = await getRequest(svc.async, board.id, requestId);
  if (!row) return fail("not_found");
  const contact = await getContact(svc.async, requestId);
  const access = contactAccess(user, row, contact);
  if (access === "none") return fail("forbidden");
  if (access === "no_consent") return fail("no_consent");
  const key = dataKeyOf(svc.env);
  if (!contact) return { ok: true, contact: { ...EMPTY_CONTACT }, stored: false, updatedAt: null, available: key !== null };
  if (!key) return fail("data_key_missing");
  let details: Omit<ContactDetails, "consent">;
  try {
    details = unseal(key, contact);
  } catch (e) {
    if (e instanceof SealError) return fail("unreadable");
    throw e;
  }
  await logContactView(svc.async, { requestId, boardId: board.id, userId: user.id, orgId: user.organisationId, action: "view", at: svc.now() });
  return { ok: true, contact: { ...details, consent: contact.consent }, stored: true, updatedAt: contact.updatedAt, available: true };
}

/** Store the details (all fields at once; all empty clears them). 422 with field errors. */
export async function writeContact(svc: AppServices, user: SessionUser, board: BoardRow, requestId: string, input: Record<string, unknown>): Promise<ContactRead> {
  const key = dataKeyOf(svc.env);
  const checked = validateContact(input);
  // The right to write follows who holds the request: checked and written in
  // one transaction, the request's row locked, so a referral accepted or a
  // claim taken meanwhile is either before (and refuses this) or after.
  const result = await svc.async.transaction(async (tx): Promise<ContactRead> => {
    const row = await getRequestLocked(tx, board.id, requestId);
    if (!row) return fail("not_found");
    const existing = await getContact(tx, requestId);
    const access = contactAccess(user, row, existing);
    if (access === "none") return fail("forbidden");
    if (access === "no_consent") return fail("no_consent");
    if (board.archivedAt !== null) return fail("board_archived");
    if (!key) return fail("data_key_missing");
    if (!checked.ok) return fail("invalid", { errors: checked.errors });
    const at = svc.now();
    const who = { requestId, boardId: board.id, at, userId: user.id, orgId: user.organisationId };
    if (isEmptyContact(checked.value)) {
      await clearContact(tx, who);
      return { ok: true, contact: { ...EMPTY_CONTACT }, stored: false, updatedAt: null, available: true };
    }
    const { consent, ...details } = checked.value;
    await putContact(tx, { ...who, sealed: seal(key, JSON.stringify(details), contactAad(requestId)), consent });
    return { ok: true, contact: checked.value, stored: true, updatedAt: at, available: true };
  });
  // PostgreSQL keeps the replaced or cleared details as a dead row version (sealed, but the key is
  // still here) until a VACUUM: at once, as secure_delete zeroes them on SQLite.
  if (result.ok) await vacuumErased(svc.async, ["requestContacts"]).catch((e) => vacuumFailed(svc, board.id, e));
  return result;
}

/** Remove the details (DELETE): the same rights as writing them. */
export async function removeContact(svc: AppServices, user: SessionUser, board: BoardRow, requestId: string): Promise<ContactRead> {
  return writeContact(svc, user, board, requestId, {});
}

/**
 * A referral was accepted: the receiving organisation now holds the request.
 * Logged as a handover when the person consented (the details go along), as
 * withheld when not (the card tells the new holder why it sees nothing).
 */
export async function contactHandover(svc: AppServices, user: SessionUser, t: { boardId: string; requestId: string }): Promise<void> {
  const contact = await getContact(svc.async, t.requestId);
  if (!contact) return;
  await logContactView(svc.async, {
    requestId: t.requestId,
    boardId: t.boardId,
    userId: user.id,
    orgId: user.organisationId,
    action: contact.consent ? "handover" : "withheld",
    at: svc.now(),
  });
}

/**
 * The start rule (server/index.ts): with sealed data stored (contact details
 * or two-factor secrets), a key must be there and must open it (one value of
 * each kind checked). Returns the message to refuse with, or null when the
 * server may start. `database`: the connection's asynchronous layer.
 */
export async function dataKeyProblem(database: { async: AsyncDb }, key: Buffer | null): Promise<string | null> {
  const contact = await oneSealedValue(database.async);
  const secret = await oneSealedSecret(database.async);
  const samples = [
    ...(contact ? [{ what: "sealed contact details", sealed: contact.sealed, aad: contact.aad }] : []),
    ...(secret ? [{ what: "sealed two-factor secrets", sealed: secret.sealed, aad: activeAad(secret.userId) }] : []),
  ];
  for (const sample of samples) {
    if (!key) {
      return `The database holds ${sample.what}, but DATA_KEY is not set (and there is no data-key file next to the database). Set DATA_KEY to the key they were sealed with.`;
    }
    try {
      open(key, sample.sealed, sample.aad);
    } catch (e) {
      if (e instanceof SealError) {
        return `DATA_KEY does not open the ${sample.what} in this database (${e.code === "wrong_key" ? "they were sealed with another key" : "a sealed value does not open"}). Set DATA_KEY to the key they were sealed with.`;
      }
      throw e;
    }
  }
  return null;
}
