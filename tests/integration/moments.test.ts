/**
 * The board as it was (issue 13): moments stored from the live document,
 * read back with the live board's visibility rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { moveCard, readBoard } from "../../app/board/domain";
import { getBoard } from "../../db/accounts";
import { listMoments } from "../../db/moments";
import { userFromCookieHeader } from "../../app/services/auth.server";
import { momentBoard, takeMoment } from "../../app/services/moments.server";
import { startTestServer, waitFor, type TestServer } from "./harness";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

/** The person behind a seeded cookie, as the routes see them. */
function person(name: keyof TestServer["seed"]["cookies"]) {
  return userFromCookieHeader(t.db, t.seed.cookies[name])!;
}

describe("taking a moment (the service the meetings use)", () => {
  it("stores the LIVE document and the audit position; replayed, it is the board as it was then, not as it is now", async () => {
    const boardId = t.seed.boardA.id;
    const [first] = t.seed.boardA.cardIds;
    const client = await t.connect(boardId, { cookie: t.seed.cookies.coordinatorA });
    // Activity heard back over socket.io: the server has finished with an edit.
    const io = await t.io({ cookie: t.seed.cookies.coordinatorA, boardId });
    const heard: Array<{ requestId: string; data: { to?: string } }> = [];
    io.on("activity:new", (rows: typeof heard) => heard.push(...rows));
    // A live edit that only the room has seen so far: the moment must include it.
    client.doc.transact(() => moveCard(client.doc, first, "open", 0, Date.now()));
    await waitFor(() => heard.some((r) => r.requestId === first && r.data?.to === "open"));
    const expected = structuredClone(readBoard(t.serverDoc(boardId)));

    const m = await takeMoment(t.services, boardId, "meeting_start", { meetingId: "meeting-1", userId: t.seed.coordinatorA.id });
    expect(typeof m.id).toBe("string");
    expect(Math.abs(m.at - Date.now())).toBeLessThan(60_000);
    const row = listMoments(t.db, boardId).find((x) => x.id === m.id);
    expect(row).toEqual({ id: m.id, at: m.at, reason: "meeting_start", meetingId: "meeting-1" });
    const stored = t.db.$client.prepare("select last_audit_id as a, created_by_user_id as u from board_moments where id = ?").get(m.id) as { a: number; u: string };
    const maxAudit = (t.db.$client.prepare("select coalesce(max(id), 0) as m from audit_events where board_id = ?").get(boardId) as { m: number }).m;
    expect(stored).toEqual({ a: maxAudit, u: t.seed.coordinatorA.id });

    // The board moves on; the moment stays as it was.
    client.doc.transact(() => moveCard(client.doc, first, "afgerond", 0, Date.now()));
    await waitFor(() => heard.some((r) => r.requestId === first && r.data?.to === "afgerond"));
    const board = getBoard(t.db, boardId)!;
    const past = momentBoard(t.services, person("memberA1"), board, m.id)!;
    expect(past.columns).toEqual(expected.columns);
    expect(past.categories).toEqual(expected.categories);
    expect(past.cards.map(({ reference: _r, ...c }) => c)).toEqual(expected.cards);
    expect(past.cards.find((c) => c.id === first)?.column).toBe("open");
    client.destroy();
  });

  it("a moment of one board is not found through another (null)", async () => {
    const m = await takeMoment(t.services, t.seed.boardB.id, "manual");
    const boardA = getBoard(t.db, t.seed.boardA.id)!;
    expect(momentBoard(t.services, person("memberA1"), boardA, m.id)).toBeNull();
    // The stored bytes decode on their own, without the room.
    const data = (t.db.$client.prepare("select data from board_moments where id = ?").get(m.id) as { data: Buffer }).data;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, data);
    expect(readBoard(doc).cards.map((c) => c.id)).toEqual(t.seed.boardB.cardIds);
  });
});
