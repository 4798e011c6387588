/**
 * socket.io on two servers (tests/integration/cluster-harness.ts: two app
 * servers in this process, one database, one real redis-server): what an
 * operation on server A broadcasts reaches real socket.io clients on server
 * B, and a person removed or a session logged out on A loses its sockets on
 * B, through @socket.io/redis-adapter (server/realtime.ts, server/app.ts).
 * With the in-memory adapter each server reaches only its own sockets, and
 * every test here fails.
 */
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MEETING_EVENTS, type FollowState } from "../../app/board/meeting";
import { COMMENT_EVENT } from "../../app/services/comments.server";
import { NOTIFICATION_EVENT } from "../../app/services/notifications.server";
import { EVENTS } from "../../app/services/ownership.server";
import { startTestCluster, type TestCluster } from "./cluster-harness";
import { connectIo, postForm, recordEvents, sleep, waitFor, withTimeout } from "./harness";

let c: TestCluster;

beforeAll(async () => {
  c = await startTestCluster(2);
});

afterAll(async () => {
  await c?.close();
});

const A = 0;
const B = 1;
const board = () => c.seed.boardA.id;
const reqPath = (requestId: string, verb: string) => `/api/boards/${board()}/requests/${requestId}/${verb}`;

/** How a socket.io client ended: "io server disconnect" when the server closed it (rejects after 10 s of nothing). */
function disconnected(s: Socket): Promise<string> {
  return withTimeout(
    new Promise((resolve) => {
      if (s.disconnected) resolve("already");
      else s.once("disconnect", (reason: string) => resolve(reason));
    }),
    10_000,
    "the socket closed by the server",
  );
}

