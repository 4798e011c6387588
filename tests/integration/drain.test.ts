/**
 * The drain on SIGTERM, at process level and behind a load balancer
 * (tests/infra/lb.ts): server A serves a SQLite file; four y-websocket
 * providers and a socket.io client connect through the balancer and edit
 * without pause. A gets SIGTERM in the middle:
 *
 * - /readyz answers 503 "draining" on a request that was under way, new
 *   connections are refused, a write in flight still completes (201, stored);
 * - A exits 0 within DRAIN_TIMEOUT_MS; every edit any client had received and
 *   every comment acknowledged is in the file (read with a fresh connection);
 * - the Yjs clients got 1012 and the socket.io client a "transport close":
 *   both reconnect by themselves once server B (same file: the pid lock
 *   allows one at a time) is behind the balancer, and everything converges to
 *   what is stored, edits made while no server was there included.
 *
 * Prints the figures (edits before and after, drain time).
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { io as ioClient, type Socket } from "socket.io-client";
import { getCard, readBoard, updateCard } from "../../app/board/domain";
import { eq } from "drizzle-orm";
import { startLb, type Lb } from "../infra/lb";
import { connectYjs, createTestDatabase, sleep, spawnServer, storedDocOf, waitFor, withTimeout, type SpawnedServer, type TestDatabase, type YClient } from "./harness";

const DRAIN_TIMEOUT_MS = 15_000;
const SERVER_ENV = {
  DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS),
  // The socket.io client comments continuously: more than the default budget of 120 a minute.
  WRITES_PER_SESSION_PER_MINUTE: "100000",
};

let tdb: TestDatabase;
let lb: Lb;
const servers: SpawnedServer[] = [];
const yClients: YClient[] = [];
let io: Socket | null = null;

beforeAll(async () => {
  tdb = await createTestDatabase();
  lb = await startLb();
});

afterAll(async () => {
  for (const c of yClients) c.destroy();
  io?.close();
  for (const s of servers) await s.stop();
  await lb?.stop();
  await tdb?.cleanup();
});

/** The edit number a title ends with ("y2 #17" → 17), or -1. */
function seq(title: string | undefined): number {
  const m = /#(\d+)$/.exec(title ?? "");
  return m ? Number(m[1]) : -1;
}

/** A raw HTTP/1.1 exchange on its own connection: write parts when told, read the answer. */
function rawHttp(port: number) {
  const socket = net.connect({ port, host: "127.0.0.1" });
  let data = "";
  socket.on("data", (d) => (data += d.toString("latin1")));
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return {
    opened: new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    }),
    write: (s: string) => socket.write(s),
    /** The first complete response: status, headers, body. */
    async response(timeout = 10_000) {
      const parsed = await waitFor(
        () => {
          // An interim "100 Continue" is not the answer.
          const answer = data.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, "");
          const head = answer.indexOf("\r\n\r\n");
          if (head < 0) return null;
          const headers = Object.fromEntries(
            answer
              .slice(0, head)
              .split("\r\n")
              .slice(1)
              .map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
          );
          const status = Number(answer.split(" ")[1]);
          let rest = answer.slice(head + 4);
          if (headers["transfer-encoding"] === "chunked") {
            let body = "";
            for (;;) {
              const eol = rest.indexOf("\r\n");
              if (eol < 0) return null;
              const size = parseInt(rest.slice(0, eol), 16);
              if (size === 0) return { status, headers, body: Buffer.from(body, "latin1").toString("utf8") };
              if (rest.length < eol + 2 + size + 2) return null;
              body += rest.slice(eol + 2, eol + 2 + size);
              rest = rest.slice(eol + 2 + size + 2);
            }
          }
          const length = Number(headers["content-length"] ?? 0);
          if (rest.length < length) return null;
          return { status, headers, body: Buffer.from(rest.slice(0, length), "latin1").toString("utf8") };
        },
        { timeout, message: "HTTP response" },
      ).catch((e: Error) => {
        throw new Error(`${e.message}; received so far: ${JSON.stringify(data.slice(0, 400))}`);
      });
      return parsed;
    },
    /** Resolves once the server has read the request's head (it answered "100 Continue" to `Expect: 100-continue`). */
    continued: () => waitFor(() => data.startsWith("HTTP/1.1 100 Continue\r\n\r\n"), { message: "100 Continue" }),
    ended,
    destroy: () => socket.destroy(),
  };
}

