/**
 * The room side of the relay between servers (server/cluster/relay.ts), with
 * a relay that records what it is given and two room managers as two
 * servers on one in-memory storage: what is published and when, what comes
 * back from another server (sent to clients, never stored or published
 * again), presence with its owners, and the generation guard. Also the
 * fan-out of a tick: one frame per client, whether the tick's updates came
 * from this server's clients or from another server.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as awarenessProtocol from "y-protocols/awareness";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import { RoomManager } from "../../server/sync/rooms";
import { CLOSE, presenceOwner, SERVER_OWNER } from "../../server/sync/room";
import { addCards, readBoard, updateCard } from "../../app/board/domain";
import { compareIds, mergeStoredState } from "../../server/cluster/relay";
import type { RoomRelay, RoomStorage, SyncConnection } from "../../server/sync/types";
import { docFrom, testConnection } from "../infra/sync-conn";

const quiet = { info() {}, warn() {}, error() {} };

/** The storage several servers share: snapshot + rows, a generation per board. */
function sharedStorage() {
  const rows: Array<{ id: number; boardId: string; data: Uint8Array }> = [];
  const snapshots = new Map<string, { data: Uint8Array; last: number }>();
  const generations = new Map<string, number>();
  let nextId = 1;
  const load = (boardId: string) => {
    const snap = snapshots.get(boardId);
    const after = snap?.last ?? 0;
    const mine = rows.filter((r) => r.boardId === boardId && r.id > after);
    return { snapshot: snap?.data ?? null, updates: mine.map((r) => r.data), lastUpdateId: mine.length ? mine[mine.length - 1].id : after };
  };
  const storage: RoomStorage & { rows: typeof rows; generations: typeof generations } = {
    rows,
    generations,
    load,
    append(batches) {
      for (const b of batches) for (const u of b.updates) rows.push({ id: nextId++, boardId: b.boardId, data: u });
    },
    record: () => [],
    compact(boardId, state, upToId) {
      snapshots.set(boardId, { data: state, last: upToId });
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i].boardId === boardId && rows[i].id <= upToId) rows.splice(i, 1);
    },
    latestUpdateId: (boardId) => Math.max(0, ...rows.filter((r) => r.boardId === boardId).map((r) => r.id)),
    generationOf: (boardId) => generations.get(boardId) ?? 0,
    compactStored(boardId, merge) {
      const s = load(boardId);
      if (!s.updates.length) return 0;
      this.compact(boardId, merge(s.snapshot, s.updates), s.lastUpdateId);
      return s.lastUpdateId;
    },
  };
  return storage;
}

/** A relay that delivers to the other managers at once, as Redis would a moment later, and records everything. */
function bus() {
  const servers: Array<{ name: string; rooms: RoomManager }> = [];
  const drop = new Set<string>();
  const log: Array<{ from: string; kind: string; boardId: string; generation: number; update: Uint8Array; owners?: Record<number, string> }> = [];
  const relayFor = (name: string): RoomRelay => ({
    loaded: () => Promise.resolve(),
    unloaded() {},
    compact: () => Promise.resolve(),
    rebuilt(boardId) {
      for (const s of servers) if (s.name !== name) s.rooms.dropRebuilt(boardId);
    },
    committed(boardId, generation, update) {
      log.push({ from: name, kind: "update", boardId, generation, update });
      for (const s of servers) if (s.name !== name && !drop.has(s.name)) s.rooms.applyRemote(boardId, generation, update);
    },
    presence(boardId, generation, update, owners) {
      log.push({ from: name, kind: "presence", boardId, generation, update, owners });
      for (const s of servers) if (s.name !== name) s.rooms.applyRemotePresence(boardId, generation, update, owners as Record<string, string>);
    },
  });
  return { servers, log, relayFor, drop };
}

const connection = testConnection;

/** A client's sync step 1 with an empty state vector: the server answers with the whole document. */
function hello(rooms: RoomManager, boardId: string, conn: SyncConnection): void {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
  rooms.peek(boardId)!.receive(conn, encoding.toUint8Array(e));
}

function awarenessFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

const tick = () => new Promise((r) => setImmediate(r));

function twoServers() {
  const storage = sharedStorage();
  const b = bus();
  for (const name of ["A", "B"]) {
    const rooms = new RoomManager({ storage, log: quiet, compactAfter: 1_000_000, idleMs: 0, relay: b.relayFor(name) });
    b.servers.push({ name, rooms });
  }
  return { storage, ...b, A: b.servers[0].rooms, B: b.servers[1].rooms };
}

