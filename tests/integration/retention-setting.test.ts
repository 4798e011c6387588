/**
 * A board's retention (months a finished request stays as entered): set by
 * a coordinator over PATCH /api/boards/<id> `{ retentionMonths }` and on
 * /beheer; 422 for what is not a whole number of months from 1 to 120, 403
 * for members and viewers, 404 for another alliance's board, and nothing
 * changes when refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { newBoardVia, postForm, startTestServer, type TestServer } from "./harness";

let t: TestServer;
let coordinator: string;

beforeAll(async () => {
  t = await startTestServer();
  coordinator = t.seed.cookies.coordinatorA;
});

afterAll(async () => {
  await t?.close();
});

const stored = async (boardId: string) => {
  const { boards } = t.h.t;
  return (await t.h.q.select({ m: boards.retentionMonths }).from(boards).where(eq(boards.id, boardId)))[0]?.m;
};

describe("retention over the API", () => {
  it("is 12 months on a new board, and a coordinator sets it (the answer says it)", async () => {
    const id = await newBoardVia(t, coordinator, "Bewaren kort");
    expect(await stored(id)).toBe(12);
    const res = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { retentionMonths: 6 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id, name: "Bewaren kort", archived: false, retentionMonths: 6 });
    expect(await stored(id)).toBe(6);
    // A copy of the board takes its retention with its columns.
    const copy = await t.api("/api/boards", { cookie: coordinator, body: { name: "Bewaren kort (kopie)", copyFrom: id } });
    expect(copy.status).toBe(201);
    expect(await stored(copy.body.id)).toBe(6);
  });

  it("422 { errors: { retentionMonths } } for 0, 121, a fraction, a string or null; nothing changes", async () => {
    const id = t.seed.boardA.id;
    const cases: Array<[unknown, string]> = [
      [0, "range"],
      [121, "range"],
      [-1, "range"],
      [2.5, "range"],
      ["12", "type"],
      [null, "type"],
      [true, "type"],
    ];
    for (const [value, code] of cases) {
      const res = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { retentionMonths: value } });
      expect(res.status, JSON.stringify(value)).toBe(422);
      expect(res.body).toMatchObject({ error: "invalid", errors: { retentionMonths: code } });
    }
    // With a good name beside it, the whole change is refused.
    const both = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { name: "Andere naam", retentionMonths: 0 } });
    expect(both.status).toBe(422);
    expect(await stored(id)).toBe(12);
    expect((await t.api(`/api/boards/${id}`, { cookie: coordinator })).body.name).toBe("Hulpvragen Noord");
  });

  it("403 for a member and a viewer, 404 for another alliance's board and for its member; nothing changes", async () => {
    const id = t.seed.boardA.id;
    for (const cookie of [t.seed.cookies.memberA1, t.seed.cookies.viewerA]) {
      const res = await t.api(`/api/boards/${id}`, { cookie, method: "PATCH", body: { retentionMonths: 1 } });
      expect(res.status).toBe(403);
    }
    const other = await t.api(`/api/boards/${t.seed.boardB.id}`, { cookie: coordinator, method: "PATCH", body: { retentionMonths: 1 } });
    expect(other.status).toBe(404);
    const foreign = await t.api(`/api/boards/${id}`, { cookie: t.seed.cookies.memberB, method: "PATCH", body: { retentionMonths: 1 } });
    expect(foreign.status).toBe(404);
    expect(await stored(id)).toBe(12);
    expect(await stored(t.seed.boardB.id)).toBe(12);
  });

  it("changes on an archived board too (how long its requests are kept stays the coordinator's decision), a rename does not", async () => {
    const id = await newBoardVia(t, coordinator, "Bewaren gearchiveerd");
    expect((await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { archived: true } })).status).toBe(200);
    const res = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { retentionMonths: 3 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ archived: true, retentionMonths: 3 });
    const rename = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { name: "Nieuw", retentionMonths: 4 } });
    expect(rename.status).toBe(409);
    expect(await stored(id)).toBe(3);
  });
});

describe("retention on /beheer", () => {
  it("shows each board's months; a coordinator saves; a wrong number is explained with what was typed kept", async () => {
    const id = await newBoardVia(t, coordinator, "Bewaren beheer");
    const page = await (await fetch(`${t.url}/beheer`, { headers: { cookie: coordinator } })).text();
    expect(page).toContain(`id="ret-${id}"`);
    expect(page).toContain("Bewaartermijn");

    const ok = await postForm(t.url, "/beheer", { intent: "retention", boardId: id, retentionMonths: "24" }, { cookie: coordinator });
    expect(ok.status).toBe(200);
    expect(await stored(id)).toBe(24);

    const bad = await postForm(t.url, "/beheer", { intent: "retention", boardId: id, retentionMonths: "500" }, { cookie: coordinator });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("Kies een heel aantal maanden van 1 tot en met 120.");
    expect(html).toContain('aria-invalid="true"');
    expect(html).toMatch(new RegExp(`id="ret-${id}"[^>]*value="500"|value="500"[^>]*id="ret-${id}"`));
    expect(await stored(id)).toBe(24);
  });

  it("a member's post is refused (403) and another alliance's board is 404", async () => {
    const member = await postForm(t.url, "/beheer", { intent: "retention", boardId: t.seed.boardA.id, retentionMonths: "1" }, { cookie: t.seed.cookies.memberA1 });
    expect(member.status).toBe(403);
    const other = await postForm(t.url, "/beheer", { intent: "retention", boardId: t.seed.boardB.id, retentionMonths: "1" }, { cookie: coordinator });
    expect(other.status).toBe(404);
    expect(await stored(t.seed.boardA.id)).toBe(12);
    expect(await stored(t.seed.boardB.id)).toBe(12);
  });
});