/** Whether a new TCP connection to this port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.once("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(true));
  });
}

describe("drain on SIGTERM behind a load balancer", () => {
  it("loses nothing: readyz 503 while draining, exit 0, every edit seen is stored, clients reconnect to the next server and converge", async () => {
    const { seed } = tdb;
    const boardId = seed.boardA.id;
    const a = await spawnServer({ databaseUrl: tdb.url, env: SERVER_ENV });
    servers.push(a);
    lb.set([a.port]);
    expect((await fetch(`${lb.url}/readyz`)).status).toBe(200);

    // Four editors through the balancer, each on a request of its own organisation.
    const editors = [
      { cookie: seed.cookies.memberA1, card: seed.boardA.cardIds[0] },
      { cookie: seed.cookies.memberA1, card: seed.boardA.cardIds[2] },
      { cookie: seed.cookies.memberA2, card: seed.boardA.cardIds[1] },
      { cookie: seed.cookies.memberA2, card: seed.boardA.cardIds[3] },
    ];
    for (const e of editors) yClients.push(await connectYjs(lb.url, boardId, { cookie: e.cookie }));
    const made = editors.map(() => 0);

    // The socket.io client, as the browser's (app/lib/sync-client.ts): reconnects by itself, joins the board on every connect.
    const ioEvents = { connects: 0, disconnects: [] as string[] };
    const acked: string[] = [];
    io = ioClient(lb.url, {
      path: "/socket.io",
      transports: ["websocket"],
      extraHeaders: { cookie: seed.cookies.memberA1, origin: lb.url },
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      forceNew: true,
    });
    let joined = false;
    io.on("connect", () => {
      ioEvents.connects++;
      io!.emit("board:join", { boardId }, (ack: { ok: boolean }) => (joined = ack.ok));
    });
    io.on("disconnect", (reason) => {
      joined = false;
      ioEvents.disconnects.push(reason);
    });
    await waitFor(() => joined, { message: "socket.io joined the board through the balancer" });

    let editing = true;
    const yjsLoop = (async () => {
      for (let n = 1; editing; n++) {
        editors.forEach((e, i) => {
          updateCard(yClients[i].doc, e.card, { title: `y${i} #${n}` }, Date.now());
          made[i] = n;
        });
        await sleep(20);
      }
    })();
    const ioLoop = (async () => {
      for (let n = 1; editing; n++) {
        if (!io!.connected || !joined) {
          await sleep(20);
          continue;
        }
        const body = `Opmerking ${n}`;
        const ack = await io!
          .timeout(5_000)
          .emitWithAck("comment:add", { boardId, requestId: seed.boardA.cardIds[0], body })
          .catch(() => null);
        if (ack?.ok) acked.push(ack.comment.id as string);
        await sleep(10);
      }
    })();

    await sleep(1500);
    const madeBefore = [...made];
    const ackedBefore = acked.length;

    // Two requests under way at the moment of the signal: a /readyz whose head is not
    // complete yet, and a write whose body has not all arrived.
    const probe = rawHttp(lb.port);
    await probe.opened;
    probe.write(`GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:${lb.port}\r\n`);
    const write = rawHttp(lb.port);
    await write.opened;
    const body = JSON.stringify({ title: "Aangemaakt tijdens het afsluiten", category: "wonen", description: "", reference: "", area: "" });
    write.write(
      `POST /api/boards/${boardId}/requests HTTP/1.1\r\nHost: 127.0.0.1:${lb.port}\r\nOrigin: ${lb.url}\r\n` +
        `Cookie: ${seed.cookies.memberA1}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Expect: 100-continue\r\n\r\n`,
    );
    // A read the head and handed the request on: it is in flight, waiting for its body.
    await write.continued();
    write.write(body.slice(0, 10));

    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      a.child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const signalled = Date.now();
    process.kill(-a.child.pid!, "SIGTERM");

    // A stops listening at once: new connections are refused, directly and through the balancer.
    await waitFor(() => refused(a.port), { message: "A stops accepting connections" });
    expect((await fetch(`${lb.url}/healthz`).catch(() => null))?.status).toBeUndefined();

    // The request that was under way gets its answer: draining, and its connection closes.
    probe.write("\r\n");
    const ready = await probe.response();
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: "draining" });
    expect(ready.headers.connection).toBe("close");
    await withTimeout(probe.ended, 5_000, "the draining answer's connection closes");

    // The write in flight finishes, stored, although A is draining.
    write.write(body.slice(10));
    const released = Date.now();
    const created = await write.response().catch((e: Error) => {
      throw new Error(`${e.message}\n--- A's output ---\n${a.output()}`);
    });
    expect(created.status, created.body).toBe(201);
    const createdId = (JSON.parse(created.body) as { id: string }).id;

    const ended = await withTimeout(exited, DRAIN_TIMEOUT_MS + 5_000, "A exits");
    const drainMs = Date.now() - signalled;
    const afterWriteMs = Date.now() - released;
    expect(ended, a.output()).toEqual({ code: 0, signal: null });
    expect(drainMs).toBeLessThan(DRAIN_TIMEOUT_MS);
    const madeAtExit = [...made];
    const ackedAtExit = [...acked];

    // Every client was told to reconnect (1012), and socket.io lost its transport, not its session.
    for (const c of yClients) expect(c.closeCodes).toContain(1012);
    expect(ioEvents.disconnects[0]).toBe("transport close");

    // What the clients had received from A, against what is stored (read through the test's own connection).
    const { comments } = tdb.h.t;
    const commentIds = async (requestId?: string) =>
      new Set((await tdb.h.q.select({ id: comments.id }).from(comments).where(requestId ? eq(comments.requestId, requestId) : undefined)).map((r) => r.id));
    const stored = await storedDocOf(tdb.h, boardId);
    {
      const svStored = Y.decodeStateVector(Y.encodeStateVector(stored));
      yClients.forEach((c, i) => {
        const seen = new Y.Doc();
        for (const u of c.received) Y.applyUpdate(seen, u);
        for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(seen))) {
          expect(svStored.get(client) ?? 0, `editor ${i} had seen clock ${clock} of Yjs client ${client}`).toBeGreaterThanOrEqual(clock);
        }
        // And by title: each other editor's newest edit this one saw is stored (or a later one).
        editors.forEach((e, j) => {
          if (j === i) return;
          expect(seq(getCard(stored, e.card)?.title), `editor ${j}'s edits seen by ${i}`).toBeGreaterThanOrEqual(seq(getCard(seen, e.card)?.title));
        });
      });
      const storedComments = await commentIds(seed.boardA.cardIds[0]);
      expect(ackedAtExit.filter((id) => !storedComments.has(id))).toEqual([]);
      expect(getCard(stored, createdId)?.title).toBe("Aangemaakt tijdens het afsluiten");
    }
    const storedAtExit = editors.map((e) => seq(getCard(stored, e.card)?.title));

    // Server B on the same file, behind the balancer: the clients come back by themselves.
    const b = await spawnServer({ databaseUrl: tdb.url, env: SERVER_ENV });
    servers.push(b);
    lb.set([b.port]);
    await waitFor(() => yClients.every((c) => c.provider.wsconnected && c.provider.synced), { timeout: 20_000, message: "Yjs clients reconnected through the balancer" }).catch(
      (e: Error) => {
        const states = yClients.map((c) => `connected=${c.provider.wsconnected} synced=${c.provider.synced} shouldConnect=${c.provider.shouldConnect} codes=${c.closeCodes.join("+")}`);
        throw new Error(`${e.message}\n${states.join("\n")}\nlb ${JSON.stringify(lb.stats())}\n--- B ---\n${b.output()}`);
      },
    );
    await waitFor(() => io!.connected && joined, { timeout: 20_000, message: "socket.io reconnected and joined again" });
    await waitFor(() => acked.length >= ackedAtExit.length + 3, { timeout: 30_000, message: "comments acknowledged by B" }).catch((e: Error) => {
      throw new Error(`${e.message} (connected ${io!.connected}, joined ${joined}, acknowledged ${acked.length}, at A's exit ${ackedAtExit.length})`);
    });
    await sleep(500);

    editing = false;
    await Promise.all([yjsLoop, ioLoop]);
    for (const c of yClients) await c.roundTrip();
    const finals = [...made];
    // Converged: every client shows every editor's last edit, as B stored it.
    await waitFor(
      () => yClients.every((c) => editors.every((e, j) => getCard(c.doc, e.card)?.title === `y${j} #${finals[j]}`)),
      { message: "every client has every editor's last edit" },
    );
    {
      const final = readBoard(await storedDocOf(tdb.h, boardId));
      for (const c of yClients) expect(readBoard(c.doc)).toEqual(final);
      editors.forEach((e, j) => expect(final.cards.find((x) => x.id === e.card)?.title).toBe(`y${j} #${finals[j]}`));
      const storedComments = await commentIds();
      expect(acked.filter((id) => !storedComments.has(id))).toEqual([]);
    }

    console.log(
      `drain: SIGTERM after ${madeBefore.reduce((x, y) => x + y, 0)} Yjs edits and ${ackedBefore} comments; ` +
        `drained and exited 0 in ${drainMs} ms (ceiling ${DRAIN_TIMEOUT_MS} ms; ${afterWriteMs} ms after the write in flight was let go); ` +
        `at exit ${madeAtExit.reduce((x, y) => x + y, 0)} edits made, stored up to #${storedAtExit.join("/#")}, ${ackedAtExit.length} comments acknowledged and stored`,
    );
    console.log(
      `drain: after B took over: ${finals.reduce((x, y) => x + y, 0)} edits in all (last #${finals.join("/#")}), ${acked.length} comments, ` +
        `socket.io connects ${ioEvents.connects} (disconnect reasons: ${ioEvents.disconnects.join(", ")}), ` +
        `Yjs close codes ${yClients.map((c) => c.closeCodes.join("+")).join(" ")}; balancer ${JSON.stringify(lb.stats())}`,
    );

    const stoppedB = await b.stop();
    expect(stoppedB, b.output()).toEqual({ code: 0, signal: null, forced: false });
  }, 120_000);

  it("gives up after DRAIN_TIMEOUT_MS: logs what was left and exits 1, and the next server starts", async () => {
    const c = await spawnServer({ databaseUrl: tdb.url, env: { DRAIN_TIMEOUT_MS: "800" } });
    servers.push(c);
    // A request whose body never comes holds the drain.
    const stuck = rawHttp(c.port);
    await stuck.opened;
    stuck.write(
      `POST /api/boards/${tdb.seed.boardA.id}/requests HTTP/1.1\r\nHost: 127.0.0.1:${c.port}\r\nOrigin: ${c.url}\r\n` +
        `Cookie: ${tdb.seed.cookies.memberA1}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n`,
    );
    await stuck.continued();
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => c.child.once("exit", (code, signal) => resolve({ code, signal })));
    const signalled = Date.now();
    process.kill(-c.child.pid!, "SIGTERM");
    const ended = await withTimeout(exited, 10_000, "the server gives up draining");
    const ms = Date.now() - signalled;
    stuck.destroy();
    expect(ended, c.output()).toEqual({ code: 1, signal: null });
    const line = c.output().split("\n").find((l) => l.includes("drain timed out"));
    expect(line, c.output()).toBeDefined();
    expect(JSON.parse(line!).left).toMatchObject({ stage: "http requests", httpRequests: 1 });
    console.log(`drain: with DRAIN_TIMEOUT_MS=800 and a request that never ends, exited 1 after ${ms} ms: ${line}`);
    // The lock was released: the next server starts on the same file.
    const d = await spawnServer({ databaseUrl: tdb.url });
    servers.push(d);
    expect((await fetch(`${d.url}/readyz`)).status).toBe(200);
  }, 60_000);
});