/** A client's edit of the board: a note in the meta map (the check allows the board's own maps only, so use the server API). */
function serverEdit(rooms: RoomManager, boardId: string, key: string, value: string) {
  return rooms.withDoc(boardId, (doc) => doc.getMap("meta").set(key, value));
}

describe("stream ids", () => {
  it("compare by milliseconds, then sequence, beyond 2^53", () => {
    expect(compareIds("1-0", "1-1")).toBe(-1);
    expect(compareIds("2-0", "1-99")).toBe(1);
    expect(compareIds("1700000000000-5", "1700000000000-5")).toBe(0);
    expect(compareIds("18446744073709551615-0", "18446744073709551614-9")).toBe(1);
    expect(compareIds("0-0", "1-0")).toBe(-1);
  });
});

describe("compaction from storage", () => {
  it("folds the snapshot and every row into one state equal to applying them", () => {
    const a = new Y.Doc();
    const updates: Uint8Array[] = [];
    a.on("update", (u: Uint8Array) => updates.push(u));
    const snapshotDoc = new Y.Doc();
    snapshotDoc.getMap("m").set("old", 1);
    Y.applyUpdate(a, Y.encodeStateAsUpdate(snapshotDoc));
    updates.length = 0;
    for (let i = 0; i < 20; i++) a.getArray("list").push([i]);
    a.getArray("list").delete(0, 5);
    const merged = mergeStoredState(Y.encodeStateAsUpdate(snapshotDoc), updates);
    const b = new Y.Doc();
    Y.applyUpdate(b, merged);
    expect(b.getArray("list").toJSON()).toEqual(a.getArray("list").toJSON());
    expect(b.getMap("m").toJSON()).toEqual({ old: 1 });
  });
});

