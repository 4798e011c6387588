/**
 * Claims and referrals: the rules, decided on the server and backed by SQL.
 * The same functions serve socket.io (with acknowledgements), the JSON API
 * and the pages. Each operation owns its broadcast.
 */
import { randomUUID } from "node:crypto";
import { getBoard, listAllBoards, listOrganisations } from "../../db/accounts";
import { expiredClaimsFor } from "../../db/activity";
import {
  boardHolders,
  boardOwnership,
  claimRequest,
  claimRequestNow,
  createReferral,
  decideReferral,
  everHeld,
  holderNow,
  inboxFor,
  ownershipOf,
  reassignRequest,
  staleClaims,
  unclaimRequest,
  unclaimRequestNow,
  type ReferralRow,
} from "../../db/ownership";
import type { AsyncDb } from "../../db/client";
import { getRequest } from "../../db/requests";
import { boardActionRows } from "../../db/meetings";
import { isWorkingOrganisation } from "../board/front-door";
import { alignCardWithHolder, listColumns, readBoard } from "../board/domain";
import { stageOfColumn } from "../board/stages";
import { cleanText } from "../board/validate";
import type { SessionUser } from "./auth.server";
import { publishLatest } from "./activity.server";
import { sqliteOf, type AppServices } from "./context.server";
import { notifyReferral } from "./notifications.server";
import { actionOf } from "./meetings.server";
import { contactHandover } from "./contacts.server";

export const EVENTS = {
  owner: "request:owner",
  referral: "request:referral",
  inbox: "inbox:changed",
  expired: "claim:expired",
} as const;

export type OwnershipError =
  | "not_found"
  | "forbidden"
  | "already_claimed"
  | "not_owner"
  | "not_claimed"
  | "pending_exists"
  | "same_org"
  | "not_pending"
  | "not_recipient"
  | "not_sender"
  | "unknown_organisation"
  | "reason_required"
  | "board_archived"
  | "bad_request";

export interface OrgRef {
  id: string;
  name: string;
}

export type OwnershipResult<T = Record<string, never>> =
  | ({ ok: true; owner: OrgRef | null } & T)
  | { ok: false; error: OwnershipError; status: number; message: string; owner?: OrgRef | null };

/** English messages for the API; the UI translates the error code. */
const MESSAGES: Record<OwnershipError, string> = {
  not_found: "No such request on this board.",
  forbidden: "You may not do this.",
  already_claimed: "This request is already held by another organisation.",
  not_owner: "Only the organisation that holds this request may do this.",
  not_claimed: "Nobody holds this request.",
  pending_exists: "This request already has a referral waiting for an answer.",
  same_org: "A request cannot be referred to the organisation that holds it.",
  not_pending: "There is no referral waiting for an answer.",
  not_recipient: "Only the organisation the request was referred to may answer.",
  not_sender: "Only the organisation that referred the request may revoke it.",
  unknown_organisation: "That organisation is not part of this alliance.",
  reason_required: "Give a reason when declining.",
  board_archived: "This board is archived: it can be read, not changed.",
  bad_request: "The request is not valid.",
};

const STATUS: Record<OwnershipError, number> = {
  not_found: 404,
  forbidden: 403,
  already_claimed: 409,
  not_owner: 409,
  not_claimed: 409,
  pending_exists: 409,
  same_org: 400,
  not_pending: 409,
  not_recipient: 403,
  not_sender: 403,
  unknown_organisation: 400,
  reason_required: 400,
  board_archived: 409,
  bad_request: 400,
};

function fail(error: OwnershipError, owner?: OrgRef | null): OwnershipResult<never> {
  return { ok: false, error, status: STATUS[error], message: MESSAGES[error], ...(owner !== undefined ? { owner } : {}) };
}

