/**
 * socket.io's `board:join` awaits the board's row (db/accounts.ts getBoard,
 * asynchronous layer), so a packet the client sends right after the join
 * must not overtake it: its own completion is in the socket's chain of
 * events (server/realtime.ts), and the claim sent next finds the board
 * joined. The board's read is wrapped (vi.mock) to make one slow; the rest
 * is the real server.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer } from "./harness";

/** Reading this board takes this much longer (ms), once. */
let slow: { boardId: string; ms: number } | null = null;

vi.mock("../../db/accounts", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../db/accounts")>();
  return {
    ...orig,
    getBoard: async (...args: Parameters<typeof orig.getBoard>) => {
      const s = slow;
      if (s && args[1] === s.boardId) {
        slow = null;
        await new Promise((r) => setTimeout(r, s.ms));
      }
      return orig.getBoard(...args);
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

describe("joining a board over socket.io", () => {
  it("a claim sent right after a slow join waits for it and is answered as a joined socket's", async () => {
    const socket = await t.io({ cookie: t.seed.cookies.memberA1 });
    const boardId = t.seed.boardA.id;
    const requestId = t.seed.boardA.cardIds[0];
    slow = { boardId, ms: 200 };
    const [joined, claimed] = await Promise.all([
      socket.timeout(5000).emitWithAck("board:join", { boardId }),
      socket.timeout(5000).emitWithAck("request:claim", { boardId, requestId }),
    ]);
    expect(slow).toBeNull();
    expect(joined).toEqual({ ok: true, board: { name: t.seed.boardA.name, archived: false } });
    expect(claimed).toMatchObject({ ok: true, requestId });
  });

  it("a refused join still lets the next packet through (answered: join the board first)", async () => {
    const socket = await t.io({ cookie: t.seed.cookies.memberA1 });
    const other = t.seed.boardB.id;
    slow = { boardId: other, ms: 100 };
    const [joined, claimed] = await Promise.all([
      socket.timeout(5000).emitWithAck("board:join", { boardId: other }),
      socket.timeout(5000).emitWithAck("request:claim", { boardId: other, requestId: t.seed.boardB.cardIds[0] }),
    ]);
    expect(joined).toEqual({ ok: false, error: "forbidden" });
    expect(claimed).toMatchObject({ ok: false, error: "bad_request" });
  });
});