describe("rooms with a relay", () => {
  it("publishes a tick's updates of a board once, after storing them, and the other server's clients get them without storing them again", async () => {
    const { A, B, storage, log } = twoServers();
    A.getOrLoad("b1");
    B.getOrLoad("b1");
    await tick();
    const initial = storage.rows.length;
    const onB = connection("b-client");
    B.connect("b1", onB);
    hello(B, "b1", onB);
    const before = log.filter((e) => e.kind === "update").length;
    await serverEdit(A, "b1", "one", "1");
    const published = log.filter((e) => e.kind === "update").slice(before);
    expect(published).toHaveLength(1);
    expect(published[0].from).toBe("A");
    // Stored once (by A), not again by B.
    expect(storage.rows.length).toBe(initial + 1);
    expect(docFrom(onB.got).getMap("meta").get("one")).toBe("1");
    expect(B.peek("b1")!.doc.getMap("meta").get("one")).toBe("1");
    // B did not publish what it received.
    expect(log.filter((e) => e.from === "B" && e.kind === "update" && e.update === published[0].update)).toHaveLength(0);
  });

  it("combines the updates made in one tick into one published entry", async () => {
    const { A, B, log } = twoServers();
    A.getOrLoad("b1");
    B.getOrLoad("b1");
    await tick();
    const room = A.peek("b1")!;
    const before = log.length;
    room.doc.getMap("meta").set("x", "1");
    room.doc.getMap("meta").set("y", "2");
    // The tick may wait a moment (a busy server's ticks are spaced): until it is stored and published.
    await A.settled();
    await tick();
    const entries = log.slice(before).filter((e) => e.kind === "update");
    expect(entries).toHaveLength(1);
    const d = new Y.Doc();
    for (const e of log.slice(0, before)) if (e.kind === "update" && e.from === "A") Y.applyUpdate(d, e.update);
    expect(d.getMap("meta").get("x")).toBeUndefined();
    Y.applyUpdate(d, entries[0].update);
    expect(d.getMap("meta").toJSON()).toMatchObject({ x: "1", y: "2" });
    expect(B.peek("b1")!.doc.getMap("meta").toJSON()).toMatchObject({ x: "1", y: "2" });
  });

  it("a remote update that was already here changes nothing and is not sent to clients", async () => {
    const { A, B, log } = twoServers();
    A.getOrLoad("b1");
    B.getOrLoad("b1");
    await tick();
    await serverEdit(A, "b1", "k", "v");
    const onB = connection("b-client");
    B.connect("b1", onB);
    hello(B, "b1", onB);
    const frames = onB.got.length;
    const last = log.filter((e) => e.kind === "update").at(-1)!;
    expect(B.applyRemote("b1", 0, last.update)).toBe(true);
    expect(onB.got.length).toBe(frames);
  });

  it("ignores an update of another document generation", async () => {
    const { A, B, log } = twoServers();
    A.getOrLoad("b1");
    B.getOrLoad("b1");
    await tick();
    const copy = new Y.Doc();
    copy.getMap("meta").set("stale", "yes");
    expect(B.applyRemote("b1", 7, Y.encodeStateAsUpdate(copy))).toBe(false);
    expect(B.peek("b1")!.doc.getMap("meta").get("stale")).toBeUndefined();
    expect(log.filter((e) => e.from === "B" && e.kind === "update" && e.generation === 7)).toHaveLength(0);
  });

  it("a commit on a copy whose board was rebuilt elsewhere is not stored: the room closes with 4410", async () => {
    const { A, storage } = twoServers();
    A.getOrLoad("b1");
    await tick();
    const c = connection("c");
    A.connect("b1", c);
    const rows = storage.rows.length;
    storage.generations.set("b1", 1); // another server rebuilt it
    A.peek("b1")!.doc.getMap("meta").set("after-rebuild", "x");
    A.flushNow();
    expect(storage.rows.length).toBe(rows);
    expect(c.closed).toEqual([4410]);
    expect(A.peek("b1")).toBeUndefined();
  });

  it("a relayed update that builds on one this server never got is completed from storage", async () => {
    const { A, B, drop } = twoServers();
    A.getOrLoad("b1");
    B.getOrLoad("b1");
    await tick();
    const onB = connection("b-client");
    B.connect("b1", onB);
    hello(B, "b1", onB);
    drop.add("B");
    A.peek("b1")!.doc.getArray<number>("list").push([1]);
    A.flushNow();
    drop.delete("B");
    expect(B.peek("b1")!.doc.getArray("list").toJSON()).toEqual([]);
    A.peek("b1")!.doc.getArray<number>("list").push([2]);
    A.flushNow();
    const roomB = B.peek("b1")!;
    expect(roomB.doc.getArray("list").toJSON()).toEqual([1, 2]);
    expect((roomB.doc.store as unknown as { pendingStructs: unknown }).pendingStructs).toBeNull();
    await Promise.resolve(); // relayed updates go to clients at the end of the read
    expect(docFrom(onB.got).getArray("list").toJSON()).toEqual([1, 2]);
  });

  it("presence goes to the other server with its owner, comes back to nobody, and a person may move servers with their id", async () => {
    const { A, B, log } = twoServers();
    A.getOrLoad("b1");
    B.getOrLoad("b1");
    await tick();
    const anna = connection("anna", "session-anna");
    const onB = connection("bram", "session-bram");
    A.connect("b1", anna);
    B.connect("b1", onB);
    const clientDoc = new Y.Doc();
    const aw = new awarenessProtocol.Awareness(clientDoc);
    aw.setLocalState({ user: { name: "whatever" }, activity: { kind: "dragging", cardId: "c1" } });
    A.peek("b1")!.receive(anna, awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(aw, [clientDoc.clientID])));
    await new Promise((r) => setTimeout(r, 60));
    // Each server announced its own presence id when it loaded the board (a server's, SERVER_OWNER).
    const ownId = { A: A.peek("b1")!.doc.clientID, B: B.peek("b1")!.doc.clientID };
    const announcement = (e: (typeof log)[number]) => JSON.stringify(e.owners) === JSON.stringify({ [ownId[e.from as "A" | "B"]]: SERVER_OWNER });
    expect(log.filter((e) => e.kind === "presence" && announcement(e)).map((e) => e.from).sort()).toEqual(["A", "B"]);
    const sent = log.filter((e) => e.kind === "presence" && !announcement(e));
    expect(sent).toHaveLength(1);
    expect(sent[0].from).toBe("A");
    expect(sent[0].owners).toEqual({ [clientDoc.clientID]: presenceOwner("session-anna"), [ownId.A]: SERVER_OWNER });
    const onBState = B.peek("b1")!.awareness.getStates().get(clientDoc.clientID) as { user: { id: string } };
    expect(onBState.user.id).toBe("anna"); // stamped by A with the session's person
    await new Promise((r) => setTimeout(r, 60));
    // B sent it to its client but did not publish it back.
    expect(log.filter((e) => e.kind === "presence" && e.from === "B" && !announcement(e))).toHaveLength(0);
    expect(onB.got.some((f) => f[0] === 1)).toBe(true);
    // Anna leaves A: her presence leaves B too.
    A.disconnect(A.peek("b1")!, anna);
    await new Promise((r) => setTimeout(r, 60));
    expect(B.peek("b1")!.awareness.getStates().has(clientDoc.clientID)).toBe(false);
    // Bram on B cannot speak for Anna's id; Anna herself, moving to B with her session, can.
    aw.setLocalState({ user: { name: "x" } });
    B.peek("b1")!.receive(onB, awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(aw, [clientDoc.clientID])));
    expect(onB.closed).toEqual([CLOSE.forbidden]);
    const annaOnB = connection("anna", "session-anna");
    B.connect("b1", annaOnB);
    aw.setLocalState({ user: { name: "x" }, activity: null });
    B.peek("b1")!.receive(annaOnB, awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(aw, [clientDoc.clientID])));
    expect(annaOnB.closed).toEqual([]);
    expect(B.peek("b1")!.awareness.getStates().has(clientDoc.clientID)).toBe(true);
  });
});

