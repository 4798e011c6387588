/**
 * Requests (cards) from the server's side: creation stamps the organisation
 * and stores the pseudonymous reference in SQL, never in the shared document.
 * Pages, the JSON API and tests call these; routes only parse and render.
 */
import { createHmac, randomUUID } from "node:crypto";
import { addCard, getCard, listCategories } from "../board/domain";
import type { CardView } from "../board/types";
import { validateCardFields, validateReference, type CardField } from "../board/validate";
import { validateMatchFields } from "../board/jobs";
import {
  addAudit,
  createRequestWithAudit,
  finishIdempotentRequest,
  getRequest,
  IDEMPOTENCY_KEEP_MS,
  requestByIdempotencyKey,
  setRequestReference,
  type AuditInput,
  type IdempotencyKey,
} from "../../db/requests";
import { allianceSecret } from "../../db/duplicates";
import { isUniqueViolation } from "../../db/dialect";
import type { AsyncDb } from "../../db/client";
import { allianceRequestQuota, countedRequestAt, requestsCreatedByOrgSince, setAllianceRequestQuota } from "../../db/limits";
import type { BoardRow, SessionUser } from "./auth.server";
import { publishLatest } from "./activity.server";
import { DUPLICATES_EVENT, intakeWarnings, keyForAlliance, referenceKey as referenceKeyWith, type IntakeWarning } from "./duplicates.server";
import type { AppServices } from "./context.server";
import { notifyPossibleDuplicates } from "./notifications.server";
import { ACKNOWLEDGE_FIELD, acknowledgementAudit, personalDataGate, recordAcknowledged, REQUEST_TEXT_FIELDS } from "./personal-data.server";
import type { FieldFinding } from "../board/personal-data";

export type CreateRequestResult =
  /** `replayed`: the request an earlier create with the same idempotency key made (nothing new was made). */
  | { ok: true; card: CardView; duplicates: IntakeWarning[]; replayed?: true }
  /** The idempotency key: not 1–255 visible characters; used before with other fields; being used right now; its request merged or anonymised since. */
  | { ok: false; idempotency: "invalid" | "reused" | "in_progress" | "gone" }
  | { ok: false; errors: Partial<Record<CardField | "languageLevel" | "availability", string>> }
  | { ok: false; forbidden: true }
  /** Personal data in the fields and no `acknowledgePersonalData`: which field holds which kind. */
  | { ok: false; personalData: FieldFinding[] }
  | {
      ok: false;
      /** Shown by the new-request dialog as one message (the form's fields are fine). */
      errors: { quota: "quota_exceeded"; quotaLimit: string; quotaMinutes: string };
      quota: QuotaExceeded;
    };

export interface QuotaExceeded {
  limit: number;
  retryAfterMs: number;
}

const HOUR_MS = 3600_000;

/** The alliance's hourly request quota per organisation: its own (set by a coordinator) or the server's default. */
export async function requestQuota(
  svc: AppServices,
  allianceId: string,
  h: AsyncDb = svc.async,
): Promise<{ perHour: number; custom: number | null; fallback: number }> {
  const custom = await allianceRequestQuota(h, allianceId);
  const fallback = svc.env.REQUESTS_PER_ORG_PER_HOUR;
  return { perHour: custom ?? fallback, custom, fallback };
}

/**
 * Whether the person's organisation may create one more request now: counted
 * in SQL from the requests it created in the past hour (exact, and it
 * survives restarts). Null when it may; else the limit and the time until a
 * place frees up. `h`: the transaction that writes the request, when there is one.
 */
export async function quotaExceeded(svc: AppServices, user: SessionUser, h: AsyncDb = svc.async): Promise<QuotaExceeded | null> {
  const { perHour } = await requestQuota(svc, user.allianceId, h);
  const now = svc.now();
  const since = now - HOUR_MS;
  const n = await requestsCreatedByOrgSince(h, user.organisationId, since);
  if (n < perHour) return null;
  const at = (await countedRequestAt(h, user.organisationId, since, n - perHour)) ?? now;
  return { limit: perHour, retryAfterMs: Math.max(1000, at + HOUR_MS - now) };
}

