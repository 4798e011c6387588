/**
 * The floor: the least any sync server can do on this harness, to know what
 * a latency target can ask of one. It speaks the y-websocket protocol and
 * relays each client's message, byte for byte, in one frame written
 * straight to every other socket before it does anything else; only then
 * does it apply the update to the document it keeps for clients that join
 * later. No checks, no storage, no presence of its own: not a server anyone
 * should run, only the lower bound of "receive, fan out" with the kernel,
 * the providers and the load generator of this bench.
 *
 * FLOOR_BATCH=1 (the saturation bench's "floor-batch"): the least a server
 * that combines the updates of one tick can do. A room's updates wait until
 * the end of the event loop's turn, are merged (Y.mergeUpdates) and go to
 * every socket as one frame, the authors' own included; what ours does per
 * tick without the checks, the storage and the activity.
 *
 * FLOOR_STORE=<file> (scenario (a)'s "floor-store"): the least a server
 * that keeps what it sends can do. Each update is appended to a SQLite
 * file (WAL, synchronous=NORMAL: in the log, so a kill -9 of the process
 * keeps it, as ours' commit) in one prepared INSERT before the fan-out,
 * and flushed to disk (fdatasync, on libuv's pool) after it, one flush at a
 * time. No checks, no activity, no compaction: storing before sending, and
 * nothing else.
 *
 * FLOOR_CHECK=1 (with FLOOR_STORE: "floor-checked"): the same, and each
 * update is first judged by ours' checker (server/sync/check-update.ts, as
 * a coordinator) and applied to the document before it is stored and sent.
 * The least a server that checks every write against the board's rules
 * before anyone sees it can do; ours adds to it the rules of who holds a
 * request (SQL), the activity and the tick.
 *
 *   PORT=… HOST=127.0.0.1 node --import tsx tests/bench/sync/floor-server.ts
 */
import Database from "better-sqlite3";
import fs from "node:fs";
import http from "node:http";
import type { Socket } from "node:net";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { WebSocketServer, type WebSocket } from "ws";
import * as Y from "yjs";
import { checkUpdate } from "../../../server/sync/check-update";
import { binaryFrame } from "../../../server/sync/ws-frame";

const MSG_SYNC = 0;
const STEP1 = 0;
const STEP2 = 1;

const MSG_UPDATE = 2;
const BATCH = process.env.FLOOR_BATCH === "1";
const CHECK = process.env.FLOOR_CHECK === "1";

/** FLOOR_STORE: append an update durably enough for a kill -9 before it is sent (see above). */
const store = process.env.FLOOR_STORE ? openStore(process.env.FLOOR_STORE) : null;

function openStore(file: string): { append: (room: string, update: Uint8Array) => void } {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE IF NOT EXISTS updates (id INTEGER PRIMARY KEY, room TEXT NOT NULL, data BLOB NOT NULL)");
  const insert = db.prepare("INSERT INTO updates (room, data) VALUES (?, ?)");
  let wal: number | null = null;
  let flushing = false;
  let again = false;
  const flush = () => {
    wal ??= fs.openSync(`${file}-wal`, "r");
    flushing = true;
    fs.fdatasync(wal, () => {
      flushing = false;
      if (again) (again = false), flush();
    });
  };
  return {
    append(room, update) {
      insert.run(room, update);
      // After this turn's fan-out: one flush at a time, the next one covers what came meanwhile.
      setImmediate(() => (flushing ? (again = true) : flush()));
    },
  };
}

interface Room {
  doc: Y.Doc;
  sockets: Map<WebSocket, Socket>;
  /** FLOOR_BATCH: the updates of this turn, sent at its end. */
  tick: Uint8Array[] | null;
}
const rooms = new Map<string, Room>();
/** BENCH_TRACE: the mean time of one fan-out of a document update (printed at exit). */
const fan = { n: 0, total: 0 };
if (process.env.BENCH_TRACE) {
  process.on("exit", () => process.stderr.write(`TRACE floor fan-out n=${fan.n} mean=${((fan.total / fan.n) * 1000).toFixed(0)} µs\n`));
}

function message(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

/** FLOOR_BATCH: the turn's updates of a room as one frame to every socket, then into the document. */
function sendTick(r: Room): void {
  const updates = r.tick ?? [];
  r.tick = null;
  const merged = updates.length === 1 ? updates[0] : Y.mergeUpdates(updates);
  const frame = binaryFrame(message((e) => (encoding.writeVarUint(e, MSG_SYNC), encoding.writeVarUint(e, MSG_UPDATE), encoding.writeVarUint8Array(e, merged))));
  const t0 = performance.now();
  for (const socket of r.sockets.values()) socket.write(frame);
  fan.n++;
  fan.total += performance.now() - t0;
  Y.applyUpdate(r.doc, merged);
}

const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on("connection", (ws, req) => {
  const name = (req.url ?? "/").slice(1);
  let room = rooms.get(name);
  if (!room) rooms.set(name, (room = { doc: new Y.Doc(), sockets: new Map(), tick: null }));
  const r = room;
  const raw = (ws as unknown as { _socket: Socket })._socket;
  r.sockets.set(ws, raw);
  ws.send(message((e) => (encoding.writeVarUint(e, MSG_SYNC), encoding.writeVarUint(e, STEP1), encoding.writeVarUint8Array(e, Y.encodeStateVector(r.doc)))));
  ws.on("message", (data: Buffer) => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const d = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(d);
    const sub = type === MSG_SYNC ? decoding.readVarUint(d) : -1;
    if (BATCH && sub === MSG_UPDATE) {
      if (!r.tick) {
        r.tick = [];
        setImmediate(() => sendTick(r));
      }
      r.tick.push(decoding.readVarUint8Array(d));
      return;
    }
    if (sub === STEP1) {
      const sv = decoding.readVarUint8Array(d);
      ws.send(message((e) => (encoding.writeVarUint(e, MSG_SYNC), encoding.writeVarUint(e, STEP2), encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(r.doc, sv)))));
      return;
    }
    // An update, a step 2 or presence: to everyone else first, as it came (FLOOR_CHECK: checked and applied, FLOOR_STORE: stored first).
    const update = type === MSG_SYNC && (store || CHECK) ? decoding.readVarUint8Array(decoding.createDecoder(bytes.subarray(2))) : null;
    // The board's first content (the bench's upload into an empty room) is what ours reads from its storage: not checked.
    if (update && CHECK && r.doc.store.clients.size > 0) {
      const verdict = checkUpdate(update, r.doc, "coordinator");
      if (!verdict.ok) return ws.close(4400, verdict.reason.slice(0, 120));
    }
    if (update && CHECK) Y.applyUpdate(r.doc, update);
    if (update && store) store.append(name, update);
    const frame = binaryFrame(bytes);
    const t0 = performance.now();
    for (const [other, socket] of r.sockets) if (other !== ws) socket.write(frame);
    if (type === MSG_SYNC) {
      fan.n++;
      fan.total += performance.now() - t0;
    }
    if (type === MSG_SYNC && !CHECK) Y.applyUpdate(r.doc, decoding.readVarUint8Array(d));
  });
  ws.on("close", () => r.sockets.delete(ws));
  ws.on("error", () => r.sockets.delete(ws));
});

const port = Number(process.env.PORT);
server.listen(port, process.env.HOST ?? "127.0.0.1", () => {
  console.log(JSON.stringify({ ready: `http://127.0.0.1:${port}` }));
});
process.on("SIGTERM", () => process.exit(0));
