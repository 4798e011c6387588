/**
 * The board's rules on the sync socket, as an attacker with a member's (or a
 * coordinator's) own Yjs client would meet them: every update is checked
 * whole before any of it applies; refused means nothing of it lands, for
 * anyone; offline edits that crossed a coordinator's change are accepted and
 * repaired by the server instead of refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  addColumn,
  getCard,
  listCategories,
  listColumns,
  moveCard,
  readBoard,
  removeColumn,
} from "../../app/board/domain";
import { awarenessFrame } from "../infra/sync-conn";
import { editOn, startTestServer, waitFor, withTimeout, type BoardState, type TestServer, type YClient } from "./harness";

let t: TestServer;
let peer: YClient;

beforeAll(async () => {
  t = await startTestServer();
  peer = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA2 });
});
afterAll(async () => {
  await t?.close();
});

const serverDoc = () => t.serverDoc();
const opened = (cookie: string) => t.syncedRaw(cookie);
/** An edit on a copy of the server's board, as bytes. */
const edit = (write: (doc: Y.Doc) => void) => editOn(serverDoc(), write);

/** Nothing changed, for anyone: the server's board (live and stored), the other alliance's, and the honest peer's copy. */
async function expectUnchanged(before: BoardState, what: string) {
  expect(await t.boardState(peer), what).toEqual(before);
  expect(readBoard(peer.doc), what).toEqual(before.board);
}

/** Send one update as `cookie`; resolves with the close code, or null if the connection stayed open. */
async function send(cookie: string, update: Uint8Array): Promise<number | null> {
  const c = await opened(cookie);
  c.sendUpdate(update);
  const outcome = await Promise.race([
    c.closed.then((x) => x.code),
    c.roundTrip().then(() => null),
  ]);
  c.close();
  return outcome;
}

const card = (doc: Y.Doc, id: string) => doc.getMap("cards").get(id) as Y.Map<unknown>;

