/**
 * Duplicates and gaps between organisations, without exposing the people on
 * the cards: references are matched by a keyed hash (HMAC with a per-alliance
 * secret that never leaves the server) of their normalised form; warnings name
 * only the organisation and the category.
 */
import { createHash, createHmac } from "node:crypto";
import { listOrganisations } from "../../db/accounts";
import {
  allianceSecret,
  boardDecisions,
  boardRequestKeys,
  markNotDuplicate,
  mergeRequests,
  requestsWithKey,
} from "../../db/duplicates";
import { listCategories, readBoard, setArchived } from "../board/domain";
import { isActiveStage, stageOfColumn } from "../board/stages";
import { nearDuplicatePairs, normaliseReference, type NearCandidate } from "../board/similarity";
import type { BoardSnapshot, CardView } from "../board/types";
import { recordReferenceCheck, type ReferenceCheckOutcome } from "../../db/limits";
import { getRequest } from "../../db/requests";
import { publishLatest } from "./activity.server";
import { appLimits } from "./limits.server";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";

export const DUPLICATES_EVENT = "duplicates:changed";

export function referenceKey(secret: string, reference: string | null | undefined): string | null {
  const norm = normaliseReference(reference ?? "");
  if (norm.length < 2) return null;
  return createHmac("sha256", secret).update(norm).digest("hex");
}

export async function keyForAlliance(svc: AppServices, allianceId: string, reference: string | null | undefined): Promise<string | null> {
  return referenceKey(await allianceSecret(svc.async, allianceId), reference);
}

/** A card still being worked on: not archived and not in a column whose stage is done (wherever that column stands). */
function isOpen(card: CardView | undefined, snapshot: BoardSnapshot): boolean {
  if (!card || card.archived) return false;
  return isActiveStage(stageOfColumn(snapshot.columns, card.column));
}

export interface IntakeWarning {
  organisationId: string;
  organisation: string;
  category: string;
  categoryLabel: string;
  sameCategory: boolean;
}

/**
 * Before saving: which other organisations already work on a request for the
 * person behind this reference. Names organisation and category, never their
 * text or reference.
 */