async function orgRef(svc: AppServices, allianceId: string, orgId: string | null): Promise<OrgRef | null> {
  if (!orgId) return null;
  const org = (await listOrganisations(svc.async, allianceId)).find((o) => o.id === orgId);
  return org ? { id: org.id, name: org.shortName } : { id: orgId, name: "?" };
}

/** An organisation a request may be referred or handed to: one of the alliance's, not the front door's. */
async function targetOrg(svc: AppServices, allianceId: string, orgId: unknown): Promise<OrgRef | null> {
  if (typeof orgId !== "string") return null;
  const org = (await listOrganisations(svc.async, allianceId)).find((o) => o.id === orgId);
  return org && isWorkingOrganisation(org) ? { id: org.id, name: org.shortName } : null;
}

interface Target {
  boardId: string;
  requestId: string;
}

/** The request, if it is on a board of the person's alliance. */
async function locate(svc: AppServices, user: SessionUser, t: Target) {
  const board = await getBoard(svc.async, t.boardId);
  if (!board || board.allianceId !== user.allianceId) return null;
  const row = await getRequest(svc.async, t.boardId, t.requestId);
  return row ? { board, row } : null;
}

/** Why the request cannot be changed: unknown here (404), or on an archived board (409); null when it can. */
async function unchangeable(svc: AppServices, user: SessionUser, t: Target): Promise<OwnershipError | null> {
  const found = await locate(svc, user, t);
  if (!found) return "not_found";
  return found.board.archivedAt !== null ? "board_archived" : null;
}

async function ownerPayload(svc: AppServices, user: SessionUser, t: Target) {
  const state = (await ownershipOf(svc.async, t.requestId))!;
  return {
    requestId: t.requestId,
    ownerOrgId: state.ownerOrgId,
    owner: await orgRef(svc, user.allianceId, state.ownerOrgId),
    claimedAt: state.claimedAt,
    pendingReferral: state.pendingReferral ? referralView(state.pendingReferral) : null,
  };
}

export function referralView(r: ReferralRow) {
  return {
    id: r.id,
    requestId: r.requestId,
    fromOrgId: r.fromOrgId,
    toOrgId: r.toOrgId,
    note: r.note,
    status: r.status,
    reason: r.reason,
    createdAt: r.createdAt,
    decidedAt: r.decidedAt,
  };
}

/**
 * Keep the card's column true to its new holder (claimed: into the first
 * held column; released: into the first open column). Awaited: the answer
 * comes once the column change is stored and published (withDoc), so a move
 * made right after it, on any server, comes after it and not beside it
 * (concurrent writes of one column would leave Yjs to keep one of the two).
 */
async function align(svc: AppServices, t: Target, holder: string | null): Promise<void> {
  await svc.rooms
    .withDoc(t.boardId, (doc) => alignCardWithHolder(doc, t.requestId, holder, svc.now()))
    .catch(() => {
      // The holder is decided in SQL either way; a board that cannot load is reported by the room itself.
    });
}

async function announce(svc: AppServices, user: SessionUser, t: Target, orgs: Array<string | null | undefined>) {
  // The rooms that keep holders in memory (here and on the other servers) have the change before the answer.
  await svc.rooms.holdersChanged?.(t.boardId, [t.requestId]);
  const payload = await ownerPayload(svc, user, t);
  await align(svc, t, payload.ownerOrgId);
  svc.realtime.toBoard(t.boardId, EVENTS.owner, payload);
  await publishLatest(svc, t.boardId, t.requestId);
  for (const org of new Set(orgs.filter(Boolean) as string[])) svc.realtime.toOrganisation(org, EVENTS.inbox, { boardId: t.boardId });
  return payload;
}

const audit = (user: SessionUser, t: Target) => ({ boardId: t.boardId, requestId: t.requestId, userId: user.id, orgId: user.organisationId });

