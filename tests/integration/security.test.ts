/**
 * Who may open a socket, and what a hostile or broken client can do to a
 * board: nothing but lose its own connection.
 */
import { io as ioClient, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import { getCard, updateCard } from "../../app/board/domain";
import {
  connectYjs,
  editOn,
  frame,
  randomBytes,
  startTestServer,
  waitFor,
  withTimeout,
  type TestServer,
  type YClient,
} from "./harness";

let t: TestServer;
/** Two well-behaved clients that stay on board A through every attack. */
let peerA: YClient;
let peerB: YClient;
let editNo = 0;

beforeAll(async () => {
  t = await startTestServer();
  peerA = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA1 });
  peerB = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA2 });
});

afterAll(async () => {
  await t?.close();
});

/** The two peers still sync both ways and were never disconnected. */
async function expectPeersStillSync() {
  // Each edits a request of its own organisation (A1 entered the first, A2 the second).
  const ofA = t.seed.boardA.cardIds[0];
  const ofB = t.seed.boardA.cardIds[1];
  const title = `Nog steeds in sync ${++editNo}`;
  updateCard(peerA.doc, ofA, { title }, Date.now());
  await waitFor(() => getCard(peerB.doc, ofA)?.title === title, { message: `peer B sees "${title}"` });
  const area = `Wijk ${editNo}`;
  updateCard(peerB.doc, ofB, { area }, Date.now());
  await waitFor(() => getCard(peerA.doc, ofB)?.area === area, { message: `peer A sees area "${area}"` });
  expect(peerA.closeCodes).toEqual([]);
  expect(peerB.closeCodes).toEqual([]);
  expect(peerA.provider.wsconnected && peerB.provider.wsconnected).toBe(true);
}

const openedRaw = (cookie = t.seed.cookies.memberA1) => t.syncedRaw(cookie);

describe("upgrade to /yjs/<board> is checked before any document byte is sent", () => {
  async function expectRefused(pathname: string, opts: { cookie?: string; origin?: string | null }, status: number) {
    const c = t.raw(pathname, opts);
    const outcome = await withTimeout(
      Promise.race([c.refused.then((s) => ({ refused: s })), c.opened.then(() => ({ refused: 0 }))]),
      10_000,
      `upgrade of ${pathname}`,
    );
    expect(outcome.refused, "HTTP status of the refused upgrade").toBe(status);
    await withTimeout(c.closed, 10_000, "refused socket closed");
    expect(c.messages).toHaveLength(0);
  }

  it("without a session: 401", async () => {
    await expectRefused(`/yjs/${t.seed.boardA.id}`, {}, 401);
    await expectRefused(`/yjs/${t.seed.boardA.id}`, { cookie: "ab_session=not-a-real-token-but-long-enough-to-parse-1234" }, 401);
  });

  it("with another alliance's session: 404, as for a board that does not exist", async () => {
    await expectRefused(`/yjs/${t.seed.boardA.id}`, { cookie: t.seed.cookies.memberB }, 404);
  });

  it("with a foreign Origin: 403", async () => {
    await expectRefused(`/yjs/${t.seed.boardA.id}`, { cookie: t.seed.cookies.memberA1, origin: "https://evil.example" }, 403);
    // Same host, other port: another origin too.
    await expectRefused(`/yjs/${t.seed.boardA.id}`, { cookie: t.seed.cookies.memberA1, origin: "http://127.0.0.1:1" }, 403);
  });

  it("with no Origin: 403", async () => {
    await expectRefused(`/yjs/${t.seed.boardA.id}`, { cookie: t.seed.cookies.memberA1, origin: null }, 403);
  });

  it("for an unknown board: 404", async () => {
    await expectRefused(`/yjs/bestaat-niet`, { cookie: t.seed.cookies.memberA1 }, 404);
    await expectRefused(`/yjs/${"x".repeat(65)}`, { cookie: t.seed.cookies.memberA1 }, 404);
  });

  it("the y-websocket client of another alliance never gets board A's content", async () => {
    await expect(connectYjs(t.url, t.seed.boardA.id, { cookie: t.seed.cookies.memberB, timeout: 3_000 })).rejects.toThrow();
  });
});

