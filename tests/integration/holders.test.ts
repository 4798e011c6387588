/**
 * One truth on the board: a request's column and who holds it never
 * contradict each other, and each person changes only what is theirs.
 * Claims move cards into the first held column; a drag into a held column
 * claims (exactly one winner in SQL when two organisations race); unclaiming
 * moves a card back to the first open column; a member's edit of another
 * organisation's request is refused, or undone when it crossed a change of
 * holder while its author was offline.
 */
import fs from "node:fs";
import os from "node:os";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addCard, getCard, listColumns, moveCard, readBoard, updateCard } from "../../app/board/domain";
import { holderFits, stageOfColumn } from "../../app/board/stages";
import { ownershipOf } from "../../db/ownership";
import { createRequestWithAudit } from "../../db/requests";
import { openDatabase, type AsyncDb } from "../../db/client";
import { seedDemo } from "../../db/seed";
import { connectYjs, startTestServer, storedBytesOf, storedDocOf, waitFor, withTimeout, type RawClient, type TestServer, type YClient } from "./harness";


let t: TestServer;

const keepers: YClient[] = [];
beforeAll(async () => {
  t = await startTestServer();
  // Someone keeps the board open all along on every server (two on PostgreSQL), so no server's
  // room is ever unloaded (and compacted) mid-test.
  for (const s of t.servers) {
    const url = `http://127.0.0.1:${(s.httpServer.address() as AddressInfo).port}`;
    keepers.push(await connectYjs(url, t.seed.boardA.id, { cookie: t.seed.cookies.viewerA }));
  }
});
afterAll(async () => {
  for (const k of keepers) k.destroy();
  await t?.close();
});

const board = () => t.seed.boardA.id;

/** The live document (loaded again if every client left and the room was unloaded). */
function serverDoc(): Y.Doc {
  return t.rooms.getOrLoad(board()).doc;
}

/** Who holds a request (SQL). */
const holderIn = async (h: AsyncDb, id: string) => (await ownershipOf(h, id))?.ownerOrgId ?? null;
const holder = (id: string) => holderIn(t.h, id);
const stageOf = (doc: Y.Doc, id: string) => stageOfColumn(listColumns(doc), getCard(doc, id)!.column);

/** Every request's column fits its holder (SQL): the invariant of the board. */
async function expectInvariant(doc: Y.Doc) {
  for (const c of readBoard(doc).cards) {
    const h = await holder(c.id);
    expect(holderFits(stageOfColumn(listColumns(doc), c.column), h), `${c.title} in ${c.column}, held by ${h}`).toBe(true);
  }
}

let n = 0;
/** A new unclaimed request in "open", entered by organisation A1 (by the server, as the API does). */
async function newRequest(column = "open"): Promise<string> {
  const id = `h-${++n}-${Date.now().toString(36)}`;
  const at = t.now();
  await createRequestWithAudit(
    t.h,
    { id, boardId: board(), createdByUserId: t.seed.memberA1.id, createdByOrgId: t.seed.orgA1.id, reference: null, referenceKey: null, lastActivityAt: at, createdAt: at },
    { boardId: board(), requestId: id, userId: t.seed.memberA1.id, orgId: t.seed.orgA1.id, type: "created", data: {}, createdAt: at },
  );
  await t.services.rooms.withDoc(board(), (doc) =>
    addCard(doc, { id, title: `Verzoek ${n}`, category: "taal", description: "", area: "", urgency: "normaal", createdAt: at, createdByOrg: t.seed.orgA1.id, column }),
  );
  return id;
}

async function opened(cookie: string): Promise<RawClient> {
  const c = t.raw(`/yjs/${board()}`, { cookie });
  await withTimeout(c.opened, 10_000, "raw client opened");
  await c.roundTrip();
  return c;
}

/** What each edit was made on (its base's state vector): the sender's copy must hold that first. */
const madeOn = new WeakMap<Uint8Array, Map<number, number>>();

