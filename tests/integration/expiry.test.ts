/**
 * Claims return to open after the board's expiry period without activity.
 * The server's clock is injected; each step moves it forward and runs the
 * expiry in the same tick (so the server's own periodic sweep cannot get in
 * between).
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCard, getCard, moveCard, setArchived } from "../../app/board/domain";
import { createRequestWithAudit } from "../../db/requests";
import { expireClaims } from "../../app/services/ownership.server";
import { expiredClaimsFor } from "../../db/activity";
import { boardSettings } from "../../db/accounts";
import { inboxFor, ownershipOf } from "../../db/ownership";
import { makeBoard } from "../factories";
import {
  createClock,
  DAY_MS,
  postForm,
  recordEvents,
  startTestServer,
  waitFor,
  type EventLog,
  type IoSocket,
  type TestClock,
  type TestServer,
} from "./harness";

let t: TestServer;
let clock: TestClock;
/** Sessions that outlive the days the clock is moved forward. */
let cookies: { memberA1: string; memberA2: string; viewerA: string; coordinatorA: string };
let a1: IoSocket;
let a2: IoSocket;
let expiredA1: EventLog<{ boardId: string; requestId: string }>;
let expiredA2: EventLog<{ boardId: string; requestId: string }>;
let inboxA2: EventLog<{ boardId: string }>;
let owners: EventLog<{ requestId: string; ownerOrgId: string | null; owner: unknown }>;

beforeAll(async () => {
  clock = createClock();
  t = await startTestServer({}, { now: clock.now });
  const { seed } = t;
  cookies = {
    memberA1: await t.cookieFor(seed.memberA1.id, 365),
    memberA2: await t.cookieFor(seed.memberA2.id, 365),
    viewerA: await t.cookieFor(seed.viewerA.id, 365),
    coordinatorA: await t.cookieFor(seed.coordinatorA.id, 365),
  };
  a1 = await t.io({ cookie: cookies.memberA1, boardId: seed.boardA.id });
  a2 = await t.io({ cookie: cookies.memberA2, boardId: seed.boardA.id });
  expiredA1 = recordEvents(a1, "claim:expired");
  expiredA2 = recordEvents(a2, "claim:expired");
  inboxA2 = recordEvents(a2, "inbox:changed");
  const watcher = await t.io({ cookie: cookies.viewerA, boardId: seed.boardA.id });
  owners = recordEvents(watcher, "request:owner");
});

afterAll(async () => {
  await t?.close();
});

const sqlOwner = async (requestId: string) => (await ownershipOf(t.h, requestId))?.ownerOrgId ?? null;

async function claim(socket: IoSocket, boardId: string, requestId: string) {
  const ack = await socket.timeout(10_000).emitWithAck("request:claim", { boardId, requestId });
  expect(ack).toMatchObject({ ok: true });
}

/** Move the clock forward and run the expiry in the same tick, as the server's sweep would. */
let lastExpiryAt = 0;
async function advanceAndExpire(ms: number) {
  clock.advance(ms);
  lastExpiryAt = t.now();
  return (await expireClaims(t.services, lastExpiryAt)).map((c) => c.id);
}

