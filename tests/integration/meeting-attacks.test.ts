/**
 * The meeting features attacked from inside the alliance (issue 13): what a
 * coordinator's page action may reach of another meeting, what a
 * facilitator who is no longer a coordinator may still send, whether the
 * facilitator's focus rate holds when one person opens many sockets, and
 * two people marking one action done at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { setUserRole } from "../../db/accounts";
import type { FollowState, MeetingRecord } from "../../app/board/meeting";
import { postForm, recordEvents, startTestServer, type TestServer } from "./harness";

let t: TestServer;
let coordinator: string;
let member: string;

beforeAll(async () => {
  t = await startTestServer();
  ({ coordinatorA: coordinator, memberA1: member } = t.seed.cookies);
});

afterAll(async () => {
  await t?.close();
});

async function newBoard(name: string): Promise<string> {
  const res = await t.api("/api/boards", { cookie: coordinator, body: { name } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function plan(boardId: string, cookie = coordinator): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/meetings`, { cookie, body: { title: "Overleg", at: "2026-12-15T19:30:00Z" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const record = async (id: string): Promise<MeetingRecord> => {
  const res = await t.api<MeetingRecord>(`/api/meetings/${id}`, { cookie: coordinator });
  expect(res.status).toBe(200);
  return res.body;
};

async function newCoordinator(email: string): Promise<{ id: string; cookie: string }> {
  const { makeUser } = await import("../factories");
  const u = await makeUser(t.db, { organisationId: t.seed.orgA2.id, email, name: "Wim", role: "coordinator" });
  return { id: u.id, cookie: t.cookieFor(u.id) };
}

describe("a meeting page's forms reach only that meeting's items", () => {
  it("editing or removing an item of another board's meeting through this meeting's page is 404 and changes nothing", async () => {
    const mine = await newBoard("Bord met eigen overleg");
    const theirs = await newBoard("Bord met ander overleg");
    const myMeeting = await plan(mine);
    const theirMeeting = await plan(theirs);
    const item = await t.api(`/api/meetings/${theirMeeting}/items`, { cookie: coordinator, body: { title: "Van het andere bord", notes: "blijft" } });
    expect(item.status).toBe(201);
    const page = `/boards/${mine}/vergaderingen/${myMeeting}`;

    const edit = await postForm(t.url, page, { intent: "item-edit", itemId: item.body.id, title: "Gekaapt", notes: "weg" }, { cookie: coordinator });
    expect(edit.status).toBe(404);
    const remove = await postForm(t.url, page, { intent: "item-remove", itemId: item.body.id }, { cookie: coordinator });
    expect(remove.status).toBe(404);

    const after = (await record(theirMeeting)).agenda.find((i) => i.id === item.body.id);
    expect(after).toMatchObject({ title: "Van het andere bord", notes: "blijft" });
    // This meeting's own items still take both forms.
    const own = (await t.api(`/api/meetings/${myMeeting}/items`, { cookie: coordinator, body: { title: "Eigen" } })).body;
    expect((await postForm(t.url, page, { intent: "item-edit", itemId: own.id, title: "Eigen punt", notes: "" }, { cookie: coordinator })).status).toBe(200);
    expect((await record(myMeeting)).agenda.find((i) => i.id === own.id)!.title).toBe("Eigen punt");
  });
});

describe("the facilitator's focus", () => {
  let boardId: string;
  let id: string;
  let wim: { id: string; cookie: string };
  const sockets: Socket[] = [];

  beforeAll(async () => {
    boardId = await newBoard("Bord voor de gespreksleider");
    id = await plan(boardId);
    wim = await newCoordinator("wim@noord.test");
    expect((await t.api(`/api/meetings/${id}/start`, { cookie: wim.cookie, method: "POST" })).status).toBe(200);
  });

  afterAll(() => {
    for (const s of sockets) s.close();
  });

  const focus = (x: number) => ({ boardId, meetingId: id, itemId: null, view: { query: "", cardId: null, columnId: null }, scroll: { x, y: 0 } });

  it("is rated per person, not per socket: eighteen sockets of one facilitator get no more through than one", async () => {
    const follower = await t.io({ cookie: member, boardId });
    sockets.push(follower);
    const log = recordEvents<FollowState>(follower, "meeting:follow");
    // 18 of the session's 20 connections (two are left for the next test).
    const mine = await Promise.all(Array.from({ length: 18 }, () => t.io({ cookie: wim.cookie, boardId })));
    sockets.push(...mine);
    // Each socket sends a burst of 40 at once: 720 focus events.
    const started = Date.now();
    const acks = await Promise.all(mine.flatMap((s, i) => Array.from({ length: 40 }, (_, j) => s.timeout(10_000).emitWithAck("meeting:focus", focus((i * 40 + j) / 720)))));
    const passed = acks.filter((a) => a.ok).length;
    const refused = acks.filter((a) => a.error === "rate_limited").length;
    const seconds = (Date.now() - started) / 1000;
    console.log(`focus flood: 18 sockets x 40 = 720 sent in ${seconds.toFixed(2)} s, ${passed} relayed, ${refused} rate_limited`);
    expect(passed + refused).toBe(720);
    // One person's burst (40) and what refilled (20/s) while the flood was handled, not eighteen bursts.
    expect(passed).toBeLessThanOrEqual(40 + Math.ceil(seconds * 20) + 1);
    // What passed reached the follower; nothing more.
    const last = Math.max(...acks.filter((a) => a.ok).map((a) => a.seq as number));
    await log.next((s) => s.seq === last);
    expect(log.events.length).toBe(passed);
    for (const s of mine) s.close();
  });

  it("a facilitator who is no longer a coordinator is refused: nothing reaches the followers", async () => {
    const facilitator = await t.io({ cookie: wim.cookie, boardId });
    const follower = await t.io({ cookie: member, boardId });
    sockets.push(facilitator, follower);
    await new Promise((r) => setTimeout(r, 2100)); // the focus bucket refills after the flood above
    const log = recordEvents<FollowState>(follower, "meeting:follow");
    const before = await facilitator.timeout(5000).emitWithAck("meeting:focus", focus(0.1));
    expect(before.ok).toBe(true);
    await log.next((s) => s.seq === before.seq);

    setUserRole(t.db, wim.id, "member");
    const after = await facilitator.timeout(5000).emitWithAck("meeting:focus", focus(0.9));
    expect(after).toEqual({ ok: false, error: "forbidden" });
    // The same for a change of the current item, and over HTTP.
    const item = (await record(id)).agenda[0];
    expect(await facilitator.timeout(5000).emitWithAck("meeting:focus", { ...focus(0.5), itemId: item?.id ?? null })).toEqual({ ok: false, error: "forbidden" });
    expect((await t.api(`/api/meetings/${id}/end`, { cookie: wim.cookie, method: "POST" })).status).toBe(403);
    // A round trip: anything relayed would have arrived by now.
    await follower.timeout(5000).emitWithAck("meeting:current", { boardId });
    expect(log.events.map((e) => e.seq)).toEqual([before.seq]);

    // A coordinator again: the focus goes through again.
    setUserRole(t.db, wim.id, "coordinator");
    expect((await facilitator.timeout(5000).emitWithAck("meeting:focus", focus(0.3))).ok).toBe(true);
  });
});

describe("one action marked done by two people at once", () => {
  it("the first one's time and person stay; the second changes nothing", async () => {
    const boardId = await newBoard("Bord voor gelijktijdig afvinken");
    const id = await plan(boardId);
    const action = await t.api(`/api/meetings/${id}/actions`, { cookie: coordinator, body: { text: "Bel de school", orgId: t.seed.orgA1.id, due: "2027-01-10" } });
    expect(action.status).toBe(201);
    const [a, b] = await Promise.all([
      t.api(`/api/actions/${action.body.id}`, { cookie: member, method: "PATCH", body: { done: true } }),
      t.api(`/api/actions/${action.body.id}`, { cookie: coordinator, method: "PATCH", body: { done: true } }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const stored = t.verify.sqlite.prepare("SELECT done_at AS doneAt, done_by_user_id AS doneBy FROM meeting_actions WHERE id = ?").get(action.body.id) as { doneAt: number; doneBy: string };
    // Both answers tell the same, stored, time.
    expect(a.body.doneAt).toBe(stored.doneAt);
    expect(b.body.doneAt).toBe(stored.doneAt);
    expect([t.seed.memberA1.id, t.seed.coordinatorA.id]).toContain(stored.doneBy);
  });
});