export async function claim(svc: AppServices, user: SessionUser, t: Target): Promise<OwnershipResult<{ requestId: string }>> {
  if (user.role === "viewer") return fail("forbidden");
  const problem = await unchangeable(svc, user, t);
  if (problem) return fail(problem);
  const res = await claimRequest(svc.async, t.requestId, user.organisationId, svc.now(), audit(user, t));
  if (!res.won) {
    const owner = await orgRef(svc, user.allianceId, res.ownerOrgId);
    if (res.ownerOrgId === user.organisationId) return { ok: true, owner, requestId: t.requestId };
    return fail("already_claimed", owner);
  }
  await announce(svc, user, t, []);
  return { ok: true, owner: await orgRef(svc, user.allianceId, user.organisationId), requestId: t.requestId };
}

export async function unclaim(svc: AppServices, user: SessionUser, t: Target): Promise<OwnershipResult<{ requestId: string }>> {
  if (user.role === "viewer") return fail("forbidden");
  const problem = await unchangeable(svc, user, t);
  if (problem) return fail(problem);
  const asCoordinator = user.role === "coordinator";
  const res = await unclaimRequest(svc.async, t.requestId, asCoordinator ? null : user.organisationId, svc.now(), audit(user, t));
  if (!res.ok) return fail(res.previousOwner ? "not_owner" : "not_claimed", await orgRef(svc, user.allianceId, res.previousOwner));
  // The recipient of a referral this cancelled has one item fewer in its inbox.
  await announce(svc, user, t, [res.previousOwner, res.cancelledReferralTo]);
  return { ok: true, owner: null, requestId: t.requestId };
}

export async function reassign(svc: AppServices, user: SessionUser, t: Target, toOrgId: unknown): Promise<OwnershipResult<{ requestId: string }>> {
  if (user.role !== "coordinator") return fail("forbidden");
  const problem = await unchangeable(svc, user, t);
  if (problem) return fail(problem);
  const to = await targetOrg(svc, user.allianceId, toOrgId);
  if (!to) return fail("unknown_organisation");
  const res = await reassignRequest(svc.async, t.requestId, to.id, svc.now(), audit(user, t));
  await announce(svc, user, t, [res.previousOwner, to.id, res.cancelledReferralTo]);
  return { ok: true, owner: to, requestId: t.requestId };
}

export async function refer(
  svc: AppServices,
  user: SessionUser,
  t: Target,
  input: { to?: unknown; note?: unknown },
): Promise<OwnershipResult<{ referral: ReturnType<typeof referralView> }>> {
  if (user.role === "viewer") return fail("forbidden");
  const problem = await unchangeable(svc, user, t);
  if (problem) return fail(problem);
  const to = await targetOrg(svc, user.allianceId, input.to);
  if (!to) return fail("unknown_organisation");
  const note = cleanText(input.note, true).slice(0, 1000);
  const res = await createReferral(
    svc.async,
    { id: randomUUID(), requestId: t.requestId, fromOrgId: user.organisationId, toOrgId: to.id, note, userId: user.id, at: svc.now() },
    audit(user, t),
  );
  if (!res.ok) return fail(res.error, await orgRef(svc, user.allianceId, (await ownershipOf(svc.async, t.requestId))?.ownerOrgId ?? null));
  await announce(svc, user, t, [to.id]);
  await notifyReferral(svc, user, t, res.referral);
  return { ok: true, owner: await orgRef(svc, user.allianceId, user.organisationId), referral: referralView(res.referral) };
}

export async function answerReferral(
  svc: AppServices,
  user: SessionUser,
  t: Target,
  decision: "accepted" | "declined" | "revoked",
  reasonInput?: unknown,
): Promise<OwnershipResult<{ referral: ReturnType<typeof referralView> }>> {
  if (user.role === "viewer") return fail("forbidden");
  const problem = await unchangeable(svc, user, t);
  if (problem) return fail(problem);
  const reason = cleanText(reasonInput, true).slice(0, 1000);
  if (decision === "declined" && !reason) return fail("reason_required");
  const res = await decideReferral(
    svc.async,
    { requestId: t.requestId, orgId: user.organisationId, userId: user.id, decision, reason: reason || undefined, at: svc.now() },
    audit(user, t),
  );
  if (!res.ok) return fail(res.error);
  // The contact details go along only with the person's consent; either way it is logged.
  if (decision === "accepted") await contactHandover(svc, user, t);
  const payload = await announce(svc, user, t, [res.referral.fromOrgId, res.referral.toOrgId]);
  return { ok: true, owner: payload.owner, referral: referralView(res.referral) };
}

