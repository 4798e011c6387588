/**
 * A rebuilt board leaves nothing of its older generations in Redis, against
 * a real redis-server. A rebuild is how an erasure ("Vergeet deze persoon"),
 * the retention sweep and a spam mark take words out of a board; the relay's
 * stream of the board (`ab:board:<id>:updates`) carried those words in the
 * updates of the older generation, and kept them until it was trimmed,
 * 10,000 entries later (on a quiet board: never). Now the server that
 * rebuilds and every server that drops its copy as rebuilt remove the
 * entries of older generations from the stream, and an entry of an older
 * generation still waiting in a server's outbox is never published.
 * (erase-canary.test.ts counts the canary in all of Redis on PostgreSQL.)
 */
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import type { RedisLink } from "../../server/cluster/redis";
import { bellKey, bellShard, generationKey, updatesKey, type RedisRelay, type RelayRooms } from "../../server/cluster/relay";
import { relayTestbed } from "../infra/relay-testbed";
import { sleep, waitFor } from "./harness";

/** Servers' relays publishing only (no read loop: what they publish is read here with XRANGE). */
const bed = relayTestbed();
const server = (name: string) => bed.relay(name);

/** The board's update stream as generation and payload text of each entry ("" for a rebuild marker or a notice). */
async function stream(r: RedisLink, boardId: string): Promise<Array<{ g: number; u: string; rebuilt: boolean; notice: boolean }>> {
  const entries = await r.command.xrange(updatesKey(boardId), "-", "+");
  return entries.map(([, fields]) => {
    const f = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) f.set(fields[i], fields[i + 1]);
    return { g: Number(f.get("g")), u: f.get("u") ?? "", rebuilt: f.get("r") === "1", notice: f.get("n") === "1" };
  });
}

/**
 * Rooms that hold the board at whatever generation they are told: what the relay applies and asks of them. With
 * `stored`, the catch-up from storage compares the copy's generation with it and drops a copy that storage has left
 * behind, as RoomManager.dropUnstored does (unloaded, then superseded).
 */
function rooms(stored?: { relay: () => RedisRelay; board: string; copy: number; generation: number }) {
  const seen = { applied: [] as string[], catchUps: 0 };
  const r: RelayRooms = {
    applyRemote: (_board, _generation, update) => {
      seen.applied.push(new TextDecoder().decode(update));
      return true;
    },
    applyRemotePresence: () => {},
    catchUpFromStorage: (boardId) => {
      seen.catchUps++;
      if (!stored || boardId !== stored.board || stored.generation === stored.copy) return;
      stored.relay().unloaded(boardId);
      stored.relay().superseded(boardId, stored.copy + 1);
    },
    dropRebuilt: () => {},
    disconnectUser: () => {},
    disconnectSessions: () => {},
    reconnectBoard: () => {},
  };
  return { rooms: r, seen };
}

const bytes = (text: string) => new TextEncoder().encode(text);

/** A server's command socket holding what it is given (a slow network, or Redis away from it alone) until uncorked. */
const corked = (r: RedisLink) => {
  const socket = (r.command as unknown as { stream: Socket }).stream;
  socket.cork();
  return socket;
};

/**
 * A server that holds the board at `generation` and reads its stream (stub rooms record what it applies), once
 * positioned; `storage.generation` is the board's generation in storage (a rebuild elsewhere raises it).
 */
async function holder(name: string, board: string, generation: number) {
  const r = await server(name);
  const storage = { relay: () => r.relay, board, copy: generation, generation };
  const held = rooms(storage);
  void r.relay.loaded(board, generation);
  r.relay.start(held.rooms);
  await waitFor(() => held.seen.catchUps === 1 || null, { message: `${name} positioned` });
  return { ...r, seen: held.seen, storage };
}

