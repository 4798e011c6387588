/**
 * Presence (Yjs awareness) through the real server: the identity others see
 * is stamped by the server from the session, a person can hide, and nobody
 * can speak for another connection's awareness client id.
 */
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { startTestServer, waitFor, withTimeout, type TestServer, type YClient } from "./harness";

let t: TestServer;
let anna: YClient; // member of A1, whose presence is watched
let bram: YClient; // member of A2, who watches
/** Every state Bram's client ever held for Anna's client id, serialised. */
const seenOfAnna: string[] = [];

beforeAll(async () => {
  t = await startTestServer();
  anna = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA1 });
  bram = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.memberA2 });
  // What the app does at once: a first field (the initial, empty state has clock 0, which no peer applies).
  anna.provider.awareness.setLocalStateField("activity", null);
  bram.provider.awareness.setLocalStateField("activity", null);
  bram.provider.awareness.on("change", () => {
    const s = bram.provider.awareness.getStates().get(anna.doc.clientID);
    if (s !== undefined) seenOfAnna.push(JSON.stringify(s));
  });
});

afterAll(async () => {
  await t?.close();
});

type State = Record<string, any> | undefined;
const annaAsSeenByBram = (): State => bram.provider.awareness.getStates().get(anna.doc.clientID);
const serverStateOf = (clientId: number): State => t.rooms.peek(t.seed.boardA.id)?.awareness.getStates().get(clientId);

/** Bram has received Anna's newest awareness update (her local clock). */
async function bramCaughtUp(): Promise<void> {
  await waitFor(
    () => bram.provider.awareness.meta.get(anna.doc.clientID)?.clock === anna.provider.awareness.meta.get(anna.doc.clientID)?.clock,
    { message: "Bram received Anna's latest awareness clock" },
  );
}