/** A sync update frame as a client sends it. */
function updateFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** The update carried by a sync update frame (type 0, step 2). */
function updateOf(frame: Uint8Array): Uint8Array {
  const d = decoding.createDecoder(frame);
  expect(decoding.readVarUint(d)).toBe(0);
  expect(decoding.readVarUint(d)).toBe(2);
  return decoding.readVarUint8Array(d);
}

/** A connected, synced client with a document of its own that edits cards and sends its updates to the room. */
function editor(rooms: RoomManager, boardId: string, id: string) {
  const conn = connection(id);
  rooms.connect(boardId, conn);
  hello(rooms, boardId, conn);
  const doc = docFrom(conn.got);
  const synced = conn.got.length;
  return {
    conn,
    doc,
    /** Frames the room sent after the sync. */
    since: () => conn.got.slice(synced),
    edit(card: string, description: string) {
      let update: Uint8Array | null = null;
      const grab = (u: Uint8Array) => (update = u);
      doc.once("update", grab);
      updateCard(doc, card, { description }, 1_700_000_000_000);
      rooms.peek(boardId)!.receive(conn, updateFrame(update!));
    },
  };
}

/** Until the room manager's tick has run (a busy server spaces its ticks: not always the next turn) and its frames are out. */
async function ticked(rooms: RoomManager): Promise<void> {
  await rooms.settled();
  await tick();
}

