/**
 * Boards as a coordinator manages them (POST /api/boards, PATCH
 * /api/boards/<id>, the /boards page's forms), and what an archived board
 * means everywhere a board is used: read-only for everyone (API 409, socket.io
 * refusals, the sync server's read-only connections), still readable (board,
 * overview, report), skipped by the claim expiry sweep, and writable again
 * once put back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCategory, addColumn, listCategories, listColumns, readBoard, renameColumn } from "../../app/board/domain";
import { expireClaims } from "../../app/services/ownership.server";
import { sendDigests } from "../../app/services/notifications.server";
import { eq } from "drizzle-orm";
import { ownershipOf } from "../../db/ownership";
import { countBoardRequests } from "../../db/boards";
import { DAY_MS, editOn, postForm, startTestServer, storedBytesOf, waitFor, withTimeout, type TestServer } from "./harness";

let t: TestServer;
let coordinator: string;
let member: string;
let viewer: string;
let memberB: string;

beforeAll(async () => {
  t = await startTestServer();
  ({ coordinatorA: coordinator, memberA1: member, viewerA: viewer, memberB } = t.seed.cookies);
});

afterAll(async () => {
  await t?.close();
});

async function create(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.api("/api/boards", { cookie: coordinator, body: { name, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function newRequest(boardId: string, title: string, cookie = member): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/requests`, { cookie, body: { title, category: "taal", description: "", reference: "", area: "" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

describe("creating boards", () => {
  it("a coordinator creates a board: 201 { id }, listed by name, with the default columns and categories and no requests", async () => {
    const res = await t.api("/api/boards", { cookie: coordinator, body: { name: "  Vrijwilligersklussen  " } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(["id"]);
    const id = res.body.id as string;
    const list = await t.api("/api/boards", { cookie: member });
    expect(list.body).toContainEqual({ id, name: "Vrijwilligersklussen" });
    expect(list.body.every((b: object) => Object.keys(b).sort().join() === "id,name")).toBe(true);
    const board = await t.api(`/api/boards/${id}`, { cookie: member });
    expect(board.status).toBe(200);
    expect(board.body.columns.map((c: { id: string; stage: string }) => `${c.id}:${c.stage}`)).toEqual([
      "nieuw:intake",
      "open:open",
      "opgepakt:held",
      "in-uitvoering:held",
      "afgerond:done",
    ]);
    expect(board.body.categories.map((c: { id: string }) => c.id)).toEqual(["wonen", "taal", "werk", "maatje"]);
    expect(await countBoardRequests(t.h, id)).toBe(0);
    // The new board works at once: a member creates a request on it, over the API and live.
    const requestId = await newRequest(id, "Klus: fietsen repareren");
    const client = await t.connect(id, { cookie: viewer });
    expect(readBoard(client.doc).cards.map((c) => c.id)).toEqual([requestId]);
    client.destroy();
  });

  it("members, viewers and other alliances may not create boards (403), and nothing is created", async () => {
    const before = (await t.api("/api/boards", { cookie: coordinator })).body.length;
    for (const cookie of [member, viewer, memberB]) {
      const res = await t.api("/api/boards", { cookie, body: { name: "Stiekem bord" } });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("forbidden");
    }
    expect((await t.api("/api/boards", { cookie: coordinator })).body.length).toBe(before);
    const anonymous = await t.api("/api/boards", { body: { name: "Anoniem bord" } });
    expect(anonymous.status).toBe(401);
  });

  it("422 { errors } for a missing, short, long or taken name (case and spaces ignored, archived boards count) and an unknown copyFrom", async () => {
    const cases: Array<[Record<string, unknown>, Record<string, string>]> = [
      [{}, { name: "required" }],
      [{ name: "   " }, { name: "required" }],
      [{ name: 42 }, { name: "type" }],
      [{ name: "x" }, { name: "tooShort" }],
      [{ name: "x".repeat(81) }, { name: "tooLong" }],
      [{ name: ` ${t.seed.boardA.name.toUpperCase()} ` }, { name: "taken" }],
      [{ name: "Nieuw bord", copyFrom: "geen-bord" }, { copyFrom: "unknown" }],
      // Another alliance's board is as unknown as one that does not exist.
      [{ name: "Nieuw bord", copyFrom: t.seed.boardB.id }, { copyFrom: "unknown" }],
    ];
    for (const [body, errors] of cases) {
      const res = await t.api("/api/boards", { cookie: coordinator, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors).toEqual(errors);
      expect(JSON.stringify(res.body)).not.toContain(t.seed.boardB.name);
    }
    const archivedId = await create("Oud bord");
    expect((await t.api(`/api/boards/${archivedId}`, { cookie: coordinator, method: "PATCH", body: { archived: true } })).status).toBe(200);
    const again = await t.api("/api/boards", { cookie: coordinator, body: { name: "oud BORD" } });
    expect(again.status).toBe(422);
    expect(again.body.errors).toEqual({ name: "taken" });
    // The same name in another alliance is fine: names are per alliance.
    expect((await t.api("/api/boards", { cookie: coordinator, body: { name: t.seed.boardB.name } })).status).toBe(201);
  });

  it("copyFrom copies the columns in order with their stages, the categories and the claim expiry, never the requests", async () => {
    const source = await create("Zelfgemaakte bron");
    await t.services.rooms.withDoc(source, (doc) => {
      renameColumn(doc, "open", "Wacht op oppakken");
      addColumn(doc, { id: "wachtlijst", name: "Wachtlijst", stage: "open", index: 2 });
      addCategory(doc, { id: "klussen", label: "Klussen", color: "#335577", icon: "star" });
    });
    await newRequest(source, "Mag niet mee");
    const days = await postForm(t.url, "/beheer", { intent: "expiry", boardId: source, claimExpiryDays: "30" }, { cookie: coordinator });
    expect(days.status).toBe(200);

    const copy = await create("Kopie", { copyFrom: source });
    const [a, b] = await Promise.all([t.api(`/api/boards/${source}`, { cookie: member }), t.api(`/api/boards/${copy}`, { cookie: member })]);
    expect(b.body.columns).toEqual(a.body.columns);
    expect(b.body.columns.map((c: { name: string }) => c.name)).toEqual(["Nieuw", "Wacht op oppakken", "Wachtlijst", "Opgepakt", "In uitvoering", "Afgerond"]);
    expect(b.body.categories).toEqual(a.body.categories);
    expect(b.body.categories.map((c: { id: string }) => c.id)).toContain("klussen");
    expect(await countBoardRequests(t.h, copy)).toBe(0);
    const doc = await t.services.rooms.readDoc(copy, (d) => ({ cards: readBoard(d).cards.length, columns: listColumns(d).length, categories: listCategories(d).length }));
    expect(doc).toEqual({ cards: 0, columns: 6, categories: 5 });
    const settings = await t.api("/beheer?_data=routes%2Fbeheer", { cookie: coordinator });
    expect(settings.body.boards.find((x: { id: string }) => x.id === copy).claimExpiryDays).toBe(30);
    // Offers are declared per category of any active board (the aanbod page lists them all, each once).
    const aanbod = await t.api("/aanbod?_data=routes%2Faanbod", { cookie: member });
    const ids = aanbod.body.categories.map((c: { id: string }) => c.id);
    expect(ids).toContain("klussen");
    expect(ids.filter((id: string) => id === "taal")).toHaveLength(1);
  });
});

describe("renaming", () => {
  it("PATCH { name } renames (200 with the board); 404 for another alliance's or an unknown board; 403 for others; 422", async () => {
    const id = await create("Te hernoemen");
    const ok = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { name: "Hernoemd bord" } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ id, name: "Hernoemd bord", archived: false, archivedAt: null, retentionMonths: 12 });
    expect((await t.api(`/api/boards/${id}`, { cookie: viewer })).body.name).toBe("Hernoemd bord");
    // Same name in another case: allowed for the board itself.
    expect((await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { name: "hernoemd BORD" } })).status).toBe(200);

    const foreign = await t.api(`/api/boards/${t.seed.boardB.id}`, { cookie: coordinator, method: "PATCH", body: { name: "Overgenomen" } });
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body)).not.toContain(t.seed.boardB.name);
    expect((await t.api(`/api/boards/onbekend`, { cookie: coordinator, method: "PATCH", body: { name: "X y" } })).status).toBe(404);
    expect((await t.api(`/api/boards/${id}`, { cookie: member, method: "PATCH", body: { name: "Van een lid" } })).status).toBe(403);
    expect((await t.api(`/api/boards/${id}`, { cookie: viewer, method: "PATCH", body: { archived: true } })).status).toBe(403);
    // A person of another alliance learns nothing: 404, not 403.
    expect((await t.api(`/api/boards/${id}`, { cookie: memberB, method: "PATCH", body: { name: "Van B" } })).status).toBe(404);
    const taken = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { name: t.seed.boardA.name } });
    expect(taken.status).toBe(422);
    expect(taken.body.errors).toEqual({ name: "taken" });
    expect((await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { archived: "ja" } })).body.errors).toEqual({ archived: "type" });
    expect((await t.api(`/api/boards/${id}`, { cookie: coordinator })).body.name).toBe("hernoemd BORD");
  });
});

describe("archived boards", () => {
  it("archiving hides the board from the default list, keeps it readable, and refuses every write with 409 until it is put back", async () => {
    const id = await create("Wordt gearchiveerd");
    const requestId = await newRequest(id, "Taalles op dinsdag");
    const live = await t.connect(id, { cookie: member });
    const socket = await t.io({ cookie: member, boardId: id });

    const res = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { archived: true } });
    expect(res.status).toBe(200);
    expect(res.body.archived).toBe(true);
    expect(res.body.archivedAt).toBeGreaterThan(0);
    // The open connection was closed so that it reconnects as read-only (1012: not a refusal).
    await waitFor(() => live.closeCodes.includes(1012));

    expect((await t.api("/api/boards", { cookie: member })).body.some((b: { id: string }) => b.id === id)).toBe(false);
    const archivedList = await t.api("/api/boards?archived=1", { cookie: member });
    expect(archivedList.body).toContainEqual({ id, name: "Wordt gearchiveerd", archivedAt: res.body.archivedAt });
    expect(archivedList.body.some((b: { id: string }) => b.id === t.seed.boardA.id)).toBe(false);

    // Still readable: structure, request, activity, overview, report, the board page.
    for (const path of [`/api/boards/${id}`, `/api/boards/${id}/requests/${requestId}`, `/api/boards/${id}/activity`, `/api/boards/${id}/overview`, `/api/boards/${id}/report`]) {
      expect((await t.api(path, { cookie: member })).status, path).toBe(200);
    }
    for (const path of [`/boards/${id}`, `/boards/${id}/overzicht`, `/boards/${id}/rapport`]) {
      const page = await fetch(t.url + path, { headers: { cookie: member } });
      expect(page.status, path).toBe(200);
      if (path === `/boards/${id}`) expect(await page.text()).toContain("gearchiveerd");
      else await page.arrayBuffer();
    }

    // Every write: 409 board_archived, for members and coordinators alike.
    const writes: Array<[string, string, unknown, string]> = [
      ["POST", `/api/boards/${id}/requests`, { title: "Nog een", category: "taal", description: "", reference: "", area: "" }, member],
      ["PATCH", `/api/boards/${id}/requests/${requestId}`, { title: "Andere titel" }, member],
      ["POST", `/api/boards/${id}/requests/${requestId}/claim`, {}, member],
      ["POST", `/api/boards/${id}/requests/${requestId}/comments`, { body: "Reactie" }, member],
      ["POST", `/api/boards/${id}/requests/check`, { reference: "ABC-1", category: "taal" }, member],
      ["PATCH", `/api/boards/${id}/requests/${requestId}`, { archived: true }, coordinator],
    ];
    for (const [method, path, body, cookie] of writes) {
      const w = await t.api(path, { cookie, method, body });
      expect(w.status, `${method} ${path}`).toBe(409);
      expect(w.body.error).toBe("board_archived");
    }
    const form = await postForm(t.url, `/boards/${id}`, { intent: "create", title: "Via het formulier", category: "taal" }, { cookie: member });
    expect(form.status).toBe(409);
    // Renaming an archived board is a change too.
    const rename = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { name: "Andere naam" } });
    expect(rename.status).toBe(409);

    // socket.io: joining to read is fine, and the join says the board is archived (a page that
    // loaded before, and joined after `board:changed` went out, turns read-only by it).
    expect(await socket.timeout(5000).emitWithAck("board:join", { boardId: id })).toEqual({ ok: true, board: { name: "Wordt gearchiveerd", archived: true } });
    // Changing is refused.
    const claim = await socket.timeout(5000).emitWithAck("request:claim", { boardId: id, requestId });
    expect(claim).toMatchObject({ ok: false, error: "board_archived" });
    const comment = await socket.timeout(5000).emitWithAck("comment:add", { boardId: id, requestId, body: "Hallo" });
    expect(comment).toMatchObject({ ok: false, error: "board_archived" });
    expect((await ownershipOf(t.h, requestId))?.ownerOrgId ?? null).toBeNull();

    // Yjs: the document can be read; an edit from a (reconnected) connection is refused, nothing stored.
    const reader = await t.connect(id, { cookie: member });
    expect(readBoard(reader.doc).cards.map((c) => c.title)).toEqual(["Taalles op dinsdag"]);
    const before = await storedBytesOf(t.h, id);
    const raw = await t.syncedRaw(coordinator, id);
    raw.sendUpdate(editOn(raw.doc, (d) => d.getMap<Y.Map<unknown>>("cards").get(requestId)!.set("title", "Stiekem gewijzigd")));
    const closed = await withTimeout(raw.closed, 10_000, "refused edit closes the connection");
    expect(closed.code).toBe(4403);
    expect((await storedBytesOf(t.h, id)).equals(before)).toBe(true);
    reader.destroy();
    live.destroy();

    // Put back: writable again.
    const back = await t.api(`/api/boards/${id}`, { cookie: coordinator, method: "PATCH", body: { archived: false, name: "Weer in gebruik" } });
    expect(back.status).toBe(200);
    expect(back.body).toEqual({ id, name: "Weer in gebruik", archived: false, archivedAt: null, retentionMonths: 12 });
    expect((await t.api("/api/boards", { cookie: member })).body).toContainEqual({ id, name: "Weer in gebruik" });
    expect(await socket.timeout(5000).emitWithAck("board:join", { boardId: id })).toEqual({ ok: true, board: { name: "Weer in gebruik", archived: false } });
    expect((await t.api(`/api/boards/${id}/requests/${requestId}/claim`, { cookie: member, body: {} })).status).toBe(200);
    const writer = await t.syncedRaw(member, id);
    const ok = editOn(writer.doc, (d) => d.getMap<Y.Map<unknown>>("cards").get(requestId)!.set("title", "Taalles op woensdag"));
    writer.sendUpdate(ok);
    await writer.roundTrip();
    expect(await t.services.rooms.readDoc(id, (d) => readBoard(d).cards[0].title)).toBe("Taalles op woensdag");
  });

  it("the claim expiry sweep passes archived boards by (their holders stay), and still expires claims on active boards", async () => {
    const active = await create("Actief met claim");
    const archived = await create("Gearchiveerd met claim");
    const onActive = await newRequest(active, "Claim die verloopt");
    const onArchived = await newRequest(archived, "Claim die blijft");
    for (const [b, r] of [
      [active, onActive],
      [archived, onArchived],
    ]) {
      expect((await t.api(`/api/boards/${b}/requests/${r}/claim`, { cookie: member, body: {} })).status).toBe(200);
    }
    expect((await t.api(`/api/boards/${archived}`, { cookie: coordinator, method: "PATCH", body: { archived: true } })).status).toBe(200);
    const expired = await expireClaims(t.services, t.now() + 60 * DAY_MS);
    expect(expired.map((e) => e.id)).toContain(onActive);
    expect(expired.map((e) => e.id)).not.toContain(onArchived);
    expect((await ownershipOf(t.h, onArchived))?.ownerOrgId).toBe(t.seed.orgA1.id);
    expect((await ownershipOf(t.h, onActive))?.ownerOrgId ?? null).toBeNull();
  });
});

describe("notifications and archived boards", () => {
  it("the daily digest leaves out requests on archived boards (nobody can take them); those on active boards are in it", async () => {
    const active = await create("Digest actief");
    const archived = await create("Digest gearchiveerd");
    const offers = await t.api(`/api/organisations/${t.seed.orgA2.id}/offers`, { cookie: coordinator, method: "PUT", body: { offers: [{ category: "taal", label: "Taalmaatjes", capacity: 5 }] } });
    expect(offers.status).toBe(200);
    const onActive = await newRequest(active, "Taalles in het digest");
    const onArchived = await newRequest(archived, "Taalles op een gearchiveerd bord");
    expect((await t.api(`/api/boards/${archived}`, { cookie: coordinator, method: "PATCH", body: { archived: true } })).status).toBe(200);
    const tomorrowNoon = Date.parse(`${new Date(t.now() + DAY_MS).toISOString().slice(0, 10)}T12:00:00Z`);
    await sendDigests(t.services, tomorrowNoon);
    const { notifications } = t.h.t;
    const digests = await t.h.q.select().from(notifications).where(eq(notifications.kind, "digest"));
    const told = digests.flatMap((n) => (n.data as { requestIds?: string[] }).requestIds ?? []);
    expect(told).toContain(onActive);
    expect(told).not.toContain(onArchived);
  });
});

describe("the /boards page", () => {
  const pageData = (cookie: string) => t.api("/boards?_data=routes%2Fboards._index", { cookie });

  it("lists active boards, and archived ones apart; only a coordinator's forms create, rename, archive and put back", async () => {
    const created = await postForm(t.url, "/boards?index", { intent: "create", name: "Via de pagina", copyFrom: t.seed.boardA.id }, { cookie: coordinator });
    expect(created.status).toBe(200);
    let data = (await pageData(member)).body;
    const board = data.boards.find((b: { name: string }) => b.name === "Via de pagina");
    expect(board).toBeTruthy();
    expect(data.canManage).toBe(false);
    expect((await pageData(coordinator)).body.canManage).toBe(true);

    const dup = await postForm(t.url, "/boards?index", { intent: "create", name: "via de pagina" }, { cookie: coordinator });
    expect(dup.status).toBe(422);
    expect(await dup.text()).toContain("Er is al een bord met deze naam");

    expect((await postForm(t.url, "/boards?index", { intent: "rename", boardId: board.id, name: "Pagina-bord" }, { cookie: coordinator })).status).toBe(200);
    expect((await postForm(t.url, "/boards?index", { intent: "archive", boardId: board.id }, { cookie: coordinator })).status).toBe(200);
    data = (await pageData(member)).body;
    expect(data.boards.some((b: { id: string }) => b.id === board.id)).toBe(false);
    expect(data.archived).toContainEqual(expect.objectContaining({ id: board.id, name: "Pagina-bord" }));

    // A member's post is refused; another alliance's board is not found.
    expect((await postForm(t.url, "/boards?index", { intent: "restore", boardId: board.id }, { cookie: member })).status).toBe(403);
    expect((await postForm(t.url, "/boards?index", { intent: "archive", boardId: t.seed.boardB.id }, { cookie: coordinator })).status).toBe(404);
    expect((await postForm(t.url, "/boards?index", { intent: "restore", boardId: board.id }, { cookie: coordinator })).status).toBe(200);
    expect((await pageData(member)).body.boards).toContainEqual({ id: board.id, name: "Pagina-bord" });
  });
});
