/**
 * The coordinator page changes access at once: a removed person's open
 * connections close and their session is gone; a person made viewer
 * reconnects read-only; a new person must replace their one-time password
 * before the app or the API lets them in.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { getCard, updateCard } from "../../app/board/domain";
import { deleteSession, getUserById } from "../../db/accounts";
import { ownershipOf } from "../../db/ownership";
import { makeUser } from "../factories";
import {
  connectIo,
  postForm,
  startTestServer,
  storedContentOf,
  waitFor,
  withTimeout,
  type IoSocket,
  type TestServer,
} from "./harness";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

/** A coordinator's form POST to /beheer; the page answers with HTML, so only the status is returned. */
async function beheer(fields: Record<string, string>, cookie = t.seed.cookies.coordinatorA): Promise<number> {
  const res = await postForm(t.url, "/beheer", fields, { cookie });
  await res.arrayBuffer();
  return res.status;
}

/** The same POST as a Remix data request: the action's JSON. */
async function beheerData(fields: Record<string, string>, cookie = t.seed.cookies.coordinatorA) {
  const res = await postForm(t.url, "/beheer?_data=routes%2Fbeheer", fields, { cookie });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

function disconnected(s: IoSocket): Promise<string> {
  return new Promise((resolve) => {
    if (s.disconnected) resolve("already");
    else s.once("disconnect", (reason: string) => resolve(reason));
  });
}

function login(email: string, password: string) {
  return postForm(t.url, "/login", { email, password, redirectTo: "/boards" });
}

function sessionPair(res: Response): string {
  const c = res.headers.getSetCookie().find((x) => x.startsWith("ab_session="));
  if (!c) throw new Error("no session cookie");
  return c.split(";")[0];
}

describe("only coordinators manage access", () => {
  it("members and viewers get 403 on /beheer; nobody signed in is sent to the login", async () => {
    const { seed } = t;
    expect(await beheer({ intent: "remove", personId: seed.memberA2.id }, seed.cookies.memberA1)).toBe(403);
    expect(await beheer({ intent: "role", personId: seed.memberA2.id, role: "viewer" }, seed.cookies.viewerA)).toBe(403);
    const anonymous = await postForm(t.url, "/beheer", { intent: "remove", personId: seed.memberA2.id });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toMatch(/^\/login/);
    await anonymous.arrayBuffer();
    // A coordinator of another alliance's people is not theirs to manage; nor may a coordinator remove themself.
    expect(await beheer({ intent: "remove", personId: seed.memberB.id })).toBe(404);
    expect(await beheer({ intent: "remove", personId: seed.coordinatorA.id })).toBe(400);
    expect(await getUserById(t.h, seed.memberA2.id)).toBeTruthy();
    expect(await getUserById(t.h, seed.memberB.id)).toBeTruthy();
    expect((await t.api("/api/boards", { cookie: seed.cookies.memberA2 })).status).toBe(200);
    expect((await t.api("/api/boards", { cookie: seed.cookies.memberB })).status).toBe(200);
  });
});

describe("sockets follow the session", () => {
  it("every socket.io event re-reads the session: after it ended, the event is refused ('unauthenticated') and the socket closed", async () => {
    const { seed } = t;
    const cookie = await t.cookieFor(seed.memberA2.id);
    const s = await t.io({ cookie, boardId: seed.boardA.id });
    const gone = disconnected(s);
    const requestId = seed.boardA.cardIds[0];
    // The session ends on the server (expired, or logged out elsewhere) while the socket is open.
    await deleteSession(t.h, createHash("sha256").update(cookie.slice("ab_session=".length)).digest("hex"));

    const ack = await s.timeout(10_000).emitWithAck("request:claim", { boardId: seed.boardA.id, requestId });
    expect(ack).toEqual({ ok: false, error: "unauthenticated" });
    expect(await withTimeout(gone, 10_000, "socket closed")).toBe("io server disconnect");
    expect((await ownershipOf(t.h, requestId))?.ownerOrgId).toBeNull();
  });
});

describe("removing a person", () => {
  it("closes their y-websocket (4401) and socket.io connections; their cookie then gets 401; they cannot log in", async () => {
    const { seed } = t;
    const eva = await makeUser(t.h, { organisationId: seed.orgA2.id, email: "eva@noord.test", name: "Eva" });
    const cookie = await t.cookieFor(eva.id);
    const y = await t.connect(seed.boardA.id, { cookie });
    const yClosed = new Promise<number>((resolve) => y.provider.once("connection-close", (e: { code: number } | null) => resolve(e?.code ?? -1)));
    const s = await t.io({ cookie, boardId: seed.boardA.id });
    const sGone = disconnected(s);
    // Someone else on the board stays connected.
    const bystander = await t.connect(seed.boardA.id, { cookie: seed.cookies.memberA1 });
    expect((await t.api("/api/boards", { cookie })).status).toBe(200);

    expect(await beheer({ intent: "remove", personId: eva.id })).toBe(200);

    expect(await withTimeout(yClosed, 10_000, "Eva's board connection closed")).toBe(4401);
    expect(await withTimeout(sGone, 10_000, "Eva's socket.io connection closed")).toBe("io server disconnect");
    y.destroy();

    const api = await t.api("/api/boards", { cookie });
    expect(api.status).toBe(401);
    expect(api.body).toMatchObject({ error: "unauthenticated" });
    expect(await t.raw(`/yjs/${seed.boardA.id}`, { cookie }).refused).toBe(401);
    await expect(connectIo(t.url, { cookie })).rejects.toThrow(/refused/);
    const res = await login(eva.email, seed.password);
    expect(res.status).toBe(401);
    await res.arrayBuffer();

    await bystander.roundTrip();
    expect(bystander.closeCodes).toEqual([]);
    bystander.destroy();

    // Restored: the old session stays ended, a new login works.
    expect(await beheer({ intent: "restore", personId: eva.id })).toBe(200);
    expect((await t.api("/api/boards", { cookie })).status).toBe(401);
    const again = await login(eva.email, seed.password);
    expect(again.status).toBe(302);
    await again.arrayBuffer();
    expect((await t.api("/api/boards", { cookie: sessionPair(again) })).status).toBe(200);
  });
});

describe("changing a role", () => {
  it("member → viewer: open connections close; the new connection is read-only; claims are refused", async () => {
    const { seed } = t;
    const fenna = await makeUser(t.h, { organisationId: seed.orgA1.id, email: "fenna@noord.test", name: "Fenna" });
    const cookie = await t.cookieFor(fenna.id);
    const y = await t.connect(seed.boardA.id, { cookie });
    const yClosed = new Promise<number>((resolve) => y.provider.once("connection-close", (e: { code: number } | null) => resolve(e?.code ?? -1)));
    const s = await t.io({ cookie, boardId: seed.boardA.id });
    const sGone = disconnected(s);

    expect(await beheer({ intent: "role", personId: fenna.id, role: "viewer" })).toBe(200);
    expect((await getUserById(t.h, fenna.id))?.role).toBe("viewer");
    expect(await withTimeout(yClosed, 10_000, "Fenna's board connection closed")).toBe(4401);
    expect(await withTimeout(sGone, 10_000, "Fenna's socket.io connection closed")).toBe("io server disconnect");
    y.destroy();

    // Still signed in, now as a viewer.
    expect((await t.api("/api/boards", { cookie })).status).toBe(200);
    const cardId = seed.boardA.cardIds[3];
    const ro = await t.connect(seed.boardA.id, { cookie });
    // Every server's room of the board (the viewer's is one of them; two servers on PostgreSQL).
    const rooms = t.servers.flatMap((srv) => srv.rooms.peek(seed.boardA.id) ?? []);
    expect(rooms.length).toBeGreaterThan(0);
    const titlesBefore = rooms.map((room) => getCard(room.doc, cardId)!.title);
    const svsBefore = rooms.map((room) => Buffer.from(Y.encodeStateVector(room.doc)));
    // The content, not the bytes: a room left empty by a closed connection unloads and may compact meanwhile.
    const storedBefore = await storedContentOf(t.h, seed.boardA.id);

    updateCard(ro.doc, cardId, { title: "Door een kijker gewijzigd" }, Date.now());
    // The write is refused whole and the connection closed (4403: a viewer reads).
    await waitFor(() => ro.closeCodes.includes(4403), { message: "the viewer's write closed its connection" });
    expect(rooms.map((room) => getCard(room.doc, cardId)!.title)).toEqual(titlesBefore);
    expect(rooms.map((room) => Buffer.from(Y.encodeStateVector(room.doc)))).toEqual(svsBefore);
    expect(await storedContentOf(t.h, seed.boardA.id)).toEqual(storedBefore);
    ro.destroy();

    const s2 = await t.io({ cookie, boardId: seed.boardA.id });
    expect(await s2.timeout(10_000).emitWithAck("request:claim", { boardId: seed.boardA.id, requestId: cardId })).toMatchObject({
      ok: false,
      error: "forbidden",
    });
    const api = await t.api(`/api/boards/${seed.boardA.id}/requests/${cardId}/claim`, { cookie, body: {} });
    expect(api.status).toBe(403);
    expect((await ownershipOf(t.h, cardId))?.ownerOrgId).toBeNull();

    // And back to member: may claim again.
    expect(await beheer({ intent: "role", personId: fenna.id, role: "member" })).toBe(200);
    const back = await t.api(`/api/boards/${seed.boardA.id}/requests/${cardId}/claim`, { cookie, body: {} });
    expect(back.status).toBe(200);
  });
});

describe("a new person and the one-time password", () => {
  let email: string;
  let oneTime: string;

  it("add-person returns a one-time password once", async () => {
    const { seed } = t;
    const bad = await beheerData({ intent: "add-person", name: "G", email: "geen-adres", organisationId: "bestaat-niet" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toMatchObject({ email: "pattern", name: "tooShort", organisationId: "unknown" });

    const r = await beheerData({ intent: "add-person", name: "Gijs", email: "Gijs@Noord.test", organisationId: seed.orgA2.id, role: "member" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ intent: "add-person", ok: true, oneTime: { email: "gijs@noord.test" } });
    email = r.body.oneTime.email;
    oneTime = r.body.oneTime.password;
    expect(oneTime).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);

    const dup = await beheerData({ intent: "add-person", name: "Gijs", email, organisationId: seed.orgA2.id });
    expect(dup.status).toBe(400);
    expect(dup.body.errors).toMatchObject({ email: "exists" });
  });

  it("logging in with it leads to /wachtwoord; pages, API and sockets are closed until the password is changed", async () => {
    const res = await login(email, oneTime);
    expect(res.status).toBe(302);
    const cookie = sessionPair(res);
    await res.arrayBuffer();

    const boards = await fetch(`${t.url}/boards`, { headers: { cookie }, redirect: "manual" });
    expect(boards.status).toBe(302);
    expect(boards.headers.get("location")).toBe("/wachtwoord");
    await boards.arrayBuffer();
    const board = await fetch(`${t.url}/boards/${t.seed.boardA.id}`, { headers: { cookie }, redirect: "manual" });
    expect(board.status).toBe(302);
    expect(board.headers.get("location")).toBe("/wachtwoord");
    await board.arrayBuffer();

    const api = await t.api("/api/boards", { cookie });
    expect(api.status).toBe(403);
    expect(api.body).toMatchObject({ error: "password_change_required" });
    expect(typeof api.body.message).toBe("string");
    const claim = await t.api(`/api/boards/${t.seed.boardA.id}/requests/${t.seed.boardA.cardIds[0]}/claim`, { cookie, body: {} });
    expect(claim.status).toBe(403);
    expect(claim.body).toMatchObject({ error: "password_change_required" });

    // The board's sockets follow the same rule.
    const raw = t.raw(`/yjs/${t.seed.boardA.id}`, { cookie });
    const outcome = await withTimeout(
      Promise.race([raw.refused.then((status) => `refused ${status}`), raw.opened.then(() => "opened")]),
      10_000,
      "board socket outcome",
    );
    expect(outcome).toBe("refused 403");
    await expect(connectIo(t.url, { cookie })).rejects.toThrow(/refused/);

    const page = await fetch(`${t.url}/wachtwoord`, { headers: { cookie } });
    expect(page.status).toBe(200);
    await page.arrayBuffer();

    const wrong = await postForm(t.url, "/wachtwoord", { current: "fout-wachtwoord", password: "een-nieuw-wachtwoord", repeat: "een-nieuw-wachtwoord" }, { cookie });
    expect(wrong.status).toBe(400);
    await wrong.arrayBuffer();
    const short = await postForm(t.url, "/wachtwoord", { current: oneTime, password: "kort", repeat: "kort" }, { cookie });
    expect(short.status).toBe(400);
    await short.arrayBuffer();
    const mismatch = await postForm(t.url, "/wachtwoord", { current: oneTime, password: "een-nieuw-wachtwoord", repeat: "een-ander-wachtwoord" }, { cookie });
    expect(mismatch.status).toBe(400);
    await mismatch.arrayBuffer();
    expect((await t.api("/api/boards", { cookie })).status).toBe(403);

    const ok = await postForm(t.url, "/wachtwoord", { current: oneTime, password: "een-nieuw-wachtwoord", repeat: "een-nieuw-wachtwoord" }, { cookie });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe("/boards");
    await ok.arrayBuffer();

    const after = await t.api("/api/boards", { cookie });
    expect(after.status).toBe(200);
    expect(after.body).toEqual([{ id: t.seed.boardA.id, name: t.seed.boardA.name }]);
    const y = await t.connect(t.seed.boardA.id, { cookie });
    expect(y.provider.synced).toBe(true);
    y.destroy();

    // The one-time password no longer works; the new one does.
    const old = await login(email, oneTime);
    expect(old.status).toBe(401);
    await old.arrayBuffer();
    const fresh = await login(email, "een-nieuw-wachtwoord");
    expect(fresh.status).toBe(302);
    await fresh.arrayBuffer();
  });
});