const annaIdentity = () => ({
  id: t.seed.memberA1.id,
  name: "Anna",
  orgId: t.seed.orgA1.id,
  orgName: t.seed.orgA1.shortName,
  color: expect.stringMatching(/^#[0-9a-f]{6}$/),
});

describe("presence stamped by the server", () => {
  it("a client that claims another identity is shown with its session's identity", async () => {
    anna.provider.awareness.setLocalStateField("user", { name: "Iemand anders", id: "forged", orgId: t.seed.orgA2.id, color: "#000000" });
    anna.provider.awareness.setLocalStateField("activity", { kind: "editing", cardId: t.seed.boardA.cardIds[0], extra: "weg" });
    await bramCaughtUp();

    expect(annaAsSeenByBram()).toEqual({
      user: annaIdentity(),
      activity: { kind: "editing", cardId: t.seed.boardA.cardIds[0] },
    });
    expect(serverStateOf(anna.doc.clientID)).toEqual(annaAsSeenByBram());
    expect(seenOfAnna.length).toBeGreaterThan(0);
    for (const s of seenOfAnna) {
      expect(s).not.toContain("Iemand anders");
      expect(s).not.toContain("forged");
      expect(s).not.toContain("weg");
    }
    // Bram's own presence, as Anna sees it, is Bram.
    await waitFor(() => anna.provider.awareness.getStates().get(bram.doc.clientID)?.user?.name === "Bram", {
      message: "Anna sees Bram",
    });
    expect(anna.provider.awareness.getStates().get(bram.doc.clientID)).toMatchObject({
      user: { id: t.seed.memberA2.id, name: "Bram", orgId: t.seed.orgA2.id, orgName: t.seed.orgA2.shortName },
    });
  });

  it("hidden: others see { hidden: true } and no identity; visible again shows the stamped identity", async () => {
    anna.provider.awareness.setLocalStateField("hidden", true);
    await bramCaughtUp();
    expect(annaAsSeenByBram()).toEqual({ hidden: true });
    expect(serverStateOf(anna.doc.clientID)).toEqual({ hidden: true });

    anna.provider.awareness.setLocalStateField("hidden", false);
    await bramCaughtUp();
    expect(annaAsSeenByBram()).toMatchObject({ user: annaIdentity() });
    for (const s of seenOfAnna) expect(s).not.toContain("forged");
  });
});

describe("nobody speaks for another connection's presence", () => {
  function awarenessFrame(clientId: number, state: Record<string, unknown>): Uint8Array {
    const doc = new Y.Doc();
    doc.clientID = clientId;
    const aw = new awarenessProtocol.Awareness(doc);
    aw.setLocalState(state);
    // A clock well ahead of the victim's, so a naive server would accept it as newer.
    const meta = aw.meta.get(clientId)!;
    meta.clock = (anna.provider.awareness.meta.get(anna.doc.clientID)?.clock ?? 0) + 10;
    const update = awarenessProtocol.encodeAwarenessUpdate(aw, [clientId]);
    aw.destroy();
    doc.destroy();
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 1); // y-websocket messageAwareness
    encoding.writeVarUint8Array(e, update);
    return encoding.toUint8Array(e);
  }

  it("an awareness update for another connection's client id closes the sender with 4403; the victim's presence is unchanged", async () => {
    await bramCaughtUp();
    const before = annaAsSeenByBram();
    const serverBefore = serverStateOf(anna.doc.clientID);
    expect(before).toMatchObject({ user: { name: "Anna" } });

    // Bram's own session, on a second (raw) connection: signed in and on the board, but not Anna's connection.
    const attacker = t.raw(`/yjs/${t.seed.boardA.id}`, { cookie: t.seed.cookies.memberA2 });
    await withTimeout(attacker.opened, 10_000, "attacker connected");
    await attacker.roundTrip();
    attacker.send(awarenessFrame(anna.doc.clientID, { user: { name: "Nep-Anna", id: "forged" }, hidden: false }));
    const closed = await withTimeout(attacker.closed, 10_000, "attacker closed");
    expect(closed.code).toBe(4403);

    // Anything the server could have sent Bram before now has arrived.
    await bram.roundTrip();
    expect(annaAsSeenByBram()).toEqual(before);
    expect(serverStateOf(anna.doc.clientID)).toEqual(serverBefore);
    for (const s of seenOfAnna) expect(s).not.toContain("Nep-Anna");
    // Anna and Bram were not disturbed.
    expect(anna.closeCodes).toEqual([]);
    expect(bram.closeCodes).toEqual([]);
    expect(anna.provider.wsconnected && bram.provider.wsconnected).toBe(true);
  });

  it("an awareness update for the server's own client id is refused too (4403)", async () => {
    const board = t.seed.boardA.id;
    const connections = () => t.servers.map((s) => s.rooms.peek(board)?.size ?? 0);
    const before = connections();
    const attacker = t.raw(`/yjs/${board}`, { cookie: t.seed.cookies.memberA2 });
    await withTimeout(attacker.opened, 10_000, "attacker connected");
    await attacker.roundTrip();
    // The server the attacker reached (of two, on PostgreSQL): its own client id.
    const room = t.servers[connections().findIndex((n, i) => n > before[i])].rooms.peek(board)!;
    attacker.send(awarenessFrame(room.doc.clientID, { user: { name: "Server" } }));
    expect((await withTimeout(attacker.closed, 10_000, "attacker closed")).code).toBe(4403);
    expect(room.awareness.getStates().has(room.doc.clientID)).toBe(false);
  });

  it("clients relay the presence they receive back to the server (y-websocket does); that is not an attack", async () => {
    await bramCaughtUp();
    // A newcomer receives Anna's and Bram's states on joining and sends them straight back.
    const kees = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.viewerA });
    await waitFor(() => kees.provider.awareness.getStates().get(anna.doc.clientID)?.user?.name === "Anna", { message: "Kees sees Anna" });
    await waitFor(() => kees.provider.awareness.getStates().get(bram.doc.clientID)?.user?.name === "Bram", { message: "Kees sees Bram" });
    kees.provider.awareness.setLocalStateField("activity", null);
    await waitFor(() => bram.provider.awareness.getStates().get(kees.doc.clientID)?.user?.name === "Kees", { message: "Bram sees Kees" });
    // Every relay reached the server before this answer.
    await kees.roundTrip();
    await bram.roundTrip();
    await anna.roundTrip();
    expect(kees.closeCodes).toEqual([]);
    expect(bram.closeCodes).toEqual([]);
    expect(anna.closeCodes).toEqual([]);
    expect(kees.provider.wsconnected).toBe(true);
    expect(annaAsSeenByBram()).toMatchObject({ user: { name: "Anna" } });
    kees.destroy();
    await waitFor(() => !bram.provider.awareness.getStates().has(kees.doc.clientID), { message: "Kees left" });
  });

  it("a client whose connection drops and comes back with the same id is removed again when it drops for good", async () => {
    const cora = await t.connect(t.seed.boardA.id, { cookie: t.seed.cookies.coordinatorA });
    const coraId = cora.doc.clientID;
    const seesCora = () => bram.provider.awareness.getStates().get(coraId)?.user?.name === "Cora";
    cora.provider.awareness.setLocalStateField("activity", null);
    await waitFor(seesCora, { message: "Bram sees Cora" });

    // The connection drops (no goodbye); the provider reconnects with the same client id.
    (cora.provider.ws as unknown as { terminate(): void }).terminate();
    await waitFor(() => !bram.provider.awareness.getStates().has(coraId), { message: "Cora's dropped connection removed her presence" });
    await waitFor(() => cora.provider.wsconnected && cora.provider.synced, { message: "Cora reconnected" });
    // The server bumped her clock when it removed her; two changes bring her back.
    cora.provider.awareness.setLocalStateField("activity", { kind: "editing", cardId: t.seed.boardA.cardIds[1] });
    cora.provider.awareness.setLocalStateField("activity", null);
    await waitFor(seesCora, { message: "Bram sees Cora again" });

    // Now it drops for good: her presence must go at once, not linger until the awareness timeout.
    cora.provider.shouldConnect = false;
    (cora.provider.ws as unknown as { terminate(): void }).terminate();
    await waitFor(() => !bram.provider.awareness.getStates().has(coraId), { timeout: 5_000, message: "Cora's presence removed after the second drop" });
    expect(serverStateOf(coraId)).toBeUndefined();
    cora.destroy();
  });

  it("a client that leaves disappears from the others' presence", async () => {
    const annaId = anna.doc.clientID;
    anna.destroy();
    await waitFor(() => !bram.provider.awareness.getStates().has(annaId), { message: "Anna's presence removed for Bram" });
    await waitFor(() => serverStateOf(annaId) === undefined, { message: "Anna's presence removed on the server" });
  });
});
