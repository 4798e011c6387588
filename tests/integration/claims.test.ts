/**
 * Claims: two organisations racing for one request get exactly one winner,
 * decided in SQL; the API and the socket events tell the same story; a
 * client cannot make itself the owner by writing into the shared document.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { cardsMap } from "../../app/board/domain";
import { ownershipOf } from "../../db/ownership";
import { makeBoard } from "../factories";
import { recordEvents, startTestServer, waitFor, type IoSocket, type TestServer } from "./harness";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

const reqPath = (boardId: string, requestId: string, verb: string) => `/api/boards/${boardId}/requests/${requestId}/${verb}`;

/** The owner as the server's SQL has it (committed state only). */
const sqlOwner = async (requestId: string) => (await ownershipOf(t.h, requestId))?.ownerOrgId ?? null;

describe("claim race over socket.io", () => {
  const TRIALS = 100;

  it(`${TRIALS} trials: two organisations claim the same request at once; exactly one wins, SQL agrees`, async () => {
    const { seed } = t;
    const board = await makeBoard(t.h, {
      allianceId: seed.allianceA.id,
      name: "Racebord",
      cards: Array.from({ length: TRIALS }, (_, i) => ({
        title: `Hulpvraag ${i}`,
        category: "wonen",
        description: "",
        area: "",
        urgency: "normaal" as const,
        createdByOrg: i % 2 ? seed.orgA1.id : seed.orgA2.id,
      })),
    });
    const s1 = await t.io({ cookie: seed.cookies.memberA1, boardId: board.id });
    const s2 = await t.io({ cookie: seed.cookies.memberA2, boardId: board.id });
    // A third person on the board sees every change of owner.
    const watcher = await t.io({ cookie: seed.cookies.viewerA, boardId: board.id });
    const owners = recordEvents<{ requestId: string; ownerOrgId: string | null; owner: { id: string; name: string } | null }>(
      watcher,
      "request:owner",
    );

    const orgOf = new Map<IoSocket, { id: string; name: string }>([
      [s1, { id: seed.orgA1.id, name: seed.orgA1.shortName }],
      [s2, { id: seed.orgA2.id, name: seed.orgA2.shortName }],
    ]);
    const wins = new Map<string, number>([
      [seed.orgA1.id, 0],
      [seed.orgA2.id, 0],
    ]);
    const winnerOf = new Map<string, string>();
    const started = Date.now();

    for (let i = 0; i < TRIALS; i++) {
      const requestId = board.cardIds[i];
      expect(await sqlOwner(requestId)).toBeNull();
      // Alternate who sends first, so both sides of the race are exercised.
      const order: IoSocket[] = i % 2 ? [s2, s1] : [s1, s2];
      const acks = await Promise.all(
        order.map((s) => s.timeout(10_000).emitWithAck("request:claim", { boardId: board.id, requestId })),
      );
      const winners = acks.map((a, k) => ({ a, s: order[k] })).filter((x) => x.a.ok === true);
      const losers = acks.map((a, k) => ({ a, s: order[k] })).filter((x) => x.a.ok !== true);
      expect(winners, `trial ${i}: ${JSON.stringify(acks)}`).toHaveLength(1);
      expect(losers, `trial ${i}: ${JSON.stringify(acks)}`).toHaveLength(1);
      const winnerOrg = orgOf.get(winners[0].s)!;
      expect(winners[0].a).toMatchObject({ ok: true, requestId, owner: winnerOrg });
      expect(losers[0].a).toMatchObject({ ok: false, error: "already_claimed", status: 409, owner: winnerOrg });
      expect(typeof losers[0].a.message).toBe("string");
      expect(await sqlOwner(requestId), `trial ${i}: SQL owner`).toBe(winnerOrg.id);
      wins.set(winnerOrg.id, wins.get(winnerOrg.id)! + 1);
      winnerOf.set(requestId, winnerOrg.id);
    }
    const elapsed = Date.now() - started;
    console.log(`claim race: ${TRIALS} trials in ${elapsed} ms; wins ${[...wins.values()].join(" / ")}`);

    // Exactly one "claimed" audit row per request, by the winner.
    for (const requestId of board.cardIds) {
      const { auditEvents } = t.h.t;
      const rows = await t.h.q
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.requestId, requestId), eq(auditEvents.type, "claimed")));
      expect(rows).toHaveLength(1);
      expect(rows[0].orgId).toBe(winnerOf.get(requestId));
    }

    // The watcher got one "request:owner" per request, naming the winner.
    await waitFor(() => owners.events.length >= TRIALS, { message: `${TRIALS} request:owner events` });
    expect(owners.events).toHaveLength(TRIALS);
    for (const e of owners.events) {
      expect(e.ownerOrgId).toBe(winnerOf.get(e.requestId));
      expect(e.owner?.id).toBe(winnerOf.get(e.requestId));
    }
  });
});

