/**
 * The relay's read loop, interrupted, against a real redis-server: close()
 * ends it at once, and a board loaded while it waits is read at once, also
 * when the UNBLOCK reaches Redis before the XREAD it means, or comes while
 * the loop is between two XREADs. The UNBLOCK goes on the command
 * connection and the XREAD on the relay's own blocking one, so either can
 * arrive first. An UNBLOCK that came first did nothing, and the XREAD then
 * blocked for its whole time (5 s in a server): the drain waited for it (in
 * the rolling restart of pg-server.test.ts a server was killed after 5 s of
 * draining: fresh clone of 87b1c24; 1 of 3 runs beside two busy loops), and
 * a board loaded meanwhile was neither positioned nor read.
 *
 * XREAD here blocks longer than a test may take, so a wait for its own end shows.
 */
import { describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import type { RelayRooms } from "../../server/cluster/relay";
import { within } from "../../server/within";
import { relayTestbed } from "../infra/relay-testbed";
import { sleep, waitFor } from "./harness";

const BLOCK_MS = 120_000;

/** Boards whose catch-up from storage began, in order. */
const catchUps: string[] = [];

/** Rooms that hold nothing; a board's catch-up from storage waits for `held[board]` when there is one. */
function rooms(held: Record<string, Promise<void>> = {}): RelayRooms {
  return {
    applyRemote: () => false,
    applyRemotePresence: () => {},
    catchUpFromStorage: (boardId) => {
      catchUps.push(boardId);
      return held[boardId];
    },
    dropRebuilt: () => {},
    disconnectUser: () => {},
    disconnectSessions: () => {},
    reconnectBoard: () => {},
  };
}

const bed = relayTestbed();

/** The socket under an ioredis connection. */
const socketOf = (connection: unknown) => (connection as { stream: Socket }).stream;

/** A relay on a connection of its own, reading: its first XREAD is blocked in Redis. */
async function readingRelay(name: string, held: Record<string, Promise<void>> = {}) {
  const { relay, link, blocking } = await bed.relay(name, { blockMs: BLOCK_MS });
  const blockedClients = async () => Number(/blocked_clients:(\d+)/.exec(String(await link.command.info("clients")))![1]);
  const before = await blockedClients();
  relay.start(rooms(held));
  await waitFor(async () => (await blockedClients()) === before + 1, { message: "the relay's first XREAD is blocked in Redis" });
  return { relay, socket: socketOf(blocking), blockedClients: async () => (await blockedClients()) - before };
}

/**
 * The relay's next XREAD held in this process (the socket corked) until after what `meanwhile`
 * sends: an entry on the control stream ends the first XREAD and the loop comes round to the next.
 */
async function xreadHeldWhile<T>(r: Awaited<ReturnType<typeof readingRelay>>, meanwhile: () => T): Promise<{ result: T }> {
  r.socket.cork();
  try {
    r.relay.control({ type: "reconnectBoard", boardId: "no-such-board" });
    await waitFor(async () => r.socket.writableLength > 0 && (await r.blockedClients()) === 0, { message: "the next XREAD waits in the corked socket" });
    const result = meanwhile();
    // What it sent on the command connection is in Redis before the XREAD.
    await sleep(100);
    return { result };
  } finally {
    r.socket.uncork();
  }
}

describe("the relay's read loop, interrupted", () => {
  it("close() ends it at once when its UNBLOCK reaches Redis before the XREAD", async () => {
    const r = await readingRelay("close");
    const { result: closing } = await xreadHeldWhile(r, () => r.relay.close());
    expect(await within(closing.then(() => "closed"), 10_000, "still waiting for the XREAD")).toBe("closed");
  });

  it("a board loaded when the UNBLOCK reaches Redis before the XREAD is positioned at once", async () => {
    const r = await readingRelay("load-held");
    const { result: positioned } = await xreadHeldWhile(r, () => r.relay.loaded("board-held", 1));
    expect(await within(positioned.then(() => "positioned"), 10_000, "not positioned")).toBe("positioned");
  });

  it("a board loaded while the loop is between two XREADs is positioned at once", async () => {
    // The loop positions board A and waits for its catch-up from storage; B is loaded meanwhile.
    let release!: () => void;
    const r = await readingRelay("load-between", { "board-a": new Promise<void>((resolve) => (release = resolve)) });
    const a = r.relay.loaded("board-a", 1);
    await waitFor(() => catchUps.includes("board-a"), { message: "the loop is positioning A" });
    const b = r.relay.loaded("board-b", 1);
    await sleep(100);
    release();
    await a;
    expect(await within(b.then(() => "positioned"), 10_000, "not positioned")).toBe("positioned");
  });

  it("close() ends it at once while it waits to try a Redis that is away again", async () => {
    const r = await readingRelay("away");
    await bed.redis.kill();
    try {
      // Its waits double from 100 ms up to 5 s: after six failed reads it waits 3.2 s.
      await waitFor(() => r.relay.stats.readErrors >= 6, { timeout: 20_000, message: "the relay's reads failed six times" });
      expect(await within(r.relay.close().then(() => "closed"), 1_000, "still waiting to try again")).toBe("closed");
    } finally {
      await bed.redis.restart();
    }
  });
});
