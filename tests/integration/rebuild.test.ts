/**
 * The board rebuilt under a new document generation (app/services/rebuild.server.ts),
 * with the real server: the live room swaps to the fresh document, every
 * connection is closed with 4410, the log is gone, every moment is rewritten,
 * and a client that still holds the old document is refused before any of
 * its frames is read, so it cannot bring the words back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import { readBoard, updateCard } from "../../app/board/domain";
import { dropCards, mapCards } from "../../app/board/rebuild";
import { rebuildBoard } from "../../app/services/rebuild.server";
import { getBoard } from "../../db/accounts";
import { count } from "../../db/dialect";
import { eq } from "drizzle-orm";
import { startTestServer, storedDocOf, waitFor, withTimeout, type TestServer } from "./harness";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

function occurrences(buf: Uint8Array, needle: string): number {
  return Buffer.from(buf).toString("latin1").split(Buffer.from(needle, "utf8").toString("latin1")).length - 1;
}

/** Every Yjs blob stored for the board: snapshot, log, moments. */
async function storedBlobs(boardId: string): Promise<Uint8Array[]> {
  const { q, t: tb } = t.h;
  const rows = [
    ...(await q.select({ data: tb.boardSnapshots.data }).from(tb.boardSnapshots).where(eq(tb.boardSnapshots.boardId, boardId))),
    ...(await q.select({ data: tb.boardUpdates.data }).from(tb.boardUpdates).where(eq(tb.boardUpdates.boardId, boardId))),
    ...(await q.select({ data: tb.boardMoments.data }).from(tb.boardMoments).where(eq(tb.boardMoments.boardId, boardId))),
  ];
  return rows.map((r) => new Uint8Array(r.data));
}

function syncStep2(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc));
  return encoding.toUint8Array(e);
}

describe("rebuilding a board", () => {
  it("drops the card from the live room, the log and every moment; connected clients are closed with 4410 and stale ones refused", async () => {
    const boardId = t.seed.boardA.id;
    const [victim, other] = t.seed.boardA.cardIds;
    const canary = `Kanarie-${Date.now().toString(36)}-rebuild`;
    const coordinator = t.seed.cookies.coordinatorA;

    // The canary reaches the document, the log and a moment.
    await t.services.rooms.withDoc(boardId, (doc) => updateCard(doc, victim, { title: `Wonen ${canary}`, description: canary }, Date.now()));
    const moment = await t.api(`/api/boards/${boardId}/snapshots`, { cookie: coordinator, body: {} });
    expect(moment.status).toBe(201);
    await t.services.rooms.withDoc(boardId, (doc) => updateCard(doc, victim, { area: canary }, Date.now()));
    expect((await storedBlobs(boardId)).reduce((n, b) => n + occurrences(b, canary), 0)).toBeGreaterThan(0);

    // A browser on the board, and a peer that keeps a copy of the old document (offline).
    const live = await t.connect(boardId, { cookie: t.seed.cookies.memberA1 });
    const oldCopy = new Y.Doc();
    Y.applyUpdate(oldCopy, Y.encodeStateAsUpdate(live.doc));
    expect(readBoard(oldCopy).cards.some((c) => c.id === victim)).toBe(true);
    const before = (await getBoard(t.h, boardId))!.docGeneration;

    const outcome = await rebuildBoard(t.services, boardId, dropCards([victim]));
    expect(outcome.generation).toBe(before + 1);
    expect(outcome.cardsBefore - outcome.cardsAfter).toBe(1);
    expect(outcome.moments).toBeGreaterThanOrEqual(1);
    expect((await getBoard(t.h, boardId))!.docGeneration).toBe(before + 1);

    await waitFor(() => live.closeCodes.includes(4410), { message: "the connected client is closed with 4410" });
    live.destroy();

    // Stored: the log is gone, the snapshot and every moment hold no canary; the other cards are as they were.
    const [log] = await t.h.q.select({ n: count() }).from(t.h.t.boardUpdates).where(eq(t.h.t.boardUpdates.boardId, boardId));
    expect(log!.n).toBe(0);
    const blobs = await storedBlobs(boardId);
    expect(blobs.map((b) => occurrences(b, canary))).toEqual(blobs.map(() => 0));
    const stored = readBoard(await storedDocOf(t.h, boardId));
    expect(stored.cards.map((c) => c.id)).not.toContain(victim);
    expect(stored.cards.map((c) => c.id)).toContain(other);
    const past = await t.api(`/api/boards/${boardId}/snapshots/${moment.body.id}`, { cookie: coordinator });
    expect(past.status).toBe(200);
    expect(past.body.cards.map((c: { id: string }) => c.id)).not.toContain(victim);
    expect(past.body.cards.map((c: { id: string }) => c.id)).toContain(other);

    // The stale copy connects as an old client does (no generation, or the old one) and sends its document at once.
    for (const path of [`/yjs/${boardId}`, `/yjs/${boardId}?gen=${before}`, `/yjs/${boardId}?gen=x`]) {
      const stale = t.raw(path, { cookie: t.seed.cookies.memberA1 });
      stale.ws.on("open", () => stale.send(syncStep2(oldCopy)));
      const closed = await withTimeout(stale.closed, 10_000, "stale client closed");
      expect(closed.code).toBe(4410);
      expect(stale.messages).toHaveLength(0);
    }

    // The current generation is welcome, and the canary is not back anywhere.
    const fresh = t.raw(`/yjs/${boardId}?gen=${before + 1}`, { cookie: t.seed.cookies.memberA1 });
    await withTimeout(fresh.opened, 10_000, "current client opened");
    await fresh.roundTrip();
    expect(readBoard(fresh.doc).cards.map((c) => c.id)).toContain(other);
    expect(readBoard(fresh.doc).cards.map((c) => c.id)).not.toContain(victim);
    // Every server that holds the board (two on PostgreSQL) holds it without the canary.
    const loaded = t.servers.flatMap((s) => s.rooms.peek(boardId)?.doc ?? []);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.map((doc) => occurrences(Y.encodeStateAsUpdate(doc), canary))).toEqual(loaded.map(() => 0));
    expect((await storedBlobs(boardId)).reduce((n, b) => n + occurrences(b, canary), 0)).toBe(0);
    fresh.close();
  });

  it("a transform that throws changes nothing: same generation, same document, connections stay", async () => {
    const boardId = t.seed.boardA.id;
    const client = t.raw(`/yjs/${boardId}?gen=${(await getBoard(t.h, boardId))!.docGeneration}`, { cookie: t.seed.cookies.memberA1 });
    await withTimeout(client.opened, 10_000, "client opened");
    await client.roundTrip();
    const gen = (await getBoard(t.h, boardId))!.docGeneration;
    const board = readBoard(await storedDocOf(t.h, boardId));
    await expect(
      rebuildBoard(t.services, boardId, mapCards(() => {
        throw new Error("transform failed");
      })),
    ).rejects.toThrow("transform failed");
    expect((await getBoard(t.h, boardId))!.docGeneration).toBe(gen);
    expect(readBoard(await storedDocOf(t.h, boardId))).toEqual(board);
    await client.roundTrip();
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.close();
  });
});