describe("claims through the JSON API", () => {
  it("claim 200; a second organisation's claim 409 with the owner; the owner may claim again", async () => {
    const { seed } = t;
    const [requestId] = seed.boardA.cardIds;
    const watcher = await t.io({ cookie: seed.cookies.viewerA, boardId: seed.boardA.id });
    const owners = recordEvents<{ requestId: string; ownerOrgId: string | null; owner: { id: string; name: string } | null }>(
      watcher,
      "request:owner",
    );

    const first = await t.api(reqPath(seed.boardA.id, requestId, "claim"), { cookie: seed.cookies.memberA1, body: {} });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ owner: { id: seed.orgA1.id, name: seed.orgA1.shortName }, requestId });
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);

    const ev = await owners.next((e) => e.requestId === requestId);
    expect(ev).toMatchObject({ requestId, ownerOrgId: seed.orgA1.id, owner: { id: seed.orgA1.id, name: seed.orgA1.shortName } });

    const second = await t.api(reqPath(seed.boardA.id, requestId, "claim"), { cookie: seed.cookies.memberA2, body: {} });
    expect(second.status).toBe(409);
    expect(second.headers.get("content-type")).toMatch(/application\/json/);
    expect(second.body).toMatchObject({ error: "already_claimed", owner: { id: seed.orgA1.id, name: seed.orgA1.shortName } });
    expect(typeof second.body.message).toBe("string");
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);

    // Claiming what one already holds is harmless.
    const again = await t.api(reqPath(seed.boardA.id, requestId, "claim"), { cookie: seed.cookies.memberA1, body: {} });
    expect(again.status).toBe(200);
    expect(again.body.owner).toEqual({ id: seed.orgA1.id, name: seed.orgA1.shortName });
  });

  it("unclaim by a non-owner is refused (409 not_owner); by the owner it works and is broadcast", async () => {
    const { seed } = t;
    const requestId = seed.boardA.cardIds[1];
    const watcher = await t.io({ cookie: seed.cookies.viewerA, boardId: seed.boardA.id });
    const owners = recordEvents<{ requestId: string; ownerOrgId: string | null }>(watcher, "request:owner");
    expect((await t.api(reqPath(seed.boardA.id, requestId, "claim"), { cookie: seed.cookies.memberA2, body: {} })).status).toBe(200);
    await owners.next((e) => e.requestId === requestId && e.ownerOrgId === seed.orgA2.id);

    const foreign = await t.api(reqPath(seed.boardA.id, requestId, "unclaim"), { cookie: seed.cookies.memberA1, body: {} });
    expect(foreign.status).toBe(409);
    expect(foreign.body).toMatchObject({ error: "not_owner", owner: { id: seed.orgA2.id } });
    expect(await sqlOwner(requestId)).toBe(seed.orgA2.id);

    const viewer = await t.api(reqPath(seed.boardA.id, requestId, "unclaim"), { cookie: seed.cookies.viewerA, body: {} });
    expect(viewer.status).toBe(403);
    expect(await sqlOwner(requestId)).toBe(seed.orgA2.id);

    const own = await t.api(reqPath(seed.boardA.id, requestId, "unclaim"), { cookie: seed.cookies.memberA2, body: {} });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ owner: null, requestId });
    expect(await sqlOwner(requestId)).toBeNull();
    await owners.next((e) => e.requestId === requestId && e.ownerOrgId === null);
  });

  it("a coordinator may reassign (200); a member may not (403); the target must be an organisation of the alliance", async () => {
    const { seed } = t;
    const requestId = seed.boardA.cardIds[2];
    const watcher = await t.io({ cookie: seed.cookies.memberA2, boardId: seed.boardA.id });
    const owners = recordEvents<{ requestId: string; ownerOrgId: string | null }>(watcher, "request:owner");
    expect((await t.api(reqPath(seed.boardA.id, requestId, "claim"), { cookie: seed.cookies.memberA1, body: {} })).status).toBe(200);

    const member = await t.api(reqPath(seed.boardA.id, requestId, "reassign"), { cookie: seed.cookies.memberA1, body: { to: seed.orgA2.id } });
    expect(member.status).toBe(403);
    expect(member.body).toMatchObject({ error: "forbidden" });
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);

    const foreignOrg = await t.api(reqPath(seed.boardA.id, requestId, "reassign"), {
      cookie: seed.cookies.coordinatorA,
      body: { to: seed.orgB.id },
    });
    expect(foreignOrg.status).toBe(400);
    expect(foreignOrg.body).toMatchObject({ error: "unknown_organisation" });
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);

    const coord = await t.api(reqPath(seed.boardA.id, requestId, "reassign"), { cookie: seed.cookies.coordinatorA, body: { to: seed.orgA2.id } });
    expect(coord.status).toBe(200);
    expect(coord.body).toEqual({ owner: { id: seed.orgA2.id, name: seed.orgA2.shortName }, requestId });
    expect(await sqlOwner(requestId)).toBe(seed.orgA2.id);
    await owners.next((e) => e.requestId === requestId && e.ownerOrgId === seed.orgA2.id);

    // Over the socket the same rule holds.
    const memberSocket = await t.io({ cookie: seed.cookies.memberA2, boardId: seed.boardA.id });
    const ack = await memberSocket.timeout(10_000).emitWithAck("request:reassign", { boardId: seed.boardA.id, requestId, to: seed.orgA1.id });
    expect(ack).toMatchObject({ ok: false, error: "forbidden", status: 403 });
    expect(await sqlOwner(requestId)).toBe(seed.orgA2.id);
  });

  it("a viewer may not claim (403); no session 401; another alliance 404; unknown request 404", async () => {
    const { seed } = t;
    const requestId = seed.boardA.cardIds[3];
    const viewer = await t.api(reqPath(seed.boardA.id, requestId, "claim"), { cookie: seed.cookies.viewerA, body: {} });
    expect(viewer.status).toBe(403);
    expect(viewer.body).toMatchObject({ error: "forbidden" });
    expect(typeof viewer.body.message).toBe("string");
    expect(await sqlOwner(requestId)).toBeNull();

    const viewerSocket = await t.io({ cookie: seed.cookies.viewerA, boardId: seed.boardA.id });
    expect(await viewerSocket.timeout(10_000).emitWithAck("request:claim", { boardId: seed.boardA.id, requestId })).toMatchObject({
      ok: false,
      error: "forbidden",
    });
    expect(await sqlOwner(requestId)).toBeNull();

    const anonymous = await t.api(reqPath(seed.boardA.id, requestId, "claim"), { body: {} });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: "unauthenticated" });

    const otherAlliance = await t.api(reqPath(seed.boardA.id, requestId, "claim"), { cookie: seed.cookies.memberB, body: {} });
    expect(otherAlliance.status).toBe(404);
    expect(await sqlOwner(requestId)).toBeNull();

    // A request of board B addressed through board A is not found.
    const crossBoard = await t.api(reqPath(seed.boardA.id, seed.boardB.cardIds[0], "claim"), { cookie: seed.cookies.memberA1, body: {} });
    expect(crossBoard.status).toBe(404);
    expect(await sqlOwner(seed.boardB.cardIds[0])).toBeNull();

    // A socket that has not joined the board cannot claim on it.
    const unjoined = await t.io({ cookie: seed.cookies.memberA1 });
    expect(await unjoined.timeout(10_000).emitWithAck("request:claim", { boardId: seed.boardA.id, requestId })).toMatchObject({
      ok: false,
      error: "bad_request",
    });
    expect(await sqlOwner(requestId)).toBeNull();
  });
});