/** The bytes of an edit made on a copy of `base` (the server's document unless given). */
function edit(write: (doc: Y.Doc) => void, base: Y.Doc = serverDoc()): Uint8Array {
  const d = new Y.Doc();
  Y.applyUpdate(d, Y.encodeStateAsUpdate(base));
  const sv = Y.encodeStateVector(d);
  write(d);
  const update = Y.encodeStateAsUpdate(d, sv);
  madeOn.set(update, Y.decodeStateVector(sv));
  return update;
}

/** Whether `doc` holds everything of the state vector `sv`. */
function holds(doc: Y.Doc, sv: Map<number, number>): boolean {
  const have = Y.decodeStateVector(Y.encodeStateVector(doc));
  for (const [client, clock] of sv) if ((have.get(client) ?? 0) < clock) return false;
  return true;
}

/**
 * Send one update; resolves with the close code, or null if the connection stayed open. A real
 * client edits only what its own copy shows: on two servers the balancer may give this one the
 * other server, which gets what the edit was made on through the relay a moment later, so the
 * update is sent once the client's copy (from its server) holds it.
 */
async function send(cookie: string, update: Uint8Array, keep?: (c: RawClient) => void): Promise<number | null> {
  const c = await opened(cookie);
  const base = madeOn.get(update);
  if (base) await waitFor(() => holds(c.doc, base), { message: "the sender's copy holds what the edit was made on" });
  c.sendUpdate(update);
  const outcome = await Promise.race([c.closed.then((x) => x.code), c.roundTrip().then(() => null)]);
  keep?.(c);
  c.close();
  return outcome;
}

const note = (c: RawClient) => c.messages.filter((m) => m[0] === 2).map((m) => Buffer.from(m).toString("utf8"));