describe("a hostile or broken client loses only its own connection", () => {
  it("a 2 MiB frame closes that connection with 1009; the other clients keep syncing", async () => {
    const before = await t.boardState(peerA); // nothing of the peers is still in flight
    const c = await openedRaw();
    const big = new Uint8Array(2 * 1024 * 1024);
    big[0] = 0; // a "sync" message, so only its size is wrong
    big[1] = 2;
    c.send(big);
    const { code } = await withTimeout(c.closed, 15_000, "big-frame client closed");
    expect(code).toBe(1009);
    expect(await t.boardState()).toEqual(before);
    await expectPeersStillSync();
  });

  /**
   * ws sends its 1009 close and then reports the frame as an error. Cut at
   * once on that error, the connection ended with a reset while the client
   * was still sending, and the reset could overtake the close frame: the
   * client (or the proxy in between) then saw 1006 and never the reason
   * (seen in a fresh clone's run behind the test balancer).
   */
  it("a client still sending after its 2 MiB frame gets the 1009 all the same", async () => {
    const c = await openedRaw();
    const big = new Uint8Array(2 * 1024 * 1024);
    big[0] = 0;
    big[1] = 2;
    for (let i = 0; i < 4; i++) c.send(big);
    const { code } = await withTimeout(c.closed, 15_000, "big-frame client closed");
    expect(code).toBe(1009);
    await expectPeersStillSync();
  });

  it("random bytes close that connection with 4400 and leave the document intact", async () => {
    const frames: Array<{ name: string; data: Uint8Array }> = [];
    // Plain random bytes.
    for (let seed = 1; frames.length < 4; seed++) {
      const data = randomBytes(seed, 1 + ((seed * 37) % 300));
      // A first byte of 2 is the (ignored) auth message type: not a malformed frame.
      if (data[0] === 2) continue;
      frames.push({ name: `random seed ${seed}`, data });
    }
    // Random bytes behind a real message type (sync step 1, step 2, update; awareness; query).
    for (let seed = 10; seed < 19; seed++) {
      const data = randomBytes(seed, 2 + ((seed * 37) % 300));
      data[0] = [0, 1, 3][seed % 3];
      if (data[0] === 0) data[1] = Math.floor(seed / 3) % 3;
      frames.push({ name: `typed random seed ${seed}`, data });
    }
    // Well-formed sync-update frames whose update is random.
    for (let seed = 100; seed < 104; seed++) {
      const payload = randomBytes(seed, 40 + seed);
      frames.push({
        name: `random update seed ${seed}`,
        data: frame(
          (e) => encoding.writeVarUint(e, 0),
          (e) => encoding.writeVarUint(e, 2),
          (e) => encoding.writeVarUint8Array(e, payload),
        ),
      });
    }
    const before = await t.boardState(peerA); // nothing of the peers is still in flight
    for (const f of frames) {
      const c = await openedRaw();
      c.send(f.data);
      const { code } = await withTimeout(c.closed, 10_000, `${f.name} closed`);
      expect(code, f.name).toBe(4400);
    }
    expect(await t.boardState()).toEqual(before);
    await expectPeersStillSync();
  });

  it("an update writing to a root type outside the board schema closes the connection with 4400", async () => {
    const before = await t.boardState(peerA); // nothing of the peers is still in flight

    // A real y-websocket client whose document grows an extra root map.
    const evil = await connectYjs(t.url, t.seed.boardA.id, { cookie: t.seed.cookies.memberA1 });
    const closed = new Promise<{ code: number }>((resolve) => evil.provider.once("closed", (e: { code: number }) => resolve(e)));
    evil.doc.getMap("evil").set("payload", "x".repeat(100));
    const { code } = await withTimeout(closed, 10_000, "evil provider closed");
    expect(code).toBe(4400);
    // 44xx is final: the provider does not come back.
    expect(evil.provider.shouldConnect).toBe(false);
    evil.destroy();

    // A raw client: a Y.Text nested in a known root (only maps are allowed).
    const raw = await openedRaw();
    raw.sendUpdate(editOn(raw.doc, (d) => d.getMap("cards").set("tekst", new Y.Text("geen kaart"))));
    expect((await withTimeout(raw.closed, 10_000, "raw evil closed")).code).toBe(4400);

    expect(await t.boardState()).toEqual(before);
    await expectPeersStillSync();
  });

  it("a client that adds, replaces or removes a request's card, or writes a server field, is closed; the board is intact", async () => {
    const cardId = t.seed.boardA.cardIds[2];
    const attacks: Array<{ name: string; write: (doc: Y.Doc) => void }> = [
      { name: "remove a card", write: (doc) => doc.getMap("cards").delete(cardId) },
      { name: "add a card", write: (doc) => doc.getMap("cards").set("nep-kaart", new Y.Map()) },
      {
        name: "replace a card",
        write: (doc) => {
          const fake = new Y.Map<unknown>();
          doc.getMap("cards").set(cardId, fake);
          fake.set("title", "Vervalst");
        },
      },
      { name: "rewrite who created it", write: (doc) => (doc.getMap("cards").get(cardId) as Y.Map<unknown>).set("createdByOrg", t.seed.orgA2.id) },
      { name: "rewrite its id", write: (doc) => (doc.getMap("cards").get(cardId) as Y.Map<unknown>).set("id", "ander-id") },
    ];
    for (const attack of attacks) {
      const before = await t.boardState(peerA); // nothing of the peers is still in flight
      const raw = await openedRaw(t.seed.cookies.coordinatorA); // not even a coordinator
      raw.sendUpdate(editOn(t.serverDoc(), attack.write));
      expect((await withTimeout(raw.closed, 10_000, `${attack.name}: closed`)).code, attack.name).toBe(4403);
      expect(await t.boardState()).toEqual(before);
    }
    await expectPeersStillSync();
  });

  it("a client's sync answer that repeats the deletion of an erased card is accepted", async () => {
    const erased = t.seed.boardA.cardIds[3];
    // The server removes the card (as erasure does); peer B's copy follows.
    await t.services.rooms.withDoc(t.seed.boardA.id, (doc) => doc.getMap("cards").delete(erased));
    await waitFor(() => getCard(peerB.doc, erased) === null, { message: "peer B saw the card go" });
    // A client sends its whole document, every deletion it knows included.
    const raw = await openedRaw(t.seed.cookies.memberA2);
    raw.sendUpdate(Y.encodeStateAsUpdate(peerB.doc));
    await raw.roundTrip();
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    raw.close();
    await expectPeersStillSync();
  });

  it("a truncated sync frame closes the connection with 4400", async () => {
    const before = await t.boardState(peerA); // nothing of the peers is still in flight
    const c = await openedRaw();
    const update = editOn(c.doc, (d) => updateCard(d, t.seed.boardA.cardIds[0], { title: "Afgekapt bericht", description: "y".repeat(200) }, Date.now()));
    const full = frame(
      (e) => encoding.writeVarUint(e, 0),
      (e) => encoding.writeVarUint(e, 2),
      (e) => encoding.writeVarUint8Array(e, update),
    );
    c.send(full.subarray(0, full.length - 25));
    expect((await withTimeout(c.closed, 10_000, "truncated-frame client closed")).code).toBe(4400);

    // A text frame is not a sync frame either.
    const txt = await openedRaw();
    txt.ws.send("hallo");
    expect((await withTimeout(txt.closed, 10_000, "text-frame client closed")).code).toBe(4400);

    expect(await t.boardState()).toEqual(before);
    expect(getCard(t.serverDoc(), t.seed.boardA.cardIds[0])?.title).not.toBe("Afgekapt bericht");
    await expectPeersStillSync();
  });
});