describe("a rebuilt board's older generations in Redis", () => {
  it("leave the stream when a server rebuilds the board; the new generation's entries and the marker stay", async () => {
    const a = await server("scrub-a");
    const b = await server("scrub-b");
    const c = await server("scrub-c");
    const board = "board-scrub-1";
    void a.relay.loaded(board, 1);
    void b.relay.loaded(board, 1);
    for (let i = 0; i < 3; i++) b.relay.committed(board, 1, bytes(`oud-${i}`));
    a.relay.committed(board, 1, bytes("oud-a"));
    await b.relay.published();
    await a.relay.published();
    // Another server already at the new generation (it loaded the board after the rebuild's commit).
    void c.relay.loaded(board, 2);
    c.relay.committed(board, 2, bytes("nieuw-c"));
    await c.relay.published();
    // (The two servers' first entries in either order.)
    expect((await stream(a.link, board)).map((e) => e.u).sort()).toEqual(["nieuw-c", "oud-0", "oud-1", "oud-2", "oud-a"]);

    a.relay.rebuilt(board, 2);
    await waitFor(async () => (await stream(a.link, board)).every((e) => e.g >= 2) || null, { message: "the older generation gone from the stream" });
    const left = await stream(a.link, board);
    expect(left.map((e) => ({ g: e.g, u: e.u, rebuilt: e.rebuilt }))).toEqual([
      { g: 2, u: "nieuw-c", rebuilt: false },
      { g: 2, u: "", rebuilt: true },
    ]);
    expect(a.relay.stats.scrubbed).toBe(4);
  });

  it("a stream longer than one page is scrubbed whole, the entries it keeps on the pages' edges included", async () => {
    const a = await server("scrub-long");
    const board = "board-scrub-long";
    void a.relay.loaded(board, 4);
    // Generations 3 and 4 in turn (as two servers, one on each side of the rebuild, could leave them): pages of 500
    // end on a kept entry, which the next page reads again.
    // (Written here: the relay itself no longer publishes an older generation after a newer one, see below.)
    const pipeline = a.link.command.pipeline();
    for (let i = 0; i < 1_234; i++) pipeline.xadd(updatesKey(board), "*", "o", "scrub-other", "g", String(3 + (i % 2)), "u", `e-${i}`);
    await pipeline.exec();
    expect((await stream(a.link, board)).length).toBe(1_234);
    a.relay.superseded(board, 4);
    await waitFor(async () => (await stream(a.link, board)).every((e) => e.g === 4) || null, { message: "generation 3 gone" });
    const left = await stream(a.link, board);
    expect(left.length).toBe(617);
    expect(left.map((e) => e.u)).toEqual(Array.from({ length: 617 }, (_, k) => `e-${2 * k + 1}`));
    expect(a.relay.stats.scrubbed).toBe(617);
  });

  it("a server that learns of the rebuild never publishes what of the older generation waits in its outbox, and removes what was in flight", async () => {
    const b = await server("scrub-late");
    const board = "board-scrub-late";
    void b.relay.loaded(board, 5);
    // Its command connection holds what it is given (a slow network): the first batch is in flight, the next waits.
    const socket = corked(b.link);
    b.relay.committed(board, 5, bytes("in-flight"));
    await sleep(20);
    b.relay.committed(board, 5, bytes("waiting"));
    b.relay.committed(board, 6, bytes("new"));
    // Another server rebuilt the board to generation 6; this one drops its copy (RoomManager.dropUnstored).
    b.relay.superseded(board, 6);
    socket.uncork();
    await b.relay.flushed();
    await waitFor(async () => (await stream(b.link, board)).every((e) => e.g >= 6) || null, { message: "the in-flight entry removed" });
    // Settled: nothing of generation 5 comes later.
    await sleep(200);
    expect((await stream(b.link, board)).map((e) => e.u)).toEqual(["new"]);
    expect(b.relay.stats.published).toBe(2); // "in-flight" (then removed) and "new"; "waiting" never
    expect(b.relay.stats.scrubbed).toBe(1);
  });

  it("Redis refuses an older generation's entry that reaches it after the rebuild's marker, whatever its server knows", async () => {
    const a = await server("refuse-a");
    const s = await server("refuse-slow");
    const board = "board-refuse";
    void a.relay.loaded(board, 7);
    void s.relay.loaded(board, 7);
    // The slow server's entry is on its way (its socket holds it) while the other rebuilds the board and scrubs.
    const socket = corked(s.link);
    s.relay.committed(board, 7, bytes("geheim-onderweg"));
    await sleep(20);
    a.relay.rebuilt(board, 8);
    await a.relay.flushed();
    await waitFor(async () => (await stream(a.link, board)).length === 1 || null, { message: "the marker out" });
    socket.uncork();
    await s.relay.flushed();
    await sleep(200);
    expect(await stream(a.link, board)).toEqual([{ g: 8, u: "", rebuilt: true, notice: false }]);
    expect(await a.link.command.get(generationKey(board))).toBe("8");
    expect(s.relay.stats.refused).toBe(1);
    expect(s.relay.stats.published).toBe(0);
    // The new generation's entries go on as before (from a copy loaded after the rebuild).
    void a.relay.loaded(board, 8);
    a.relay.committed(board, 8, bytes("nieuw"));
    await a.relay.flushed();
    expect((await stream(a.link, board)).map((e) => e.u)).toEqual(["", "nieuw"]);
  });

  it("an update published after its board left its server goes without its words; the servers holding the board read storage again", async () => {
    const reader = await holder("notice-reader", "board-notice", 2);
    const s = await server("notice-slow");
    void s.relay.loaded("board-notice", 2);
    s.relay.committed("board-notice", 2, bytes("gewoon"));
    await s.relay.flushed();
    await waitFor(() => reader.seen.applied.includes("gewoon") || null, { message: "an update of a board held here carries its words" });

    // Redis away from this server alone (its socket holds what it is given): one entry in flight, one waiting.
    const socket = corked(s.link);
    s.relay.committed("board-notice", 2, bytes("al-onderweg"));
    await sleep(20);
    s.relay.committed("board-notice", 2, bytes("geheim-wachtend"));
    // The board leaves the server (its people left) before Redis is back: it cannot learn of a rebuild any more.
    s.relay.unloaded("board-notice");
    socket.uncork();
    await s.relay.flushed();
    await waitFor(() => reader.seen.catchUps === 2 || null, { message: "the reader reads storage again" });
    const entries = await stream(reader.link, "board-notice");
    expect(entries.map((e) => ({ u: e.u, notice: e.notice }))).toEqual([
      { u: "gewoon", notice: false },
      { u: "al-onderweg", notice: false },
      { u: "", notice: true },
    ]);
    expect(s.relay.stats.notices).toBe(1);
    expect(reader.relay.stats.noticesRead).toBe(1);
    expect(reader.seen.applied).toEqual(["gewoon", "al-onderweg"]);
  });

  it("a server that reads an older generation's words in the stream removes them", async () => {
    const reader = await holder("belt-reader", "board-belt", 4);
    // Redis restarted and lost what it knew of the board's generations; a straggler's entry of generation 3 comes in.
    await reader.link.command.xadd(updatesKey("board-belt"), "*", "o", "straggler", "g", "3", "u", "geheim-oud");
    await reader.link.command.xadd(bellKey(bellShard("board-belt")), "*", "b", "board-belt"); // and its doorbell, as a server publishes it
    await waitFor(async () => (await stream(reader.link, "board-belt")).length === 0 || null, { message: "the older entry removed" });
    expect(reader.seen.applied).toEqual([]);
    expect(reader.relay.stats.scrubbed).toBe(1);
  });

  it("an old copy's words wait while Redis does not know the board's generation, and are never published when storage says the board was rebuilt", async () => {
    const board = "board-forgot";
    const stale = await holder("forgot-stale", board, 3);
    expect(await stale.link.command.get(generationKey(board))).toBe("3");
    // Another server rebuilt the board (storage is at generation 4); its marker was in Redis, and Redis lost it with
    // everything it knew of the board (restarted empty, or the key evicted) before this server read it.
    stale.storage.generation = 4;
    await stale.link.command.del(generationKey(board), updatesKey(board));
    // An update this server committed before the rebuild was still on its way: it must not put the erased words back.
    stale.relay.committed(board, 3, bytes("geheim-van-voor"));
    expect(await stale.relay.flushed()).toBe(true);
    await sleep(100);
    expect(await stream(stale.link, board)).toEqual([]);
    // It read storage again (positioned), found the rebuild, and dropped its copy with what waited of it.
    expect(stale.seen.catchUps).toBe(2);
    expect(stale.relay.stats.unconfirmed).toBe(1);
    expect(stale.relay.stats.published).toBe(0);
    // The outbox is not held up: another board's update goes.
    void stale.relay.loaded("board-forgot-other", 1);
    stale.relay.committed("board-forgot-other", 1, bytes("ander-bord"));
    expect(await stale.relay.flushed()).toBe(true);
    expect((await stream(stale.link, "board-forgot-other")).map((e) => e.u)).toEqual(["ander-bord"]);
  });

  it("a copy storage confirms publishes its words once Redis knows the generation again, in order", async () => {
    const board = "board-forgot-ok";
    const reader = await holder("forgot-reader", board, 5);
    const s = await holder("forgot-writer", board, 5);
    await s.link.command.del(generationKey(board), updatesKey(board));
    s.relay.committed(board, 5, bytes("een"));
    s.relay.committed(board, 5, bytes("twee"));
    await waitFor(() => reader.seen.applied.length === 2 || null, { message: "the other server applies both" });
    expect(reader.seen.applied).toEqual(["een", "twee"]);
    expect(s.seen.catchUps).toBe(2);
    expect(s.relay.stats.unconfirmed).toBe(1);
    expect(await s.link.command.get(generationKey(board))).toBe("5");
    // Redis knows it now: the next goes at once, without another storage read.
    s.relay.committed(board, 5, bytes("drie"));
    await waitFor(() => reader.seen.applied.length === 3 || null, { message: "the third applied" });
    expect(s.seen.catchUps).toBe(2);
    expect(s.relay.stats.unconfirmed).toBe(1);
  });
  it("while storage cannot confirm the generation, the words wait; they go once it can", async () => {
    const board = "board-forgot-away";
    const reader = await holder("away-reader", board, 6);
    const s = await server("away-writer");
    const seen = rooms();
    // Storage is away for the first two reads after Redis lost what it knew (the catch-up rejects, as RoomManager's does).
    let away = 0;
    const catchUp = seen.rooms.catchUpFromStorage;
    seen.rooms.catchUpFromStorage = (boardId) => {
      if (away > 0) {
        away--;
        throw new Error("storage away");
      }
      return catchUp(boardId);
    };
    void s.relay.loaded(board, 6);
    s.relay.start(seen.rooms);
    await waitFor(() => seen.seen.catchUps === 1 || null, { message: "positioned" });
    away = 2;
    await s.link.command.del(generationKey(board));
    s.relay.committed(board, 6, bytes("wacht-op-opslag"));
    await sleep(150);
    // Held: not in the stream while its generation is unconfirmed.
    expect((await stream(s.link, board)).map((e) => e.u)).not.toContain("wacht-op-opslag");
    await waitFor(() => reader.seen.applied.includes("wacht-op-opslag") || null, { message: "published once storage answered", timeout: 10_000 });
    expect(away).toBe(0);
    expect(s.relay.stats.unconfirmed).toBe(1);
    expect(await s.link.command.get(generationKey(board))).toBe("6");
  });
});
