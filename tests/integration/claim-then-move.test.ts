/**
 * A claim answered by the API has moved its card into the holder's column
 * before the answer, on every server: a move made right after it (through
 * another server behind the balancer, on PostgreSQL) comes after the claim's
 * column change, never beside it. Before, the claim's column change was
 * started without being awaited; on PostgreSQL with two servers the next
 * move could be concurrent with it, and Yjs then kept one of the two
 * columns by client id: the move was sometimes lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeBoard } from "../factories";
import { startTestServer, waitFor, type TestServer } from "./harness";

let t: TestServer;
let boardId: string;
let cardIds: string[];

beforeAll(async () => {
  t = await startTestServer();
  const { seed } = t;
  const base = { description: "", area: "", urgency: "normaal" as const, category: "taal", createdByOrg: seed.orgA2.id };
  const board = await makeBoard(t.h, {
    allianceId: seed.allianceA.id,
    name: "Oppakken en afronden",
    cards: Array.from({ length: 10 }, (_, i) => ({ ...base, title: `Verzoek ${i + 1}`, column: "open" })),
  });
  boardId = board.id;
  cardIds = board.cardIds;
});

afterAll(async () => {
  await t?.close();
});

describe("a claim, then at once a move", () => {
  it("ten times: claimed, moved to Afgerond right after, and every card stays in Afgerond", async () => {
    const cookie = t.seed.cookies.memberA1;
    for (const id of cardIds) {
      const claimed = await t.api(`/api/boards/${boardId}/requests/${id}/claim`, { cookie, body: {} });
      expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
      const moved = await t.api(`/api/boards/${boardId}/requests/${id}`, { cookie, method: "PATCH", body: { column: "afgerond" } });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    }
    // Whatever is still under way has settled: each card's column as every server reads it now.
    const columns = async () =>
      Object.fromEntries(
        await Promise.all(
          cardIds.map(async (id) => {
            const r = await t.api<{ column?: string; card?: { column?: string } }>(`/api/boards/${boardId}/requests/${id}`, { cookie });
            return [id, r.body.card?.column ?? r.body.column];
          }),
        ),
      );
    await new Promise((r) => setTimeout(r, 500));
    const seen = await waitFor(async () => {
      const a = await columns();
      const b = await columns();
      return JSON.stringify(a) === JSON.stringify(b) ? a : null;
    });
    expect(seen).toEqual(Object.fromEntries(cardIds.map((id) => [id, "afgerond"])));
  });
});
