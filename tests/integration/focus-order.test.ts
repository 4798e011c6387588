/**
 * The facilitator's focus messages reach followers in the order sent, even
 * when accepting one takes longer than the next (a new item is a
 * transaction; on PostgreSQL the statements run on a pool). Followers keep
 * only the newest seq, so a slow first message that got its seq after the
 * quick second one would leave them on the older view: the scroll stuck
 * halfway in tests/e2e/follow.spec.ts. The acceptance is wrapped (vi.mock)
 * to make one slow; the rest is the real server.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { FollowState } from "../../app/board/meeting";
import { newBoardVia, recordEvents, startTestServer, type TestServer } from "./harness";

/** Accepting the next focus with this scroll x takes this much longer (ms). */
let slow: { x: number; ms: number } | null = null;

vi.mock("../../app/services/meetings.server", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../app/services/meetings.server")>();
  return {
    ...orig,
    acceptFocus: async (...args: Parameters<typeof orig.acceptFocus>) => {
      const input = args[2] as { scroll?: { x: number } };
      const s = slow;
      if (s && input.scroll?.x === s.x) {
        slow = null;
        await new Promise((r) => setTimeout(r, s.ms));
      }
      return orig.acceptFocus(...args);
    },
  };
});

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

describe("the facilitator's focus", () => {
  it("a slow acceptance is not overtaken: seq follows the order sent and followers end on the last view", async () => {
    const coordinator = t.seed.cookies.coordinatorA;
    const boardId = await newBoardVia(t, coordinator, "Bord voor volgorde");
    const planned = await t.api(`/api/boards/${boardId}/meetings`, { cookie: coordinator, body: { title: "Overleg", at: "2026-12-15T19:30:00Z" } });
    expect(planned.status).toBe(201);
    const id = planned.body.id as string;
    expect((await t.api(`/api/meetings/${id}/start`, { cookie: coordinator, method: "POST" })).status).toBe(200);
    const facilitator = await t.io({ cookie: coordinator, boardId });
    const follower = await t.io({ cookie: t.seed.cookies.memberA1, boardId });
    const log = recordEvents<FollowState>(follower, "meeting:follow");
    const focus = (x: number) => ({ boardId, meetingId: id, itemId: null, view: { query: "categorie=taal", cardId: null, columnId: null }, scroll: { x, y: 0 } });

    slow = { x: 0.5, ms: 150 };
    const [half, whole] = await Promise.all([
      facilitator.timeout(5000).emitWithAck("meeting:focus", focus(0.5)),
      facilitator.timeout(5000).emitWithAck("meeting:focus", focus(1)),
    ]);
    expect(half.ok && whole.ok).toBe(true);
    expect(whole.seq).toBeGreaterThan(half.seq);
    await log.next((s) => s.seq === Math.max(half.seq, whole.seq));
    const newest = log.events.reduce((a, b) => (b.seq > a.seq ? b : a));
    expect(newest.scroll.x).toBe(1);
    const now = await follower.timeout(5000).emitWithAck("meeting:current", { boardId });
    expect(now.follow.scroll.x).toBe(1);
  });
});