export async function ownershipDetails(svc: AppServices, user: SessionUser, t: Target) {
  if (!(await locate(svc, user, t))) return null;
  return ownerPayload(svc, user, t);
}

/**
 * The holders of requests as the sync server needs them to judge a client's
 * edit (server/sync/room.ts): the same SQL decisions as the claim and
 * unclaim above, for a card moved into or out of a held column, taken
 * synchronously inside the room's step (db/ownership.ts `…Now`, SQLite
 * only). The move itself is the client's, so nothing is aligned here; the
 * change is announced once the document has it.
 */
const SYNC_HOLDERS = "the room's synchronous holders";

export function holdersForSync(svc: () => AppServices) {
  return {
    holderOf: (_boardId: string, requestId: string) => holderNow(sqliteOf(svc(), SYNC_HOLDERS), requestId),
    everHeld: (requestId: string, orgId: string) => everHeld(sqliteOf(svc(), SYNC_HOLDERS), requestId, orgId),
    claim(boardId: string, requestId: string, user: SessionUser) {
      const s = svc();
      const res = claimRequestNow(sqliteOf(s, SYNC_HOLDERS), requestId, user.organisationId, s.now(), audit(user, { boardId, requestId }));
      return { won: res.won, holder: res.ownerOrgId };
    },
    release(boardId: string, requestId: string, user: SessionUser) {
      const s = svc();
      const asCoordinator = user.role === "coordinator";
      const res = unclaimRequestNow(sqliteOf(s, SYNC_HOLDERS), requestId, asCoordinator ? null : user.organisationId, s.now(), audit(user, { boardId, requestId }));
      if (res.ok && res.cancelledReferralTo) s.realtime.toOrganisation(res.cancelledReferralTo, EVENTS.inbox, { boardId });
      if (res.ok && res.previousOwner && res.previousOwner !== user.organisationId) {
        s.realtime.toOrganisation(res.previousOwner, EVENTS.inbox, { boardId });
      }
      return res.ok;
    },
    async announce(boardId: string, requestId: string, user: SessionUser) {
      const s = svc();
      const t = { boardId, requestId };
      s.realtime.toBoard(boardId, EVENTS.owner, await ownerPayload(s, user, t));
      await publishLatest(s, boardId, requestId);
    },
  };
}

/**
 * The holders as the sync server needs them on the asynchronous storage
 * (PostgreSQL; decision 001): kept in memory per loaded board (one read
 * with the board: each request's holder and who ever held it), so the
 * room's judgement reads them synchronously; refreshed by every ownership
 * change (the services' `announce` and the expiry call
 * `svc.rooms.holdersChanged`, other servers' changes arrive through the
 * relay's control stream); the room's own claims and releases are awaited
 * (`claimRequest`/`unclaimRequest`, one winner in SQL) and their answers
 * written into memory at once. `publish`: tell the other servers (the
 * relay's `holdersChanged`).
 */
