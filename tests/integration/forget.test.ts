/**
 * POST /api/boards/<id>/forget as each role and with bad input; by a picked
 * request (the others with its reference go along, one without stays); on an
 * archived board; and the duplicate mark and the audit words of the person.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, inArray, or } from "drizzle-orm";
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
    const { boards } = t.h.t;
    const gen = async () => (await t.h.q.select({ g: boards.docGeneration }).from(boards).where(eq(boards.id, boardA.id)))[0].g;
    const before = await gen();
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
    expect(await gen()).toBe(before);
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
    const { q, t: tables } = t.h;
    const { requests, duplicateDecisions: dd, auditEvents } = tables;
    expect(await q.select({ id: requests.id }).from(requests).where(inArray(requests.id, [first, second, other]))).toEqual([{ id: other }]);
    expect(await q.select().from(dd).where(or(inArray(dd.requestA, [first, second]), inArray(dd.requestB, [first, second])))).toEqual([]);
    // Their audit events stay, without words: "Pieters" is in none of them.
    const audit = await q.select({ type: auditEvents.type, data: auditEvents.data }).from(auditEvents).where(inArray(auditEvents.requestId, [first, second]));
    expect(audit.map((a) => a.type)).toEqual(expect.arrayContaining(["created", "edited"]));
    expect(audit.filter((a) => JSON.stringify(a.data).includes("Pieters"))).toEqual([]);
    expect((await t.api(`/api/boards/${boardId}/requests/${other}`, { cookie: cookies.memberA1 })).status).toBe(200);
    expect((await t.api(`/api/boards/${boardId}/requests/${first}`, { cookie: cookies.memberA1 })).status).toBe(404);
    // The same reference again: nothing left to erase, and no rebuild.
    const again = await t.api(`/api/boards/${boardId}/forget`, { cookie: coordinator, body: { reference: "VWN 2026 118" } });
    expect([again.status, again.body.removed.requests]).toEqual([200, 0]);
    expect((await t.api(`/api/boards/${boardId}`, { cookie: coordinator, method: "PATCH", body: { archived: false } })).status).toBe(200);
  });
});
