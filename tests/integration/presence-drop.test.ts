/**
 * Presence leaves with the connection: a person whose connection goes away
 * disappears from everyone else's presence, also when no close frame ever
 * arrives (network gone, laptop lid closed). The server pings every
 * SYNC_PING_MS (1 s here) and closes a connection that did not answer the
 * previous ping; closing it removes its awareness states for the others.
 *
 * No timing assertions beyond "it happened before a generous timeout".
 */
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import type { Socket } from "node:net";
import { startTestServer, waitFor, withTimeout, type RawClient, type TestServer, type YClient } from "./harness";

let t: TestServer;
let bram: YClient; // watches the board's presence

beforeAll(async () => {
  t = await startTestServer({ SYNC_PING_MS: "1000" });
  bram = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA2 });
  bram.provider.awareness.setLocalStateField("activity", null);
});

afterAll(async () => {
  await t?.close();
});

/** A raw connection of Anna's that announces her presence with a client id of its own; Bram has seen it. */
async function annaPresent(clientId: number): Promise<RawClient> {
  const anna = t.raw(`/yjs/${t.seed.boardA.id}`, { cookie: t.seed.cookies.memberA1 });
  await withTimeout(anna.opened, 10_000, "Anna connected");
  await anna.roundTrip();
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const aw = new awarenessProtocol.Awareness(doc);
  aw.setLocalState({ activity: null, hidden: false });
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // y-websocket's awareness message
  encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(aw, [clientId]));
  anna.send(encoding.toUint8Array(e));
  aw.destroy();
  doc.destroy();
  await waitFor(() => bram.provider.awareness.getStates().get(clientId)?.user?.name === "Anna", {
    message: "Bram sees Anna",
  });
  return anna;
}

/** Resolves when Bram's awareness reports `clientId` removed. */
function removedAtBram(clientId: number): Promise<void> {
  return new Promise((resolve) => {
    const onChange = ({ removed }: { removed: number[] }) => {
      if (removed.includes(clientId)) {
        bram.provider.awareness.off("change", onChange);
        resolve();
      }
    };
    bram.provider.awareness.on("change", onChange);
  });
}

describe("presence drops a person whose connection went away", () => {
  it("a socket that goes silent (answers no pings, sends no close frame) leaves Bram's presence", async () => {
    const clientId = 900_001;
    const anna = await annaPresent(clientId);
    const removed = removedAtBram(clientId);
    // The network is gone: nothing is read any more, so no ping is answered, and nothing is closed.
    (anna.ws as unknown as { _socket: Socket })._socket.pause();
    await withTimeout(removed, 15_000, "Anna's presence removed at Bram");
    expect(bram.provider.awareness.getStates().has(clientId)).toBe(false);
    // The server forgot it too, and Bram's own connection was not disturbed.
    expect(t.rooms.peek(t.seed.boardA.id)?.awareness.getStates().has(clientId)).toBe(false);
    expect(bram.closeCodes).toEqual([]);
    anna.ws.terminate();
  });

  it("a socket destroyed without a close frame leaves Bram's presence", async () => {
    const clientId = 900_002;
    const anna = await annaPresent(clientId);
    const removed = removedAtBram(clientId);
    (anna.ws as unknown as { _socket: Socket })._socket.destroy();
    await withTimeout(removed, 15_000, "Anna's presence removed at Bram");
    expect(bram.provider.awareness.getStates().has(clientId)).toBe(false);
  });

  it("a connection that answers pings stays present across several ping intervals", async () => {
    const clientId = 900_003;
    const anna = await annaPresent(clientId);
    let removed = false;
    void removedAtBram(clientId).then(() => (removed = true));
    // Three intervals: every ping answered by ws's automatic pong.
    await new Promise((r) => setTimeout(r, 3_500));
    expect(removed).toBe(false);
    expect(bram.provider.awareness.getStates().get(clientId)?.user?.name).toBe("Anna");
    anna.close();
    await waitFor(() => removed, { timeout: 15_000, message: "Anna's presence removed after her close" });
  });
});
