/**
 * The public front door (issue 15): a person without an account asks for
 * help or offers it on /hulp/<slug> (a plain HTML form) or through an
 * embedding website (POST /api/public/<slug>/requests, CORS for the
 * alliance's configured sites). What arrives becomes a request in the Nieuw
 * column of the alliance's chosen board, made through the same pieces as a
 * request typed by staff (SQL row and audit in one transaction, then the
 * card), with the marks `origin: "front-door"`, `language` and `kind`.
 *
 * The creator: a front door has no person and no member organisation behind
 * it, so each alliance has one organisation of kind "front-door" ("Voordeur",
 * made on first use) that stands as the creator (`createdByOrg`,
 * `requests.created_by_org_id`, the audit's org); nobody belongs to it, so
 * nobody gains rights by it, and every place that names a creator shows
 * "Voordeur". Contact details go sealed (app/services/seal.server.ts) into
 * request_contacts with consent: only the organisation that takes the
 * request up can read them (contactAccess), never the front door's own.
 *
 * The guard (honeypot, fill time, budgets, daily cap, proof of work) is
 * app/services/front-door-guard.server.ts: asked before anything is stored.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { addCard, listCategories, listColumns, getCard } from "../board/domain";
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  normaliseCode,
  publicStage,
  publicTitle,
  validatePublicSubmission,
  type PublicErrors,
  type PublicStage,
} from "../board/front-door";
import { firstColumnOf, stageOfColumn } from "../board/stages";
import type { FieldFinding } from "../board/personal-data";
import { boardSettings, getBoard } from "../../db/accounts";
import { contactAad, putContact } from "../../db/contacts";
import {
  frontDoorBySlug,
  frontDoorItemByCode,
  frontDoorOf,
  frontDoorOrganisation,
  insertFrontDoorItem,
  liveBoardOf,
  setFrontDoor,
  type FrontDoorSettingsRow,
} from "../../db/front-door";
import { createRequestWithAudit } from "../../db/requests";
import { publishLatest } from "./activity.server";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { addressKey as addressPrefix, appLimits } from "./limits.server";
import { personalDataGate } from "./personal-data.server";
import { dataKeyOf, seal } from "./seal.server";
import { translator } from "../i18n";
import { admitSubmission, formGuard, recordAccepted, type GuardCode } from "./front-door-guard.server";

export { formGuard };

// ------------------------------------------------------------------ the door

export interface PublicDoor {
  allianceId: string;
  allianceName: string;
  slug: string;
  boardId: string;
  categories: Array<{ id: string; label: string }>;
  retentionMonths: number;
  sites: string[];
}

/** The alliance's open front door, or null (unknown slug, switched off, no live board): the page and the API answer 404. */
export async function publicDoor(svc: AppServices, slug: string): Promise<PublicDoor | null> {
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) return null;
  const s = await frontDoorBySlug(svc.async, slug);
  if (!s || !s.enabled || !s.boardId || !(await liveBoardOf(svc.async, s.allianceId, s.boardId))) return null;
  const categories = await svc.rooms.readDoc(s.boardId, (doc) => listCategories(doc).map((c) => ({ id: c.id, label: c.label })));
  return {
    allianceId: s.allianceId,
    allianceName: s.allianceName,
    slug: s.slug,
    boardId: s.boardId,
    categories,
    retentionMonths: (await boardSettings(svc.async, s.boardId))?.retentionMonths ?? 12,
    sites: s.sites,
  };
}

export function codeHash(code: string): string {
  return createHash("sha256").update(`front-door-code:${code}`).digest("hex");
}

/** A receipt code: 60 random bits in Crockford's base 32 (never stored; only its hash is). */
export function newReceiptCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  let out = "";
  for (const b of bytes) out += CODE_ALPHABET[b & 31];
  return out;
}

export type SubmitResult =
  | { ok: true; code: string; requestId: string }
  | { ok: false; status: 422; errors: PublicErrors }
  | { ok: false; status: 422; personalData: FieldFinding[] }
  | { ok: false; status: 403 | 422 | 429; guard: GuardCode; retryAfterSeconds?: number; pow?: { challenge: string; difficulty: number } }
  | { ok: false; status: 503; error: "unavailable" };