describe("claims and columns", () => {
  it("claiming moves the card into the first held column; unclaiming moves it to the first open column", async () => {
    const id = await newRequest("nieuw");
    const cookie = t.seed.cookies.memberA2;
    const claimed = await t.api(`/api/boards/${board()}/requests/${id}/claim`, { cookie, method: "POST" });
    expect(claimed.status).toBe(200);
    await waitFor(() => getCard(serverDoc(), id)?.column === "opgepakt", { message: "card in Opgepakt after the claim" });
    expect(await holder(id)).toBe(t.seed.orgA2.id);
    const released = await t.api(`/api/boards/${board()}/requests/${id}/unclaim`, { cookie, method: "POST" });
    expect(released.status).toBe(200);
    await waitFor(() => getCard(serverDoc(), id)?.column === "open", { message: "card in Open after the unclaim" });
    expect(await holder(id)).toBeNull();
    await expectInvariant(serverDoc());
  });

  it("dragging an unclaimed request into a held column claims it for the mover's organisation", async () => {
    const id = await newRequest();
    // Bram (Taalhuis, A2) did not enter it: claiming is the one move he may make on it.
    expect(await send(t.seed.cookies.memberA2, edit((d) => moveCard(d, id, "in-uitvoering", 0, Date.now())))).toBeNull();
    await waitFor(async () => (await holder(id)) === t.seed.orgA2.id, { message: "claimed in SQL" });
    // On two servers the copy read here may be the other server's: the move reaches it through the relay a moment after the claim is in SQL.
    await waitFor(() => getCard(serverDoc(), id)?.column === "in-uitvoering", { message: "the card in the held column" });
    // The holder drags it back to Open: released.
    expect(await send(t.seed.cookies.memberA2, edit((d) => moveCard(d, id, "open", 0, Date.now())))).toBeNull();
    await waitFor(async () => (await holder(id)) === null, { message: "released in SQL" });
    await expectInvariant(serverDoc());
  });

  it("two organisations drag the same request into held columns at once (100 trials): one winner, the other's move undone and told", async () => {
    const results = { a1: 0, a2: 0 };
    let told = 0;
    for (let trial = 0; trial < 100; trial++) {
      const id = await newRequest();
      const a = await opened(t.seed.cookies.memberA1);
      const b = await opened(t.seed.cookies.memberA2);
      // Both saw the request unclaimed in Open; each drags it into a held column.
      const fromA = edit((d) => moveCard(d, id, "opgepakt", 0, Date.now()));
      const fromB = edit((d) => moveCard(d, id, "in-uitvoering", 0, Date.now()));
      await waitFor(() => holds(a.doc, madeOn.get(fromA)!) && holds(b.doc, madeOn.get(fromB)!), { message: `trial ${trial}: both copies hold the request` });
      if (trial % 2) {
        b.sendUpdate(fromB);
        a.sendUpdate(fromA);
      } else {
        a.sendUpdate(fromA);
        b.sendUpdate(fromB);
      }
      await Promise.all([a.roundTrip(), b.roundTrip()]);
      const winner = await holder(id);
      expect([t.seed.orgA1.id, t.seed.orgA2.id]).toContain(winner);
      if (winner === t.seed.orgA1.id) results.a1++;
      else results.a2++;
      // The card stands where the winner put it, in a held column, for everyone.
      const expected = winner === t.seed.orgA1.id ? "opgepakt" : "in-uitvoering";
      await waitFor(() => getCard(a.doc, id)?.column === expected && getCard(b.doc, id)?.column === expected, {
        message: `trial ${trial}: both see the card in ${expected}`,
      });
      expect(getCard(serverDoc(), id)!.column).toBe(expected);
      // The loser's connection stays. Its move either lost to the winner's in Yjs's own conflict
      // resolution (it changes nothing) or was applied and undone by the server, which tells it who holds the request.
      const loser = winner === t.seed.orgA1.id ? b : a;
      expect(loser.ws.readyState).toBe(loser.ws.OPEN);
      await loser.roundTrip();
      if (note(loser).some((m) => m.includes(`held-by:${winner}:${id}`))) told++;
      a.close();
      b.close();
    }
    // Both orders of arrival were tried: each organisation won some.
    expect(results.a1).toBeGreaterThan(0);
    expect(results.a2).toBeGreaterThan(0);
    // Yjs orders concurrent writes by client id, so about half of the losing moves land after the winner's.
    expect(told).toBeGreaterThan(0);
    console.log(`claim race: A1 won ${results.a1}, A2 won ${results.a2}; ${told} losing moves undone by the server and told`);
    await expectInvariant(serverDoc());
  }, 180_000);
});

