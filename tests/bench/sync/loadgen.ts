/**
 * The load generator: a child process pinned to core 1 that plays one
 * scenario against one server and prints JSON lines on stdout:
 *
 *   {"mark": "<phase>"}   the orchestrator samples the server's CPU and RSS now
 *   {"result": {...}}     the figures of the scenario
 *
 * Idle members are raw WebSockets (wire.ts); latency is measured by two real
 * providers of the server's own kind (y-websocket's WebsocketProvider for
 * ours and the y-websocket server, @hocuspocus/provider for Hocuspocus): the
 * writer edits one card field 20 times a second with a sequence number and
 * notes performance.now() against it; the reader, in this same process (one
 * clock), notes when the edit arrived in its document.
 *
 *   node --import tsx tests/bench/sync/loadgen.ts '<job json>'
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { cardsMap, updateCard } from "../../../app/board/domain";
import { cardId, summarise, type LatencySummary } from "./shared";
import { connectMany, connectRaw, uploadState, type RawClient, type Target } from "./wire";

export interface LatencyJob {
  type: "latency";
  target: Target;
  doc: string;
  /** File with the board's state, uploaded to servers that keep documents in memory. */
  stateFile?: string;
  cards: number;
  idle: number;
  rate: number;
  warmupS: number;
  seconds: number;
  /**
   * Isolation: measure twice, and between the windows say "second-window"
   * (the orchestrator then starts storms on another board from a separate,
   * lower-priority process, so the storm's own client work does not starve
   * this reader on the shared load core).
   */
  twoWindows?: boolean;
  /** Boards to keep loaded from the start (one member each), e.g. the storm board. */
  holdDocs?: string[];
  /**
   * The idle members live in another process (an "idle" job the
   * orchestrator starts at the "idle-connected" mark), so that the reader
   * does not wait for this process to handle the copies sent to a thousand
   * simulated members first: a real reader's browser never does.
   */
  idleElsewhere?: boolean;
  /** Isolation: more boards with idle members. */
  otherBoards?: { docs: string[]; perBoard: number };
}

export interface StormJob {
  type: "storm";
  target: Target;
  doc: string;
  stateFile?: string;
  clients: number;
  rounds: number;
}

/** N idle members on one board (and more boards), kept until stdin closes or says "stop". */
export interface IdleJob {
  type: "idle";
  target: Target;
  doc: string;
  idle: number;
  otherBoards?: { docs: string[]; perBoard: number };
}

/** Waves of fresh clients on one board, one after the other, for `seconds`. */
export interface StormLoopJob {
  type: "stormloop";
  target: Target;
  doc: string;
  clients: number;
  seconds: number;
}

export type Job = LatencyJob | StormJob | StormLoopJob | IdleJob;

function emit(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sequence numbers of edits, unique in this process (an edit to the same text would write nothing). */
let seq = 0;

/** A mark at which the orchestrator collects the server's garbage before sampling: wait for its "ok". */
function settle(mark: string): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.once("data", () => resolve());
    emit({ mark, settle: true });
  });
}

// ------------------------------------------------------------------ providers

interface Peer {
  doc: Y.Doc;
  synced: Promise<void>;
  destroy(): void;
}

function headerSocket(headers: Record<string, string>): typeof WebSocket {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers, perMessageDeflate: false });
    }
  } as unknown as typeof WebSocket;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/**
 * The provider's ES module build, so that it shares this process's one copy
 * of yjs (its CommonJS build would load a second one).
 */
const hocuspocusProvider = path.join(ROOT, "tests/bench/peers/node_modules/@hocuspocus/provider/dist/hocuspocus-provider.esm.js");
type HocuspocusProviderClass = new (o: Record<string, unknown>) => { destroy(): void };

