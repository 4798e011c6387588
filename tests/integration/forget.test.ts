/**
 * POST /api/boards/<id>/forget as each role and with bad input; by a picked
 * request (the others with its reference go along, one without stays); on an
 * archived board; and the duplicate mark and the audit words of the person.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

async function request(boardId: string, cookie: string, title: string, reference: string): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/requests`, { cookie, body: { title, category: "wonen", description: "", area: "", reference, urgency: "normaal" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.card?.id ?? res.body.id;
}

describe("forget over the API", () => {
  it("refuses members (403) and bad input (422), and changes nothing then", async () => {
    const { boardA, cookies } = t.seed;
    const path = `/api/boards/${boardA.id}/forget`;
    const gen = () => (t.verify.db.$client.prepare("select doc_generation as g from boards where id = ?").get(boardA.id) as { g: number }).g;
    const before = gen();
    expect((await t.api(path, { cookie: cookies.memberA1, body: { reference: "AB-12" } })).status).toBe(403);
    expect((await t.api(path, { cookie: cookies.viewerA, body: { reference: "AB-12" } })).status).toBe(403);
    const cases: Array<[unknown, Record<string, string>]> = [
      [{}, { reference: "required" }],
      [{ reference: "" }, { reference: "required" }],
      [{ reference: 12 }, { reference: "type" }],
      [{ reference: "a" }, { reference: "tooShort" }],
      [{ reference: "Jan Jansen <jan@example.org>" }, { reference: "pattern" }],
      [{ reference: "AB-12", requestId: boardA.cardIds[0] }, { reference: "oneOf" }],
      [{ requestId: 7 }, { requestId: "type" }],
    ];
    for (const [body, errors] of cases) {
      const res = await t.api(path, { cookie: cookies.coordinatorA, body });
      expect([res.status, res.body.errors], JSON.stringify(body)).toEqual([422, errors]);
    }
    expect((await t.api(path, { cookie: cookies.coordinatorA, body: { requestId: "nope" } })).status).toBe(404);
    expect((await t.api(path, { cookie: cookies.coordinatorA, method: "POST" })).status).toBe(422);
    expect((await t.api(path, { cookie: cookies.coordinatorA, method: "GET" })).status).toBe(405);
    expect(gen()).toBe(before);
  });

  it("a picked request takes the others with its reference along, on an archived board too; the rest stays", async () => {
    const { boardA, cookies } = t.seed;
    const boardId = boardA.id;
    const coordinator = cookies.coordinatorA;
    const first = await request(boardId, cookies.memberA1, "Woning voor gezin Pieters", "VWN 2026/118");
    const second = await request(boardId, cookies.memberA2, "Taalcursus Pieters", "vwn-2026-118");
    const other = await request(boardId, cookies.memberA1, "Fiets voor iemand anders", "VWN 2026/119");
    // The two are marked "geen dubbel": the mark names both and must go.
    const dismissed = await t.api(`/api/boards/${boardId}/duplicates/dismiss`, { cookie: coordinator, body: { a: first, b: second } });
    expect(dismissed.status, JSON.stringify(dismissed.body)).toBe(200);
    expect((await t.api(`/api/boards/${boardId}/requests/${first}`, { cookie: cookies.memberA1, method: "PATCH", body: { description: "Pieters woont nu bij familie" } })).status).toBe(200);
    expect((await t.api(`/api/boards/${boardId}`, { cookie: coordinator, method: "PATCH", body: { archived: true } })).status).toBe(200);

    const preview = await t.api(`/api/boards/${boardId}/forget`, { cookie: coordinator, body: { requestId: first, dryRun: true } });
    expect(preview.status).toBe(200);
    expect(preview.body.cards.map((c: { id: string }) => c.id).sort()).toEqual([first, second].sort());
    expect(preview.body.removed).toMatchObject({ requests: 2, cards: 2, duplicateMarks: 1 });

    const res = await t.api(`/api/boards/${boardId}/forget`, { cookie: coordinator, body: { requestId: first } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.removed).toMatchObject({ requests: 2, cards: 2, duplicateMarks: 1 });
    const q = (sql: string, ...args: unknown[]) => t.verify.db.$client.prepare(sql).all(...args);
    expect(q("select id from requests where id in (?, ?, ?)", first, second, other)).toEqual([{ id: other }]);
    expect(q("select * from duplicate_decisions where request_a in (?, ?) or request_b in (?, ?)", first, second, first, second)).toEqual([]);
    // Their audit events stay, without words: "Pieters" is in none of them.
    const audit = q("select type, data from audit_events where request_id in (?, ?)", first, second) as Array<{ type: string; data: string }>;
    expect(audit.map((a) => a.type)).toEqual(expect.arrayContaining(["created", "edited"]));
    expect(audit.filter((a) => a.data.includes("Pieters"))).toEqual([]);
    expect((await t.api(`/api/boards/${boardId}/requests/${other}`, { cookie: cookies.memberA1 })).status).toBe(200);
    expect((await t.api(`/api/boards/${boardId}/requests/${first}`, { cookie: cookies.memberA1 })).status).toBe(404);
    // The same reference again: nothing left to erase, and no rebuild.
    const again = await t.api(`/api/boards/${boardId}/forget`, { cookie: coordinator, body: { reference: "VWN 2026 118" } });
    expect([again.status, again.body.removed.requests]).toEqual([200, 0]);
    expect((await t.api(`/api/boards/${boardId}`, { cookie: coordinator, method: "PATCH", body: { archived: false } })).status).toBe(200);
  });
});
