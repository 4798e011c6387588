/**
 * What a server's relay reads of Redis, against a real redis-server. Its read
 * loop used to block on one XREAD of every loaded board's two streams, a
 * command that grew with the boards (at 100 boards, writing it was a tenth
 * of a server's time in the saturation bench). Now each entry rings a
 * doorbell in one of BELL_SHARDS small streams, the loop blocks on the
 * doorbells of its boards' shards, and then reads only the boards that rang.
 */
import { describe, expect, it } from "vitest";
import { BELL_SHARDS, bellKey, bellShard, presenceKey, updatesKey, type RelayRooms } from "../../server/cluster/relay";
import { relayTestbed } from "../infra/relay-testbed";
import { sleep, waitFor, withTimeout } from "./harness";

const bed = relayTestbed();

/** Rooms that apply what they are given; `catchUp` may hold a board's catch-up from storage. */
function rooms(catchUp: (boardId: string) => Promise<void> | undefined = () => undefined) {
  const applied: string[] = [];
  const r: RelayRooms = {
    applyRemote: (boardId, _generation, update) => {
      applied.push(`${boardId} ${new TextDecoder().decode(update)}`);
      return true;
    },
    applyRemotePresence: () => {},
    catchUpFromStorage: (boardId) => catchUp(boardId),
    dropRebuilt: () => {},
    disconnectUser: () => {},
    disconnectSessions: () => {},
    reconnectBoard: () => {},
  };
  return { rooms: r, applied };
}

/** The keys an XREAD names after STREAMS (half of what follows it). */
const streamsOf = (args: unknown[]) => {
  const at = args.findIndex((a) => String(a) === "STREAMS");
  return args.slice(at + 1, at + 1 + (args.length - at - 1) / 2).map(String);
};