describe("ownership cannot be forged through the document", () => {
  it("owner fields a member writes into a card's Y.Map are refused and change neither SQL nor the API", async () => {
    const { seed } = t;
    const requestId = seed.boardA.cardIds[0]; // held by A1 (claimed above)
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);

    const forger = await t.connect(seed.boardA.id, { cookie: seed.cookies.memberA2 });
    const card = cardsMap(forger.doc).get(requestId) as Y.Map<unknown>;
    expect(card).toBeTruthy();
    forger.doc.transact(() => {
      card.set("owner", { id: seed.orgA2.id, name: seed.orgA2.shortName });
      card.set("ownerOrgId", seed.orgA2.id);
      card.set("claimedAt", Date.now());
    });
    // A card has no such fields (ownership lives in SQL): the forger is closed (4422, outside the field rules) ...
    await waitFor(() => forger.closeCodes.includes(4422), { message: "the forger's connection closed with 4422" });
    const serverFields = await t.services.rooms.withDoc(seed.boardA.id, (doc) => [...(cardsMap(doc).get(requestId) as Y.Map<unknown>).keys()]);
    expect(serverFields).not.toContain("ownerOrgId");
    expect(serverFields).not.toContain("owner");
    expect(serverFields).not.toContain("claimedAt");

    // ... and ownership is decided in SQL anyway, which did not move.
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);
    expect((await ownershipOf(t.h, requestId))?.ownerOrgId).toBe(seed.orgA1.id);

    const details = await t.api(`/api/boards/${seed.boardA.id}/requests/${requestId}`, { cookie: seed.cookies.memberA2 });
    expect(details.status).toBe(200);
    expect(details.body.ownerOrgId).toBe(seed.orgA1.id);
    expect(details.body.owner).toEqual({ id: seed.orgA1.id, name: seed.orgA1.shortName });

    // The forger's organisation still cannot take the request.
    const claim = await t.api(reqPath(seed.boardA.id, requestId, "claim"), { cookie: seed.cookies.memberA2, body: {} });
    expect(claim.status).toBe(409);
    expect(claim.body.owner).toEqual({ id: seed.orgA1.id, name: seed.orgA1.shortName });
    // Nor release it, nor refer it onwards as if it held it.
    const unclaim = await t.api(reqPath(seed.boardA.id, requestId, "unclaim"), { cookie: seed.cookies.memberA2, body: {} });
    expect(unclaim.status).toBe(409);
    const refer = await t.api(reqPath(seed.boardA.id, requestId, "refer"), {
      cookie: seed.cookies.memberA2,
      body: { to: seed.orgA1.id, note: "" },
    });
    expect(refer.status).toBe(409);
    expect(refer.body).toMatchObject({ error: "not_owner" });
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);
    forger.destroy();
  });
});
