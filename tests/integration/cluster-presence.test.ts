/**
 * Presence ids across servers (issue 16): a presence id belongs to the
 * session that first used it (tests/integration/sync-rules.test.ts on one
 * server), on every server. Two room managers, each with a RedisRelay on a
 * real Redis (as server/app.ts wires them), on one SQLite storage. A server
 * that loads the board after the owner's presence entries fell out of the
 * replayed window (the last 64 entries of `ab:board:<id>:presence`) still
 * knows the owner, from the board's owner registry in Redis
 * (`ab:board:<id>:owners`, server/cluster/relay.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database_ } from "../../db/client";
import { ownersKey, presenceKey } from "../../server/cluster/relay";
import { CLOSE, SERVER_OWNER } from "../../server/sync/room";
import { sqliteRoomStorage } from "../../server/sync/storage";
import { awarenessFrame, hello, settle, testConnection, type TestConnection } from "../infra/sync-conn";
import { start as startRedis, type TestRedis } from "../infra/redis";
import { relayServers } from "../infra/relay-servers";
import { waitFor } from "./harness";

let redis: TestRedis;
let sqlite: Database_;
beforeAll(async () => {
  redis = await startRedis();
  sqlite = openDatabase(":memory:", { migrate: true });
});
afterAll(async () => {
  sqlite?.close();
  await redis?.stop();
});

let boards = 0;
async function newBoard(): Promise<string> {
  const h = sqlite.async;
  const id = `p${++boards}`;
  if (boards === 1) await h.q.insert(h.t.alliances).values({ id: "al", name: "A", slug: "a", matchSecret: "s", demo: true });
  await h.q.insert(h.t.boards).values({ id, allianceId: "al", name: "Bord" });
  return id;
}

async function servers() {
  const { servers: [a, b], redis: commands, close } = await relayServers(redis.url, [sqliteRoomStorage(sqlite), sqliteRoomStorage(sqlite)]);
  return { a, b, redis: commands, close };
}

type Server = Awaited<ReturnType<typeof servers>>["a"];

/** A client of `server` on the board (its own session unless given), synced. */
async function client(server: Server, boardId: string, name: string, session?: string) {
  const conn: TestConnection = testConnection(name, session);
  const room = await server.rooms.connect(boardId, conn);
  room.receive(conn, hello());
  await settle(server.rooms);
  return { conn, room, say: (clientId: number, clock: number, state: unknown) => room.receive(conn, awarenessFrame(clientId, clock, state)) };
}

/** Send presence through `server` and wait until its relay has published it. */
async function published(server: Server, send: () => void) {
  const before = server.relay.stats.presencePublished;
  send();
  await waitFor(() => server.relay.stats.presencePublished > before && server.relay.stats.outbox === 0, { message: "presence published" });
}