describe("claim expiry (injected clock)", () => {
  it("a finished or archived request keeps its holder: only a stale claim on open work expires; a claim moves the card to a held column and expiry back to open", async () => {
    const { seed } = t;
    const [finished, archived, stale] = await Promise.all(
      ["Klaar en afgerond", "Gearchiveerd", "Blijft liggen"].map(async (title, i) => {
        const id = `expiry-${i}-${t.now()}`;
        await createRequestWithAudit(
          t.h,
          { id, boardId: seed.boardA.id, createdByUserId: seed.memberA1.id, createdByOrgId: seed.orgA1.id, reference: null, referenceKey: null, lastActivityAt: t.now(), createdAt: t.now() },
          { boardId: seed.boardA.id, requestId: id, userId: seed.memberA1.id, orgId: seed.orgA1.id, type: "created", data: {}, createdAt: t.now() },
        );
        await t.services.rooms.withDoc(seed.boardA.id, (doc) =>
          addCard(doc, { id, title, category: "taal", description: "", area: "", urgency: "normaal", createdAt: t.now(), createdByOrg: seed.orgA1.id, column: "open" }),
        );
        return id;
      }),
    );
    for (const id of [finished, archived, stale]) await claim(a1, seed.boardA.id, id);
    expect(await t.services.rooms.readDoc(seed.boardA.id, (doc) => getCard(doc, stale)!.column)).toBe("opgepakt");
    await t.services.rooms.withDoc(seed.boardA.id, (doc) => {
      moveCard(doc, finished, "afgerond", 0, t.now());
      setArchived(doc, archived, true, t.now());
    });
    const expired = await advanceAndExpire(30 * DAY_MS);
    expect(expired).toContain(stale);
    expect(expired).not.toContain(finished);
    expect(expired).not.toContain(archived);
    expect(await sqlOwner(finished)).toBe(seed.orgA1.id);
    expect(await sqlOwner(archived)).toBe(seed.orgA1.id);
    expect(await t.services.rooms.readDoc(seed.boardA.id, (doc) => getCard(doc, stale)!.column)).toBe("open");
  });

  it("a claim without activity for 15 days (default 14) returns to open; audit 'claim_expired'; the organisation is told", async () => {
    const { seed } = t;
    expect((await boardSettings(t.h, seed.boardA.id))?.claimExpiryDays).toBe(14);
    const requestId = seed.boardA.cardIds[0];
    await claim(a1, seed.boardA.id, requestId);
    const claimedAt = t.now();
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);

    // 13 days: still held.
    expect(await advanceAndExpire(13 * DAY_MS)).not.toContain(requestId);
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);

    // 15 days: expired.
    const expired = await advanceAndExpire(2 * DAY_MS);
    expect(expired).toContain(requestId);
    expect(await sqlOwner(requestId)).toBeNull();
    expect((await ownershipOf(t.h, requestId))?.claimedAt).toBeNull();

    const { auditEvents } = t.h.t;
    const audit = await t.h.q
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.requestId, requestId), eq(auditEvents.type, "claim_expired")));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ boardId: seed.boardA.id, userId: null, orgId: seed.orgA1.id, data: { org: seed.orgA1.id } });
    expect(audit[0].createdAt).toBe(lastExpiryAt);
    expect(lastExpiryAt - claimedAt).toBeGreaterThanOrEqual(15 * DAY_MS);
    expect((await expiredClaimsFor(t.h, seed.orgA1.id, claimedAt)).map((e) => e.requestId)).toContain(requestId);

    expect(await expiredA1.next((e) => e.requestId === requestId)).toEqual({ boardId: seed.boardA.id, requestId });
    expect(await owners.next((e) => e.requestId === requestId && e.ownerOrgId === null)).toMatchObject({ owner: null });
    // Only the holder's organisation hears of it (a round trip on a2 first: anything sent to it before has arrived).
    await a2.timeout(10_000).emitWithAck("board:join", { boardId: seed.boardA.id });
    expect(expiredA2.events).toEqual([]);

    // Nothing left to expire for it: a second run is a no-op.
    expect((await expireClaims(t.services, t.now())).map((c) => c.id)).not.toContain(requestId);
    // It can be claimed again.
    await claim(a2, seed.boardA.id, requestId);
    expect(await sqlOwner(requestId)).toBe(seed.orgA2.id);
  });

  it("recent activity keeps a claim: a comment, and a move on the board made through y-websocket", async () => {
    const { seed } = t;
    const commented = seed.boardA.cardIds[1];
    const moved = seed.boardA.cardIds[2];
    await claim(a1, seed.boardA.id, commented);
    await claim(a1, seed.boardA.id, moved);

    expect(await advanceAndExpire(10 * DAY_MS)).toEqual(expect.not.arrayContaining([commented, moved]));

    // Day 10: a comment on one, a move of the other.
    const ack = await a2.timeout(10_000).emitWithAck("comment:add", { boardId: seed.boardA.id, requestId: commented, body: "Nog mee bezig?" });
    expect(ack).toMatchObject({ ok: true });
    // Moved by the organisation that holds it (nobody else may move it).
    const y = await t.connect(seed.boardA.id, { cookie: cookies.memberA1 });
    moveCard(y.doc, moved, "in-uitvoering", 0, t.now());
    const { auditEvents } = t.h.t;
    await waitFor(
      async () =>
        (
          await t.h.q
            .select()
            .from(auditEvents)
            .where(and(eq(auditEvents.requestId, moved), eq(auditEvents.type, "moved")))
        )[0],
      { message: "the move is committed as activity" },
    );
    expect((await ownershipOf(t.h, moved))).toBeTruthy();
    y.destroy();

    // Day 15 after the claims, day 5 after the activity: both still held.
    const expired = await advanceAndExpire(5 * DAY_MS);
    expect(expired).not.toContain(commented);
    expect(expired).not.toContain(moved);
    expect(await sqlOwner(commented)).toBe(seed.orgA1.id);
    expect(await sqlOwner(moved)).toBe(seed.orgA1.id);

    // Fifteen quiet days after the activity: both expire.
    const later = await advanceAndExpire(10 * DAY_MS);
    expect(later).toEqual(expect.arrayContaining([commented, moved]));
    expect(await sqlOwner(commented)).toBeNull();
    expect(await sqlOwner(moved)).toBeNull();
  });

  it("a board with claim_expiry_days 30 (set on the coordinator page) keeps a 15-day-old claim", async () => {
    const { seed } = t;
    const board = await makeBoard(t.h, {
      allianceId: seed.allianceA.id,
      name: "Langlopend",
      cards: [{ title: "Woning langdurig", category: "wonen", description: "", area: "", urgency: "laag", createdByOrg: seed.orgA1.id }],
    });
    const res = await postForm(t.url, "/beheer", { intent: "expiry", boardId: board.id, claimExpiryDays: "30" }, { cookie: cookies.coordinatorA });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect((await boardSettings(t.h, board.id))?.claimExpiryDays).toBe(30);
    // Members may not change it.
    const member = await postForm(t.url, "/beheer", { intent: "expiry", boardId: board.id, claimExpiryDays: "1" }, { cookie: cookies.memberA1 });
    expect(member.status).toBe(403);
    await member.arrayBuffer();
    expect((await boardSettings(t.h, board.id))?.claimExpiryDays).toBe(30);

    const [requestId] = board.cardIds;
    expect(await a1.timeout(10_000).emitWithAck("board:join", { boardId: board.id })).toMatchObject({ ok: true });
    await claim(a1, board.id, requestId);

    expect(await advanceAndExpire(15 * DAY_MS)).not.toContain(requestId);
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);
    expect(await advanceAndExpire(14 * DAY_MS)).not.toContain(requestId);
    expect(await sqlOwner(requestId)).toBe(seed.orgA1.id);
    expect(await advanceAndExpire(2 * DAY_MS)).toContain(requestId);
    expect(await sqlOwner(requestId)).toBeNull();
    await expiredA1.next((e) => e.requestId === requestId && e.boardId === board.id);
  });

  it("an expiring claim withdraws its pending referral; the recipient organisation is told", async () => {
    const { seed } = t;
    const requestId = seed.boardA.cardIds[3];
    await claim(a1, seed.boardA.id, requestId);
    const refer = await a1.timeout(10_000).emitWithAck("request:refer", { boardId: seed.boardA.id, requestId, to: seed.orgA2.id, note: "" });
    expect(refer).toMatchObject({ ok: true });
    expect((await inboxFor(t.h, seed.orgA2.id)).map((r) => r.requestId)).toContain(requestId);
    const mark = inboxA2.mark();

    expect(await advanceAndExpire(15 * DAY_MS)).toContain(requestId);
    expect(await sqlOwner(requestId)).toBeNull();
    expect((await ownershipOf(t.h, requestId))?.pendingReferral).toBeNull();
    expect((await inboxFor(t.h, seed.orgA2.id)).map((r) => r.requestId)).not.toContain(requestId);
    await inboxA2.next((e) => e.boardId === seed.boardA.id, { after: mark });
  });
});