export function holdersForRooms(svc: () => AppServices, publish?: (boardId: string, requestIds: string[]) => void) {
  const memory = new HolderMemory(() => svc().async);
  return {
    async: true as const,
    memory,
    load: (boardId: string) => memory.load(boardId),
    unload: (boardId: string) => memory.unload(boardId),
    refresh: (boardId: string, requestIds?: readonly string[]) => memory.refresh(boardId, requestIds),
    holderOf: (boardId: string, requestId: string) => memory.holderOf(boardId, requestId),
    everHeld: (boardId: string, requestId: string, orgId: string) => memory.everHeld(boardId, requestId, orgId),
    async claim(boardId: string, requestId: string, user: SessionUser) {
      const s = svc();
      const res = await claimRequest(s.async, requestId, user.organisationId, s.now(), audit(user, { boardId, requestId }));
      memory.set(boardId, requestId, res.ownerOrgId);
      if (res.won) publish?.(boardId, [requestId]);
      return { won: res.won, holder: res.ownerOrgId };
    },
    async release(boardId: string, requestId: string, user: SessionUser) {
      const s = svc();
      const asCoordinator = user.role === "coordinator";
      const res = await unclaimRequest(s.async, requestId, asCoordinator ? null : user.organisationId, s.now(), audit(user, { boardId, requestId }));
      memory.set(boardId, requestId, res.ok ? null : res.previousOwner);
      if (!res.ok) return false;
      publish?.(boardId, [requestId]);
      if (res.cancelledReferralTo) s.realtime.toOrganisation(res.cancelledReferralTo, EVENTS.inbox, { boardId });
      if (res.previousOwner && res.previousOwner !== user.organisationId) s.realtime.toOrganisation(res.previousOwner, EVENTS.inbox, { boardId });
      return true;
    },
    async announce(boardId: string, requestId: string, user: SessionUser) {
      const s = svc();
      s.realtime.toBoard(boardId, EVENTS.owner, await ownerPayload(s, user, { boardId, requestId }));
      await publishLatest(s, boardId, requestId);
    },
  };
}

interface BoardHolderMemory {
  holder: Map<string, string | null>;
  ever: Map<string, Set<string>>;
  /** When each request's holder was last written (a counter): a read started before that is older and is not applied. */
  written: Map<string, number>;
}

/**
 * The holders of loaded boards in memory. Reads and answers may arrive out
 * of order: each write carries the counter of when it was known (a read:
 * when it started; a claim's answer: when it came), and a request's holder
 * is only replaced by something known later than what it has.
 */
export class HolderMemory {
  private readonly boards = new Map<string, BoardHolderMemory>();
  private clock = 0;

  constructor(private readonly h: () => AsyncDb) {}

  has(boardId: string): boolean {
    return this.boards.has(boardId);
  }

  async load(boardId: string): Promise<void> {
    if (!this.boards.has(boardId)) this.boards.set(boardId, { holder: new Map(), ever: new Map(), written: new Map() });
    await this.read(boardId);
  }

  unload(boardId: string): void {
    this.boards.delete(boardId);
  }

  async refresh(boardId: string, requestIds?: readonly string[]): Promise<void> {
    if (!this.boards.has(boardId)) return;
    await this.read(boardId, requestIds);
  }

  private async read(boardId: string, requestIds?: readonly string[]): Promise<void> {
    const started = ++this.clock;
    const rows = await boardHolders(this.h(), boardId, requestIds);
    const board = this.boards.get(boardId);
    if (!board) return;
    for (const { requestId, orgId } of rows.everHeld) this.addEver(board, requestId, orgId);
    for (const r of rows.holders) {
      if ((board.written.get(r.id) ?? 0) > started) continue;
      board.written.set(r.id, started);
      board.holder.set(r.id, r.ownerOrgId);
    }
  }

  private addEver(board: BoardHolderMemory, requestId: string, orgId: string): void {
    let set = board.ever.get(requestId);
    if (!set) board.ever.set(requestId, (set = new Set()));
    set.add(orgId);
  }

  /** A holder known now (a claim's or release's answer). */
  set(boardId: string, requestId: string, holder: string | null): void {
    const board = this.boards.get(boardId);
    if (!board) return;
    board.written.set(requestId, ++this.clock);
    board.holder.set(requestId, holder);
    if (holder) this.addEver(board, requestId, holder);
  }