async function connectProvider(t: Target, docName: string): Promise<Peer> {
  const doc = new Y.Doc();
  if (t.kind === "hocuspocus") {
    const { HocuspocusProvider } = (await import(pathToFileURL(hocuspocusProvider).href)) as {
      HocuspocusProvider: HocuspocusProviderClass;
    };
    let done: () => void;
    const synced = new Promise<void>((r) => (done = r));
    const provider = new HocuspocusProvider({
      url: t.httpUrl.replace(/^http/, "ws"),
      name: docName,
      document: doc,
      WebSocketPolyfill: headerSocket(t.headers),
      onSynced: () => done(),
    });
    return { doc, synced, destroy: () => provider.destroy() };
  }
  const base = t.kind === "ours" ? t.httpUrl.replace(/^http/, "ws") + "/yjs" : t.httpUrl.replace(/^http/, "ws");
  const provider = new WebsocketProvider(base, docName, doc, {
    WebSocketPolyfill: headerSocket(t.headers) as never,
    disableBc: true,
  });
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) return resolve();
    provider.once("sync", (s: boolean) => s && resolve());
  });
  return { doc, synced, destroy: () => provider.destroy() };
}

/** Writer and reader on one board: edits with sequence numbers, latency per edit. */
async function measureLatency(
  t: Target,
  docName: string,
  cards: number,
  rate: number,
  warmupS: number,
  seconds: number,
): Promise<{ summary: LatencySummary; samples: number[] }> {
  const writer = await connectProvider(t, docName);
  const reader = await connectProvider(t, docName);
  await Promise.race([
    Promise.all([writer.synced, reader.synced]),
    sleep(60_000).then(() => {
      throw new Error(`${t.kind}: providers did not sync`);
    }),
  ]);
  const sentAt = new Map<number, number>();
  let recording = false;
  const samples: number[] = [];
  const cardsRoot = cardsMap(reader.doc);
  cardsRoot.observeDeep((events) => {
    const now = performance.now();
    for (const ev of events) {
      if (!(ev instanceof Y.YMapEvent) || !ev.keysChanged.has("description")) continue;
      const m = /#(\d+)$/.exec(String((ev.target as Y.Map<unknown>).get("description")));
      if (!m) continue;
      const seq = Number(m[1]);
      const at = sentAt.get(seq);
      if (at !== undefined) {
        sentAt.delete(seq);
        if (recording) samples.push(now - at);
      }
    }
  });
  let sent = 0;
  const write = () => {
    seq++;
    const id = cardId(seq % cards);
    sentAt.set(seq, performance.now());
    if (recording) sent++;
    updateCard(writer.doc, id, { description: `meting #${seq}` }, Date.now());
  };
  const run = async (ms: number) => {
    const timer = setInterval(write, 1000 / rate);
    await sleep(ms);
    clearInterval(timer);
  };
  await run(warmupS * 1000);
  await sleep(300);
  recording = true;
  emit({ mark: "measure-start" });
  await run(seconds * 1000);
  await sleep(1000);
  recording = false;
  emit({ mark: "measure-end" });
  writer.destroy();
  reader.destroy();
  return { summary: summarise(samples, sent), samples };
}

// ------------------------------------------------------------------ jobs

function readState(file?: string): Uint8Array | null {
  return file ? new Uint8Array(fs.readFileSync(file)) : null;
}

/** Servers that keep documents only in memory get the board uploaded by a holder that stays. */
async function holdBoard(t: Target, doc: string, stateFile?: string): Promise<RawClient> {
  const state = readState(stateFile);
  if (t.kind !== "ours" && state) return uploadState(t, doc, state);
  return connectRaw(t, doc);
}

async function latencyJob(job: LatencyJob): Promise<unknown> {
  const t = job.target;
  const holders: RawClient[] = [await holdBoard(t, job.doc, job.stateFile)];
  for (const doc of job.holdDocs ?? []) holders.push(await connectRaw(t, doc, { timeoutMs: 120_000 }));
  await settle("before-idle");
  const idle: RawClient[] = job.idleElsewhere ? [] : await connectIdle(job);
  if (!job.idleElsewhere) await sleep(1000);
  await settle("idle-connected");

  let baseline: LatencySummary | null = null;
  if (job.twoWindows) {
    baseline = (await measureLatency(t, job.doc, job.cards, job.rate, job.warmupS, job.seconds)).summary;
    emit({ mark: "second-window" });
  }
  const measured = await measureLatency(t, job.doc, job.cards, job.rate, job.twoWindows ? 0.5 : job.warmupS, job.seconds);
  const received = idle.reduce((n, c) => n + c.updates, 0);
  for (const c of [...idle, ...holders]) c.close();
  return { ...measured.summary, baseline, idleReceived: received };
}