export interface SubmitContext {
  address: string;
  /** The guard's fields as sent (form) or absent (JSON). */
  honeypot?: unknown;
  token?: unknown;
  powSolution?: unknown;
  /** The person chose to send text that looks like personal data. */
  acknowledged: boolean;
  /** The page's form (a token required) or the JSON API. */
  channel: "form" | "api";
}

/**
 * Take one submission: check it (422 with field errors), the personal-data
 * check on the text (422 unless acknowledged), the guard (before anything
 * is stored), then store the request, its card in Nieuw, the sealed
 * contact and the front-door item. Returns the receipt code.
 */
export async function submitPublic(svc: AppServices, door: PublicDoor, input: Record<string, unknown>, ctx: SubmitContext): Promise<SubmitResult> {
  const checked = validatePublicSubmission(input, door.categories.map((c) => c.id));
  if (!checked.ok) return { ok: false, status: 422, errors: checked.errors };
  const v = checked.value;
  if (v.contact && !dataKeyOf(svc.env)) return { ok: false, status: 503, error: "unavailable" };
  const pd = personalDataGate(svc, { text: v.text, area: v.area }, ctx.acknowledged);
  if (!pd.ok) return { ok: false, status: 422, personalData: pd.found };

  const admission = await admitSubmission(svc, {
    allianceId: door.allianceId,
    address: ctx.address,
    honeypot: ctx.honeypot,
    token: ctx.token,
    powSolution: ctx.powSolution,
    channel: ctx.channel,
  });
  if (!admission.ok) return { ok: false, status: admission.status, guard: admission.code, retryAfterSeconds: admission.retryAfterSeconds, pow: admission.pow };

  const orgName = translator("nl")("frontDoor.orgName");
  const orgId = await frontDoorOrganisation(svc.async, door.allianceId, () => ({ id: randomUUID(), name: orgName, shortName: orgName, color: "#5a5a5a" }));
  const id = randomUUID();
  const at = svc.now();
  const title = publicTitle(v);
  const column = await svc.rooms.readDoc(door.boardId, (doc) => firstColumnOf(listColumns(doc), "intake")?.id ?? listColumns(doc)[0]?.id);
  if (!column) return { ok: false, status: 503, error: "unavailable" };
  let code = newReceiptCode();
  await createRequestWithAudit(
    svc.async,
    { id, boardId: door.boardId, createdByUserId: null, createdByOrgId: orgId, reference: null, referenceKey: null, lastActivityAt: at, createdAt: at },
    {
      boardId: door.boardId,
      requestId: id,
      userId: null,
      orgId,
      type: "created",
      // As recordAcknowledged would: which kinds the person chose to send anyway (never the text).
      data: {
        title,
        category: v.category,
        origin: "front-door",
        language: v.language,
        kind: v.kind,
        ...(pd.found.length ? { personalDataAcknowledged: pd.found } : {}),
      },
      createdAt: at,
    },
  );
  for (let attempt = 0; ; attempt++) {
    try {
      await insertFrontDoorItem(svc.async, {
        id: randomUUID(),
        allianceId: door.allianceId,
        boardId: door.boardId,
        requestId: id,
        kind: v.kind,
        language: v.language,
        codeHash: codeHash(code),
        addressKey: admission.addressKey,
        createdAt: at,
      });
      break;
    } catch (e) {
      // 60 random bits: a clash is all but impossible; draw again rather than fail.
      if (attempt > 3) throw e;
      code = newReceiptCode();
    }
  }
  if (v.contact) {
    const key = dataKeyOf(svc.env)!;
    const note = v.reachBy ? `${v.reachBy}` : "";
    const details = { name: v.contact.name, phone: v.contact.phone, email: v.contact.email, address: "", note };
    await putContact(svc.async, { requestId: id, boardId: door.boardId, sealed: seal(key, JSON.stringify(details), contactAad(id)), consent: true, at, userId: null, orgId });
  }
  await svc.rooms.withDoc(door.boardId, (doc) =>
    addCard(doc, {
      id,
      title,
      category: v.category,
      description: v.text,
      area: v.area,
      urgency: "normaal",
      createdAt: at,
      createdByOrg: orgId,
      column,
      kind: v.kind,
      origin: "front-door",
      language: v.language,
    }),
  );
  await publishLatest(svc, door.boardId, id);
  recordAccepted(svc, { allianceId: door.allianceId, addressKey: admission.addressKey });
  return { ok: true, code, requestId: id };
}