describe("presence ids across servers", () => {
  it("an owner whose entries left the replayed window is still known to a server that loads the board later: another session there is refused (4403), the owner is not", async () => {
    const s = await servers();
    try {
      const boardId = await newBoard();
      const anna = await client(s.a, boardId, "anna");
      const annaId = 4_242_001;
      await published(s.a, () => anna.say(annaId, 1, { activity: null }));

      // 70 presence entries by someone else on A push Anna's entry out of the last 64.
      const ben = await client(s.a, boardId, "ben");
      for (let clock = 1; clock <= 70; clock++) await published(s.a, () => ben.say(5_150_001, clock, { activity: { kind: "dragging", cardId: `c${clock}` } }));
      const recent = await s.redis.xrevrangeBuffer(presenceKey(boardId), "+", "-", "COUNT", 64);
      expect(recent.some(([, fields]) => fields.some((f) => f.toString().includes(String(annaId))))).toBe(false);

      // An entry whose removal was lost (its server ended a while ago): not read, and removed.
      await s.redis.hset(ownersKey(boardId), "6100001", `gone-owner ${Date.now() - 61_000}`);

      // B loads the board now; a session there speaks for Anna's id.
      const thief = await client(s.b, boardId, "thief");
      thief.say(annaId, 50, { activity: { kind: "editing", cardId: "x" } });
      const bRoom = s.b.rooms.peek(boardId)!;
      await waitFor(() => thief.conn.closed.length > 0 || (bRoom.awareness.getStates().get(annaId)?.user as { id?: string } | undefined)?.id === "thief", {
        message: "B judged the thief's presence",
      });
      console.log("the thief on B:", thief.conn.closed.length ? `closed ${thief.conn.closed.join(",")}` : "took Anna's id");
      expect(thief.conn.closed).toEqual([CLOSE.forbidden]);

      const other = await client(s.b, boardId, "other");
      other.say(6_100_001, 1, { activity: null });
      await waitFor(() => other.conn.closed.length > 0 || bRoom.awareness.getStates().has(6_100_001), { message: "B judged the stale id's use" });
      expect(other.conn.closed).toEqual([]);
      await waitFor(() => s.b.relay.stats.outbox === 0 && s.b.relay.stats.presencePublished > 0, { message: "B published it" });
      expect((await s.redis.hget(ownersKey(boardId), "6100001"))?.split(" ")[0]).not.toBe("gone-owner");

      // Anna herself (her session) moves to B with her id: hers there too.
      const annaOnB = await client(s.b, boardId, "anna-b", "session-anna");
      annaOnB.say(annaId, 60, { activity: { kind: "editing", cardId: "c1" } });
      await waitFor(() => (bRoom.awareness.getStates().get(annaId)?.user as { id?: string } | undefined)?.id === "anna-b", { message: "Anna on B" });
      expect(annaOnB.conn.closed).toEqual([]);

      // Her presence removed (she leaves both servers): she is no longer a current owner in the registry.
      expect(await s.redis.hexists(ownersKey(boardId), String(annaId))).toBe(1);
      await published(s.b, () => annaOnB.say(annaId, 61, null));
      expect(await s.redis.hexists(ownersKey(boardId), String(annaId))).toBe(0);
      // Who is still on the board is.
      expect(await s.redis.hexists(ownersKey(boardId), "5150001")).toBe(1);
    } finally {
      await s.close();
    }
  });

  it("a server's own presence id is refused on the other server too (4403), and the registry holds it as a server's", async () => {
    const s = await servers();
    try {
      const boardId = await newBoard();
      await client(s.b, boardId, "on-b");
      const bRoom = s.b.rooms.peek(boardId)!;
      const bId = bRoom.doc.clientID;
      await waitFor(() => s.b.relay.stats.outbox === 0 && s.b.relay.stats.presencePublished > 0, { message: "B announced its id" });
      expect((await s.redis.hget(ownersKey(boardId), String(bId)))?.split(" ")[0]).toBe(SERVER_OWNER);

      // A loads the board after B announced: it knows B's id from the registry; a member there speaks for it.
      const mallory = await client(s.a, boardId, "mallory");
      const aRoom = s.a.rooms.peek(boardId)!;
      mallory.say(bId, 1, { activity: { kind: "editing", cardId: "x" } });
      await waitFor(() => mallory.conn.closed.length > 0 || aRoom.awareness.getStates().has(bId), { message: "A judged it" });
      console.log("B's own id spoken for on A:", mallory.conn.closed.length ? `closed ${mallory.conn.closed.join(",")}` : "taken as Mallory's");
      expect(mallory.conn.closed).toEqual([CLOSE.forbidden]);

      // A's own id, announced while B already had the board loaded: B refuses it as well.
      const aId = aRoom.doc.clientID;
      await waitFor(() => s.a.relay.stats.outbox === 0, { message: "A announced its id" });
      const eve = await client(s.b, boardId, "eve");
      const other = await client(s.b, boardId, "other");
      // Presence is read in its stream's order: once B shows A's marker, it has A's announcement too.
      const onA = await client(s.a, boardId, "on-a");
      await published(s.a, () => onA.say(8_100_001, 1, { activity: null }));
      await waitFor(() => bRoom.awareness.getStates().has(8_100_001), { message: "B has A's marker" });
      eve.say(aId, 1, { activity: null });
      await waitFor(() => eve.conn.closed.length > 0 || bRoom.awareness.getStates().has(aId), { message: "B judged it" });
      expect(eve.conn.closed).toEqual([CLOSE.forbidden]);
      expect(other.conn.closed).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("more than 64 people appearing and leaving at once on A: B shows each and then none, and the registry follows", async () => {
    const s = await servers();
    try {
      const boardId = await newBoard();
      const watcher = await client(s.b, boardId, "watcher");
      const bRoom = s.b.rooms.peek(boardId)!;
      await client(s.a, boardId, "first");
      const aRoom = s.a.rooms.peek(boardId)!;
      const ids = Array.from({ length: 70 }, (_, i) => 7_000_000 + i);
      const people = await Promise.all(ids.map((_, i) => client(s.a, boardId, `p${i}`)));
      // All in one turn: one presence message of 70 entries.
      await published(s.a, () => people.forEach((p, i) => p.say(ids[i], 1, { activity: null })));
      const shown = () => ids.filter((id) => bRoom.awareness.getStates().has(id)).length;
      // Presence is read in its stream's order: once B shows the marker, it has applied what came before.
      const marker = async (clock: number) => {
        await published(s.a, () => people[0].say(9_000_001, clock, { activity: { kind: "editing", cardId: `m${clock}` } }));
        await waitFor(() => (bRoom.awareness.getStates().get(9_000_001)?.activity as { cardId?: string } | undefined)?.cardId === `m${clock}`, { message: "B has the marker" });
      };
      await marker(1);
      console.log("B shows", shown(), "of 70; the registry holds", await s.redis.hlen(ownersKey(boardId)));
      expect(shown()).toBe(70);
      // The 70, the marker and each server's own id.
      const serverIds = [aRoom.doc.clientID, bRoom.doc.clientID].map(String);
      const registered = async () => (await s.redis.hkeys(ownersKey(boardId))).filter((id) => !serverIds.includes(id));
      expect(await registered()).toHaveLength(71);
      expect(await s.redis.hlen(ownersKey(boardId))).toBe(73);

      // A's connections close at once (a drain's closeAll): one message removes all of them.
      const before = s.a.relay.stats.presencePublished;
      aRoom.closeAll(1012, "test");
      await waitFor(() => s.a.relay.stats.presencePublished > before && s.a.relay.stats.outbox === 0, { message: "removal published" });
      const back = await client(s.a, boardId, "back");
      await published(s.a, () => back.say(9_000_002, 1, { activity: null }));
      await waitFor(() => bRoom.awareness.getStates().has(9_000_002), { message: "B has the marker" });
      console.log("after closing: B shows", shown(), "of 70; the registry holds", await s.redis.hlen(ownersKey(boardId)));
      expect(shown()).toBe(0);
      expect(await registered()).toEqual(["9000002"]);
      expect(watcher.conn.closed).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
