/**
 * The activity feed: document edits made through y-websocket become audit
 * rows with the editing session's identity, committed with the update and
 * streamed to the board over socket.io; comments are stored, broadcast and
 * listed by the API.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCard, moveCard, setArchived, updateCard } from "../../app/board/domain";
import { activityFeed } from "../../db/activity";
import { recordEvents, startTestServer, waitFor, type EventLog, type TestServer, type YClient } from "./harness";

let t: TestServer;
let anna: YClient; // member of A1, who edits
let bram: YClient; // member of A2, who watches the document
/** Every row of every 'activity:new' a viewer's socket on the board received. */
let feed: EventLog<ActivityRow[]>;

interface ActivityRow {
  id: number;
  boardId: string;
  requestId: string | null;
  type: string;
  data: Record<string, unknown> | null;
  createdAt: number;
  userId: string | null;
  userName: string | null;
  orgId: string | null;
  orgName: string | null;
}

beforeAll(async () => {
  t = await startTestServer();
  anna = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA1 });
  bram = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA2 });
  const watcher = await t.io({ cookie: t.seed.cookies.viewerA, boardId: t.seed.boardA.id });
  feed = recordEvents<ActivityRow[]>(watcher, "activity:new");
});

afterAll(async () => {
  await t?.close();
});

/** The first streamed activity row (after `after` events) matching `match`. */
async function streamed(match: (r: ActivityRow) => boolean, after = 0): Promise<ActivityRow> {
  const batch = await feed.next((rows) => rows.some(match), { after });
  return batch.find(match)!;
}

async function auditRows(requestId: string, type: string) {
  const { auditEvents } = t.h.t;
  return t.h.q
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.requestId, requestId), eq(auditEvents.type, type)));
}

/**
 * The `count` audit rows of a request of one type, once they are there. The rows are recorded
 * right after the tick's commit: in the same synchronous step on SQLite, in the statement after
 * it on PostgreSQL (rooms.ts runTick), so a client may see the edit a moment before its rows exist.
 */
async function recorded(requestId: string, type: string, count: number) {
  const rows = await waitFor(async () => {
    const r = await auditRows(requestId, type);
    return r.length >= count ? r : null;
  }, { message: `${count} '${type}' row(s) of ${requestId}` });
  expect(rows).toHaveLength(count);
  return rows;
}

