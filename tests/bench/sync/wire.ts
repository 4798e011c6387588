/**
 * The load generator's side of the three servers' wire protocols: raw
 * WebSocket clients that do just enough to be real, synced, idle members of
 * a document (no Y.Doc of their own), and the addresses of a document.
 *
 *   ours, y-websocket   [type][payload]            (y-websocket protocol; the floor too)
 *   hocuspocus          [docName][type][payload]   (after an auth message)
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import WebSocket from "ws";

/** "floor" is not a product: floor-server.ts, the least a server can do here (a lower bound for latency). */
export type ServerKind = "ours" | "y-websocket" | "hocuspocus" | "floor";
/** The servers compared in every scenario. */
export const SERVER_KINDS: readonly ServerKind[] = ["ours", "y-websocket", "hocuspocus"];

export interface Target {
  kind: ServerKind;
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  /** Headers a browser would send (ours: session cookie and Origin). */
  headers: Record<string, string>;
}

/** The WebSocket address of one document on a server. */
export function docUrl(t: Target, doc: string): string {
  const ws = t.httpUrl.replace(/^http/, "ws");
  if (t.kind === "ours") return `${ws}/yjs/${doc}`;
  if (t.kind === "y-websocket" || t.kind === "floor") return `${ws}/${doc}`;
  return ws; // hocuspocus names the document in every message
}

const MSG_SYNC = 0;
const MSG_AUTH = 2;
const MSG_SYNC_REPLY = 4; // hocuspocus' answer to a step 1
const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;

function frame(t: Target, doc: string, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  if (t.kind === "hocuspocus") encoding.writeVarString(e, doc);
  write(e);
  return encoding.toUint8Array(e);
}

export function step1Frame(t: Target, doc: string, stateVector: Uint8Array): Uint8Array {
  return frame(t, doc, (e) => {
    encoding.writeVarUint(e, MSG_SYNC);
    encoding.writeVarUint(e, STEP1);
    encoding.writeVarUint8Array(e, stateVector);
  });
}

export function updateFrame(t: Target, doc: string, update: Uint8Array, step = UPDATE): Uint8Array {
  return frame(t, doc, (e) => {
    encoding.writeVarUint(e, MSG_SYNC);
    encoding.writeVarUint(e, step);
    encoding.writeVarUint8Array(e, update);
  });
}

function authFrame(t: Target, doc: string): Uint8Array {
  return frame(t, doc, (e) => {
    encoding.writeVarUint(e, MSG_AUTH);
    encoding.writeVarUint(e, 0); // token
    encoding.writeVarString(e, "");
  });
}

export type Incoming = { kind: "step1" | "step2" | "update"; payload: Uint8Array } | { kind: "other" };

export function parseFrame(t: Target, data: Uint8Array): Incoming {
  const d = decoding.createDecoder(data);
  if (t.kind === "hocuspocus") decoding.readVarString(d);
  const type = decoding.readVarUint(d);
  if (type !== MSG_SYNC && type !== MSG_SYNC_REPLY) return { kind: "other" };
  const step = decoding.readVarUint(d);
  const payload = decoding.readVarUint8Array(d);
  if (step === STEP1) return { kind: "step1", payload };
  if (step === STEP2) return { kind: "step2", payload };
  return { kind: "update", payload };
}

function asBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export interface RawClient {
  ws: WebSocket;
  /** ms (performance.now) when the server's sync step 2 had arrived in full. */
  syncedAt: number;
  /** The step 2 the server sent (only kept when asked). */
  state: Uint8Array | null;
  /** Updates received since the sync. */
  updates: number;
  close(): void;
}

/**
 * Connect, ask for everything after `stateVector`, resolve when the server's
 * answer (sync step 2) has arrived. Afterwards the client stays connected,
 * counts the updates it is sent and answers nothing (an idle member).
 */
export function connectRaw(
  t: Target,
  doc: string,
  opts: {
    stateVector?: Uint8Array;
    keepState?: boolean;
    timeoutMs?: number;
    /** Every frame after the sync, as it arrives (the saturation reader looks into them). */
    onMessage?: (data: Uint8Array) => void;
  } = {},
): Promise<RawClient> {
  const sv = opts.stateVector ?? new Uint8Array([0]);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(docUrl(t, doc), { headers: t.headers, perMessageDeflate: false });
    const client: RawClient = { ws, syncedAt: 0, state: null, updates: 0, close: () => ws.terminate() };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${t.kind}: no sync step 2 within ${opts.timeoutMs ?? 60_000} ms`));
    }, opts.timeoutMs ?? 60_000);
    ws.on("open", () => {
      if (t.kind === "hocuspocus") ws.send(authFrame(t, doc));
      ws.send(step1Frame(t, doc, sv));
    });
    ws.on("message", (data) => {
      if (client.syncedAt) {
        client.updates++;
        opts.onMessage?.(asBytes(data));
        return;
      }
      const msg = parseFrame(t, asBytes(data));
      if (msg.kind !== "step2") return;
      client.syncedAt = performance.now();
      if (opts.keepState) client.state = msg.payload;
      clearTimeout(timer);
      resolve(client);
    });
    ws.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on("close", (code) => {
      if (!client.syncedAt) {
        clearTimeout(timer);
        reject(new Error(`${t.kind}: closed (${code}) before sync`));
      }
    });
  });
}

/**
 * Put a whole document into a peer server that keeps documents in memory:
 * connect, send the state as an update, and wait until the server echoes
 * the state vector back (its answer to our step 1 after the upload).
 */
export async function uploadState(t: Target, doc: string, state: Uint8Array): Promise<RawClient> {
  const holder = await connectRaw(t, doc);
  holder.ws.send(updateFrame(t, doc, state, STEP2));
  // A second step 1 answered means the upload before it was applied.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${t.kind}: upload not answered`)), 120_000);
    const onMessage = (data: WebSocket.RawData) => {
      if (parseFrame(t, asBytes(data)).kind === "step2") {
        clearTimeout(timer);
        holder.ws.off("message", onMessage);
        resolve();
      }
    };
    holder.ws.on("message", onMessage);
    holder.ws.send(step1Frame(t, doc, new Uint8Array([0])));
  });
  return holder;
}

/** Connect many clients, `parallel` at a time. */
export async function connectMany(
  t: Target,
  doc: string | ((i: number) => string),
  n: number,
  parallel = 50,
): Promise<RawClient[]> {
  const out: RawClient[] = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(parallel, n - i) }, (_, j) =>
        connectRaw(t, typeof doc === "string" ? doc : doc(i + j)),
      ),
    );
    out.push(...batch);
  }
  return out;
}
