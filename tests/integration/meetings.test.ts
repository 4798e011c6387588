/**
 * The alliance meeting over HTTP and socket.io (issue 13): plan, start, run
 * and end a meeting with its items, decisions, actions and who was there;
 * who may do what (member, coordinator, another alliance); one running
 * meeting per board also when two coordinators start at once; the board's
 * moments at start and end; actions reaching their organisation's inbox;
 * the facilitator's focus relayed to followers (and refused for everyone
 * else and for bad payloads); an archived board takes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { listMoments } from "../../db/moments";
import { dayOf } from "../../app/board/minutes";
import type { FollowState, MeetingRecord } from "../../app/board/meeting";
import { newBoardVia, recordEvents, sleep, startTestServer, waitFor, type TestServer } from "./harness";

let t: TestServer;
let coordinator: string;
let member: string;
let member2: string;
let memberB: string;
let coordinator2: string;
let coordinator2Id: string;

beforeAll(async () => {
  t = await startTestServer();
  ({ coordinatorA: coordinator, memberA1: member, memberA2: member2, memberB } = t.seed.cookies);
  // A second coordinator of alliance A (organisation A2).
  const { makeUser } = await import("../factories");
  const cora2 = await makeUser(t.h, { organisationId: t.seed.orgA2.id, email: "coordinator2@noord.test", name: "Cor", role: "coordinator" });
  coordinator2 = await t.cookieFor(cora2.id);
  coordinator2Id = cora2.id;
});

afterAll(async () => {
  await t?.close();
});

const newBoard = (name: string) => newBoardVia(t, coordinator, name);

async function plan(boardId: string, title = "Overleg december", cookie = coordinator): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/meetings`, { cookie, body: { title, at: "2026-12-15T19:30:00Z" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const record = async (id: string, cookie = member): Promise<MeetingRecord> => {
  const res = await t.api<MeetingRecord>(`/api/meetings/${id}`, { cookie });
  expect(res.status).toBe(200);
  return res.body;
};

describe("a meeting from plan to end over HTTP", () => {
  it("plans, starts, takes items, decisions and actions, ends; the record and the board's moments say so", async () => {
    const boardId = t.seed.boardA.id;
    const watcher = await t.io({ cookie: member, boardId });
    const changes = recordEvents<{ meetingId: string; status: string }>(watcher, "meeting:changed");

    const bad = await t.api(`/api/boards/${boardId}/meetings`, { cookie: coordinator, body: { title: "  ", at: "morgen" } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual({ title: "required", at: "invalid" });

    const res = await t.api(`/api/boards/${boardId}/meetings`, { cookie: coordinator, body: { title: "  Overleg   januari ", at: Date.UTC(2027, 0, 12, 18) } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(["id"]);
    const id = res.body.id as string;
    await changes.next((e) => e.meetingId === id && e.status === "planned");

    const list = await t.api(`/api/boards/${boardId}/meetings`, { cookie: member });
    expect(list.status).toBe(200);
    expect(list.body[0]).toMatchObject({ id, boardId, title: "Overleg januari", at: Date.UTC(2027, 0, 12, 18), status: "planned", startedAt: null });

    let r = await record(id);
    expect(r.status).toBe("planned");
    expect(r.sinceMomentId).toBeNull();
    // The agenda was proposed from the board (its categories with open requests at least), each item a saved view.
    expect(r.agenda.length).toBeGreaterThan(0);
    expect(r.agenda.every((i) => typeof i.view.query === "string" && i.spentMs === 0 && i.currentSince === null)).toBe(true);

    const patched = await t.api(`/api/meetings/${id}`, { cookie: coordinator, method: "PATCH", body: { summary: "We bespraken de wachtlijst." } });
    expect(patched.status).toBe(200);
    expect(patched.body.summary).toBe("We bespraken de wachtlijst.");
    // While planned, its date moves (as on its page).
    const rescheduled = await t.api<MeetingRecord>(`/api/meetings/${id}`, { cookie: coordinator, method: "PATCH", body: { at: "2026-12-16T19:30:00Z" } });
    expect(rescheduled.status, JSON.stringify(rescheduled.body)).toBe(200);
    expect(rescheduled.body.at).toBe(Date.parse("2026-12-16T19:30:00Z"));

    // Not running yet: end is refused.
    expect((await t.api(`/api/meetings/${id}/end`, { cookie: coordinator, method: "POST" })).body.error).toBe("meeting_not_running");

    const started = await t.api<MeetingRecord>(`/api/meetings/${id}/start`, { cookie: coordinator, method: "POST" });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: "running", facilitatorUserId: t.seed.coordinatorA.id, currentItemId: r.agenda[0].id });
    expect(started.body.present.map((p) => p.userId)).toContain(t.seed.coordinatorA.id);
    expect(started.body.startMomentId).toBeTruthy();
    await changes.next((e) => e.meetingId === id && e.status === "running");
    const again = await t.api(`/api/meetings/${id}/start`, { cookie: coordinator, method: "POST" });
    expect([again.status, again.body.error]).toEqual([409, "meeting_not_planned"]);
    // Started, it keeps its date: a new one is refused.
    const late = await t.api(`/api/meetings/${id}`, { cookie: coordinator, method: "PATCH", body: { at: "2026-12-20T19:30:00Z" } });
    expect([late.status, late.body.error]).toEqual([409, "meeting_not_planned"]);
    expect((await record(id)).at).toBe(Date.parse("2026-12-16T19:30:00Z"));

    // Items: one added, moved to the front, made current (the first one's time is counted).
    const item = await t.api(`/api/meetings/${id}/items`, { cookie: coordinator, body: { title: "Rondvraag", view: { query: "categorie=taal&banen=organisatie", cardId: t.seed.boardA.cardIds[1], columnId: null } } });
    expect(item.status).toBe(201);
    expect(item.body).toMatchObject({ kind: "free", title: "Rondvraag", view: { query: "categorie=taal&banen=organisatie", cardId: t.seed.boardA.cardIds[1] } });
    const badItem = await t.api(`/api/meetings/${id}/items`, { cookie: coordinator, body: { title: "x", view: { query: "geheim=1" } } });
    expect([badItem.status, badItem.body.errors]).toEqual([422, { view: "param" }]);
    const moved = await t.api(`/api/meetings/${id}/items/${item.body.id}`, { cookie: coordinator, method: "PATCH", body: { before: r.agenda[0].id, notes: "Iedereen kort." } });
    expect(moved.status).toBe(200);
    r = await record(id);
    expect(r.agenda[0]).toMatchObject({ id: item.body.id, notes: "Iedereen kort." });
    await sleep(20);
    const current = await t.api<MeetingRecord>(`/api/meetings/${id}/current`, { cookie: coordinator, body: { itemId: item.body.id } });
    expect(current.status).toBe(200);
    const first = current.body.agenda.find((i) => i.id === started.body.currentItemId)!;
    expect(first.spentMs).toBeGreaterThanOrEqual(20);
    expect(first.currentSince).toBeNull();
    expect(current.body.agenda.find((i) => i.id === item.body.id)!.currentSince).not.toBeNull();

    // A decision and an action on a request of this board.
    const decision = await t.api(`/api/meetings/${id}/decisions`, { cookie: coordinator, body: { text: "Taalhuis neemt de taalvragen.", itemId: item.body.id, requestId: t.seed.boardA.cardIds[1] } });
    expect(decision.status).toBe(201);
    const action = await t.api(`/api/meetings/${id}/actions`, {
      cookie: coordinator,
      body: { text: "Bel het gezin", orgId: t.seed.orgA2.id, due: "2027-01-20", requestId: t.seed.boardA.cardIds[0], itemId: item.body.id },
    });
    expect(action.status, JSON.stringify(action.body)).toBe(201);
    expect(action.body).toMatchObject({ orgId: t.seed.orgA2.id, orgName: "TH", due: "2027-01-20", doneAt: null, requestId: t.seed.boardA.cardIds[0] });
    const badAction = await t.api(`/api/meetings/${id}/actions`, {
      cookie: coordinator,
      body: { text: "", orgId: t.seed.orgB.id, due: "2027-02-30", requestId: t.seed.boardB.cardIds[0] },
    });
    expect([badAction.status, badAction.body.errors]).toEqual([422, { text: "required", orgId: "unknown", due: "invalid", requestId: "unknown" }]);

    // Who was there: edited (a name typed in for someone without an account).
    const present = await t.api(`/api/meetings/${id}/attendees`, {
      cookie: coordinator,
      method: "PUT",
      body: [{ userId: t.seed.coordinatorA.id }, { name: "Gemeente (Els)", orgId: null }, { userId: t.seed.memberA2.id, name: "" }],
    });
    expect(present.status, JSON.stringify(present.body)).toBe(200);
    expect(present.body.map((p: { name: string; source: string }) => `${p.name}:${p.source}`)).toEqual(["Cora:presence", "Gemeente (Els):manual", "Bram:manual"]);

    const ended = await t.api<MeetingRecord>(`/api/meetings/${id}/end`, { cookie: coordinator, method: "POST" });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ status: "ended", currentItemId: null });
    expect(ended.body.endMomentId).toBeTruthy();
    expect(ended.body.agenda.every((i) => i.currentSince === null)).toBe(true);
    await changes.next((e) => e.meetingId === id && e.status === "ended");

    r = await record(id, member);
    expect(r.decisions).toEqual([expect.objectContaining({ text: "Taalhuis neemt de taalvragen.", itemId: item.body.id, requestId: t.seed.boardA.cardIds[1] })]);
    expect(r.actions).toEqual([expect.objectContaining({ id: action.body.id, text: "Bel het gezin" })]);
    expect(r.present).toHaveLength(3);

    // The minutes, as a Markdown download in the reader's language.
    const md = await t.api<string>(`/api/meetings/${id}/minutes.md`, { cookie: member });
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(md.headers.get("content-disposition")).toBe(`attachment; filename="notulen-${dayOf(r.startedAt!)}.md"`);
    expect(md.body.startsWith("# Overleg januari\n")).toBe(true);
    expect(md.body).toContain("**Aanwezig:** Cora (VWN), Gemeente \\(Els\\), Bram (TH)");
    expect(md.body).toContain("## Samenvatting\n\nWe bespraken de wachtlijst.");
    expect(md.body).toContain("### 1\\. Rondvraag");
    expect(md.body).toContain("- Taalhuis neemt de taalvragen. (kaart: Taalmaatje gevraagd)");
    expect(md.body).toContain("- [ ] Bel het gezin — TH, uiterlijk 20 januari 2027 (kaart: Woning gezocht voor gezin)");
    expect((await t.api(`/api/meetings/${id}/minutes.md`, { cookie: memberB })).status).toBe(404);

    // The board's moments: one at the start, one at the end, tied to the meeting.
    const moments = (await listMoments(t.services.async, boardId)).filter((m) => m.meetingId === id);
    expect(moments.map((m) => `${m.reason}:${m.id}`)).toEqual([`meeting_start:${r.startMomentId}`, `meeting_end:${r.endMomentId}`]);
    // The same over HTTP, for anyone of the alliance.
    const snapshots = await t.api<Array<{ id: string; at: number; reason: string }>>(`/api/boards/${boardId}/snapshots`, { cookie: member });
    expect(snapshots.status).toBe(200);
    expect(snapshots.body).toContainEqual({ id: r.startMomentId, at: r.startedAt, reason: "meeting_start" });
    expect(snapshots.body).toContainEqual({ id: r.endMomentId, at: r.endedAt, reason: "meeting_end" });

    // The next meeting counts "since the last meeting" from this one's end moment.
    const next = await plan(boardId, "Overleg februari");
    expect((await record(next)).sinceMomentId).toBe(r.endMomentId);
    watcher.close();
  });
});

describe("who may do what", () => {
  let boardId: string;
  let id: string;
  beforeAll(async () => {
    boardId = await newBoard("Bord voor rechten");
    id = await plan(boardId);
  });

  it("a member reads but does not plan, start, change or end (403); another alliance gets 404 as for an unknown id", async () => {
    expect((await t.api(`/api/boards/${boardId}/meetings`, { cookie: member, body: { title: "Stiekem", at: Date.now() } })).status).toBe(403);
    for (const [path, method, body] of [
      [`/api/meetings/${id}/start`, "POST", undefined],
      [`/api/meetings/${id}`, "PATCH", { title: "Anders" }],
      [`/api/meetings/${id}/items`, "POST", { title: "Iets" }],
      [`/api/meetings/${id}/decisions`, "POST", { text: "Iets" }],
    ] as const) {
      const res = await t.api(path, { cookie: member, method, body });
      expect([path, res.status, res.body.error]).toEqual([path, 403, "forbidden"]);
    }
    expect((await t.api(`/api/meetings/${id}`, { cookie: member })).status).toBe(200);
    const unknown = await t.api(`/api/meetings/00000000-0000-4000-8000-000000000000`, { cookie: memberB });
    const foreign = await t.api(`/api/meetings/${id}`, { cookie: memberB });
    expect([foreign.status, foreign.body]).toEqual([unknown.status, unknown.body]);
    expect(foreign.status).toBe(404);
    expect((await t.api(`/api/boards/${boardId}/meetings`, { cookie: memberB })).status).toBe(404);
    expect((await t.api(`/api/meetings/${id}/start`, { cookie: memberB, method: "POST" })).status).toBe(404);
    expect((await record(id, coordinator)).status).toBe("planned");
  });

  it("two coordinators start two meetings of one board at once: exactly one runs, the other gets 409 meeting_running", async () => {
    const other = await plan(boardId, "Tweede overleg", coordinator2);
    const [a, b] = await Promise.all([
      t.api(`/api/meetings/${id}/start`, { cookie: coordinator, method: "POST" }),
      t.api(`/api/meetings/${other}/start`, { cookie: coordinator2, method: "POST" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a, b].find((r) => r.status === 409)!.body.error).toBe("meeting_running");
    const statuses = [(await record(id)).status, (await record(other)).status].sort();
    expect(statuses).toEqual(["planned", "running"]);
    // The winner's facilitator may be taken over by the other coordinator.
    const running = a.status === 200 ? id : other;
    const took = await t.api<MeetingRecord>(`/api/meetings/${running}/takeover`, { cookie: a.status === 200 ? coordinator2 : coordinator, method: "POST" });
    expect(took.status).toBe(200);
    expect(took.body.facilitatorUserId).toBe(a.status === 200 ? coordinator2Id : t.seed.coordinatorA.id);
    expect((await t.api(`/api/meetings/${running}/end`, { cookie: coordinator, method: "POST" })).status).toBe(200);
  });

  it("an archived board takes nothing (409 board_archived) but its meetings stay readable", async () => {
    const archivedBoard = await newBoard("Bord dat archiveert");
    const m = await plan(archivedBoard);
    expect((await t.api(`/api/boards/${archivedBoard}`, { cookie: coordinator, method: "PATCH", body: { archived: true } })).status).toBe(200);
    for (const [path, method, body] of [
      [`/api/meetings/${m}/start`, "POST", undefined],
      [`/api/meetings/${m}`, "PATCH", { title: "Anders" }],
      [`/api/boards/${archivedBoard}/meetings`, "POST", { title: "Nog een", at: Date.now() }],
    ] as const) {
      const res = await t.api(path, { cookie: coordinator, method, body });
      expect([path, res.status, res.body.error]).toEqual([path, 409, "board_archived"]);
    }
    expect((await record(m)).status).toBe("planned");
  });
});

describe("actions reach their organisation", () => {
  it("an action for an organisation: its inbox lists it, its sockets hear inbox:changed; its member marks it done, another organisation's member may not", async () => {
    const boardId = await newBoard("Bord voor acties");
    const id = await plan(boardId);
    const bram = await t.io({ cookie: member2 }); // organisation A2, on no board: the inbox is per organisation
    const inbox = recordEvents<{ boardId: string }>(bram, "inbox:changed");
    const anna = await t.io({ cookie: member }); // organisation A1
    const annaInbox = recordEvents<{ boardId: string }>(anna, "inbox:changed");
    const res = await t.api(`/api/meetings/${id}/actions`, { cookie: coordinator, body: { text: "Zoek een tolk", orgId: t.seed.orgA2.id, due: "2027-03-01" } });
    expect(res.status).toBe(201);
    await inbox.next((e) => e.boardId === boardId);
    // Nobody of organisation A1 heard of it (a round trip: anything sent before has arrived).
    await anna.timeout(5000).emitWithAck("board:join", { boardId });
    expect(annaInbox.events.filter((e) => e.boardId === boardId)).toEqual([]);

    const theirs = await t.api(`/api/boards/${boardId}/inbox`, { cookie: member2 });
    expect(theirs.body.actions).toEqual([expect.objectContaining({ id: res.body.id, text: "Zoek een tolk", orgName: "TH", doneAt: null })]);
    expect((await t.api(`/api/boards/${boardId}/inbox`, { cookie: member })).body.actions).toEqual([]);
    expect((await t.api(`/api/boards/${boardId}/actions?ours=1`, { cookie: member2 })).body.map((a: { id: string }) => a.id)).toEqual([res.body.id]);

    const refused = await t.api(`/api/actions/${res.body.id}`, { cookie: member, method: "PATCH", body: { done: true } });
    expect([refused.status, refused.body.error]).toEqual([403, "forbidden"]);
    expect((await t.api(`/api/actions/${res.body.id}`, { cookie: member2, method: "PATCH", body: { text: "Anders" } })).status).toBe(403);
    // A viewer reads only (Kees is of A1: make the action A1's for a moment).
    expect((await t.api(`/api/actions/${res.body.id}`, { cookie: coordinator, method: "PATCH", body: { orgId: t.seed.orgA1.id } })).status).toBe(200);
    expect((await t.api(`/api/actions/${res.body.id}`, { cookie: t.seed.cookies.viewerA, method: "PATCH", body: { done: true } })).status).toBe(403);
    expect((await t.api(`/api/actions/${res.body.id}`, { cookie: coordinator, method: "PATCH", body: { orgId: t.seed.orgA2.id } })).body.orgId).toBe(t.seed.orgA2.id);
    const mark = inbox.mark();
    const done = await t.api(`/api/actions/${res.body.id}`, { cookie: member2, method: "PATCH", body: { done: true } });
    expect(done.status).toBe(200);
    expect(done.body.doneAt).toEqual(expect.any(Number));
    await inbox.next((e) => e.boardId === boardId, { after: mark });
    expect((await t.api(`/api/boards/${boardId}/inbox`, { cookie: member2 })).body.actions).toEqual([]);
    expect((await t.api(`/api/boards/${boardId}/actions?open=1`, { cookie: member })).body).toEqual([]);
    expect((await t.api(`/api/boards/${boardId}/actions`, { cookie: member })).body).toHaveLength(1);

    // The next meeting's agenda starts with the open actions of earlier ones.
    const again = await t.api(`/api/meetings/${id}/actions`, { cookie: coordinator, body: { text: "Nog open", orgId: t.seed.orgA1.id, due: "2027-03-02" } });
    expect(again.status).toBe(201);
    const next = await plan(boardId, "Volgend overleg");
    expect((await record(next)).agenda[0].kind).toBe("actions");
    bram.close();
    anna.close();
  });
});

describe("who was there, from the presence", () => {
  it("people on the board when it starts are recorded, hidden ones not; someone arriving while it runs is added", async () => {
    const boardId = await newBoard("Bord voor aanwezigheid");
    const id = await plan(boardId);
    const bram = await t.connect(boardId, { cookie: member2 });
    // A fresh client's first presence (clock 0) is taken as an echo until it changes: the board page sets its fields at once, so do these.
    bram.provider.awareness.setLocalStateField("activity", null);
    const kees = await t.connect(boardId, { cookie: t.seed.cookies.viewerA });
    kees.provider.awareness.setLocalStateField("hidden", true);
    // Every server's room of the board knows both (two servers on PostgreSQL: the other's through the relay).
    for (const s of t.servers) {
      const states = () => s.rooms.peek(boardId)?.awareness.getStates();
      await waitFor(() => !states() || states()!.get(kees.doc.clientID)?.hidden === true);
      await waitFor(() => !states() || states()!.get(bram.doc.clientID)?.user);
    }
    const started = await t.api<MeetingRecord>(`/api/meetings/${id}/start`, { cookie: coordinator, method: "POST" });
    expect(started.status).toBe(200);
    expect(started.body.present.map((p) => p.name).sort()).toEqual(["Bram", "Cora"]);
    expect(started.body.present.every((p) => p.source === "presence")).toBe(true);

    const watcher = await t.io({ cookie: coordinator, boardId });
    const changes = recordEvents<{ meetingId: string }>(watcher, "meeting:changed");
    const anna = await t.connect(boardId, { cookie: member });
    anna.provider.awareness.setLocalStateField("activity", null);
    await waitFor(async () => (await record(id)).present.some((p) => p.name === "Anna"), { message: "Anna is recorded when she arrives" });
    // The board hears of the arrival (once per half second at most), so open meeting pages load who is there.
    await changes.next((e) => e.meetingId === id);
    // Kees shows himself: now he is there too.
    kees.provider.awareness.setLocalStateField("hidden", false);
    await waitFor(async () => (await record(id)).present.some((p) => p.name === "Kees"), { message: "Kees is recorded once visible" });
    expect((await record(id)).present.find((p) => p.name === "Anna")).toMatchObject({ userId: t.seed.memberA1.id, orgId: t.seed.orgA1.id, orgName: "VWN" });
    await t.api(`/api/meetings/${id}/end`, { cookie: coordinator, method: "POST" });
    for (const c of [bram, kees, anna]) c.destroy();
    watcher.close();
  });
});

describe("following the facilitator over socket.io", () => {
  let boardId: string;
  let id: string;
  let facilitator: Socket;
  let followers: Socket[];
  let outsider: Socket;
  beforeAll(async () => {
    boardId = await newBoard("Bord voor volgen");
    id = await plan(boardId);
    await t.api(`/api/meetings/${id}/items`, { cookie: coordinator, body: { title: "Punt een" } });
    await t.api(`/api/meetings/${id}/items`, { cookie: coordinator, body: { title: "Punt twee" } });
    expect((await t.api(`/api/meetings/${id}/start`, { cookie: coordinator, method: "POST" })).status).toBe(200);
    facilitator = await t.io({ cookie: coordinator, boardId });
    followers = [await t.io({ cookie: member, boardId }), await t.io({ cookie: member2, boardId })];
    outsider = await t.io({ cookie: member }); // never joined the board
  });

  const focus = (over: Record<string, unknown> = {}) => ({
    boardId,
    meetingId: id,
    itemId: null as string | null,
    view: { query: "categorie=taal", cardId: null, columnId: "open" },
    scroll: { x: 0.25, y: 0.5 },
    ...over,
  });

  it("the facilitator's focus reaches every follower with increasing seq, not the sender, not a socket that did not join", async () => {
    const rec = await record(id);
    const logs = followers.map((s) => recordEvents<FollowState>(s, "meeting:follow"));
    const own = recordEvents<FollowState>(facilitator, "meeting:follow");
    const away = recordEvents<FollowState>(outsider, "meeting:follow");
    const first = await facilitator.timeout(5000).emitWithAck("meeting:focus", focus({ itemId: rec.agenda[0].id }));
    expect(first).toEqual({ ok: true, seq: expect.any(Number) });
    const second = await facilitator.timeout(5000).emitWithAck("meeting:focus", focus({ itemId: rec.agenda[1].id, view: { query: "banen=organisatie", cardId: t.seed.boardA.cardIds[0], columnId: null }, scroll: { x: 1, y: 0 } }));
    expect(second.ok).toBe(true);
    expect(second.seq).toBeGreaterThan(first.seq);
    for (const log of logs) {
      const got = await log.next((s) => s.seq === second.seq);
      expect(got).toMatchObject({ boardId, meetingId: id, itemId: rec.agenda[1].id, view: { query: "banen=organisatie", cardId: t.seed.boardA.cardIds[0], columnId: null }, scroll: { x: 1, y: 0 }, at: expect.any(Number) });
      expect(log.events.map((e) => e.seq)).toEqual([first.seq, second.seq]);
    }
    // The changed item became the current one (its time counts from now).
    expect((await record(id)).currentItemId).toBe(rec.agenda[1].id);
    // meeting:current: a page that opens now gets the running meeting and where it is.
    const now = await followers[0].timeout(5000).emitWithAck("meeting:current", { boardId });
    expect(now.ok).toBe(true);
    expect(now.meeting.id).toBe(id);
    expect(now.follow).toMatchObject({ seq: second.seq, itemId: rec.agenda[1].id });
    expect((await outsider.timeout(5000).emitWithAck("meeting:current", { boardId })).ok).toBe(false);
    await outsider.timeout(5000).emitWithAck("board:join", { boardId: "x" });
    expect(own.events).toEqual([]);
    expect(away.events).toEqual([]);
  });

  it("anyone but the facilitator is refused; bad payloads are refused and the connection still works", async () => {
    const log = recordEvents<FollowState>(followers[1], "meeting:follow");
    const other = await followers[0].timeout(5000).emitWithAck("meeting:focus", focus());
    expect(other).toEqual({ ok: false, error: "forbidden" });
    const coord2 = await t.io({ cookie: coordinator2, boardId });
    expect(await coord2.timeout(5000).emitWithAck("meeting:focus", focus())).toEqual({ ok: false, error: "forbidden" });
    for (const bad of [
      focus({ view: { query: "geheim=1", cardId: null, columnId: null } }),
      focus({ scroll: { x: 5, y: 0 } }),
      focus({ scroll: { x: Number.NaN, y: 0 } }),
      focus({ view: { query: "q=" + "a".repeat(20_000), cardId: null, columnId: null } }),
      focus({ itemId: "x".repeat(500) }),
      focus({ meetingId: 42 }),
      focus({ view: "categorie=taal" }),
    ]) {
      const ack = await facilitator.timeout(5000).emitWithAck("meeting:focus", bad);
      expect(ack.ok).toBe(false);
    }
    // Not an item of this meeting.
    expect((await facilitator.timeout(5000).emitWithAck("meeting:focus", focus({ itemId: "nietbestaand" }))).ok).toBe(false);
    const ok = await facilitator.timeout(5000).emitWithAck("meeting:focus", focus());
    expect(ok.ok).toBe(true);
    await log.next((s) => s.seq === ok.seq);
    expect(log.events).toHaveLength(1);
    coord2.close();
  });

  it("focus has its own rate: a burst past it is refused with rate_limited, without spending the write budget", async () => {
    await sleep(2100); // the bucket refills (20/s up to 40)
    const acks = await Promise.all(Array.from({ length: 60 }, (_, i) => facilitator.timeout(5000).emitWithAck("meeting:focus", focus({ scroll: { x: i / 60, y: 0 } }))));
    const refused = acks.filter((a) => a.error === "rate_limited").length;
    expect(refused).toBeGreaterThan(0);
    expect(acks.filter((a) => a.ok).length).toBeGreaterThanOrEqual(40);
    // Writes over HTTP still pass.
    expect((await t.api(`/api/meetings/${id}/items`, { cookie: coordinator, body: { title: "Na de storm" } })).status).toBe(201);
  });

  it("after the end, focus is refused and meeting:current has no meeting", async () => {
    expect((await t.api(`/api/meetings/${id}/end`, { cookie: coordinator, method: "POST" })).status).toBe(200);
    // The burst above emptied the facilitator's focus bucket, and the rate is checked first: let it refill.
    await sleep(2100);
    expect(await facilitator.timeout(5000).emitWithAck("meeting:focus", focus())).toEqual({ ok: false, error: "meeting_not_running" });
    expect(await followers[0].timeout(5000).emitWithAck("meeting:current", { boardId })).toEqual({ ok: true, meeting: null, follow: null });
  });
});