describe("document edits become activity", () => {
  it("a move by a y-websocket client: audit row 'moved' with the session's user and organisation, committed with the update, streamed with names", async () => {
    const { seed } = t;
    const cardId = seed.boardA.cardIds[0];
    const from = getCard(anna.doc, cardId)!.column;
    expect(from).not.toBe("afgerond");
    const mark = feed.mark();

    moveCard(anna.doc, cardId, "afgerond", 0, Date.now());
    await waitFor(() => getCard(bram.doc, cardId)?.column === "afgerond", { message: "Bram sees the move" });
    // Bram has the update, so its commit is done; its activity is recorded with it or just after.
    const rows = await recorded(cardId, "moved", 1);
    expect(rows[0]).toMatchObject({
      boardId: seed.boardA.id,
      userId: seed.memberA1.id,
      orgId: seed.orgA1.id,
      data: { from, to: "afgerond" },
    });

    const row = await streamed((r) => r.requestId === cardId && r.type === "moved", mark);
    expect(row).toMatchObject({
      id: rows[0].id,
      boardId: seed.boardA.id,
      userId: seed.memberA1.id,
      userName: "Anna",
      orgId: seed.orgA1.id,
      orgName: seed.orgA1.shortName,
      data: { from, to: "afgerond" },
    });
  });

  it("a title edit: 'edited' with field, from and to; each changed field is its own row", async () => {
    const { seed } = t;
    const cardId = seed.boardA.cardIds[1];
    const before = getCard(bram.doc, cardId)!;
    const mark = feed.mark();

    updateCard(bram.doc, cardId, { title: "Taalmaatje gezocht (2x per week)", area: "Noord" }, Date.now());
    await waitFor(() => getCard(anna.doc, cardId)?.area === "Noord", { message: "Anna sees the edit" });

    const edited = await recorded(cardId, "edited", 2);
    const byField = Object.fromEntries(edited.map((r) => [(r.data as { field: string }).field, r]));
    expect(byField.title).toMatchObject({
      userId: seed.memberA2.id,
      orgId: seed.orgA2.id,
      data: { field: "title", from: before.title, to: "Taalmaatje gezocht (2x per week)" },
    });
    expect(byField.area).toMatchObject({ data: { field: "area", from: before.area, to: "Noord" } });

    const row = await streamed((r) => r.requestId === cardId && r.type === "edited" && r.data?.field === "title", mark);
    expect(row).toMatchObject({
      userName: "Bram",
      orgName: seed.orgA2.shortName,
      data: { field: "title", from: before.title, to: "Taalmaatje gezocht (2x per week)" },
    });
    await streamed((r) => r.requestId === cardId && r.type === "edited" && r.data?.field === "area", mark);

    // What is streamed is what the feed reads from the database, the tick's rows newest first.
    const batch = await feed.next((rows) => rows.some((r) => r.requestId === cardId && r.type === "edited"), { after: mark });
    const stored = await activityFeed(t.h, { boardId: seed.boardA.id, requestId: cardId });
    expect(batch.map((r) => r.id)).toEqual(edited.map((r) => r.id).sort((a, b) => b - a));
    expect(batch).toEqual(batch.map((r) => stored.find((s) => s.id === r.id)));
  });

  it("archive and restore: 'archived' and 'restored'", async () => {
    const { seed } = t;
    const cardId = seed.boardA.cardIds[2];
    const mark = feed.mark();
    setArchived(anna.doc, cardId, true, Date.now());
    await waitFor(() => getCard(bram.doc, cardId)?.archived === true);
    setArchived(anna.doc, cardId, false, Date.now());
    await waitFor(() => getCard(bram.doc, cardId)?.archived === false);

    expect(await recorded(cardId, "archived", 1)).toEqual([expect.objectContaining({ userId: seed.memberA1.id, orgId: seed.orgA1.id })]);
    expect(await recorded(cardId, "restored", 1)).toEqual([expect.objectContaining({ userId: seed.memberA1.id, orgId: seed.orgA1.id })]);
    await streamed((r) => r.requestId === cardId && r.type === "archived" && r.userName === "Anna", mark);
    await streamed((r) => r.requestId === cardId && r.type === "restored" && r.userName === "Anna", mark);
  });

  it("a viewer's edit is refused and leaves no activity", async () => {
    const { seed } = t;
    const cardId = seed.boardA.cardIds[3];
    const kees = await t.connect(seed.boardA.id, { cookie: seed.cookies.viewerA });
    const before = getCard(t.rooms.peek(seed.boardA.id)!.doc, cardId)!;
    updateCard(kees.doc, cardId, { title: "Door Kees" }, Date.now());
    moveCard(kees.doc, cardId, "afgerond", 0, Date.now());
    // Refused whole: the viewer's connection is closed (4403), nothing applied.
    await waitFor(() => kees.closeCodes.includes(4403), { message: "the viewer's edit closed its connection" });
    expect(getCard(t.rooms.peek(seed.boardA.id)!.doc, cardId)).toEqual(before);
    expect((await auditRows(cardId, "edited"))).toEqual([]);
    expect((await auditRows(cardId, "moved"))).toEqual([]);
    kees.destroy();
  });
});