/** A coordinator sets the alliance's quota (1..100000 per organisation per hour), or null for the server's default. */
export async function setRequestQuota(
  svc: AppServices,
  user: SessionUser,
  value: unknown,
): Promise<{ ok: true; perHour: number; custom: number | null } | { ok: false; status: 400 | 403; error: string }> {
  if (user.role !== "coordinator") return { ok: false, status: 403, error: "forbidden" };
  let perHour: number | null;
  if (value === null || value === undefined || (typeof value === "string" && value.trim() === "")) perHour = null;
  else {
    const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 100_000) return { ok: false, status: 400, error: "range" };
    perHour = n;
  }
  await setAllianceRequestQuota(svc.async, user.allianceId, perHour);
  const q = await requestQuota(svc, user.allianceId);
  return { ok: true, perHour: q.perHour, custom: q.custom };
}

export function canEdit(user: SessionUser): boolean {
  return user.role !== "viewer";
}

/** An idempotency key as a client may send it: 1–255 visible ASCII characters (a UUID, as the form sends, is the usual one). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** The form field that carries the new-request form's key (the API: the `Idempotency-Key` header). */
export const IDEMPOTENCY_FIELD = "idempotencyKey";

/**
 * The fields that make a request, which the fingerprint covers: not the
 * form's intent, the button pressed ("Toch opslaan" sends
 * acknowledgePersonalData) or the key itself, so a retry through another
 * button is the same request.
 */
const FINGERPRINT_FIELDS = ["title", "category", "description", "reference", "area", "urgency", "languageLevel", "availability"] as const;

const keyed = (secret: string, text: string) => createHmac("sha256", secret).update(text).digest("hex");

/**
 * A key as stored: HMACs with the alliance's own secret (the one its
 * reference keys use), so a copy of the database does not let anyone test
 * guesses of a short reference against the fingerprint.
 */
export function idempotencyHashes(secret: string, userId: string, boardId: string, rawKey: string, input: Record<string, unknown>): IdempotencyKey {
  const fields = FINGERPRINT_FIELDS.map((f) => {
    const v = input[f];
    return typeof v === "string" ? v.trim() || null : (v ?? null);
  });
  return { userId, keyHash: keyed(secret, `key:${rawKey}`), fingerprint: keyed(secret, JSON.stringify(["request", boardId, fields])) };
}

/** The create was refused inside its transaction: this key's request was made meanwhile (by a copy sent at the same time). */
const MADE_MEANWHILE = "made_meanwhile" as const;

/**
 * Create a request on a board: validate, store the SQL row, add the card to
 * the live document.
 *
 * With `idempotencyKey` (the API's `Idempotency-Key` header, the form's
 * hidden field; decision 005): the key is stored with the request row in its
 * transaction. Sent again by the same person with the same fields — its
 * answer was lost to a restart, a failover or the network — the request it
 * made is answered (`replayed`) and nothing new is made. If that first
 * attempt stopped after its row and before its card, the card is added now
 * from the fields sent now (the person's latest text). The same key with
 * other fields once its card is on the board is refused (`reused`); two at
 * once: one makes the request, the other is told to try again
 * (`in_progress`). A key counts for 24 hours.
 */