describe("refused means nothing of it applies", () => {
  const member = () => t.seed.cookies.memberA1;
  const coordinator = () => t.seed.cookies.coordinatorA;

  it("a member deleting every column and category (a 10-byte wipe) is closed with 4403; the board is whole", async () => {
    const before = await t.boardState(peer);
    const wipe = edit((d) => {
      for (const k of [...d.getMap("columns").keys()]) d.getMap("columns").delete(k);
      for (const k of [...d.getMap("categories").keys()]) d.getMap("categories").delete(k);
    });
    expect(await send(member(), wipe)).toBe(4403);
    await expectUnchanged(before, "wipe");
  });

  it("nobody removes a card's server fields or writes meta; coordinators neither", async () => {
    const id = t.seed.boardA.cardIds[0];
    const attacks: Array<[string, (d: Y.Doc) => void]> = [
      ["delete id", (d) => card(d, id).delete("id")],
      ["delete createdByOrg", (d) => card(d, id).delete("createdByOrg")],
      ["delete createdAt", (d) => card(d, id).delete("createdAt")],
      ["delete title", (d) => card(d, id).delete("title")],
      ["meta schema 99", (d) => d.getMap("meta").set("schema", 99)],
      ["meta delete", (d) => d.getMap("meta").delete("schema")],
      ["meta new key", (d) => d.getMap("meta").set("owner", "me")],
    ];
    for (const [name, write] of attacks) {
      const before = await t.boardState(peer);
      expect(await send(coordinator(), edit(write)), name).toBe(4403);
      await expectUnchanged(before, name);
    }
  });

  it("a refused update with missing dependencies leaves none of its deletions behind", async () => {
    const before = await t.boardState(peer);
    // Structs that hang off a change this server never saw, and a delete set that removes every column.
    const ghost = new Y.Doc();
    Y.applyUpdate(ghost, Y.encodeStateAsUpdate(serverDoc()));
    (ghost.getMap("cards").get(t.seed.boardA.cardIds[1]) as Y.Map<unknown>).set("title", "Eerste, nooit gezien");
    const sv2 = Y.encodeStateVector(ghost);
    (ghost.getMap("cards").get(t.seed.boardA.cardIds[1]) as Y.Map<unknown>).set("title", "Tweede, hangt aan de eerste");
    for (const k of [...ghost.getMap("columns").keys()]) ghost.getMap("columns").delete(k);
    const dependent = Y.encodeStateAsUpdate(ghost, sv2); // lacks the first title: a missing dependency
    expect(await send(coordinator(), dependent)).toBe(4400);
    await expectUnchanged(before, "missing dependencies");
    expect(listColumns(serverDoc()).length).toBe(before.board.columns.length);
  });

  it("field rules hold on the socket as on the API: types, lengths, allowed values, columns and categories that exist", async () => {
    const id = t.seed.boardA.cardIds[2];
    const attacks: Array<[string, (d: Y.Doc) => void]> = [
      ["100,000-character title", (d) => card(d, id).set("title", "x".repeat(100_000))],
      ["1,000,000-character description", (d) => card(d, id).set("description", "y".repeat(1_000_000))],
      ["title a number", (d) => card(d, id).set("title", 42)],
      ["title an object", (d) => card(d, id).set("title", { a: 1 })],
      ["title too short", (d) => card(d, id).set("title", "x")],
      ["archived yes", (d) => card(d, id).set("archived", "yes")],
      ["urgency unknown", (d) => card(d, id).set("urgency", "morgen")],
      ["order not a string", (d) => card(d, id).set("order", 5)],
      ["column that never was", (d) => card(d, id).set("column", "nergens")],
      ["category that never was", (d) => card(d, id).set("category", "niets")],
      ["unknown field", (d) => card(d, id).set("owner", "wij")],
      ["a nested map as a field", (d) => card(d, id).set("area", new Y.Map())],
      ["binary", (d) => card(d, id).set("area", new Uint8Array([1, 2, 3]))],
      ["updatedAt not a time", (d) => card(d, id).set("updatedAt", "gisteren")],
    ];
    for (const [name, write] of attacks) {
      const before = await t.boardState(peer);
      const code = await send(t.seed.cookies.memberA1, edit(write));
      expect(code === 4422 || code === 4400 || code === 1009, `${name}: closed with ${code}`).toBe(true);
      await expectUnchanged(before, name);
    }
  });

  it("columns of a coordinator: complete, valid records only", async () => {
    const attacks: Array<[string, (d: Y.Doc) => void]> = [
      ["a column without a name", (d) => {
        const m = new Y.Map<unknown>();
        d.getMap("columns").set("leeg", m);
        m.set("id", "leeg");
        m.set("order", "a9");
      }],
      ["a column whose id is not its key", (d) => addColumn(d, { id: "echt", name: "Echt" }) && (d.getMap("columns").get("echt") as Y.Map<unknown>).set("id", "anders")],
      ["a 500-character column name", (d) => (d.getMap("columns").get("open") as Y.Map<unknown>).set("name", "n".repeat(500))],
      ["a category colour that is not a colour", (d) => (d.getMap("categories").get("taal") as Y.Map<unknown>).set("color", "red; background:url(x)")],
    ];
    for (const [name, write] of attacks) {
      const before = await t.boardState(peer);
      expect(await send(t.seed.cookies.coordinatorA, edit(write)), name).toBe(4422);
      await expectUnchanged(before, name);
    }
  });

  it("an honest edit still goes through, and a coordinator adds a column", async () => {
    const id = t.seed.boardA.cardIds[2];
    expect(await send(t.seed.cookies.memberA1, edit((d) => moveCard(d, id, "afgerond", 0, Date.now())))).toBeNull();
    await waitFor(() => getCard(peer.doc, id)?.column === "afgerond", { message: "peer sees the move" });
    expect(await send(t.seed.cookies.coordinatorA, edit((d) => addColumn(d, { id: "wacht", name: "Wacht op gemeente" })))).toBeNull();
    await waitFor(() => listColumns(peer.doc).some((c) => c.id === "wacht"), { message: "peer sees the new column" });
  });
});

