/**
 * Integration harness: the real server (Remix build, Yjs endpoint, socket.io)
 * on a free port with a temporary, migrated SQLite file, seeded with two
 * alliances; real y-websocket and raw `ws` clients; and the server as a child
 * process for crash tests.
 *
 * Every helper registers what it opens with its TestServer (or returns a
 * handle with its own stop/cleanup), so one `close()` in afterAll leaves no
 * sockets, processes or temp files behind.
 */
import { sqliteRoomStorage } from "../../server/sync/storage";
import type { RoomStorage, SyncRoomStorage } from "../../server/sync/types";
import type { ServerBuild } from "@remix-run/node";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import WebSocket from "ws";
import * as Y from "yjs";
import * as syncProtocol from "y-protocols/sync";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { WebsocketProvider } from "y-websocket";
import { io as ioClient, type Socket } from "socket.io-client";
import { openDatabase, openPostgres, type AsyncDb, type Database_, type DB } from "../../db/client";
import { loadBoardState, loadBoardStateAsync } from "../../db/board-store";
import { readBoard, updateCard } from "../../app/board/domain";
import type { BoardSnapshot } from "../../app/board/types";
import { parseEnv } from "../../app/services/env.server";
import type { AppServices } from "../../app/services/context.server";
import { createAppServer } from "../../server/app";
import type { UploadDeclaration } from "../../server/http/guard";
import { makeAlliance, makeBoard, makeOrganisation, makeSessionCookie, makeUser, DEMO_PASSWORD, type AnyDb } from "../factories";
import { seededRandom } from "../factories/random";
import { startLb } from "../infra/lb";
import { freePort } from "../infra/net";
import { createDatabaseAt, dropDatabaseAt } from "../infra/postgres";
import { start as startRedis } from "../infra/redis";
import { SERVE_ARGS, serverBuilt } from "../infra/server-build";
import { REMIX_BUILD } from "../../scripts/build-state.mjs";
export { seededRandom };

// Every y-websocket provider adds a process "exit" listener; tests open dozens.
process.setMaxListeners(200);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * What the suite runs on. "sqlite" (the default): one app server on a
 * SQLite file. "postgres" (TEST_ENGINE=postgres, the vitest project
 * "postgres"): a database of its own on one real PostgreSQL for the whole
 * run (tests/infra/pg-global-setup.ts), and startTestServer gives TWO app
 * servers on it sharing a real redis-server of their own, behind a
 * round-robin balancer (tests/infra/lb.ts): every connection a test opens
 * (HTTP, Yjs, socket.io) lands on one or the other, so a test written for
 * one server checks that its guarantees hold across two.
 */
export const TEST_ENGINE: "sqlite" | "postgres" = process.env.TEST_ENGINE === "postgres" ? "postgres" : "sqlite";

/** A SQLite-only part of the harness reached on PostgreSQL: the test must use `h` (or stay out of the "postgres" project). */
function sqliteOnly(what: string): never {
  throw new Error(`${what} is SQLite's (synchronous): on TEST_ENGINE=postgres use the asynchronous handle \`h\`, or keep this file out of the "postgres" project (vitest.config.ts)`);
}

// ------------------------------------------------------------------ small utilities

/**
 * Writer w puts `<tag>-<w>-<n>` in card w's description every `everyMs` until
 * `stop()`, which resolves with the last n (`last()`: n so far): the load of
 * the cluster cases that end servers, Redis or PostgreSQL under editing.
 */
export function editEvery(writers: YClient[], cards: string[], tag: string, everyMs: number) {
  let n = 0;
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      n++;
      writers.forEach((y, w) => updateCard(y.doc, cards[w], { description: `${tag}-${w}-${n}` }, Date.now()));
      await sleep(everyMs);
    }
  })();
  return {
    last: () => n,
    async stop() {
      stopped = true;
      await running;
      return n;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Poll `predicate` until it returns a truthy value (returned) or `timeout` ms
 * pass (throws with `message` and the last error the predicate threw, if any).
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  opts: { timeout?: number; interval?: number; message?: string } | number = {},
): Promise<NonNullable<T>> {
  const o = typeof opts === "number" ? { timeout: opts } : opts;
  const timeout = o.timeout ?? 15_000;
  const interval = o.interval ?? 10;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${(lastError as Error).message ?? lastError})` : "";
      throw new Error(`waitFor timed out after ${timeout} ms: ${o.message ?? predicate.toString().slice(0, 200)}${detail}`);
    }
    await sleep(interval);
  }
}

/** `p`, or a rejection naming `what` after `timeout` ms. */
export function withTimeout<T>(p: Promise<T>, timeout: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${timeout} ms: ${what}`)), timeout);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export { freePort };

