/**
 * Referrals: the whole state machine (refer → accept | decline | revoke)
 * through the JSON API and socket.io, checked against the database, the inbox query
 * and the live events each step owes the board and the organisations.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboxFor, ownershipOf, referralHistory } from "../../db/ownership";
import { makeBoard, makeOrganisation, makeSessionCookie, makeUser } from "../factories";
import { recordEvents, startTestServer, type EventLog, type IoSocket, type TestServer } from "./harness";

let t: TestServer;
let board: { id: string; cardIds: string[] };

/** Sockets: the two organisations' members (not joined to the board: org channels only) and a watcher on the board. */
let a1: IoSocket;
let a2: IoSocket;
let inboxA1: EventLog<{ boardId: string }>;
let inboxA2: EventLog<{ boardId: string }>;
let owners: EventLog<OwnerEvent>;

interface OwnerEvent {
  requestId: string;
  ownerOrgId: string | null;
  owner: { id: string; name: string } | null;
  pendingReferral: { id: string; fromOrgId: string; toOrgId: string; status: string } | null;
}

beforeAll(async () => {
  t = await startTestServer();
  const { seed } = t;
  board = await makeBoard(t.h, {
    allianceId: seed.allianceA.id,
    name: "Doorverwijzingen",
    cards: Array.from({ length: 4 }, (_, i) => ({
      title: `Doorverwijzing ${i}`,
      category: "taal",
      description: "",
      area: "",
      urgency: "normaal" as const,
      createdByOrg: seed.orgA1.id,
    })),
  });
  a1 = await t.io({ cookie: seed.cookies.memberA1 });
  a2 = await t.io({ cookie: seed.cookies.memberA2 });
  inboxA1 = recordEvents(a1, "inbox:changed");
  inboxA2 = recordEvents(a2, "inbox:changed");
  const watcher = await t.io({ cookie: seed.cookies.viewerA, boardId: board.id });
  owners = recordEvents<OwnerEvent>(watcher, "request:owner");
});

afterAll(async () => {
  await t?.close();
});

const path = (requestId: string, verb: string) => `/api/boards/${board.id}/requests/${requestId}/${verb}`;
const sqlOwner = async (requestId: string) => (await ownershipOf(t.h, requestId))?.ownerOrgId ?? null;
const pending = async (requestId: string) => (await ownershipOf(t.h, requestId))?.pendingReferral ?? null;

async function claimAs(cookie: string, requestId: string) {
  const r = await t.api(path(requestId, "claim"), { cookie, body: {} });
  expect(r.status).toBe(200);
}