describe("comments", () => {
  it("'comment:add' acks with the comment, broadcasts 'comment:new' and activity; the API lists it", async () => {
    const { seed } = t;
    const requestId = seed.boardA.cardIds[0];
    const commenter = await t.io({ cookie: seed.cookies.memberA2, boardId: seed.boardA.id });
    const watcher = await t.io({ cookie: seed.cookies.memberA1, boardId: seed.boardA.id });
    const comments = recordEvents<Record<string, unknown>>(watcher, "comment:new");
    const mark = feed.mark();

    const ack = await commenter.timeout(10_000).emitWithAck("comment:add", { boardId: seed.boardA.id, requestId, body: "  Wij hebben een adres gevonden.  " });
    expect(ack).toMatchObject({
      ok: true,
      comment: { requestId, body: "Wij hebben een adres gevonden.", userId: seed.memberA2.id, userName: "Bram", orgId: seed.orgA2.id, orgName: seed.orgA2.shortName },
    });
    const commentId = ack.comment.id as string;

    expect(await comments.next((c) => c.id === commentId)).toEqual(ack.comment);
    const activity = await streamed((r) => r.requestId === requestId && r.type === "commented", mark);
    expect(activity).toMatchObject({ userName: "Bram", orgName: seed.orgA2.shortName, data: { commentId } });

    const list = await t.api(`/api/boards/${seed.boardA.id}/requests/${requestId}/comments`, { cookie: seed.cookies.viewerA });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([ack.comment]);

    // Through the API: 201 with the comment; it is appended.
    const posted = await t.api(`/api/boards/${seed.boardA.id}/requests/${requestId}/comments`, {
      cookie: seed.cookies.memberA1,
      body: { body: "Top, dank jullie!" },
    });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ body: "Top, dank jullie!", userName: "Anna", orgName: seed.orgA1.shortName });
    await comments.next((c) => c.id === posted.body.id);
    const list2 = await t.api(`/api/boards/${seed.boardA.id}/requests/${requestId}/comments`, { cookie: seed.cookies.memberA2 });
    expect(list2.body.map((c: { body: string }) => c.body)).toEqual(["Wij hebben een adres gevonden.", "Top, dank jullie!"]);
  });

  it("a viewer's comment is refused (socket and API); empty comments and strangers too", async () => {
    const { seed } = t;
    const requestId = seed.boardA.cardIds[1];
    const viewer = await t.io({ cookie: seed.cookies.viewerA, boardId: seed.boardA.id });
    expect(await viewer.timeout(10_000).emitWithAck("comment:add", { boardId: seed.boardA.id, requestId, body: "Mag ik ook?" })).toMatchObject({
      ok: false,
      error: "forbidden",
    });
    const api = await t.api(`/api/boards/${seed.boardA.id}/requests/${requestId}/comments`, { cookie: seed.cookies.viewerA, body: { body: "Mag ik ook?" } });
    expect(api.status).toBe(403);
    expect(api.body).toMatchObject({ error: "forbidden" });

    const member = await t.io({ cookie: seed.cookies.memberA1, boardId: seed.boardA.id });
    expect(await member.timeout(10_000).emitWithAck("comment:add", { boardId: seed.boardA.id, requestId, body: "   " })).toMatchObject({
      ok: false,
      error: "required",
    });
    const tooLong = await t.api(`/api/boards/${seed.boardA.id}/requests/${requestId}/comments`, { cookie: seed.cookies.memberA1, body: { body: "x".repeat(2001) } });
    expect(tooLong.status).toBe(400);

    const anonymous = await t.api(`/api/boards/${seed.boardA.id}/requests/${requestId}/comments`);
    expect(anonymous.status).toBe(401);
    const otherAlliance = await t.api(`/api/boards/${seed.boardA.id}/requests/${requestId}/comments`, { cookie: seed.cookies.memberB });
    expect(otherAlliance.status).toBe(404);

    const list = await t.api(`/api/boards/${seed.boardA.id}/requests/${requestId}/comments`, { cookie: seed.cookies.memberA1 });
    expect(list.body).toEqual([]);
    expect((await auditRows(requestId, "commented"))).toEqual([]);
  });
});
