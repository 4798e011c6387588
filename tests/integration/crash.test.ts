/**
 * kill -9 in the middle of a burst of edits: whatever another participant had
 * already seen must be there after the restart (commit before broadcast,
 * SQLite WAL with synchronous=FULL).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { eq } from "drizzle-orm";
import { count } from "../../db/dialect";
import { getCard, readBoard, updateCard } from "../../app/board/domain";
import {
  connectYjs,
  createTestDatabase,
  sleep,
  spawnServer,
  storedDocOf,
  waitFor,
  type SpawnedServer,
  type TestDatabase,
  type YClient,
} from "./harness";

let tdb: TestDatabase;
let server: SpawnedServer | null = null;
const clients: YClient[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  server = await spawnServer({ databaseUrl: tdb.url });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
  await tdb?.cleanup();
});

/** The edit number a title ends with ("… #123"), or -1 for a seeded title. */
function seq(title: string | undefined): number {
  const m = /#(\d+)$/.exec(title ?? "");
  return m ? Number(m[1]) : -1;
}

describe("crash safety", () => {
  it("after kill -9 and a restart, every change another client had received is still there", async () => {
    const { seed } = tdb;
    const first = server!;
    const a = await connectYjs(first.url, seed.boardA.id, { cookie: seed.cookies.memberA1 });
    const b = await connectYjs(first.url, seed.boardA.id, { cookie: seed.cookies.memberA2 });
    clients.push(a, b);
    const receivedAtSync = b.received.length; // the initial sync step 2

    const TOTAL = 300;
    const KILL_AT = 150;
    // New requests are made by the server (the JSON API); the burst then edits them and the seeded ones.
    const created: string[] = [];
    for (let i = 0; i < TOTAL; i += 10) {
      const res = await fetch(`${first.url}/api/boards/${seed.boardA.id}/requests`, {
        method: "POST",
        headers: { cookie: seed.cookies.memberA1, origin: first.url, "content-type": "application/json" },
        body: JSON.stringify({ title: `Nieuwe hulpvraag ${i}`, category: "wonen", description: "", reference: "", area: "" }),
      });
      expect(res.status).toBe(201);
      created.push(((await res.json()) as { id: string }).id);
    }
    await waitFor(() => created.every((id) => getCard(a.doc, id) !== null), { message: "A has the new requests" });
    let killed: Promise<void> | null = null;
    let editsBeforeKill = 0;
    for (let i = 0; i < TOTAL; i++) {
      if (i === KILL_AT) {
        editsBeforeKill = i;
        killed = first.kill(); // SIGKILL to the whole process group, mid-burst; A keeps editing
      }
      const target = i % 3 === 0 ? created[Math.floor(i / 10)] : seed.boardA.cardIds[(i % 2) * 2]; // A1's own requests
      updateCard(a.doc, target, { title: `Titel #${i}` }, Date.now());
      await sleep(i % 5 === 0 ? 3 : 1);
    }
    await killed;
    // Nothing more can arrive: B's connection is gone.
    await waitFor(() => !b.provider.wsconnected, { message: "B noticed the crash" });
    // Neither A nor B may bring their copy back to the new server: what C gets comes from SQLite only.
    a.destroy();
    b.destroy();

    const seenByB = b.received.length - receivedAtSync;
    const svB = Y.decodeStateVector(Y.encodeStateVector(b.doc));
    const boardB = readBoard(b.doc);
    const newestSeenByB = Math.max(...boardB.cards.map((c) => seq(c.title)));
    console.log(
      `crash test: A made ${editsBeforeKill} edits before the kill (${TOTAL} in all); ` +
        `B had received ${seenByB} updates, the newest edit B saw is #${newestSeenByB}`,
    );
    expect(seenByB).toBeGreaterThan(0);

    const second = await spawnServer({ databaseUrl: tdb.url, port: first.port });
    server = second;
    const c = await connectYjs(second.url, seed.boardA.id, { cookie: seed.cookies.memberA1 });
    clients.push(c);

    // Every client's clock in C is at least what B had.
    const svC = Y.decodeStateVector(Y.encodeStateVector(c.doc));
    for (const [clientId, clock] of svB) {
      expect(svC.get(clientId) ?? 0, `clock of client ${clientId}`).toBeGreaterThanOrEqual(clock);
    }
    // Every card B saw exists in C with the same title or a later one.
    const boardC = readBoard(c.doc);
    for (const cardB of boardB.cards) {
      const cardC = boardC.cards.find((x) => x.id === cardB.id);
      expect(cardC, `card ${cardB.id} ("${cardB.title}") survived`).toBeDefined();
      expect(seq(cardC!.title), `title of ${cardB.id}`).toBeGreaterThanOrEqual(seq(cardB.title));
    }
    // B's document is contained in C's: applying it changes nothing.
    const merged = new Y.Doc();
    Y.applyUpdate(merged, Y.encodeStateAsUpdate(c.doc));
    Y.applyUpdate(merged, Y.encodeStateAsUpdate(b.doc));
    expect(Buffer.from(Y.encodeStateVector(merged))).toEqual(Buffer.from(Y.encodeStateVector(c.doc)));
    expect(readBoard(merged)).toEqual(boardC);

    // And C's document is exactly what SQLite holds.
    expect(readBoard(await storedDocOf(tdb.h, seed.boardA.id))).toEqual(boardC);
    console.log(`crash test: after the restart C has edits up to #${Math.max(...boardC.cards.map((x) => seq(x.title)))}`);
  });

  it("SIGTERM shuts down gracefully: exit code 0, the last edits stored and compacted", async () => {
    const { seed } = tdb;
    const running = server!;
    const c = await connectYjs(running.url, seed.boardA.id, { cookie: seed.cookies.memberA2 });
    clients.push(c);
    for (let i = 0; i < 20; i++) updateCard(c.doc, seed.boardA.cardIds[1], { title: `Laatste wijziging #${1000 + i}` }, Date.now());
    await c.roundTrip(); // the server has applied them
    const closed = new Promise<number | undefined>((resolve) => c.provider.once("connection-close", (e) => resolve(e?.code)));
    const ended = await running.stop();
    expect(ended, running.output()).toEqual({ code: 0, signal: null, forced: false });
    expect(await closed).toBe(1012); // "service restart": the client will come back
    c.destroy();
    server = null;
    expect(readBoard(await storedDocOf(tdb.h, seed.boardA.id)).cards.find((x) => x.id === seed.boardA.cardIds[1])?.title).toBe(
      "Laatste wijziging #1019",
    );
    const { boardUpdates } = tdb.h.t;
    const [row] = await tdb.h.q.select({ n: count() }).from(boardUpdates).where(eq(boardUpdates.boardId, seed.boardA.id));
    expect(row!.n).toBe(0);
  });
});