/** A coordinator's form on /beheer, as the page posts it. */
async function beheer(server: number, fields: Record<string, string>) {
  const res = await postForm(c.url(server), "/beheer?_data=routes%2Fbeheer", fields, { cookie: c.seed.cookies.coordinatorA });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("broadcasts across servers", () => {
  it("a claim, a referral, a comment and a meeting made on A reach the sockets on B (board, organisation and person rooms)", async () => {
    const [requestId] = c.seed.boardA.cardIds;
    const bramOnB = await c.io(B, { cookie: c.seed.cookies.memberA2, boardId: board() });
    const keesOnB = await c.io(B, { cookie: c.seed.cookies.viewerA, boardId: board() });
    // Another alliance's member on B: joined nothing of board A, hears nothing of it.
    const carlaOnB = await c.io(B, { cookie: c.seed.cookies.memberB, boardId: c.seed.boardB.id });
    const owners = recordEvents(keesOnB, EVENTS.owner);
    const inbox = recordEvents(bramOnB, EVENTS.inbox);
    const notices = recordEvents(bramOnB, NOTIFICATION_EVENT);
    const comments = recordEvents(keesOnB, COMMENT_EVENT);
    const meetings = recordEvents(keesOnB, MEETING_EVENTS.changed);
    const carla = [EVENTS.owner, EVENTS.inbox, NOTIFICATION_EVENT, COMMENT_EVENT, MEETING_EVENTS.changed].map((e) => recordEvents(carlaOnB, e));

    // A claim on A (board room).
    expect((await c.api(A, reqPath(requestId, "claim"), { cookie: c.seed.cookies.memberA1, body: {} })).status).toBe(200);
    await owners.next((p) => p.requestId === requestId && p.ownerOrgId === c.seed.orgA1.id);

    // A referral on A to Bram's organisation (organisation room, and a notification in his person room).
    expect((await c.api(A, reqPath(requestId, "refer"), { cookie: c.seed.cookies.memberA1, body: { to: c.seed.orgA2.id, note: "Kunnen jullie dit oppakken?" } })).status).toBe(200);
    await inbox.next((p) => p.boardId === board());
    await notices.next((p) => p.kind === "referral");

    // A comment on A (board room).
    const posted = await c.api(A, reqPath(requestId, "comments"), { cookie: c.seed.cookies.memberA1, body: { body: "Via server A" } });
    expect(posted.status).toBe(201);
    await comments.next((p) => p.id === posted.body.id);

    // A meeting planned and started on A (the meeting bar).
    const planned = await c.api(A, `/api/boards/${board()}/meetings`, { cookie: c.seed.cookies.coordinatorA, body: { title: "Overleg", at: "2026-12-15T19:30:00Z" } });
    expect(planned.status).toBe(201);
    expect((await c.api(A, `/api/meetings/${planned.body.id}/start`, { cookie: c.seed.cookies.coordinatorA, method: "POST" })).status).toBe(200);
    await meetings.next((p) => p.meetingId === planned.body.id && p.status === "running");

    // Nothing of board A went to the other alliance's socket.
    await keesOnB.timeout(5000).emitWithAck("board:join", { boardId: board() });
    expect(carla.map((l) => l.events)).toEqual([[], [], [], [], []]);
  });

  it("the facilitator's focus on A reaches a follower on B, and `meeting:current` on B knows where the meeting is", async () => {
    const planned = await c.api(A, `/api/boards/${board()}/meetings`, { cookie: c.seed.cookies.coordinatorA, body: { title: "Volgen", at: "2026-12-16T19:30:00Z" } });
    expect(planned.status).toBe(201);
    const meetingId = planned.body.id as string;
    // One meeting runs per board: end the one the test before started, if any.
    const running = await c.api(A, `/api/boards/${board()}/meetings`, { cookie: c.seed.cookies.coordinatorA });
    for (const m of running.body as Array<{ id: string; status: string }>) {
      if (m.status === "running") await c.api(A, `/api/meetings/${m.id}/end`, { cookie: c.seed.cookies.coordinatorA, method: "POST" });
    }
    expect((await c.api(A, `/api/meetings/${meetingId}/start`, { cookie: c.seed.cookies.coordinatorA, method: "POST" })).status).toBe(200);
    const facilitatorOnA = await c.io(A, { cookie: c.seed.cookies.coordinatorA, boardId: board() });
    const followerOnB = await c.io(B, { cookie: c.seed.cookies.memberA2, boardId: board() });
    const follows = recordEvents<FollowState>(followerOnB, MEETING_EVENTS.follow);
    const focus = { boardId: board(), meetingId, itemId: null, view: { query: "categorie=taal", cardId: null, columnId: "open" }, scroll: { x: 0.25, y: 0.5 } };
    const ack = await facilitatorOnA.timeout(5000).emitWithAck(MEETING_EVENTS.focus, focus);
    expect(ack).toEqual({ ok: true, seq: expect.any(Number) });
    await follows.next((f) => f.seq === ack.seq && f.meetingId === meetingId);
    const current = await followerOnB.timeout(5000).emitWithAck(MEETING_EVENTS.current, { boardId: board() });
    expect(current.ok).toBe(true);
    expect(current.meeting.id).toBe(meetingId);
    expect(current.follow).toMatchObject({ meetingId, seq: ack.seq, view: focus.view });
  });
});

describe("disconnects across servers", () => {
  it("a session logged out on A loses its socket on B, the person's other session keeps its own; /logout on A closes the rest", async () => {
    const person = c.seed.viewerA;
    const phone = await c.servers[A].cookieFor(person.id);
    const laptop = await c.servers[A].cookieFor(person.id);
    const phoneOnB = await c.io(B, { cookie: phone, boardId: board() });
    const laptopOnB = await c.io(B, { cookie: laptop, boardId: board() });
    const phoneGone = disconnected(phoneOnB);
    const laptopGone = disconnected(laptopOnB);

    // The laptop ends the phone's session on A (DELETE /api/me/sessions/<handle>).
    const list = await c.api(A, "/api/me/sessions", { cookie: phone });
    const handle = (list.body as Array<{ id: string; current: boolean }>).find((s) => s.current)!.id;
    const ended = await c.api(A, `/api/me/sessions/${handle}`, { cookie: laptop, method: "DELETE" });
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ current: false });
    expect(await phoneGone).toBe("io server disconnect");
    await expect(connectIo(c.url(B), { cookie: phone })).rejects.toThrow(/unauthenticated/);
    // The laptop's socket on B stayed (and answers).
    expect(laptopOnB.connected).toBe(true);
    expect(await laptopOnB.timeout(5000).emitWithAck("board:join", { boardId: board() })).toMatchObject({ ok: true });

    // The laptop logs out on A: its socket on B closes, and may not come back.
    const out = await postForm(c.url(A), "/logout", {}, { cookie: laptop });
    expect(out.status).toBe(302);
    await out.arrayBuffer();
    expect(await laptopGone).toBe("io server disconnect");
    await expect(connectIo(c.url(B), { cookie: laptop })).rejects.toThrow(/unauthenticated/);
  });

  it("a person's access removed on A closes their sockets on B and refuses them there; nobody else's close", async () => {
    const person = c.seed.memberA2;
    const cookie = await c.servers[A].cookieFor(person.id);
    const onB = [await c.io(B, { cookie, boardId: board() }), await c.io(B, { cookie })];
    const onA = await c.io(A, { cookie, boardId: board() });
    const gone = [...onB, onA].map(disconnected);
    const annaOnB = await c.io(B, { cookie: c.seed.cookies.memberA1, boardId: board() });

    const removed = await beheer(A, { intent: "remove", personId: person.id });
    expect(removed).toMatchObject({ status: 200, body: { ok: true } });
    expect(await Promise.all(gone)).toEqual(["io server disconnect", "io server disconnect", "io server disconnect"]);
    await expect(connectIo(c.url(B), { cookie })).rejects.toThrow(/unauthenticated/);
    expect(annaOnB.connected).toBe(true);
    expect(await annaOnB.timeout(5000).emitWithAck("board:join", { boardId: board() })).toMatchObject({ ok: true });

    // Given access again (a new login): connects on B as before.
    expect((await beheer(A, { intent: "restore", personId: person.id })).status).toBe(200);
    const again = await c.io(B, { cookie: await c.servers[A].cookieFor(person.id), boardId: board() });
    expect(again.connected).toBe(true);
  });
});