export async function createRequest(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  input: Record<string, unknown>,
  opts: { idempotencyKey?: string | null } = {},
): Promise<CreateRequestResult> {
  if (!canEdit(user)) return { ok: false, forbidden: true };
  const rawKey = opts.idempotencyKey ?? null;
  if (rawKey !== null && !IDEMPOTENCY_KEY.test(rawKey)) return { ok: false, idempotency: "invalid" };
  // The alliance's secret, read once: the key's hashes and the reference's key are made with it.
  const secret = await allianceSecret(svc.async, user.allianceId);
  const key = rawKey === null ? null : idempotencyHashes(secret, user.id, board.id, rawKey, input);
  const since = svc.now() - IDEMPOTENCY_KEEP_MS;
  // The request this key made before, if any.
  const earlier = key ? await requestByIdempotencyKey(svc.async, user.id, key.keyHash, since) : null;
  if (key && earlier) {
    // The key made a request on another board: this is another request (and that board's card is never looked for here).
    if (earlier.boardId !== board.id) return { ok: false, idempotency: "reused" };
    // Merged into another or anonymised since: not made again.
    if (earlier.mergedInto || earlier.anonymisedAt) return { ok: false, idempotency: "gone" };
    const card = await svc.rooms.readDoc(board.id, (doc) => getCard(doc, earlier.requestId));
    if (card) return earlier.fingerprint === key.fingerprint ? { ok: true, card, duplicates: [], replayed: true } : { ok: false, idempotency: "reused" };
    // Its card never came (the server stopped in between): finished below, from what is sent now.
  }
  const categories = await svc.rooms.withDoc(board.id, (doc) => listCategories(doc).map((c) => c.id));
  const fields = validateCardFields(input, categories);
  const ref = validateReference(input.reference);
  // Language level and availability, which group matching reads (issue 15); both optional.
  const match = validateMatchFields(input);
  const errors = { ...(fields.ok ? {} : fields.errors), ...(ref.ok ? {} : ref.errors), ...(match.ok ? {} : match.errors) };
  if (!fields.ok || !ref.ok || !match.ok) return { ok: false, errors };
  const pd = personalDataGate(svc, textFields({ ...fields.value, reference: ref.value }), input[ACKNOWLEDGE_FIELD]);
  if (!pd.ok) return { ok: false, personalData: pd.found };
  const reference = ref.value || null;
  // Checked before the card is on the board, so the new request does not warn about itself.
  const duplicates = await intakeWarnings(svc, user, board, { reference, category: fields.value.category });
  const referenceKey = referenceKeyWith(secret, reference);
  const acknowledged = (requestId: string): AuditInput[] =>
    pd.found.length ? [acknowledgementAudit(user, { boardId: board.id, requestId }, pd.found, svc.now())] : [];
  let id: string;
  let at: number;
  if (key && earlier) {
    id = earlier.requestId;
    at = earlier.createdAt;
    // The row and the key as these fields say (the reference may have changed since the first attempt).
    await finishIdempotentRequest(svc.async, { id, reference, referenceKey }, key, earlier.fingerprint === key.fingerprint ? [] : acknowledged(id));
  } else {
    id = randomUUID();
    at = svc.now();
    // The SQL row first: if the document write failed, an orphan row is harmless;
    // a card without its row would have no owner to check against. The quota is
    // counted inside the row's transaction (the organisation's row locked first):
    // two requests at once cannot both take the last place. A copy with the same
    // key that committed meanwhile is found there first: not counted against the quota.
    let refused: QuotaExceeded | typeof MADE_MEANWHILE | null;
    try {
      refused = await createRequestWithAudit(
        svc.async,
        { id, boardId: board.id, createdByUserId: user.id, createdByOrgId: user.organisationId, reference, referenceKey, lastActivityAt: at, createdAt: at },
        [
          {
            boardId: board.id,
            requestId: id,
            userId: user.id,
            orgId: user.organisationId,
            type: "created",
            data: { title: fields.value.title, category: fields.value.category },
            createdAt: at,
          },
          ...acknowledged(id),
        ],
        async (tx) => (key && (await requestByIdempotencyKey(tx, user.id, key.keyHash, since)) ? MADE_MEANWHILE : quotaExceeded(svc, user, tx)),
        key ?? undefined,
        since,
      );
    } catch (e) {
      // The same key, sent twice at once: the other one is making the request (nothing was written here).
      if (key && isUniqueViolation(e)) return { ok: false, idempotency: "in_progress" };
      throw e;
    }
    if (refused === MADE_MEANWHILE) return { ok: false, idempotency: "in_progress" };
    if (refused) {
      const quotaMinutes = String(Math.ceil(refused.retryAfterMs / 60_000));
      return { ok: false, errors: { quota: "quota_exceeded", quotaLimit: String(refused.limit), quotaMinutes }, quota: refused };
    }
  }
  // A retry of the same key on another server may be adding it too: whichever comes first adds it, and only that one tells the others.
  let added = false;
  const card = await svc.rooms.withDoc(board.id, (doc) => {
    const there = getCard(doc, id);
    if (there) return there;
    added = true;
    return addCard(doc, { ...fields.value, ...match.value, id, createdAt: at, createdByOrg: user.organisationId });
  });
  await publishLatest(svc, board.id, id);
  if (added) {
    if (duplicates.length) svc.realtime.toBoard(board.id, DUPLICATES_EVENT, { boardId: board.id });
    await notifyPossibleDuplicates(svc, user, board.id, id);
  }
  return earlier ? { ok: true, card, duplicates, replayed: true } : { ok: true, card, duplicates };
}