describe("offline edits that crossed a coordinator's change are repaired, not refused", () => {
  it("a card moved into a column that was removed meanwhile goes back where it was, and its author is told", async () => {
    const id = t.seed.boardA.cardIds[1];
    // The member's offline copy, from before the column went.
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(serverDoc()));
    const fromColumn = getCard(offline, id)!.column;
    // Meanwhile a coordinator removes the (empty) column "wacht".
    expect(await send(t.seed.cookies.coordinatorA, edit((d) => removeColumn(d, "wacht", { now: Date.now() })))).toBeNull();
    await waitFor(() => !listColumns(serverDoc()).some((c) => c.id === "wacht"), { message: "column removed" });
    // The member comes back online with the move into "wacht".
    const sv = Y.encodeStateVector(offline);
    moveCard(offline, id, "wacht", 0, Date.now());
    const c = await opened(t.seed.cookies.memberA2); // A2 entered the request

    c.sendUpdate(Y.encodeStateAsUpdate(offline, sv));
    await c.roundTrip();
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    await waitFor(() => getCard(peer.doc, id)?.column === fromColumn, { message: "the card is back in its column" });
    expect(getCard(serverDoc(), id)!.column).toBe(fromColumn);
    // The author got a note (y-websocket's permission-denied message, type 2).
    await waitFor(() => c.messages.some((m) => m[0] === 2 && Buffer.from(m).toString("utf8").includes("moved-back:column")), {
      message: "the author is told",
    });
    c.close();
  });

  it("a coordinator's removal of a column that received requests meanwhile restores the column", async () => {
    const before = listColumns(serverDoc()).map((c) => c.id);
    const holds = getCard(serverDoc(), t.seed.boardA.cardIds[2])!.column; // moved to afgerond above
    expect(await send(t.seed.cookies.coordinatorA, edit((d) => d.getMap("columns").delete(holds)))).toBeNull();
    await waitFor(() => listColumns(peer.doc).map((c) => c.id).join() === before.join(), { message: "column restored for everyone" });
    expect(readBoard(serverDoc()).cards.every((c) => before.includes(c.column))).toBe(true);
  });

  it("removing every column and category leaves the ones that hold requests, and never none", async () => {
    expect(
      await send(
        t.seed.cookies.coordinatorA,
        edit((d) => {
          for (const k of [...d.getMap("columns").keys()]) d.getMap("columns").delete(k);
          for (const k of [...d.getMap("categories").keys()]) d.getMap("categories").delete(k);
        }),
      ),
    ).toBeNull();
    await peer.roundTrip();
    const board = readBoard(serverDoc());
    expect(board.columns.length).toBeGreaterThan(0);
    expect(board.categories.length).toBeGreaterThan(0);
    const columns = new Set(board.columns.map((c) => c.id));
    const categories = new Set(listCategories(serverDoc()).map((c) => c.id));
    for (const c of board.cards) {
      if (!c.archived) expect(columns.has(c.column), `${c.id} in ${c.column}`).toBe(true);
      expect(categories.has(c.category), `${c.id} has ${c.category}`).toBe(true);
    }
    expect(readBoard(peer.doc)).toEqual(board);
  });
});

describe("presence ids belong to the session that first used them", () => {
  it("after a person disconnects, another session cannot take their presence id; when they return it is theirs", async () => {
    const anna = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA1 });
    anna.provider.awareness.setLocalStateField("activity", null);
    const id = anna.doc.clientID;
    await waitFor(() => peer.provider.awareness.getStates().has(id), { message: "peer sees Anna" });
    const clock = anna.provider.awareness.meta.get(id)!.clock;
    anna.provider.disconnect();
    await waitFor(() => !peer.provider.awareness.getStates().has(id), { message: "Anna's presence gone" });

    const thief = await opened(t.seed.cookies.memberA2);
    thief.send(awarenessFrame(id, clock + 100, { activity: { kind: "editing", cardId: "x" } }));
    expect((await withTimeout(thief.closed, 10_000, "thief closed")).code).toBe(4403);
    expect(peer.provider.awareness.getStates().has(id)).toBe(false);

    // Anna comes back (same session, same client id) and is seen as herself.
    anna.provider.connect();
    anna.provider.awareness.setLocalStateField("activity", { kind: "editing", cardId: t.seed.boardA.cardIds[0] });
    await waitFor(() => peer.provider.awareness.getStates().get(id)?.user?.name === "Anna", { message: "Anna is back as Anna" });
    expect(anna.closeCodes.filter((c) => c >= 4000)).toEqual([]);
    // A new session of the same person is another session: not hers either.
    const other = await opened(await t.cookieFor(t.seed.memberA1.id));
    other.send(awarenessFrame(id, clock + 200, {}));
    expect((await withTimeout(other.closed, 10_000, "second session closed")).code).toBe(4403);
    anna.destroy();
  });
});

describe("refusals are logged once, not per frame", () => {
  it("a person who keeps reconnecting to send refused frames leaves one log line a minute", async () => {
    const lines: Array<Record<string, unknown> | undefined> = [];
    const log = t.server.log;
    const warn = log.warn;
    log.warn = (msg: string, extra?: Record<string, unknown>) => {
      if (msg === "closing sync connection") lines.push(extra);
      warn.call(log, msg, extra);
    };
    try {
      const write = edit((d) => card(d, t.seed.boardA.cardIds[0]).set("title", "Door een kijker"));
      for (let i = 0; i < 12; i++) expect(await send(t.seed.cookies.viewerA, write)).toBe(4403);
    } finally {
      log.warn = warn;
    }
    expect(lines.filter((l) => l?.user === t.seed.viewerA.id)).toHaveLength(1);
  });
});