export function randomBytes(seed: number, length: number): Uint8Array {
  const rnd = seededRandom(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

// ------------------------------------------------------------------ database and seed

export interface Seed {
  allianceA: { id: string; name: string };
  allianceB: { id: string; name: string };
  orgA1: { id: string; name: string; shortName: string };
  orgA2: { id: string; name: string; shortName: string };
  orgB: { id: string; name: string; shortName: string };
  memberA1: { id: string; email: string; name: string };
  memberA2: { id: string; email: string; name: string };
  viewerA: { id: string; email: string; name: string };
  /** A coordinator of alliance A (organisation A1). */
  coordinatorA: { id: string; email: string; name: string };
  memberB: { id: string; email: string; name: string };
  boardA: { id: string; name: string; cardIds: string[] };
  boardB: { id: string; name: string; cardIds: string[] };
  password: string;
  cookies: { memberA1: string; memberA2: string; viewerA: string; coordinatorA: string; memberB: string };
}

export interface TestDatabase {
  engine: "sqlite" | "postgres";
  /** SQLite: the folder of the file. PostgreSQL: "". */
  dir: string;
  /** SQLite: the file. PostgreSQL: "". */
  file: string;
  /** DATABASE_URL: `file:…` or `postgres://…`. */
  url: string;
  /** SQLite's connection (throws on PostgreSQL: use `h`). */
  database: Database_;
  /** The asynchronous layer, on either engine. */
  h: AsyncDb;
  /** What createAppServer opens: the SQLite connection, or the PostgreSQL pool. */
  app: Database_ | Awaited<ReturnType<typeof openPostgres>>;
  seed: Seed;
  /** Close the connection and delete the SQLite folder (and its -wal/-shm) or drop the PostgreSQL database. */
  cleanup(): Promise<void>;
}

/** Seed the two alliances of every integration test. */
export async function seedAlliances(db: AnyDb): Promise<Seed> {
  const allianceA = await makeAlliance(db, { name: "Alliantie Noord" });
  const orgA1 = await makeOrganisation(db, { allianceId: allianceA.id, name: "Vluchtelingenwerk Noord", shortName: "VWN" });
  const orgA2 = await makeOrganisation(db, { allianceId: allianceA.id, name: "Taalhuis Noord", shortName: "TH" });
  const memberA1 = await makeUser(db, { organisationId: orgA1.id, email: "anna@noord.test", name: "Anna" });
  const memberA2 = await makeUser(db, { organisationId: orgA2.id, email: "bram@noord.test", name: "Bram" });
  const viewerA = await makeUser(db, { organisationId: orgA1.id, email: "kijker@noord.test", name: "Kees", role: "viewer" });
  const coordinatorA = await makeUser(db, { organisationId: orgA1.id, email: "coordinator@noord.test", name: "Cora", role: "coordinator" });
  const boardA = await makeBoard(db, {
    allianceId: allianceA.id,
    name: "Hulpvragen Noord",
    cards: [
      { title: "Woning gezocht voor gezin", category: "wonen", description: "", area: "Centrum", urgency: "hoog", createdByOrg: orgA1.id },
      { title: "Taalmaatje gevraagd", category: "taal", description: "", area: "Oost", urgency: "normaal", createdByOrg: orgA2.id },
      { title: "Hulp bij sollicitatie", category: "werk", description: "", area: "", urgency: "laag", createdByOrg: orgA1.id, column: "open" },
      { title: "Fiets voor vervoer naar school", category: "maatje", description: "", area: "West", urgency: "normaal", createdByOrg: orgA2.id },
    ],
  });

  const allianceB = await makeAlliance(db, { name: "Alliantie Zuid" });
  const orgB = await makeOrganisation(db, { allianceId: allianceB.id, name: "Welkom Zuid", shortName: "WZ" });
  const memberB = await makeUser(db, { organisationId: orgB.id, email: "carla@zuid.test", name: "Carla" });
  const boardB = await makeBoard(db, {
    allianceId: allianceB.id,
    name: "Hulpvragen Zuid",
    cards: [{ title: "Kinderopvang gezocht", category: "werk", description: "", area: "", urgency: "normaal", createdByOrg: orgB.id }],
  });

  return {
    allianceA,
    allianceB,
    orgA1,
    orgA2,
    orgB,
    memberA1,
    memberA2,
    viewerA,
    coordinatorA,
    memberB,
    boardA,
    boardB,
    password: DEMO_PASSWORD,
    cookies: {
      memberA1: await makeSessionCookie(db, memberA1.id),
      memberA2: await makeSessionCookie(db, memberA2.id),
      viewerA: await makeSessionCookie(db, viewerA.id),
      coordinatorA: await makeSessionCookie(db, coordinatorA.id),
      memberB: await makeSessionCookie(db, memberB.id),
    },
  };
}

/** A fresh, migrated and seeded test database: a SQLite file under os.tmpdir(), or (TEST_ENGINE=postgres) a PostgreSQL database. */
export async function createTestDatabase(): Promise<TestDatabase> {
  return TEST_ENGINE === "postgres" ? createPostgresTestDatabase() : createSqliteTestDatabase();
}

async function createSqliteTestDatabase(): Promise<TestDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-it-"));
  const file = path.join(dir, "board.sqlite");
  const url = `file:${file}`;
  const database = openDatabase(url, { migrate: true });
  const seed = await seedAlliances(database.db);
  let closed = false;
  return {
    engine: "sqlite",
    dir,
    file,
    url,
    database,
    h: database.async,
    app: database,
    seed,
    async cleanup() {
      if (!closed) {
        closed = true;
        try {
          database.close();
        } catch {
          /* already closed */
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let pgDatabases = 0;

async function createPostgresTestDatabase(): Promise<TestDatabase> {
  // One PostgreSQL for the run, started by the project's global setup. Imported here, not at the top: the
  // benchmarks use this harness outside vitest, where importing "vitest" throws ("failed to access its internal state").
  const { inject } = await import("vitest");
  const adminUrl = inject("postgresUrl");
  if (!adminUrl) throw new Error("TEST_ENGINE=postgres without a PostgreSQL: run the vitest project \"postgres\" (tests/infra/pg-global-setup.ts)");
  const name = `it_${process.pid}_${++pgDatabases}_${Math.random().toString(36).slice(2, 8)}`;
  const url = await createDatabaseAt(adminUrl, name);
  const pgDatabase = await openPostgres(url, { migrate: true });
  const seed = await seedAlliances(pgDatabase.async);
  let cleaned: Promise<void> | null = null;
  return {
    engine: "postgres",
    dir: "",
    file: "",
    url,
    get database(): Database_ {
      return sqliteOnly("TestDatabase.database");
    },
    h: pgDatabase.async,
    app: pgDatabase,
    seed,
    cleanup() {
      cleaned ??= pgDatabase.close().then(() => dropDatabaseAt(adminUrl, name));
      return cleaned;
    },
  };
}

/** A board document as stored: snapshot plus log, applied to a fresh Y.Doc. */
export function storedDoc(db: DB, boardId: string): Y.Doc {
  const s = loadBoardState(db, boardId);
  const doc = new Y.Doc();
  if (s.snapshot) Y.applyUpdate(doc, s.snapshot);
  for (const u of s.updates) Y.applyUpdate(doc, u);
  return doc;
}

/** The stored bytes of a board (snapshot and log, in order), to detect any write. */
export function storedBytes(db: DB, boardId: string): Buffer {
  const s = loadBoardState(db, boardId);
  return Buffer.concat([Buffer.from(s.snapshot ?? new Uint8Array()), ...s.updates.map((u) => Buffer.from(u))]);
}

/** storedDoc on either engine (the asynchronous layer). */
/** The room managers of the test servers running now: what they compact in the background lands before a test reads what is stored. */
const liveRooms = new Set<{ compacted(): Promise<void> }>();
async function compactionsLanded(): Promise<void> {
  await Promise.all([...liveRooms].map((r) => r.compacted()));
}

export async function storedDocOf(h: AsyncDb, boardId: string): Promise<Y.Doc> {
  await compactionsLanded();
  const s = await loadBoardStateAsync(h, boardId);
  const doc = new Y.Doc();
  if (s.snapshot) Y.applyUpdate(doc, s.snapshot);
  for (const u of s.updates) Y.applyUpdate(doc, u);
  return doc;
}

/** storedBytes on either engine (the asynchronous layer). */
export async function storedBytesOf(h: AsyncDb, boardId: string): Promise<Buffer> {
  await compactionsLanded();
  const s = await loadBoardStateAsync(h, boardId);
  return Buffer.concat([Buffer.from(s.snapshot ?? new Uint8Array()), ...s.updates.map((u) => Buffer.from(u))]);
}

/**
 * What the stored document holds, whatever its layout: the Yjs snapshot
 * (state vector and delete set) of the stored log. Equal before and after
 * means nothing was added or deleted, even if a compaction (a room that
 * emptied on the other server) folded the rows into the snapshot meanwhile.
 */
export async function storedContentOf(h: AsyncDb, boardId: string): Promise<Buffer> {
  return Buffer.from(Y.encodeSnapshot(Y.snapshot(await storedDocOf(h, boardId))));
}

/** A copy of this document, an edit on the copy, and the bytes of that edit alone (what a client would send). */
export function editOn(doc: Y.Doc, write: (copy: Y.Doc) => void): Uint8Array {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  const sv = Y.encodeStateVector(copy);
  write(copy);
  return Y.encodeStateAsUpdate(copy, sv);
}

/** A binary message written part by part (a message type, a sync step, a payload...), to send as it is. */
export function frame(...parts: Array<(e: encoding.Encoder) => void>): Uint8Array {
  const e = encoding.createEncoder();
  for (const p of parts) p(e);
  return encoding.toUint8Array(e);
}

// ------------------------------------------------------------------ clients

export interface ClientOptions {
  cookie?: string;
  /** Origin header; defaults to the server's own origin. `null` sends none. */
  origin?: string | null;
  headers?: Record<string, string>;
}

function headersFor(serverUrl: string, o: ClientOptions): Record<string, string> {
  const h: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.cookie) h.cookie = o.cookie;
  const origin = o.origin === undefined ? serverUrl : o.origin;
  if (origin !== null) h.origin = origin;
  return h;
}

/** A `ws` WebSocket class that always sends these headers (the browser sends cookie and Origin). */
export function webSocketWithHeaders(headers: Record<string, string>): typeof WebSocket {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  } as unknown as typeof WebSocket;
}

export interface YClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Updates this client received from the server, in order. */
  received: Uint8Array[];
  /** Close codes of every connection this provider lost. */
  closeCodes: number[];
  /** Send sync step 1 on the provider's socket and wait for the server's step 2: everything sent before was handled. */
  roundTrip(timeout?: number): Promise<void>;
  destroy(): void;
}

/**
 * A real y-websocket client, as the browser uses it. Resolves once synced
 * (sync step 2 from the server received); rejects if the connection is closed
 * or refused first.
 */
export async function connectYjs(
  serverUrl: string,
  boardId: string,
  opts: ClientOptions & { doc?: Y.Doc; timeout?: number; connect?: boolean; params?: Record<string, string> } = {},
): Promise<YClient> {
  const doc = opts.doc ?? new Y.Doc();
  const wsBase = serverUrl.replace(/^http/, "ws") + "/yjs";
  const provider = new WebsocketProvider(wsBase, boardId, doc, {
    WebSocketPolyfill: webSocketWithHeaders(headersFor(serverUrl, opts)) as never,
    disableBc: true,
    maxBackoffTime: 500,
    connect: false,
    // e.g. { gen: "1" }: the document generation the client holds (as app/lib/sync-client.ts sends it).
    params: opts.params,
  });
  const received: Uint8Array[] = [];
  const closeCodes: number[] = [];
  doc.on("update", (u: Uint8Array, origin: unknown) => {
    if (origin === provider) received.push(u);
  });
  const client: YClient = {
    doc,
    provider,
    received,
    closeCodes,
    async roundTrip(timeout = 10_000) {
      const ws = provider.ws as unknown as WebSocket | null;
      if (!ws || ws.readyState !== WebSocket.OPEN) throw new Error("roundTrip: not connected");
      const answered = new Promise<void>((resolve) => {
        const onMessage = (data: WebSocket.RawData) => {
          const buf = new Uint8Array(data as Buffer);
          if (buf[0] === 0 && buf[1] === 1) {
            ws.off("message", onMessage);
            resolve();
          }
        };
        ws.on("message", onMessage);
      });
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeSyncStep1(e, doc);
      ws.send(encoding.toUint8Array(e));
      await withTimeout(answered, timeout, "sync step 2 answer");
    },
    destroy() {
      provider.destroy();
      // The provider made this awareness and leaves it running: its 3 s
      // interval would keep it, and the whole document, for the rest of the run.
      provider.awareness.destroy();
    },
  };
  provider.on("connection-close", (ev: { code?: number } | null) => {
    if (ev && typeof ev.code === "number") closeCodes.push(ev.code);
  });
  if (opts.connect === false) return client;
  const synced = new Promise<void>((resolve, reject) => {
    provider.once("sync", (s: boolean) => s && resolve());
    provider.once("connection-close", (ev: { code?: number; reason?: string } | null) => {
      if (!provider.synced) reject(new Error(`connection closed before sync (code ${ev?.code}, ${ev?.reason ?? ""})`));
    });
  });
  provider.connect();
  try {
    await withTimeout(synced, opts.timeout ?? 15_000, `y-websocket sync of board ${boardId}`);
  } catch (e) {
    client.destroy();
    throw e;
  }
  return client;
}

export interface RawClient {
  ws: WebSocket;
  /** Every frame received, as bytes. */
  messages: Uint8Array[];
  /** Resolves with the HTTP status if the upgrade was refused. */
  refused: Promise<number>;
  /** Resolves when the socket opened. */
  opened: Promise<void>;
  /** Resolves with the close code and reason (1006 if the connection just dropped). */
  closed: Promise<{ code: number; reason: string }>;
  /** The client's copy of the document, kept current from the server's sync messages. */
  doc: Y.Doc;
  send(data: Uint8Array | Buffer): void;
  /** Sync step 1 + wait for step 2: everything sent before on this socket was handled. */
  roundTrip(timeout?: number): Promise<void>;
  /** Send a document update as a y-websocket "sync update" frame. */
  sendUpdate(update: Uint8Array): void;
  close(): void;
}

/**
 * A raw `ws` client on any path. It answers the server's sync step 1 and
 * applies step 2 / updates to `doc`, so it can also act as a minimal peer.
 */
export function rawConnect(serverUrl: string, pathname: string, opts: ClientOptions = {}): RawClient {
  const wsUrl = serverUrl.replace(/^http/, "ws") + pathname;
  const ws = new WebSocket(wsUrl, { headers: headersFor(serverUrl, opts), perMessageDeflate: false });
  const messages: Uint8Array[] = [];
  const doc = new Y.Doc();
  const step2Waiters: Array<() => void> = [];
  const refused = new Promise<number>((resolve) => {
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      // Still CONNECTING: terminate() aborts the handshake and emits "close".
      ws.terminate();
    });
  });
  const opened = new Promise<void>((resolve) => ws.on("open", () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on("error", () => {
    /* refused upgrades and aborted sockets end up here; `refused`/`closed` report them */
  });
  ws.on("message", (data) => {
    const buf = new Uint8Array(Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]));
    messages.push(buf);
    try {
      const decoder = decoding.createDecoder(buf);
      if (decoding.readVarUint(decoder) !== 0) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      const kind = syncProtocol.readSyncMessage(decoder, encoder, doc, "server");
      if (kind === syncProtocol.messageYjsSyncStep1 && ws.readyState === WebSocket.OPEN) {
        ws.send(encoding.toUint8Array(encoder));
      }
      if (kind === syncProtocol.messageYjsSyncStep2) step2Waiters.splice(0).forEach((f) => f());
    } catch {
      /* not our concern here */
    }
  });
  return {
    ws,
    messages,
    refused,
    opened,
    closed,
    doc,
    send(data) {
      ws.send(data);
    },
    async roundTrip(timeout = 10_000) {
      const p = new Promise<void>((resolve) => step2Waiters.push(resolve));
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeSyncStep1(e, doc);
      ws.send(encoding.toUint8Array(e));
      await withTimeout(p, timeout, "sync step 2 answer (raw client)");
    },
    sendUpdate(update) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeUpdate(e, update);
      ws.send(encoding.toUint8Array(e));
    },
    close() {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close();
    },
  };
}