export async function intakeWarnings(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  input: { reference?: unknown; category?: unknown },
  exclude?: string,
): Promise<IntakeWarning[]> {
  const key = await keyForAlliance(svc, user.allianceId, typeof input.reference === "string" ? input.reference : "");
  if (!key) return [];
  const rows = (await requestsWithKey(svc.async, board.id, key)).filter((r) => r.id !== exclude);
  if (rows.length === 0) return [];
  const snapshot = await svc.rooms.withDoc(board.id, (doc) => readBoard(doc));
  const cards = new Map(snapshot.cards.map((c) => [c.id, c]));
  const orgs = new Map((await listOrganisations(svc.async, user.allianceId)).map((o) => [o.id, o.shortName]));
  const labels = new Map(snapshot.categories.map((c) => [c.id, c.label]));
  const seen = new Set<string>();
  const out: IntakeWarning[] = [];
  for (const r of rows) {
    const card = cards.get(r.id);
    if (!isOpen(card, snapshot)) continue;
    const org = r.ownerOrgId ?? r.createdByOrgId;
    if (org === user.organisationId) continue;
    const k = `${org}|${card!.category}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({
      organisationId: org,
      organisation: orgs.get(org) ?? "?",
      category: card!.category,
      categoryLabel: labels.get(card!.category) ?? card!.category,
      sameCategory: card!.category === input.category,
    });
  }
  return out.sort((a, b) => Number(b.sameCategory) - Number(a.sameCategory));
}

export type ReferenceCheckResult =
  | { ok: true; duplicates: IntakeWarning[] }
  | { ok: false; status: 403; error: "forbidden"; message: string }
  | { ok: false; status: 429; error: "rate_limited"; message: string; retryAfterMs: number };

/**
 * The reference check before saving a new request (POST .../requests/check),
 * which would otherwise be an oracle: given a guessed reference (initials,
 * birth year, wijk) it names the organisation and category working for that
 * person. So: only those who may create requests ask it (viewers 403); each
 * person has REFERENCE_CHECKS_PER_10_MINUTES (then 429); and every check,
 * answered or refused for the budget, is written to SQL (who, organisation,
 * board, when, match or not; never the reference, nor a hash of it) so a
 * coordinator sees who checks how often (/beheer).
 */
export async function referenceCheck(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  input: { reference?: unknown; category?: unknown },
): Promise<ReferenceCheckResult> {
  if (user.role === "viewer") return { ok: false, status: 403, error: "forbidden", message: "Viewers cannot create requests." };
  const at = svc.now();
  const audit = (outcome: ReferenceCheckOutcome) =>
    recordReferenceCheck(svc.async, { boardId: board.id, userId: user.id, orgId: user.organisationId, outcome, createdAt: at });
  const budget = await appLimits(svc).referenceChecks.takeShared(user.id);
  if (!budget.ok) {
    await audit("rate_limited");
    return { ok: false, status: 429, error: "rate_limited", message: "Too many reference checks. Try again later.", retryAfterMs: budget.retryAfterMs };
  }
  const duplicates = await intakeWarnings(svc, user, board, input);
  await audit(duplicates.length ? "match" : "no_match");
  return { ok: true, duplicates };
}

type NearPair = ReturnType<typeof nearDuplicatePairs>[number];

/** Per app instance: board id → the near pairs of its open requests and a hash of what they were computed from. */
const nearPairsCache = new WeakMap<AppServices, Map<string, { hash: string; pairs: readonly NearPair[] }>>();
const NEAR_CACHE_BOARDS = 64;

/**
 * The near-duplicate pairs of a board's open requests, remembered per board
 * with a hash of everything they depend on (id, category, area, creation
 * time, title and description of each, in order). The board page and the
 * overview ask for the duplicate groups on every load; at a few thousand
 * requests the comparison takes a few hundred milliseconds of the one event
 * loop, and most loads find the texts unchanged. The hash keeps no text.
 */
function nearPairsOf(svc: AppServices, boardId: string, items: NearCandidate[]): readonly NearPair[] {
  const h = createHash("sha256");
  for (const c of items) h.update(`${c.id}\u0000${c.category}\u0000${c.area}\u0000${c.createdAt}\u0000${c.title}\u0000${c.description}\u0001`);
  const hash = h.digest("hex");
  let boards = nearPairsCache.get(svc);
  if (!boards) nearPairsCache.set(svc, (boards = new Map()));
  const hit = boards.get(boardId);
  const entry = hit && hit.hash === hash ? hit : { hash, pairs: nearDuplicatePairs(items) };
  // Most recently used last; the least recently used board is forgotten first.
  boards.delete(boardId);
  boards.set(boardId, entry);
  if (boards.size > NEAR_CACHE_BOARDS) boards.delete(boards.keys().next().value!);
  return entry.pairs;
}

export interface DuplicateGroup {
  kind: "exact" | "near" | "household";
  requestIds: string[];
  categories: string[];
  organisations: string[];
  score?: number;
}

/**
 * Duplicate groups on a board: the same key and category open more than once
 * (exact), the same key across categories (one household's parallel
 * trajectories) and similar text in the same category and area created close
 * together (near). Pairs a coordinator marked "geen dubbel" are left out.
 */
export async function duplicateGroups(svc: AppServices, user: SessionUser, board: BoardRow): Promise<DuplicateGroup[]> {
  const snapshot = await svc.rooms.withDoc(board.id, (doc) => readBoard(doc));
  const cards = new Map(snapshot.cards.map((c) => [c.id, c]));
  const rows = (await boardRequestKeys(svc.async, board.id)).filter((r) => isOpen(cards.get(r.id), snapshot));
  const orgOf = new Map(rows.map((r) => [r.id, r.ownerOrgId ?? r.createdByOrgId]));
  const dismissed = new Set(
    (await boardDecisions(svc.async, board.id))
      .filter((d) => d.decision === "not_duplicate")
      .map((d) => `${d.requestA}|${d.requestB}`),
  );
  const quiet = (ids: string[]) => {
    // A group is quiet when every pair in it was marked "geen dubbel".
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const [a, b] = ids[i] < ids[j] ? [ids[i], ids[j]] : [ids[j], ids[i]];
        if (!dismissed.has(`${a}|${b}`)) return false;
      }
    return true;
  };
  const groups: DuplicateGroup[] = [];
  const byKey = new Map<string, string[]>();
  for (const r of rows) if (r.referenceKey) byKey.set(r.referenceKey, [...(byKey.get(r.referenceKey) ?? []), r.id]);
  const inExact = new Set<string>();
  for (const ids of byKey.values()) {
    if (ids.length < 2) continue;
    const byCat = new Map<string, string[]>();
    for (const id of ids) {
      const c = cards.get(id)!.category;
      byCat.set(c, [...(byCat.get(c) ?? []), id]);
    }
    for (const [category, same] of byCat) {
      if (same.length < 2 || quiet(same)) continue;
      same.sort();
      same.forEach((id) => inExact.add(id));
      groups.push({ kind: "exact", requestIds: same, categories: [category], organisations: [...new Set(same.map((id) => orgOf.get(id)!))] });
    }
    if (byCat.size > 1) {
      const all = [...ids].sort();
      groups.push({
        kind: "household",
        requestIds: all,
        categories: [...byCat.keys()].sort(),
        organisations: [...new Set(all.map((id) => orgOf.get(id)!))],
      });
    }
  }
  const near = nearPairsOf(svc, board.id, rows.map((r) => cards.get(r.id)!));
  for (const p of near) {
    if (dismissed.has(`${p.a}|${p.b}`)) continue;
    if (inExact.has(p.a) && inExact.has(p.b)) continue;
    groups.push({
      kind: "near",
      requestIds: [p.a, p.b],
      categories: [cards.get(p.a)!.category],
      organisations: [...new Set([orgOf.get(p.a)!, orgOf.get(p.b)!])],
      score: Math.round(p.score * 100) / 100,
    });
  }
  return groups;
}

type Decision = { ok: true } | { ok: false; status: number; error: string; message: string };

function coordinatorOnly(user: SessionUser): Decision | null {
  return user.role === "coordinator" ? null : { ok: false, status: 403, error: "forbidden", message: "Only a coordinator may do this." };
}

/** "Geen dubbel": the warning for this pair stays quiet. */
export async function dismissDuplicate(svc: AppServices, user: SessionUser, board: BoardRow, a: unknown, b: unknown): Promise<Decision> {
  const denied = coordinatorOnly(user);
  if (denied) return denied;
  if (typeof a !== "string" || typeof b !== "string" || a === b) return { ok: false, status: 400, error: "bad_request", message: "Give two request ids." };
  const ids = new Set((await boardRequestKeys(svc.async, board.id)).map((r) => r.id));
  if (!ids.has(a) || !ids.has(b)) return { ok: false, status: 404, error: "not_found", message: "No such request on this board." };
  await markNotDuplicate(svc.async, board.id, a, b, user.id, svc.now());
  svc.realtime.toBoard(board.id, DUPLICATES_EVENT, { boardId: board.id });
  return { ok: true };
}

/** Merge `from` into `into`: both histories kept, comments combined, `from` archived on the board. */
export async function mergeDuplicate(svc: AppServices, user: SessionUser, board: BoardRow, into: unknown, from: unknown): Promise<Decision> {
  const denied = coordinatorOnly(user);
  if (denied) return denied;
  if (typeof into !== "string" || typeof from !== "string" || into === from) {
    return { ok: false, status: 400, error: "bad_request", message: "Give two different request ids." };
  }
  // An id that is not on this board (another alliance's too) is unknown here: 404, as for dismiss.
  if (!(await getRequest(svc.async, board.id, into)) || !(await getRequest(svc.async, board.id, from))) {
    return { ok: false, status: 404, error: "not_found", message: "No such request on this board." };
  }
  const ok = await mergeRequests(svc.async, { boardId: board.id, into, from, userId: user.id, orgId: user.organisationId, at: svc.now() });
  if (!ok) return { ok: false, status: 409, error: "not_mergeable", message: "This request is already merged." };
  await svc.rooms.withDoc(board.id, (doc) => setArchived(doc, from, true, svc.now()));
  await publishLatest(svc, board.id, into);
  svc.realtime.toBoard(board.id, DUPLICATES_EVENT, { boardId: board.id });
  return { ok: true };
}

export async function boardCategories(svc: AppServices, boardId: string): Promise<string[]> {
  return svc.rooms.withDoc(boardId, (doc) => listCategories(doc).map((c) => c.id));
}