/** The checked text fields of a request, as the personal-data check reads them. */
export function textFields(values: Partial<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(REQUEST_TEXT_FIELDS.map((f) => [f, values[f]]));
}

export interface RequestDetails {
  id: string;
  createdByOrgId: string;
  ownerOrgId: string | null;
  /** Present only for the organisation that entered the request. */
  reference: string | null;
  canSeeReference: boolean;
  createdAt: number;
}

/** Whether this person may see the pseudonymous reference of a request. */
export function maySeeReference(user: SessionUser, row: { createdByOrgId: string; ownerOrgId: string | null }): boolean {
  return user.organisationId === row.createdByOrgId || (row.ownerOrgId !== null && user.organisationId === row.ownerOrgId);
}

export async function requestDetails(svc: AppServices, user: SessionUser, board: BoardRow, requestId: string): Promise<RequestDetails | null> {
  const row = await getRequest(svc.async, board.id, requestId);
  if (!row) return null;
  const canSee = maySeeReference(user, row);
  return {
    id: row.id,
    createdByOrgId: row.createdByOrgId,
    ownerOrgId: row.ownerOrgId,
    reference: canSee ? row.reference : null,
    canSeeReference: canSee,
    createdAt: row.createdAt,
  };
}

export type SetReferenceResult =
  | { ok: true; reference: string }
  | { ok: false; errors: { reference?: string } }
  | { ok: false; forbidden: true }
  | { ok: false; notFound: true }
  | { ok: false; personalData: FieldFinding[] };

/** Change the reference: only the organisation that may see it may change it. */
export async function updateReference(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  requestId: string,
  value: unknown,
  acknowledge?: unknown,
): Promise<SetReferenceResult> {
  const row = await getRequest(svc.async, board.id, requestId);
  if (!row) return { ok: false, notFound: true };
  if (!canEdit(user) || !maySeeReference(user, row)) return { ok: false, forbidden: true };
  const ref = validateReference(value);
  if (!ref.ok) return { ok: false, errors: ref.errors };
  if ((row.reference ?? "") !== ref.value) {
    const pd = personalDataGate(svc, { reference: ref.value }, acknowledge);
    if (!pd.ok) return { ok: false, personalData: pd.found };
    await recordAcknowledged(svc, user, { boardId: board.id, requestId }, pd.found);
    const key = await keyForAlliance(svc, user.allianceId, ref.value);
    await setRequestReference(svc.async, requestId, ref.value || null, key, svc.now());
    // The audit records that it changed, never the reference itself.
    await addAudit(svc.async, {
      boardId: board.id,
      requestId,
      userId: user.id,
      orgId: user.organisationId,
      type: "reference_changed",
      createdAt: svc.now(),
    });
  }
  return { ok: true, reference: ref.value };
}