// ------------------------------------------------------------------ socket.io clients

export type IoSocket = Socket;

/**
 * A real socket.io client as the browser opens it (websocket transport, the
 * session cookie and the server's Origin). Resolves once connected; rejects
 * with the server's reason if the connection is refused. Never reconnects.
 */
export async function connectIo(serverUrl: string, opts: ClientOptions & { timeout?: number } = {}): Promise<Socket> {
  const s = ioClient(serverUrl, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: headersFor(serverUrl, opts),
    reconnection: false,
    forceNew: true,
    timeout: opts.timeout ?? 10_000,
  });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        s.once("connect", () => resolve());
        s.once("connect_error", (e: Error) => reject(new Error(`socket.io connection refused: ${e.message}`)));
      }),
      opts.timeout ?? 10_000,
      "socket.io connect",
    );
  } catch (e) {
    s.close();
    throw e;
  }
  return s;
}

/**
 * Text with every UUID in it replaced by "<id>": a check that a short secret ("1988", "0417") is
 * nowhere in stored rows must not trip over random ids that happen to hold those digits.
 */
export function maskIds(text: string): string {
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<id>");
}

/** Every payload of `event` a socket receives, and a way to wait for a matching one. */
export interface EventLog<T = Record<string, unknown>> {
  events: T[];
  /** How many payloads were received so far: pass as `after` to wait only for later ones. */
  mark(): number;
  /** The first payload (already received, from index `after` on, or still to come) that satisfies `match`. */
  next(match?: (payload: T) => boolean, opts?: { after?: number; timeout?: number }): Promise<T>;
  stop(): void;
}