describe("who may change which request", () => {
  it("a member's raw edit of another organisation's request is refused (4403), a move undone: nothing of it stays", async () => {
    const id = await newRequest(); // entered by A1, nobody holds it
    const before = { board: readBoard(serverDoc()), bytes: await storedBytesOf(t.h, board()) };
    const edits: Array<[string, (d: Y.Doc) => void]> = [
      ["retitle", (d) => updateCard(d, id, { title: "Door Taalhuis gewijzigd" }, Date.now())],
      ["archive", (d) => (d.getMap("cards").get(id) as Y.Map<unknown>).set("archived", true)],
      ["claim and retitle at once", (d) => {
        moveCard(d, id, "opgepakt", 0, Date.now());
        updateCard(d, id, { title: "Meteen overgenomen" }, Date.now());
      }],
    ];
    for (const [name, write] of edits) {
      expect(await send(t.seed.cookies.memberA2, edit(write)), name).toBe(4403);
      expect(readBoard(serverDoc()), name).toEqual(before.board);
      expect(await storedBytesOf(t.h, board()), name).toEqual(before.bytes);
      expect(await holder(id), name).toBeNull();
    }
    // A move an honest client could have made in an older view (a claim of a request that moved on
    // meanwhile) is not refused: the server puts the request back and tells its author.
    const moves: Array<[string, (d: Y.Doc) => void]> = [
      ["move within open stages", (d) => moveCard(d, id, "nieuw", 0, Date.now())],
      ["move to done", (d) => moveCard(d, id, "afgerond", 0, Date.now())],
    ];
    for (const [name, write] of moves) {
      let c: RawClient | null = null;
      expect(await send(t.seed.cookies.memberA2, edit(write), (x) => (c = x)), name).toBeNull();
      expect(readBoard(serverDoc()).cards.find((x) => x.id === id), name).toEqual(before.board.cards.find((x) => x.id === id));
      expect(await holder(id), name).toBeNull();
      await waitFor(() => note(c!).some((m) => m.includes(`reverted:request:${id}`)), { message: `${name}: its author is told` });
    }
    // The organisation that entered it may.
    expect(await send(t.seed.cookies.memberA1, edit((d) => updateCard(d, id, { title: "Door de eigen organisatie" }, Date.now())))).toBeNull();
    expect(getCard(serverDoc(), id)!.title).toBe("Door de eigen organisatie");
  });

  it("the holder edits a request another organisation entered; the coordinator edits any", async () => {
    const id = await newRequest();
    await t.api(`/api/boards/${board()}/requests/${id}/claim`, { cookie: t.seed.cookies.memberA2, method: "POST" });
    await waitFor(() => getCard(serverDoc(), id)?.column === "opgepakt");
    expect(await send(t.seed.cookies.memberA2, edit((d) => updateCard(d, id, { area: "Angelslo" }, Date.now())))).toBeNull();
    expect(await send(t.seed.cookies.coordinatorA, edit((d) => updateCard(d, id, { urgency: "hoog" }, Date.now())))).toBeNull();
    // Each send's round trip is with the server it landed on; with two servers the copy read here may be the other's.
    await waitFor(() => getCard(serverDoc(), id)?.urgency === "hoog", { message: "the coordinator's edit reached the copy read here" });
    expect(getCard(serverDoc(), id)).toMatchObject({ area: "Angelslo", urgency: "hoog" });
    // The organisation that entered it may not take it from the holder by dragging it back to Open.
    const kept = getCard(serverDoc(), id)!.column;
    let c: RawClient | null = null;
    expect(await send(t.seed.cookies.memberA1, edit((d) => moveCard(d, id, "open", 0, Date.now())), (x) => (c = x))).toBeNull();
    await waitFor(() => getCard(serverDoc(), id)?.column === kept, { message: "the move out of held is undone" });
    expect(await holder(id)).toBe(t.seed.orgA2.id);
    await waitFor(() => note(c!).some((m) => m.includes(`held-by:${t.seed.orgA2.id}:${id}`)), { message: "A1 is told who holds it" });
    await expectInvariant(serverDoc());
  });

  it("an edit made offline while the organisation held the request is undone, not refused, after it lost the request", async () => {
    const id = await newRequest();
    await t.api(`/api/boards/${board()}/requests/${id}/claim`, { cookie: t.seed.cookies.memberA2, method: "POST" });
    await waitFor(() => getCard(serverDoc(), id)?.column === "opgepakt");
    // Bram's laptop goes offline with the request in hand and he edits it.
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(serverDoc()));
    const sv = Y.encodeStateVector(offline);
    updateCard(offline, id, { description: "Offline bijgewerkt" }, Date.now());
    // Meanwhile the coordinator gives the request to A1.
    const re = await t.api(`/api/boards/${board()}/requests/${id}/reassign`, { cookie: t.seed.cookies.coordinatorA, method: "POST", body: { to: t.seed.orgA1.id } });
    expect(re.status).toBe(200);
    // Bram reconnects: his edit is undone, his connection stays, he is told.
    let c: RawClient | null = null;
    expect(await send(t.seed.cookies.memberA2, Y.encodeStateAsUpdate(offline, sv), (x) => (c = x))).toBeNull();
    expect(getCard(serverDoc(), id)!.description).toBe("");
    await waitFor(() => note(c!).some((m) => m.includes(`held-by:${t.seed.orgA1.id}:${id}`)), { message: "Bram is told who holds it now" });
  });

  it("a viewer's move is refused", async () => {
    const id = await newRequest();
    expect(await send(t.seed.cookies.viewerA, edit((d) => moveCard(d, id, "opgepakt", 0, Date.now())))).toBe(4403);
    expect(await holder(id)).toBeNull();
  });
});