describe("fan-out: one frame per client and tick", () => {
  async function boardWithCards(rooms: RoomManager) {
    await rooms.withDoc("b1", (doc) =>
      addCards(doc, ["c1", "c2", "c3"].map((id) => ({ id, title: id, category: "taal", description: "", area: "", urgency: "normaal", createdAt: 1, createdByOrg: "org" }))),
    );
  }

  it("the updates of several clients in one tick reach every other client as one merged update; an author gets only the others'", async () => {
    const storage = sharedStorage();
    const rooms = new RoomManager({ storage, log: quiet, compactAfter: 1_000_000, idleMs: 0 });
    await boardWithCards(rooms);
    const a = editor(rooms, "b1", "a");
    const b = editor(rooms, "b1", "b");
    const c = editor(rooms, "b1", "c");
    const watcher = editor(rooms, "b1", "watcher");
    // Three edits (two by a) arrive in one tick, before the commit.
    a.edit("c1", "van a");
    b.edit("c2", "van b");
    a.edit("c3", "ook van a");
    expect(a.conn.closed).toEqual([]);
    expect(b.conn.closed).toEqual([]);
    await ticked(rooms);
    const server = rooms.peek("b1")!.doc;
    // The watcher and c (no edit of their own): one frame, everything in it.
    for (const who of [watcher, c]) {
      expect(who.since()).toHaveLength(1);
      Y.applyUpdate(who.doc, updateOf(who.since()[0]));
      expect(readBoard(who.doc)).toEqual(readBoard(server));
      expect(Y.encodeStateVector(who.doc)).toEqual(Y.encodeStateVector(server));
    }
    // b gets a's two edits in one frame, not its own.
    expect(b.since()).toHaveLength(1);
    const toB = updateOf(b.since()[0]);
    expect(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(toB)).has(b.doc.clientID)).toBe(false);
    Y.applyUpdate(b.doc, toB);
    expect(readBoard(b.doc)).toEqual(readBoard(server));
    // a gets b's edit alone.
    expect(a.since()).toHaveLength(1);
    const toA = updateOf(a.since()[0]);
    expect([...Y.decodeStateVector(Y.encodeStateVectorFromUpdate(toA)).keys()]).toEqual([b.doc.clientID]);
    Y.applyUpdate(a.doc, toA);
    expect(readBoard(a.doc)).toEqual(readBoard(server));
    // Stored as they came (three rows), persisted before anyone got a frame.
    expect(storage.rows.length).toBeGreaterThanOrEqual(3);
  });

  it("a busy tick of many authors: each still gets one frame, the whole tick's (its own updates included, which change nothing)", async () => {
    const rooms = new RoomManager({ storage: sharedStorage(), log: quiet, compactAfter: 1_000_000, idleMs: 0 });
    await boardWithCards(rooms);
    const authors = Array.from({ length: 10 }, (_, i) => editor(rooms, "b1", `author-${i}`));
    const watcher = editor(rooms, "b1", "watcher");
    authors.forEach((a, i) => {
      for (let k = 0; k < 10; k++) a.edit(["c1", "c2", "c3"][(i + k) % 3], `${i}-${k}`);
    });
    await ticked(rooms);
    const server = rooms.peek("b1")!.doc;
    for (const who of [...authors, watcher]) {
      expect(who.conn.closed).toEqual([]);
      expect(who.since()).toHaveLength(1);
      Y.applyUpdate(who.doc, updateOf(who.since()[0]));
      expect(readBoard(who.doc)).toEqual(readBoard(server));
      expect(Y.encodeStateVector(who.doc)).toEqual(Y.encodeStateVector(server));
    }
  });

  it("a client whose update was the only one of the tick is sent nothing", async () => {
    const rooms = new RoomManager({ storage: sharedStorage(), log: quiet, compactAfter: 1_000_000, idleMs: 0 });
    await boardWithCards(rooms);
    const a = editor(rooms, "b1", "a");
    const other = editor(rooms, "b1", "other");
    a.edit("c1", "alleen a");
    await ticked(rooms);
    expect(a.since()).toHaveLength(0);
    expect(other.since()).toHaveLength(1);
  });

  it("after a pause a lone edit goes out in the turn it arrived: ticks are spaced only while the server is busy", async () => {
    const rooms = new RoomManager({ storage: sharedStorage(), log: quiet, compactAfter: 1_000_000, idleMs: 0 });
    await boardWithCards(rooms);
    const a = editor(rooms, "b1", "a");
    const other = editor(rooms, "b1", "other");
    // Longer than any spacing (at most 15 ms after the last tick).
    await new Promise((r) => setTimeout(r, 40));
    a.edit("c1", "na een pauze");
    await tick();
    expect(other.since()).toHaveLength(1);
  });

  it("updates relayed from another server in one read go to each client as one frame, in order, and are not stored again", async () => {
    const { A, B, storage, log } = twoServers();
    await boardWithCards(A);
    B.getOrLoad("b1");
    await tick();
    const onB = editor(B, "b1", "on-b");
    // Three commits on A, relayed to B one by one as a read of the stream delivers them (one synchronous run).
    const source = new Y.Doc();
    Y.applyUpdate(source, Y.encodeStateAsUpdate(A.peek("b1")!.doc));
    const updates: Uint8Array[] = [];
    source.on("update", (u: Uint8Array) => updates.push(u));
    updateCard(source, "c1", { description: "een" }, 1);
    updateCard(source, "c1", { description: "twee" }, 2);
    updateCard(source, "c2", { description: "drie" }, 3);
    const rows = storage.rows.length;
    const published = log.length;
    for (const u of updates) expect(B.applyRemote("b1", 0, u)).toBe(true);
    expect(onB.since()).toHaveLength(0); // not yet: at the end of the read
    await Promise.resolve();
    expect(onB.since()).toHaveLength(1);
    Y.applyUpdate(onB.doc, updateOf(onB.since()[0]));
    expect(readBoard(onB.doc)).toEqual(readBoard(B.peek("b1")!.doc));
    expect(readBoard(onB.doc).cards.find((x) => x.id === "c1")?.description).toBe("twee");
    expect(storage.rows.length).toBe(rows);
    expect(log.length).toBe(published);
  });
});
