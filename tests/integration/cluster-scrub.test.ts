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
import { updatesKey } from "../../server/cluster/relay";
import { relayTestbed } from "../infra/relay-testbed";
import { sleep, waitFor } from "./harness";

/** Servers' relays publishing only (no read loop: what they publish is read here with XRANGE). */
const bed = relayTestbed();
const server = (name: string) => bed.relay(name);

/** The board's update stream as generation and payload text of each entry ("" for a rebuild marker). */
async function stream(r: RedisLink, boardId: string): Promise<Array<{ g: number; u: string; rebuilt: boolean }>> {
  const entries = await r.command.xrange(updatesKey(boardId), "-", "+");
  return entries.map(([, fields]) => {
    const f = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) f.set(fields[i], fields[i + 1]);
    return { g: Number(f.get("g")), u: f.get("u") ?? "", rebuilt: f.get("r") === "1" };
  });
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("a rebuilt board's older generations in Redis", () => {
  it("leave the stream when a server rebuilds the board; the new generation's entries and the marker stay", async () => {
    const a = await server("scrub-a");
    const b = await server("scrub-b");
    const board = "board-scrub-1";
    for (let i = 0; i < 3; i++) b.relay.committed(board, 1, bytes(`oud-${i}`));
    a.relay.committed(board, 1, bytes("oud-a"));
    await b.relay.published();
    await a.relay.published();
    // Another server already at the new generation (it loaded the board after the rebuild's commit).
    b.relay.committed(board, 2, bytes("nieuw-b"));
    await b.relay.published();
    // (The two servers' first entries in either order.)
    expect((await stream(a.link, board)).map((e) => e.u).sort()).toEqual(["nieuw-b", "oud-0", "oud-1", "oud-2", "oud-a"]);

    a.relay.rebuilt(board, 2);
    await waitFor(async () => (await stream(a.link, board)).every((e) => e.g >= 2) || null, { message: "the older generation gone from the stream" });
    const left = await stream(a.link, board);
    expect(left.map((e) => ({ g: e.g, u: e.u, rebuilt: e.rebuilt }))).toEqual([
      { g: 2, u: "nieuw-b", rebuilt: false },
      { g: 2, u: "", rebuilt: true },
    ]);
    expect(a.relay.stats.scrubbed).toBe(4);
  });

  it("a stream longer than one page is scrubbed whole, the entries it keeps on the pages' edges included", async () => {
    const a = await server("scrub-long");
    const board = "board-scrub-long";
    // Generations 3 and 4 in turn (as two servers, one on each side of the rebuild, could leave them): pages of 500
    // end on a kept entry, which the next page reads again.
    for (let i = 0; i < 1_234; i++) a.relay.committed(board, 3 + (i % 2), bytes(`e-${i}`));
    await a.relay.flushed();
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
    // Its command connection holds what it is given (a slow network): the first batch is in flight, the next waits.
    const socket = (b.link.command as unknown as { stream: Socket }).stream;
    socket.cork();
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
});