describe("while Redis is away", () => {
  it("a broadcast reaches this server's sockets only and nothing fails; a removal made meanwhile closes the sockets on B once Redis is back; then broadcasts cross again", async () => {
    const requestId = c.seed.boardA.cardIds[2];
    const annaOnA = await c.io(A, { cookie: c.seed.cookies.memberA1, boardId: board() });
    const annaOnB = await c.io(B, { cookie: c.seed.cookies.memberA1, boardId: board() });
    const person = c.seed.viewerA;
    const keesOnB = await c.io(B, { cookie: await c.servers[A].cookieFor(person.id), boardId: board() });
    const keesGone = disconnected(keesOnB);
    const onA = recordEvents(annaOnA, EVENTS.owner);
    const onB = recordEvents(annaOnB, EVENTS.owner);

    await c.redis.kill();
    await waitFor(() => c.servers.every((s) => !s.server.redis!.up), { message: "both servers see Redis down" });
    // The claim is answered and broadcast on A; the adapter's publish failed (quietly: the process lives on).
    expect((await c.api(A, reqPath(requestId, "claim"), { cookie: c.seed.cookies.memberA1, body: {} })).status).toBe(200);
    await onA.next((p) => p.requestId === requestId);
    // Kees's access removed on A: his socket on B cannot be told yet.
    expect((await beheer(A, { intent: "remove", personId: person.id })).status).toBe(200);
    await sleep(300);
    expect(keesOnB.connected).toBe(true);
    expect(onB.events.filter((p) => p.requestId === requestId)).toEqual([]);

    await c.redis.restart();
    // B judges its sockets again once Redis is back: the ended session's socket closes.
    expect(await keesGone).toBe("io server disconnect");
    expect(annaOnB.connected).toBe(true);
    // And broadcasts cross again (B's subscription renewed after the restart): an unclaim on A reaches Anna on B.
    await waitFor(() => c.servers.every((s) => s.server.redis!.up), { message: "both servers see Redis up" });
    const released = onB.mark();
    await waitFor(
      async () => {
        const verb = onA.events.at(-1)?.ownerOrgId ? "unclaim" : "claim";
        const mark = onA.mark();
        expect((await c.api(A, reqPath(requestId, verb), { cookie: c.seed.cookies.memberA1, body: {} })).status).toBe(200);
        await onA.next(() => true, { after: mark });
        await sleep(200);
        return onB.events.slice(released).some((p) => p.requestId === requestId);
      },
      { timeout: 20_000, message: "a broadcast on A reaches B after Redis came back" },
    );
    expect((await beheer(A, { intent: "restore", personId: person.id })).status).toBe(200);
  });
});

describe("a server that drains", () => {
  it("closes its adapter's Redis connections; its clients lose their transport (to reconnect elsewhere)", async () => {
    const names = async () => {
      const list = (await c.servers[A].server.redis!.command.client("LIST")) as string;
      return [...list.matchAll(/(?:^| )name=(ab-s\d-io-(?:pub|sub)-\S*)/gm)].map((m) => m[1].replace(/-[0-9a-f]{4}$/, ""));
    };
    // The test before restarted Redis: a publisher reconnects on its own backoff (it fails at once, quietly,
    // while Redis is away), so all four connections are waited for, not read once.
    const all = ["ab-s0-io-pub", "ab-s0-io-sub", "ab-s1-io-pub", "ab-s1-io-sub"];
    await waitFor(async () => JSON.stringify((await names()).sort()) === JSON.stringify(all), { message: "both servers' adapter connections on Redis" });
    const onB = await c.io(B, { cookie: c.seed.cookies.memberA1, boardId: board() });
    const gone = disconnected(onB);
    await c.servers[B].server.close();
    expect(await gone).toBe("transport close");
    expect((await names()).sort()).toEqual(["ab-s0-io-pub", "ab-s0-io-sub"]);
  });
});