describe("socket.io on the same port", () => {
  const sockets: Socket[] = [];
  afterAll(() => sockets.forEach((s) => s.close()));

  it("speaks WebSocket only: HTTP long-polling (whose follow-up requests skip the Origin check) is refused", async () => {
    const res = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { Cookie: t.seed.cookies.memberA1, Origin: t.url },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain('"sid"');
  });

  function connect(headers: Record<string, string>): Socket {
    const s = ioClient(t.url, {
      path: "/socket.io",
      transports: ["websocket"],
      extraHeaders: headers,
      reconnection: false,
      forceNew: true,
      timeout: 5_000,
    });
    sockets.push(s);
    return s;
  }

  function outcome(s: Socket): Promise<{ connected: true } | { connected: false; error: string }> {
    return withTimeout(
      new Promise((resolve) => {
        s.once("connect", () => resolve({ connected: true }));
        s.once("connect_error", (e: Error) => resolve({ connected: false, error: e.message }));
      }),
      10_000,
      "socket.io outcome",
    );
  }

  it("connects with a session; may join its own board, not another alliance's", async () => {
    const s = connect({ cookie: t.seed.cookies.memberA1, origin: t.url });
    expect(await outcome(s)).toEqual({ connected: true });
    expect(await s.timeout(5_000).emitWithAck("board:join", { boardId: t.seed.boardA.id })).toMatchObject({ ok: true });
    const foreign = await s.timeout(5_000).emitWithAck("board:join", { boardId: t.seed.boardB.id });
    expect(foreign).toMatchObject({ ok: false });
    const unknown = await s.timeout(5_000).emitWithAck("board:join", { boardId: "bestaat-niet" });
    expect(unknown).toMatchObject({ ok: false });
    const bad = await s.timeout(5_000).emitWithAck("board:join", "geen object");
    expect(bad).toMatchObject({ ok: false });
    s.close();
  });

  it("is refused without a session", async () => {
    const r = await outcome(connect({ origin: t.url }));
    expect(r.connected).toBe(false);
  });

  it("is refused with a foreign Origin or none", async () => {
    const foreign = await outcome(connect({ cookie: t.seed.cookies.memberA1, origin: "https://evil.example" }));
    expect(foreign.connected).toBe(false);
    const none = await outcome(connect({ cookie: t.seed.cookies.memberA1 }));
    expect(none.connected).toBe(false);
  });
});