  holderOf(boardId: string, requestId: string): string | null {
    return this.boards.get(boardId)?.holder.get(requestId) ?? null;
  }

  everHeld(boardId: string, requestId: string, orgId: string): boolean {
    return this.boards.get(boardId)?.ever.get(requestId)?.has(orgId) ?? false;
  }
}

/**
 * Claims with no activity for the board's expiry period (default 14 days)
 * return to open. The organisation is told in the app: live if it is online,
 * and in its inbox ("Voor ons") from the audit log. Returns what expired.
 */
export async function expireClaims(svc: AppServices, now = svc.now()) {
  const cutoffs = new Map((await listAllBoards(svc.async)).map((b) => [b.id, now - b.claimExpiryDays * 86400_000]));
  // A finished (done column) or archived request keeps its holder: it is history, not a stale claim.
  const finished = new Map<string, Set<string>>();
  const isFinished = async (boardId: string, requestId: string) => {
    let set = finished.get(boardId);
    if (!set) {
      set = await svc.rooms.readDoc(boardId, (doc) => {
        const columns = listColumns(doc);
        return new Set(readBoard(doc).cards.filter((c) => c.archived || stageOfColumn(columns, c.column) === "done").map((c) => c.id));
      });
      finished.set(boardId, set);
    }
    return set.has(requestId);
  };
  const expired = [];
  for (const c of await staleClaims(svc.async, cutoffs)) if (!(await isFinished(c.boardId, c.id))) expired.push(c);
  for (const c of expired) {
    const res = await unclaimRequest(
      svc.async,
      c.id,
      c.ownerOrgId,
      now,
      { boardId: c.boardId, requestId: c.id, userId: null, orgId: c.ownerOrgId },
      "claim_expired",
    );
    if (!res.ok) continue;
    await svc.rooms.holdersChanged?.(c.boardId, [c.id]);
    const state = (await ownershipOf(svc.async, c.id))!;
    align(svc, { boardId: c.boardId, requestId: c.id }, state.ownerOrgId);
    svc.realtime.toBoard(c.boardId, EVENTS.owner, {
      requestId: c.id,
      ownerOrgId: state.ownerOrgId,
      owner: null,
      claimedAt: null,
      pendingReferral: null,
    });
    svc.realtime.toOrganisation(c.ownerOrgId, EVENTS.expired, { boardId: c.boardId, requestId: c.id });
    svc.realtime.toOrganisation(c.ownerOrgId, EVENTS.inbox, { boardId: c.boardId });
    if (res.cancelledReferralTo) svc.realtime.toOrganisation(res.cancelledReferralTo, EVENTS.inbox, { boardId: c.boardId });
    await publishLatest(svc, c.boardId, c.id);
  }
  return expired;
}

/**
 * What the board page needs on first paint besides the document: who holds
 * which request, the referrals waiting, this organisation's inbox ("Voor
 * ons": referrals to it and its recently expired claims).
 */
export async function boardOwnershipState(svc: AppServices, user: SessionUser, boardId: string) {
  const { owners, pending } = await boardOwnership(svc.async, boardId);
  const orgs = new Map((await listOrganisations(svc.async, user.allianceId)).map((o) => [o.id, o.shortName]));
  return {
    owners: Object.fromEntries(
      owners.map((o) => [o.id, { id: o.ownerOrgId!, name: orgs.get(o.ownerOrgId!) ?? "?", claimedAt: o.claimedAt }]),
    ) as Record<string, { id: string; name: string; claimedAt: number | null }>,
    pendingReferrals: pending,
    inbox: await inboxFor(svc.async, user.organisationId, boardId),
    expiredClaims: (await expiredClaimsFor(svc.async, user.organisationId, svc.now() - 14 * 86400_000)).filter((e) => e.boardId === boardId),
    // The organisation's open meeting actions on this board ("Voor ons").
    actions: (await boardActionRows(svc.async, boardId, { open: true, orgId: user.organisationId })).map(actionOf),
  };
}