describe("the invariant after all of the above", () => {
  it("holds for every request on the board", async () => {
    await expectInvariant(serverDoc());
    expect(stageOf(serverDoc(), t.seed.boardA.cardIds[0])).toBe("intake");
  });
});

describe("the demo board", () => {
  it("starts with every request's column true to its holder", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-demo-"));
    const database = openDatabase(`file:${path.join(dir, "demo.sqlite")}`, { migrate: true });
    try {
      const { boardId } = await seedDemo(database.async);
      const doc = await storedDocOf(database.async, boardId!);
      const columns = listColumns(doc);
      const cards = readBoard(doc).cards;
      expect(cards.length).toBeGreaterThan(20);
      const held = cards.filter((c) => stageOfColumn(columns, c.column) === "held");
      expect(held.length).toBeGreaterThan(0);
      for (const c of cards) {
        const h = await holderIn(database.async, c.id);
        expect(holderFits(stageOfColumn(columns, c.column), h), `${c.title} in ${c.column}, held by ${h}`).toBe(true);
      }
    } finally {
      database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("PATCH /api/boards/<boardId>/requests/<requestId>: the same rules over HTTP", () => {
  const patch = (cookie: string, id: string, body: unknown) =>
    t.api(`/api/boards/${board()}/requests/${id}`, { cookie, method: "PATCH", body });

  it("the organisation that entered a request edits it; another member gets 403; bad values 422", async () => {
    const id = await newRequest();
    const own = await patch(t.seed.cookies.memberA1, id, { title: "Via de API gewijzigd", urgency: "hoog" });
    expect(own.status).toBe(200);
    expect(own.body.card).toMatchObject({ id, title: "Via de API gewijzigd", urgency: "hoog" });
    await waitFor(() => getCard(serverDoc(), id)?.title === "Via de API gewijzigd");
    const other = await patch(t.seed.cookies.memberA2, id, { title: "Door een ander" });
    expect(other.status).toBe(403);
    expect(other.body.error).toBe("forbidden");
    const viewer = await patch(t.seed.cookies.viewerA, id, { archived: true });
    expect(viewer.status).toBe(403);
    const bad = await patch(t.seed.cookies.memberA1, id, { title: "x", column: "nergens", colour: "rood" });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.errors)).toEqual(["colour"]);
    const bad2 = await patch(t.seed.cookies.memberA1, id, { title: "x", column: "nergens" });
    expect(bad2.status).toBe(422);
    expect(bad2.body.errors.title).toBe("tooShort");
    expect(getCard(serverDoc(), id)!.title).toBe("Via de API gewijzigd");
    const elsewhere = await t.api(`/api/boards/${t.seed.boardB.id}/requests/${id}`, { cookie: t.seed.cookies.memberA1, method: "PATCH", body: { title: "Andere alliantie" } });
    expect([403, 404]).toContain(elsewhere.status);
  });

  it("a move into a held column claims; two organisations at once: one 200, one 409 with the holder", async () => {
    const id = await newRequest();
    const [a, b] = await Promise.all([
      patch(t.seed.cookies.memberA2, id, { column: "opgepakt" }),
      patch(t.seed.cookies.memberA1, id, { column: "in-uitvoering" }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const lost = a.status === 409 ? a : b;
    expect(lost.body.owner).toBe(await holder(id));
    expect(await holder(id)).not.toBeNull();
    await expectInvariant(serverDoc());
    // The holder moves it back to Open: released.
    const holderCookie = (await holder(id)) === t.seed.orgA2.id ? t.seed.cookies.memberA2 : t.seed.cookies.memberA1;
    const back = await patch(holderCookie, id, { column: "open" });
    expect(back.status).toBe(200);
    expect(await holder(id)).toBeNull();
    await expectInvariant(serverDoc());
  });
});