describe("referring a request", () => {
  it("requires holding the request (409 not_owner); not to the own organisation (400 same_org); only to an organisation of the alliance (400)", async () => {
    const { seed } = t;
    const requestId = board.cardIds[0];

    const unheld = await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA1, body: { to: seed.orgA2.id, note: "" } });
    expect(unheld.status).toBe(409);
    expect(unheld.body).toMatchObject({ error: "not_owner" });
    expect(typeof unheld.body.message).toBe("string");

    await claimAs(seed.cookies.memberA1, requestId);

    const byOther = await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA2, body: { to: seed.orgA1.id, note: "" } });
    expect(byOther.status).toBe(409);
    expect(byOther.body).toMatchObject({ error: "not_owner", owner: { id: seed.orgA1.id } });

    const same = await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA1, body: { to: seed.orgA1.id, note: "" } });
    expect(same.status).toBe(400);
    expect(same.body).toMatchObject({ error: "same_org" });

    for (const to of ["bestaat-niet", seed.orgB.id, 42, null]) {
      const unknown = await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA1, body: { to, note: "" } });
      expect(unknown.status, `to ${String(to)}`).toBe(400);
      expect(unknown.body).toMatchObject({ error: "unknown_organisation" });
    }

    const viewer = await t.api(path(requestId, "refer"), { cookie: seed.cookies.viewerA, body: { to: seed.orgA2.id, note: "" } });
    expect(viewer.status).toBe(403);

    expect(await pending(requestId)).toBeNull();
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);
  });

  it("a referral over the socket: pending in SQL, in the recipient's inbox, announced to the recipient organisation and the board; a second one is 409", async () => {
    const { seed } = t;
    const requestId = board.cardIds[0];
    const inboxBefore = inboxA2.mark();

    const ack = await a1.timeout(10_000).emitWithAck("request:refer", {
      boardId: board.id,
      requestId,
      to: seed.orgA2.id,
      note: "Kunnen jullie dit oppakken?",
    });
    // Not joined to the board: the socket must join first.
    expect(ack).toMatchObject({ ok: false, error: "bad_request" });
    expect(await a1.timeout(10_000).emitWithAck("board:join", { boardId: board.id })).toMatchObject({ ok: true });
    const ok = await a1.timeout(10_000).emitWithAck("request:refer", {
      boardId: board.id,
      requestId,
      to: seed.orgA2.id,
      note: "Kunnen jullie dit oppakken?",
    });
    expect(ok).toMatchObject({
      ok: true,
      owner: { id: seed.orgA1.id, name: seed.orgA1.shortName },
      referral: { requestId, fromOrgId: seed.orgA1.id, toOrgId: seed.orgA2.id, note: "Kunnen jullie dit oppakken?", status: "pending" },
    });

    const p = await pending(requestId);
    expect(p).toMatchObject({ fromOrgId: seed.orgA1.id, toOrgId: seed.orgA2.id, status: "pending", createdByUserId: seed.memberA1.id });
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);

    const inbox = (await inboxFor(t.h, seed.orgA2.id));
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({
      requestId,
      boardId: board.id,
      fromOrgId: seed.orgA1.id,
      fromOrgName: seed.orgA1.shortName,
      note: "Kunnen jullie dit oppakken?",
    });
    expect((await inboxFor(t.h, seed.orgA2.id, board.id))).toHaveLength(1);
    expect((await inboxFor(t.h, seed.orgA2.id, t.seed.boardA.id))).toHaveLength(0);
    expect((await inboxFor(t.h, seed.orgA1.id))).toHaveLength(0);

    await inboxA2.next((e) => e.boardId === board.id, { after: inboxBefore });
    const ev = await owners.next((e) => e.requestId === requestId && e.pendingReferral?.status === "pending");
    expect(ev).toMatchObject({ ownerOrgId: seed.orgA1.id, pendingReferral: { fromOrgId: seed.orgA1.id, toOrgId: seed.orgA2.id } });

    const dup = await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA1, body: { to: seed.orgA2.id, note: "nog een keer" } });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: "pending_exists" });
    expect((await referralHistory(t.h, requestId))).toHaveLength(1);
  });

  it("only the sender may revoke (403 not_sender); only the recipient may answer (403 not_recipient); decline needs a reason (400)", async () => {
    const { seed } = t;
    const requestId = board.cardIds[0];
    const referralId = (await pending(requestId))!.id;

    const revokeByRecipient = await t.api(path(requestId, "referral/revoke"), { cookie: seed.cookies.memberA2, body: {} });
    expect(revokeByRecipient.status).toBe(403);
    expect(revokeByRecipient.body).toMatchObject({ error: "not_sender" });

    const acceptBySender = await t.api(path(requestId, "referral/accept"), { cookie: seed.cookies.memberA1, body: {} });
    expect(acceptBySender.status).toBe(403);
    expect(acceptBySender.body).toMatchObject({ error: "not_recipient" });

    const viewer = await t.api(path(requestId, "referral/accept"), { cookie: seed.cookies.viewerA, body: {} });
    expect(viewer.status).toBe(403);
    expect(viewer.body).toMatchObject({ error: "forbidden" });

    for (const body of [{}, { reason: "" }, { reason: "   " }]) {
      const r = await t.api(path(requestId, "referral/decline"), { cookie: seed.cookies.memberA2, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ error: "reason_required" });
    }
    const sockDecline = await a2.timeout(10_000).emitWithAck("board:join", { boardId: board.id });
    expect(sockDecline).toMatchObject({ ok: true });
    expect(await a2.timeout(10_000).emitWithAck("referral:decline", { boardId: board.id, requestId })).toMatchObject({
      ok: false,
      error: "reason_required",
    });

    const unknownDecision = await t.api(path(requestId, "referral/maybe"), { cookie: seed.cookies.memberA2, body: {} });
    expect(unknownDecision.status).toBe(404);

    // Nothing of this changed the referral or the owner.
    expect(await pending(requestId)).toMatchObject({ id: referralId, status: "pending" });
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);
  });

  it("decline with a reason: the owner stays, the referral is closed with the reason, both organisations are told", async () => {
    const { seed } = t;
    const requestId = board.cardIds[0];
    const referralId = (await pending(requestId))!.id;
    const a1Before = inboxA1.mark();
    const a2Before = inboxA2.mark();

    const r = await t.api(path(requestId, "referral/decline"), { cookie: seed.cookies.memberA2, body: { reason: "Geen capaciteit deze maand" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      owner: { id: seed.orgA1.id },
      referral: { id: referralId, status: "declined", reason: "Geen capaciteit deze maand" },
    });
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);
    expect(await pending(requestId)).toBeNull();
    expect((await referralHistory(t.h, requestId))[0]).toMatchObject({
      id: referralId,
      status: "declined",
      reason: "Geen capaciteit deze maand",
      decidedByUserId: seed.memberA2.id,
    });
    expect((await inboxFor(t.h, seed.orgA2.id))).toHaveLength(0);
    await inboxA1.next((e) => e.boardId === board.id, { after: a1Before });
    await inboxA2.next((e) => e.boardId === board.id, { after: a2Before });
    await owners.next((e) => e.requestId === requestId && e.pendingReferral === null && e.ownerOrgId === seed.orgA1.id);

    // Answered: no second answer.
    const again = await t.api(path(requestId, "referral/accept"), { cookie: seed.cookies.memberA2, body: {} });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: "not_pending" });
  });

  it("revoke by the sender before an answer; after that accept is 409 not_pending", async () => {
    const { seed } = t;
    const requestId = board.cardIds[0];
    const refer = await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA1, body: { to: seed.orgA2.id, note: "Tweede poging" } });
    expect(refer.status).toBe(200);
    expect(refer.body.referral).toMatchObject({ status: "pending" });
    expect((await inboxFor(t.h, seed.orgA2.id))).toHaveLength(1);

    const revoke = await a1.timeout(10_000).emitWithAck("referral:revoke", { boardId: board.id, requestId });
    expect(revoke).toMatchObject({ ok: true, owner: { id: seed.orgA1.id }, referral: { status: "revoked" } });
    expect(await pending(requestId)).toBeNull();
    expect((await inboxFor(t.h, seed.orgA2.id))).toHaveLength(0);

    const accept = await t.api(path(requestId, "referral/accept"), { cookie: seed.cookies.memberA2, body: {} });
    expect(accept.status).toBe(409);
    expect(accept.body).toMatchObject({ error: "not_pending" });
    const revokeAgain = await t.api(path(requestId, "referral/revoke"), { cookie: seed.cookies.memberA1, body: {} });
    expect(revokeAgain.status).toBe(409);
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);
  });

  it("accept by the recipient moves ownership (SQL, audit, 'request:owner'); the former owner can no longer refer or unclaim", async () => {
    const { seed } = t;
    const requestId = board.cardIds[0];
    const refer = await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA1, body: { to: seed.orgA2.id, note: "Derde keer" } });
    expect(refer.status).toBe(200);

    const accept = await a2.timeout(10_000).emitWithAck("referral:accept", { boardId: board.id, requestId });
    expect(accept).toMatchObject({
      ok: true,
      owner: { id: seed.orgA2.id, name: seed.orgA2.shortName },
      referral: { status: "accepted", fromOrgId: seed.orgA1.id, toOrgId: seed.orgA2.id },
    });
    expect(await sqlOwner(requestId)).toBe(seed.orgA2.id);
    expect(await pending(requestId)).toBeNull();
    const ev = await owners.next((e) => e.requestId === requestId && e.ownerOrgId === seed.orgA2.id);
    expect(ev).toMatchObject({ owner: { id: seed.orgA2.id, name: seed.orgA2.shortName }, pendingReferral: null });

    const { auditEvents } = t.h.t;
    const audit = await t.h.q
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.requestId, requestId), eq(auditEvents.type, "referral_accepted")));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ userId: seed.memberA2.id, orgId: seed.orgA2.id, data: { from: seed.orgA1.id, to: seed.orgA2.id } });
    expect((await referralHistory(t.h, requestId)).map((r) => r.status)).toEqual(
      expect.arrayContaining(["accepted", "revoked", "declined"]),
    );

    const formerRefers = await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA1, body: { to: seed.orgA2.id, note: "" } });
    expect(formerRefers.status).toBe(409);
    expect(formerRefers.body).toMatchObject({ error: "not_owner" });
    const formerUnclaims = await t.api(path(requestId, "unclaim"), { cookie: seed.cookies.memberA1, body: {} });
    expect(formerUnclaims.status).toBe(409);
    expect(await sqlOwner(requestId)).toBe(seed.orgA2.id);

    // The new holder may refer it back.
    const back = await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA2, body: { to: seed.orgA1.id, note: "Toch bij jullie" } });
    expect(back.status).toBe(200);
    expect((await inboxFor(t.h, seed.orgA1.id))).toEqual([expect.objectContaining({ requestId, fromOrgName: seed.orgA2.shortName })]);
  });

  it("releasing a request with a pending referral withdraws the referral from the recipient's inbox", async () => {
    const { seed } = t;
    const requestId = board.cardIds[1];
    await claimAs(seed.cookies.memberA2, requestId);
    expect((await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA2, body: { to: seed.orgA1.id, note: "" } })).status).toBe(200);
    expect((await inboxFor(t.h, seed.orgA1.id)).some((r) => r.requestId === requestId)).toBe(true);
    const a1Before = inboxA1.mark();

    const unclaim = await t.api(path(requestId, "unclaim"), { cookie: seed.cookies.memberA2, body: {} });
    expect(unclaim.status).toBe(200);
    expect(await sqlOwner(requestId)).toBeNull();
    expect(await pending(requestId)).toBeNull();
    expect((await inboxFor(t.h, seed.orgA1.id)).some((r) => r.requestId === requestId)).toBe(false);
    const accept = await t.api(path(requestId, "referral/accept"), { cookie: seed.cookies.memberA1, body: {} });
    expect(accept.status).toBe(409);
    expect(accept.body).toMatchObject({ error: "not_pending" });
    // The recipient's inbox changed: its organisation is told.
    await inboxA1.next((e) => e.boardId === board.id, { after: a1Before });
  });

  it("a coordinator's reassignment cancels a pending referral; the recipient organisation is told", async () => {
    const { seed } = t;
    // A third organisation in alliance A, so the recipient is neither the old nor the new holder.
    const orgA3 = await makeOrganisation(t.h, { allianceId: seed.allianceA.id, name: "Buurthuis Noord", shortName: "BHN" });
    const dirk = await makeUser(t.h, { organisationId: orgA3.id, email: "dirk@noord.test", name: "Dirk" });
    const a3 = await t.io({ cookie: await makeSessionCookie(t.h, dirk.id) });
    const inboxA3 = recordEvents<{ boardId: string }>(a3, "inbox:changed");

    const requestId = board.cardIds[2];
    await claimAs(seed.cookies.memberA1, requestId);
    expect((await t.api(path(requestId, "refer"), { cookie: seed.cookies.memberA1, body: { to: orgA3.id, note: "" } })).status).toBe(200);
    await inboxA3.next((e) => e.boardId === board.id);
    expect((await inboxFor(t.h, orgA3.id))).toHaveLength(1);
    const mark = inboxA3.mark();

    const r = await t.api(path(requestId, "reassign"), { cookie: seed.cookies.coordinatorA, body: { to: seed.orgA2.id } });
    expect(r.status).toBe(200);
    expect(await sqlOwner(requestId)).toBe(seed.orgA2.id);
    expect(await pending(requestId)).toBeNull();
    expect((await referralHistory(t.h, requestId))[0]).toMatchObject({ toOrgId: orgA3.id, status: "revoked", reason: "reassigned" });
    expect((await inboxFor(t.h, orgA3.id))).toHaveLength(0);
    await inboxA3.next((e) => e.boardId === board.id, { after: mark });
  });
});