async function connectIdle(job: { target: Target; doc: string; idle: number; otherBoards?: { docs: string[]; perBoard: number } }) {
  const t = job.target;
  const idle: RawClient[] = await connectMany(t, job.doc, job.idle);
  if (job.otherBoards) {
    const { docs, perBoard } = job.otherBoards;
    idle.push(...(await connectMany(t, (i) => docs[Math.floor(i / perBoard)], docs.length * perBoard)));
  }
  return idle;
}

async function idleJob(job: IdleJob): Promise<unknown> {
  const idle = await connectIdle(job);
  await sleep(1000);
  emit({ mark: "idle-ready", connections: idle.length });
  await new Promise<void>((resolve) => {
    process.stdin.on("data", (d) => String(d).includes("stop") && resolve());
    process.stdin.on("end", () => resolve());
  });
  const received = idle.reduce((n, c) => n + c.updates, 0);
  for (const c of idle) c.close();
  return { connections: idle.length, received };
}

/**
 * `n` clients connect at once; seconds until the last has its whole sync
 * step 2. They are closed afterwards; `inspect` may look at them first.
 */
async function wave(
  t: Target,
  doc: string,
  n: number,
  opts: (i: number) => Parameters<typeof connectRaw>[2],
  inspect?: (clients: RawClient[]) => void,
): Promise<number> {
  const start = performance.now();
  const clients = await Promise.all(Array.from({ length: n }, (_, i) => connectRaw(t, doc, opts(i))));
  const seconds = (Math.max(...clients.map((c) => c.syncedAt)) - start) / 1000;
  inspect?.(clients);
  for (const c of clients) c.close();
  return seconds;
}

async function stormJob(job: StormJob): Promise<unknown> {
  const t = job.target;
  const holder = await holdBoard(t, job.doc, job.stateFile);
  await sleep(500);
  const fresh: number[] = [];
  const upToDate: number[] = [];
  let state: Uint8Array = new Uint8Array();
  for (let round = 0; round < job.rounds; round++) {
    emit({ mark: `fresh-${round}` });
    fresh.push(
      await wave(t, job.doc, job.clients, (i) => ({ keepState: i === 0, timeoutMs: 300_000 }), (clients) => (state = clients[0].state!)),
    );
    await sleep(1000);
    emit({ mark: `uptodate-${round}` });
    const stateVector = Y.encodeStateVectorFromUpdate(state);
    upToDate.push(await wave(t, job.doc, job.clients, () => ({ stateVector, timeoutMs: 300_000 })));
    await sleep(1000);
  }
  holder.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  return { fresh_s: median(fresh), uptodate_s: median(upToDate), fresh, upToDate, stateBytes: state.length };
}

async function stormLoopJob(job: StormLoopJob): Promise<unknown> {
  const waves: number[] = [];
  // Someone stays on the board, so it stays loaded between waves (as on a board in use).
  const holder = await connectRaw(job.target, job.doc, { timeoutMs: 120_000 });
  const until = performance.now() + job.seconds * 1000;
  while (performance.now() < until) {
    waves.push(await wave(job.target, job.doc, job.clients, () => ({ timeoutMs: 120_000 })));
    await sleep(50);
  }
  holder.close();
  return { waves };
}

const job = JSON.parse(process.argv[2]) as Job;
try {
  const result =
    job.type === "latency"
      ? await latencyJob(job)
      : job.type === "storm"
        ? await stormJob(job)
        : job.type === "idle"
          ? await idleJob(job)
          : await stormLoopJob(job);
  emit({ result });
  process.exit(0);
} catch (e) {
  emit({ error: (e as Error).stack ?? String(e) });
  process.exit(1);
}