// ------------------------------------------------------------------ the status page

export type StatusResult = { ok: true; stage: PublicStage } | { ok: false; reason: "unknown" | "limited"; retryAfterSeconds?: number };

/** The stage of a receipt code's request, and nothing else about it. */
export async function publicStatus(svc: AppServices, door: PublicDoor, rawCode: unknown, address: string): Promise<StatusResult> {
  const d = await appLimits(svc).frontDoorStatus.takeShared(`${door.allianceId}|${addressPrefix(address)}`);
  if (!d.ok) return { ok: false, reason: "limited", retryAfterSeconds: Math.ceil(d.retryAfterMs / 1000) };
  const code = normaliseCode(rawCode);
  if (!code) return { ok: false, reason: "unknown" };
  const item = await frontDoorItemByCode(svc.async, door.allianceId, codeHash(code));
  if (!item) return { ok: false, reason: "unknown" };
  if (!item.requestId || item.spamAt !== null || !(await getBoard(svc.async, item.boardId))) return { ok: true, stage: publicStage(null) };
  const requestId = item.requestId;
  const card = await svc.rooms.readDoc(item.boardId, (doc) => {
    const c = getCard(doc, requestId);
    return c ? { stage: stageOfColumn(listColumns(doc), c.column), archived: c.archived } : null;
  });
  return { ok: true, stage: publicStage(card) };
}

// ------------------------------------------------------------------ CORS for embedding sites

/** The CORS headers for a configured site's Origin; none (null) for any other. No credentials, ever. */
export function corsHeaders(door: Pick<PublicDoor, "sites"> | null, origin: string | null): Record<string, string> | null {
  if (!door || !origin || !door.sites.includes(origin)) return null;
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
    Vary: "Origin",
  };
}

// ------------------------------------------------------------------ the coordinator's settings

export interface FrontDoorSettings {
  enabled: boolean;
  boardId: string | null;
  sites: string[];
  slug: string;
}

export async function frontDoorSettings(svc: AppServices, user: SessionUser): Promise<FrontDoorSettings | null> {
  const s: FrontDoorSettingsRow | null = await frontDoorOf(svc.async, user.allianceId);
  return s ? { enabled: s.enabled, boardId: s.boardId, sites: s.sites, slug: s.slug } : null;
}

/** An exact https (or http on localhost) origin, as browsers send it. */
export function parseSite(raw: string): string | null {
  const v = raw.trim().replace(/\/$/, "");
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return null;
  }
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
  if (url.protocol !== "https:" && !(local && url.protocol === "http:")) return null;
  return url.origin === v.toLowerCase() ? url.origin : null;
}

export type SettingsErrors = Partial<Record<"boardId" | "sites", string>>;

/** A coordinator switches the door on or off, picks its board (live, of the alliance) and the sites that may embed it (at most 20). */
export async function saveFrontDoorSettings(
  svc: AppServices,
  user: SessionUser,
  input: { enabled: unknown; boardId: unknown; sites: unknown },
): Promise<{ ok: true; settings: FrontDoorSettings } | { ok: false; status: 403 | 422; errors: SettingsErrors }> {
  if (user.role !== "coordinator") return { ok: false, status: 403, errors: {} };
  const errors: SettingsErrors = {};
  const enabled = input.enabled === true || input.enabled === "on" || input.enabled === "true";
  const boardId = typeof input.boardId === "string" && input.boardId ? input.boardId : null;
  if (boardId ? !(await liveBoardOf(svc.async, user.allianceId, boardId)) : enabled) errors.boardId = "board";
  const lines = Array.isArray(input.sites) ? input.sites : typeof input.sites === "string" ? input.sites.split(/[\s,]+/) : null;
  const sites: string[] = [];
  if (!lines) errors.sites = "sites";
  else
    for (const line of lines) {
      if (typeof line !== "string") {
        errors.sites = "sites";
        break;
      }
      if (!line.trim()) continue;
      const o = parseSite(line);
      if (!o) {
        errors.sites = "sites";
        break;
      }
      if (!sites.includes(o)) sites.push(o);
    }
  if (sites.length > 20) errors.sites = "sites";
  if (Object.keys(errors).length) return { ok: false, status: 422, errors };
  await setFrontDoor(svc.async, user.allianceId, { enabled, boardId, sites });
  return { ok: true, settings: (await frontDoorSettings(svc, user))! };
}