describe("the relay's read loop", () => {
  it("with 80 boards loaded, blocks on the doorbells of their shards and reads only the board that was written to", async () => {
    const boards = Array.from({ length: 80 }, (_, i) => `board-bell-${i}`);
    const writer = await bed.relay("bell-writer", { blockMs: 200 });
    const reader = await bed.relay("bell-reader", { blockMs: 200 });
    const calls: Array<{ block: boolean; keys: string[] }> = [];
    const xread = reader.blocking.xreadBuffer.bind(reader.blocking) as (...args: unknown[]) => Promise<unknown>;
    (reader.blocking as unknown as { xreadBuffer: (...args: unknown[]) => Promise<unknown> }).xreadBuffer = (...args: unknown[]) => {
      calls.push({ block: args.some((a) => String(a) === "BLOCK"), keys: streamsOf(args) });
      return xread(...args);
    };
    const seen = rooms();
    writer.relay.start(rooms().rooms);
    reader.relay.start(seen.rooms);
    await Promise.all(boards.map((b) => writer.relay.loaded(b, 0)));
    await Promise.all(boards.map((b) => reader.relay.loaded(b, 0)));
    // Each board is read once after it is positioned; then the loop waits on the doorbells.
    await waitFor(
      () => {
        const read = calls.map((c) => c.keys.length === 2 * boards.length).lastIndexOf(true);
        return read >= 0 && calls.slice(read + 1).some((c) => c.block);
      },
      { message: "the reader read every board once and blocks" },
    );

    calls.length = 0;
    writer.relay.committed(boards[17], 0, new TextEncoder().encode("hallo"));
    await waitFor(() => seen.applied.includes(`${boards[17]} hallo`), { message: "the reader applied the update" });
    // And the loop blocks again (nothing else to read).
    await waitFor(() => calls.length > 0 && calls[calls.length - 1].block, { message: "the reader blocks again" });

    const shards = new Set(boards.map(bellShard));
    for (const c of calls.filter((c) => c.block)) {
      expect(c.keys.length).toBeLessThanOrEqual(1 + BELL_SHARDS);
      expect(c.keys.slice(1).sort()).toEqual([...shards].map(bellKey).sort());
    }
    // The one board that rang, its two streams, read without blocking.
    const reads = calls.filter((c) => !c.block && c.keys.some((k) => k.startsWith("ab:board:")));
    expect(reads.map((c) => c.keys)).toContainEqual([updatesKey(boards[17]), presenceKey(boards[17])]);
    for (const c of reads) expect(c.keys.length).toBeLessThanOrEqual(4);
    expect(seen.applied).toEqual([`${boards[17]} hallo`]);
  });

  it("a reader far behind on a doorbell stream (trimmed past it) reads every board of the shard, and misses nothing", async () => {
    const board = "board-bell-behind";
    const other = "board-bell-behind-other";
    const slow = "board-bell-slow";
    const writer = await bed.relay("behind-writer", { blockMs: 200 });
    const reader = await bed.relay("behind-reader", { blockMs: 200 });
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen = rooms((boardId) => (boardId === slow ? held : undefined));
    writer.relay.start(rooms().rooms);
    reader.relay.start(seen.rooms);
    await writer.relay.loaded(board, 0);
    await reader.relay.loaded(board, 0);
    // (After its first read of the board, which reads all of its stream.)
    await sleep(300);
    // The reader's loop stops between two reads: another board it loads takes long to catch up from storage.
    const slowLoaded = reader.relay.loaded(slow, 0);
    await sleep(300);
    // Meanwhile the board's entry, then more than a read's worth of other bells in its shard, which is
    // trimmed to those: the board's own bell is gone before the reader looks.
    writer.relay.committed(board, 0, new TextEncoder().encode("achter"));
    await writer.relay.published();
    const shard = bellKey(bellShard(board));
    const pipeline = writer.link.command.pipeline();
    for (let i = 0; i < 600; i++) pipeline.xadd(shard, "*", "b", other);
    await pipeline.exec();
    await writer.link.command.xtrim(shard, "MAXLEN", 550);
    const bells = await writer.link.command.xrange(shard, "-", "+");
    expect(bells.some(([, fields]) => fields[1] === board)).toBe(false);
    release();
    await slowLoaded;
    await waitFor(() => seen.applied.includes(`${board} achter`), { message: "the reader applied the update whose bell was trimmed" });
  });

  /**
   * A board that leaves this server and comes back (an idle unload, then a
   * join) while a read of its streams is on its way: the answer belonged to
   * the copy that left. Written onto the new copy, it took the place of its
   * positioning: the new copy got the stream's entries before its catch-up
   * from storage, its `loaded` never resolved, and (no presence read) it
   * was never read again.
   */
  it("a board loaded again while a read of its streams is on its way is positioned anew, and reads on", async () => {
    const board = "board-bell-reload";
    const writer = await bed.relay("reload-writer", { blockMs: 200 });
    const reader = await bed.relay("reload-reader", { blockMs: 200 });
    const seen = rooms();
    writer.relay.start(rooms().rooms);
    reader.relay.start(seen.rooms);
    await writer.relay.loaded(board, 0);
    await reader.relay.loaded(board, 0);
    await sleep(300);
    let reloaded: Promise<void> | null = null;
    const xread = reader.blocking.xreadBuffer.bind(reader.blocking) as (...args: unknown[]) => Promise<unknown>;
    (reader.blocking as unknown as { xreadBuffer: (...args: unknown[]) => Promise<unknown> }).xreadBuffer = async (...args: unknown[]) => {
      const res = await xread(...args);
      // The next read of the board's streams: the board leaves and comes back before its answer is handled.
      if (!reloaded && !args.some((a) => String(a) === "BLOCK") && args.some((a) => String(a) === updatesKey(board))) {
        reader.relay.unloaded(board);
        reloaded = reader.relay.loaded(board, 0);
      }
      return res;
    };
    writer.relay.committed(board, 0, new TextEncoder().encode("eerste"));
    await waitFor(() => reloaded !== null, { message: "the board's streams were read" });
    await withTimeout(reloaded!, 5_000, "the copy loaded again is positioned");
    writer.relay.committed(board, 0, new TextEncoder().encode("tweede"));
    await waitFor(() => seen.applied.includes(`${board} tweede`), { message: "the new copy reads on" });
    // "eerste" is the new copy's from storage (its catch-up), not from the read of the copy that left.
    expect(seen.applied).toEqual([`${board} tweede`]);
  });

  /**
   * A Redis that saves its data (Debian's default) comes back after a
   * restart with the control stream it had. The servers read it from its
   * start after a restart (a Redis that came back empty has only what the
   * servers back first sent), so each applied the last thousand messages
   * again: people disconnected, boards reconnected, for nothing.
   */
  it("after a Redis restart that kept its data, control messages from before it are not applied again", async () => {
    const a = await bed.relay("control-a", { blockMs: 200 });
    const b = await bed.relay("control-b", { blockMs: 200 });
    const told: string[] = [];
    const seen = rooms();
    seen.rooms.disconnectUser = (userId) => void told.push(userId);
    a.relay.start(rooms().rooms);
    b.relay.start(seen.rooms);
    await b.relay.loaded("board-bell-control", 0);
    a.relay.control({ type: "disconnectUser", userId: "voor" });
    await waitFor(() => told.includes("voor"), { message: "the first message applied" });
    // More than a second before the restart (its uptime is in whole seconds).
    await sleep(1_500);
    // Away long enough for the servers' reads to fail (they check what they missed when it is back).
    await bed.redis.restart({ keepData: true, downMs: 1_000 });
    await waitFor(() => b.relay.stats.readErrors > 0 && b.relay.stats.positioned >= 2, { message: "the reader noticed the restart and positioned its board again" });
    a.relay.control({ type: "disconnectUser", userId: "na" });
    await waitFor(() => told.includes("na"), { message: "the message after the restart applied" });
    await sleep(300);
    expect(told).toEqual(["voor", "na"]);
  });
});