export function recordEvents<T = Record<string, unknown>>(socket: Socket, event: string): EventLog<T> {
  const events: T[] = [];
  const listener = (payload: T) => events.push(payload);
  socket.on(event, listener);
  return {
    events,
    mark: () => events.length,
    next(match = () => true, opts = {}) {
      const after = opts.after ?? 0;
      return waitFor(() => events.slice(after).find(match), {
        timeout: opts.timeout ?? 10_000,
        message: `socket.io event "${event}" matching ${match.toString().slice(0, 160)}`,
      });
    },
    stop() {
      socket.off(event, listener);
    },
  };
}

// ------------------------------------------------------------------ HTTP helpers

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * A JSON API call as the browser makes it: cookie, Origin and (with a body)
 * Content-Type application/json. The body of the answer is parsed as JSON
 * when it is JSON, else returned as text.
 */
export async function apiCall<T = any>(
  serverUrl: string,
  pathname: string,
  o: { cookie?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { origin: serverUrl, ...(o.headers ?? {}) };
  if (o.cookie) headers.cookie = o.cookie;
  if (o.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(serverUrl + pathname, {
    method: o.method ?? (o.body !== undefined ? "POST" : "GET"),
    headers,
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    redirect: "manual",
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("application/json") && text) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: body as T };
}

/** A form POST as a browser sends it (urlencoded, cookie, Origin); redirects are not followed. */
export function postForm(serverUrl: string, pathname: string, fields: Record<string, string>, o: { cookie?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    origin: serverUrl,
    ...(o.headers ?? {}),
  };
  if (o.cookie) headers.cookie = o.cookie;
  return fetch(serverUrl + pathname, { method: "POST", headers, body: new URLSearchParams(fields).toString(), redirect: "manual" });
}

// ------------------------------------------------------------------ clock

/** An injectable server clock: real time plus an offset that tests move forward. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
  readonly offset: number;
}

export function createClock(): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
    get offset() {
      return offset;
    },
  };
}

export const DAY_MS = 86_400_000;

// ------------------------------------------------------------------ in-process server

let buildPromise: Promise<ServerBuild> | null = null;
/** The Remix server build (`npx remix build` must have run). */
export function loadRemixBuild(): Promise<ServerBuild> {
  const file = path.join(ROOT, REMIX_BUILD);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npx remix build\` before the integration tests`);
  buildPromise ??= import(/* @vite-ignore */ pathToFileURL(file).href) as Promise<ServerBuild>;
  return buildPromise;
}

export type AppServer = ReturnType<typeof createAppServer>;

export interface TestServer {
  /** Where clients go: the server, or (TEST_ENGINE=postgres) the balancer in front of two. */
  url: string;
  port: number;
  /** The first (or only) app server. */
  server: AppServer;
  /** Every app server behind `url` (one on SQLite, two on PostgreSQL). */
  servers: AppServer[];
  rooms: AppServer["rooms"];
  /** SQLite's connection (throws on PostgreSQL: use `h`). */
  database: Database_;
  /** SQLite's synchronous Drizzle handle (throws on PostgreSQL: use `h`). */
  db: DB;
  /** A second, independent connection to the same file: sees only what was committed (SQLite only). */
  verify: Database_;
  /** The asynchronous layer over the servers' database, on either engine. */
  h: AsyncDb;
  engine: "sqlite" | "postgres";
  seed: Seed;
  dbUrl: string;
  /** The services the routes and sockets use (same database, rooms and broadcaster). */
  services: AppServices;
  /** The server's clock (injected, or real time). */
  now: () => number;
  connect(boardId: string, opts?: ClientOptions & { timeout?: number }): Promise<YClient>;
  raw(pathname: string, opts?: ClientOptions): RawClient;
  /** A raw client on a board (board A unless given) that is open and synced: what it sends next is all the server has to judge. */
  syncedRaw(cookie: string, boardId?: string): Promise<RawClient>;
  /** The server's live document of a board it has loaded (board A unless given); throws when it is not loaded. */
  serverDoc(boardId?: string): Y.Doc;
  /**
   * What a refused update must leave as it was (compare with toEqual): board
   * A live (contents and state vector) and stored, board B (the other
   * alliance's) stored. `settle` (a client on board A) is round-tripped first,
   * so nothing of its own is still in flight.
   */
  boardState(settle?: { roundTrip(): Promise<unknown> }): Promise<BoardState>;
  /** A connected socket.io client (closed by `close()`); with `boardId`, it has joined that board. */
  io(opts?: ClientOptions & { boardId?: string; timeout?: number }): Promise<Socket>;
  /** A JSON API call to this server. */
  api<T = any>(pathname: string, o?: { cookie?: string; method?: string; body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** A new session for a person, as a Cookie header value, valid for `days` (of real time). */
  cookieFor(userId: string, days?: number): Promise<string>;
  close(): Promise<void>;
}

export interface BoardState {
  board: BoardSnapshot;
  sv: Buffer;
  bytes: Buffer;
  other: Buffer;
}

/** A new board made over the API by `cookie` (a coordinator): its id; throws with the answer otherwise. */
export async function newBoardVia(t: TestServer, cookie: string, name: string): Promise<string> {
  const res = await t.api("/api/boards", { cookie, body: { name } });
  if (res.status !== 201) throw new Error(`POST /api/boards ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

export interface TestServerOptions {
  /** The server's clock (createAppServer's `now`); real time when omitted. */
  now?: () => number;
  /** Wrap the real SQLite room storage (to watch it, or to make the disk fail). */
  storage?: (real: SyncRoomStorage) => RoomStorage;
  /** Upload endpoints to declare (server/http/guard.ts), instead of the app's own. */
  uploads?: readonly UploadDeclaration[];
  /** TEST_ENGINE=postgres: how many app servers behind the balancer (2; 1 for what each server limits on its own). */
  servers?: number;
}

/** The DATA_KEY every test server seals contact details with (a test overrides it, "" for none). */
export const TEST_DATA_KEY = Buffer.alloc(32, 0x5a).toString("base64");

/**
 * The real server in this process on 127.0.0.1 and a free port, over a new
 * test database. TEST_ENGINE=postgres: two servers on a new PostgreSQL
 * database with a redis-server of their own, behind a round-robin balancer.
 */
export async function startTestServer(overrides: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const tdb = await createTestDatabase();
  if (tdb.engine === "sqlite") return serveTestDatabase(tdb, overrides, { ...options, ownsDatabase: true });
  const redis = await startRedis();
  const servers: AppServer[] = [];
  const stop = async () => {
    for (const s of servers) await s.close();
    await redis.stop();
    await tdb.cleanup();
  };
  try {
    for (let i = 0; i < (options.servers ?? 2); i++) servers.push(await listenAppServer(tdb, { REDIS_URL: redis.url, SERVER_ID: `s${i}`, ...overrides }, options));
    await Promise.all(servers.map((s) => s.redis?.ready(15_000)));
    const lb = await startLb(servers.map(portOf));
    return testServerOver(tdb, servers, lb.url, lb.port, async () => {
      await lb.stop();
      await stop();
    });
  } catch (e) {
    await stop();
    throw e;
  }
}

/** One app server on 127.0.0.1 and a free port over a test database (not yet wrapped for clients). */
async function listenAppServer(tdb: TestDatabase, overrides: Record<string, string>, options: TestServerOptions): Promise<AppServer> {
  const env = parseEnv({ LOG_LEVEL: "error", DATABASE_URL: tdb.url, HOST: "127.0.0.1", NODE_ENV: "test", DATA_KEY: TEST_DATA_KEY, ...overrides });
  const build = await loadRemixBuild();
  let storage: RoomStorage | undefined;
  if (options.storage) storage = tdb.engine === "sqlite" ? options.storage(sqliteRoomStorage(tdb.database, options.now)) : sqliteOnly("TestServerOptions.storage");
  const server = createAppServer({ env, database: tdb.app, build, publicDir: path.join(ROOT, "public"), now: options.now, storage, uploads: options.uploads });
  await server.listen(0, "127.0.0.1");
  return server;
}

/**
 * One app server on a free port over a test database that may serve others
 * too (tests/integration/cluster-harness.ts: several servers, one database
 * object). `close()` closes this server and its clients, and the database
 * only when `ownsDatabase`.
 */
export async function serveTestDatabase(
  tdb: TestDatabase,
  overrides: Record<string, string> = {},
  options: TestServerOptions & { ownsDatabase?: boolean } = {},
): Promise<TestServer> {
  const server = await listenAppServer(tdb, overrides, options);
  const port = portOf(server);
  return testServerOver(tdb, [server], `http://127.0.0.1:${port}`, port, async () => {
    await server.close();
    if (options.ownsDatabase) await tdb.cleanup();
  });
}

const portOf = (s: AppServer): number => (s.httpServer.address() as AddressInfo).port;

/** The clients' side of a TestServer: what a test opens through `url` is closed before `stop`. */
function testServerOver(tdb: TestDatabase, servers: AppServer[], url: string, port: number, stop: () => Promise<void>): TestServer {
  const [server] = servers;
  const verify = tdb.engine === "sqlite" ? openDatabase(tdb.url) : null;
  const yClients = new Set<YClient>();
  const rawClients = new Set<RawClient>();
  const ioClients = new Set<Socket>();
  const raw = (pathname: string, opts: ClientOptions = {}): RawClient => {
    const c = rawConnect(url, pathname, opts);
    rawClients.add(c);
    return c;
  };
  const serverDoc = (boardId = tdb.seed.boardA.id): Y.Doc => {
    // With two servers, the copy of the first server that has the board loaded.
    for (const s of servers) {
      const room = s.rooms.peek(boardId);
      if (room) return room.doc;
    }
    throw new Error(`board ${boardId} is not loaded`);
  };
  // SQLite: through the second connection (only what was committed); PostgreSQL: every read is of what was committed.
  const stored = async (boardId: string): Promise<Buffer> => {
    if (!verify) return storedBytesOf(tdb.h, boardId);
    await compactionsLanded();
    return storedBytes(verify.db, boardId);
  };
  for (const s of servers) liveRooms.add(s.rooms);
  return {
    url,
    port,
    server,
    servers,
    rooms: server.rooms,
    get database() {
      return tdb.database;
    },
    get db() {
      return tdb.database.db;
    },
    get verify() {
      return verify ?? sqliteOnly("TestServer.verify");
    },
    h: tdb.h,
    engine: tdb.engine,
    seed: tdb.seed,
    dbUrl: tdb.url,
    services: server.services,
    now: server.services.now,
    async io(opts = {}) {
      const s = await connectIo(url, opts);
      ioClients.add(s);
      if (opts.boardId) {
        const ack = await s.timeout(10_000).emitWithAck("board:join", { boardId: opts.boardId });
        if (!ack?.ok) throw new Error(`board:join ${opts.boardId} refused: ${JSON.stringify(ack)}`);
      }
      return s;
    },
    api(pathname, o = {}) {
      return apiCall(url, pathname, o);
    },
    cookieFor(userId, days = 1) {
      return makeSessionCookie(tdb.h, userId, days);
    },
    async connect(boardId, opts = {}) {
      const c = await connectYjs(url, boardId, opts);
      yClients.add(c);
      return c;
    },
    raw,
    async syncedRaw(cookie, boardId = tdb.seed.boardA.id) {
      const c = raw(`/yjs/${boardId}`, { cookie });
      await withTimeout(c.opened, 10_000, "raw client opened");
      await c.roundTrip(); // the server sent its step 1 and answered ours
      return c;
    },
    serverDoc,
    async boardState(settle) {
      await settle?.roundTrip();
      const doc = serverDoc();
      return {
        board: readBoard(doc),
        sv: Buffer.from(Y.encodeStateVector(doc)),
        bytes: await stored(tdb.seed.boardA.id),
        other: await stored(tdb.seed.boardB.id),
      };
    },
    async close() {
      for (const c of yClients) c.destroy();
      for (const c of rawClients) c.ws.terminate();
      for (const s of ioClients) s.close();
      await stop();
      for (const s of servers) liveRooms.delete(s.rooms);
      verify?.close();
    },
  };
}

// ------------------------------------------------------------------ a command as a child process

export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A script of the project as `npm run <x>` runs it, with this environment on
 * top of ours: the server (server/index.ts) built, as `npm run serve`; the
 * others (the CLIs) through tsx (`node --import tsx <script>`).
 */
export async function runCommand(script: string, args: string[], env: Record<string, string>): Promise<CommandRun> {
  const argv = script === "server/index.ts" ? (await serverBuilt(), SERVE_ARGS) : ["--import", "tsx", script];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...argv, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "error", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

// ------------------------------------------------------------------ the server as a child process

export interface SpawnedServer {
  child: ChildProcess;
  port: number;
  url: string;
  /** stdout and stderr of the process so far. */
  output(): string;
  /** kill -9 the whole process group. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), then SIGKILL after 5 s. Resolves with how the process ended. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; forced: boolean }>;
}

/**
 * The built server (`node build/server/index.js`, as `npm run serve` starts
 * it; built again first when older than its sources) with its own
 * environment: one process, leading its own process group. Never through a
 * wrapper such as the tsx command: that is a second process that relays
 * signals and, when the server does not confirm one within 30 ms (a busy
 * machine), kills it and exits 143 itself, which is no graceful shutdown.
 */
export async function spawnServer(o: { databaseUrl: string; port?: number; env?: Record<string, string> }): Promise<SpawnedServer> {
  const port = o.port ?? (await freePort());
  await serverBuilt();
  const child = spawn(process.execPath, SERVE_ARGS, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: o.databaseUrl,
      LOG_LEVEL: "error",
      ...o.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const url = `http://127.0.0.1:${port}`;
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  const handle: SpawnedServer = {
    child,
    port,
    url,
    output: () => out,
    async kill() {
      signalGroup("SIGKILL");
      await exited;
      // The group leader is gone; make sure the port is free again.
      await waitFor(async () => !(await answers(url)), { timeout: 10_000, message: "killed server still answers" });
    },
    async stop() {
      let forced = false;
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup("SIGTERM");
        const t = setTimeout(() => {
          forced = true;
          signalGroup("SIGKILL");
        }, 5_000);
        await exited;
        clearTimeout(t);
      }
      // Whatever is left of the group goes too.
      signalGroup("SIGKILL");
      return { code: child.exitCode, signal: child.signalCode, forced };
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before answering\n--- server output ---\n${out}`);
    }
    if (await answers(url)) break;
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`spawned server on port ${port} did not answer GET /login in 30 s\n--- server output ---\n${out}`);
    }
    await sleep(100);
  }
  return handle;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/login`, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status > 0;
  } catch {
    return false;
  }
}
