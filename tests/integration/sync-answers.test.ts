/**
 * What the sync server answers, now that it answers from a cache per
 * document version: a new client gets the whole board, a client that has
 * everything gets the delete set alone (the same bytes for each such client
 * until the board changes), a client that is partly behind gets exactly what
 * it lacks. And presence changes of a few milliseconds travel as one message.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { moveCard, readBoard, updateCard } from "../../app/board/domain";
import { rawConnect, startTestServer, waitFor, type RawClient, type TestServer, type YClient } from "./harness";

let t: TestServer;
const open: Array<{ destroy?: () => void; close?: () => void }> = [];

beforeAll(async () => {
  t = await startTestServer({ ROOM_IDLE_MS: "0" });
});
afterEach(() => {
  for (const c of open.splice(0)) (c.destroy ?? c.close)?.();
});
afterAll(async () => {
  await t?.close();
});

async function provider(cookie: string): Promise<YClient> {
  const c = await t.connect(t.seed.boardA.id, { cookie });
  open.push(c);
  return c;
}

function raw(): RawClient {
  const c = rawConnect(t.url, `/yjs/${t.seed.boardA.id}`, { cookie: t.seed.cookies.memberA1 });
  open.push(c);
  return c;
}

/** The payloads of the sync step 2 messages a raw client received. */
function step2s(c: RawClient): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of c.messages) {
    const d = decoding.createDecoder(m);
    if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 1) continue;
    out.push(decoding.readVarUint8Array(d));
  }
  return out;
}

/** Ask with exactly this state vector and return the server's answer. */
async function ask(stateVector: Uint8Array): Promise<Uint8Array> {
  const c = raw();
  await c.opened;
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint8Array(e, stateVector);
  c.send(encoding.toUint8Array(e));
  await waitFor(() => step2s(c).length > 0, { message: "sync step 2" });
  return step2s(c)[0];
}

describe("sync answers from the per-version cache", () => {
  it("a new client gets the whole board; one that has everything gets only the delete set, the same bytes each time", async () => {
    const a = await provider(t.seed.cookies.memberA1);
    const [card] = t.seed.boardA.cardIds;
    moveCard(a.doc, card, "afgerond", 0, Date.now()); // overwritten values: the delete set is not empty
    await waitFor(() => readBoard(t.serverDoc()).cards.find((c) => c.id === card)?.column === "afgerond");

    const whole = await ask(new Uint8Array([0]));
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, whole);
    expect(readBoard(fresh)).toEqual(readBoard(t.serverDoc()));

    const sv = Y.encodeStateVector(t.serverDoc());
    const first = await ask(sv);
    const second = await ask(sv);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    const decoded = Y.decodeUpdate(first);
    expect(decoded.structs).toHaveLength(0);
    expect(decoded.ds.clients.size).toBeGreaterThan(0);
    // The delete set is what a client that missed only deletions needs.
    expect(Buffer.from(first).equals(Buffer.from(Y.encodeStateAsUpdate(t.serverDoc(), sv)))).toBe(true);
  });

  it("after a change the cache is gone: the same state vector now gets the change", async () => {
    const a = await provider(t.seed.cookies.memberA1);
    const before = Y.encodeStateVector(t.serverDoc());
    const old = new Y.Doc();
    Y.applyUpdate(old, Y.encodeStateAsUpdate(t.serverDoc()));
    await ask(before); // fills the cache for this version

    const [card] = t.seed.boardA.cardIds; // entered by A1, whose member edits it
    updateCard(a.doc, card, { title: "Nieuwe titel na de cache" }, Date.now());
    await waitFor(() => readBoard(t.serverDoc()).cards.find((c) => c.id === card)?.title === "Nieuwe titel na de cache");

    const answer = await ask(before);
    expect(Y.decodeUpdate(answer).structs.length).toBeGreaterThan(0);
    Y.applyUpdate(old, answer);
    expect(readBoard(old)).toEqual(readBoard(t.serverDoc()));
  });

  it("a client that is partly behind gets what it lacks and nothing it has", async () => {
    const a = await provider(t.seed.cookies.memberA1);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(t.serverDoc()));
    const [, , card] = t.seed.boardA.cardIds;
    updateCard(a.doc, card, { area: "Angelslo" }, Date.now());
    await waitFor(() => readBoard(t.serverDoc()).cards.find((c) => c.id === card)?.area === "Angelslo");

    const answer = await ask(Y.encodeStateVector(replica));
    expect(answer.length).toBeLessThan(Y.encodeStateAsUpdate(t.serverDoc()).length / 4);
    Y.applyUpdate(replica, answer);
    expect(readBoard(replica)).toEqual(readBoard(t.serverDoc()));
  });
});

describe("presence is coalesced", () => {
  it("ten presence changes within a few milliseconds reach another client as at most two messages, ending in the last state", async () => {
    const a = await provider(t.seed.cookies.memberA1);
    const watcher = raw();
    await watcher.opened;
    await waitFor(() => watcher.messages.length > 0);
    const awarenessMessages = () => watcher.messages.filter((m) => m[0] === 1).length;
    await new Promise((r) => setTimeout(r, 100));
    const before = awarenessMessages();

    for (let i = 0; i < 10; i++) a.provider.awareness.setLocalStateField("activity", { kind: "dragging", cardId: `card-${i}` });
    await waitFor(() => {
      const states = new Map<number, unknown>();
      for (const m of watcher.messages.filter((x) => x[0] === 1)) {
        const d = decoding.createDecoder(m);
        decoding.readVarUint(d);
        const u = decoding.createDecoder(decoding.readVarUint8Array(d));
        const n = decoding.readVarUint(u);
        for (let k = 0; k < n; k++) {
          const id = decoding.readVarUint(u);
          decoding.readVarUint(u);
          states.set(id, JSON.parse(decoding.readVarString(u)));
        }
      }
      return (states.get(a.doc.clientID) as { activity?: { cardId?: string } } | null)?.activity?.cardId === "card-9";
    }, { message: "the watcher sees the last presence state" });
    expect(awarenessMessages() - before).toBeLessThanOrEqual(2);
  });
});
