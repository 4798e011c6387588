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
import { monitorEventLoopDelay } from "node:perf_hooks";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { cardsMap, updateCard } from "../../../app/board/domain";
import { cardId, summarise, type LatencySummary } from "./shared";
import { connectMany, connectRaw, updateFrame, uploadState, type RawClient, type Target } from "./wire";

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
  /** Return each measured latency too (ms), for rounds pooled by the orchestrator. */
  samples?: boolean;
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

/**
 * The saturation search (saturate.ts): writer connections edit cards on one
 * or many boards at a given total rate, one reader per board notes when each
 * edit arrives; the rate is raised step by step (×`growth`) until p99 reaches
 * `p99LimitMs` or an edit is lost, then bisected `bisect` times. The idle
 * members are connected by the orchestrator's idle processes (counted here
 * only for the deliveries).
 */
export interface SaturateJob {
  type: "saturate";
  /** One server, or several sharing the boards: writers and readers go round-robin over them. */
  targets: Target[];
  docs: string[];
  cards: number;
  /** Peers: the board state, uploaded to each board by a holder that stays. */
  stateFile?: string;
  /** Idle members per board (for the deliveries). */
  idlePerDoc: number;
  /** Writer connections per board to start with; more join when the rate needs them. */
  writersPerDoc: number;
  /** The most edits a second one writer connection sends (ours closes a connection past 200 frames a second). */
  perWriter: number;
  startRate: number;
  growth: number;
  bisect: number;
  maxRate: number;
  warmupS: number;
  stepS: number;
  p99LimitMs: number;
}

export interface SaturateStep extends LatencySummary {
  rate: number;
  /** edits a second actually sent in the window */
  sentRate: number;
  /** connections on each board at this step (idle, writers, reader, holder) */
  members: number;
  /** edits × the members that receive them (everyone on the board but the author) */
  deliveries: number;
  ok: boolean;
  /** why the search stopped here, if it did (load generator too slow, a connection closed, no drain) */
  stop?: string;
  /** the step's window, for the orchestrator's CPU samples */
  mark: string;
}

export type Job = LatencyJob | StormJob | StormLoopJob | IdleJob | SaturateJob;

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
  // BENCH_LAT_DUMP=<file>: every measured edit as "wall ms when sent, #sequence, latency ms", to match a tail with the server's events (BENCH_TRACE=timeline).
  const dump: string[] | null = process.env.BENCH_LAT_DUMP ? [] : null;
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
        if (recording) {
          samples.push(now - at);
          dump?.push(`${(performance.timeOrigin + at).toFixed(1)} ${seq} ${(now - at).toFixed(3)}`);
        }
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
  if (dump) fs.appendFileSync(process.env.BENCH_LAT_DUMP!, `# ${t.kind} ${docName} rate ${rate}\n${dump.join("\n")}\n`);
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
  return { ...measured.summary, baseline, idleReceived: received, samples: job.samples ? measured.samples.map((x) => Math.round(x * 1000) / 1000) : undefined };
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

// ------------------------------------------------------------------ saturation

/** The edit's sequence number as written into the card (found in any frame that carries it, merged or not). */
const SAT_MARK = /sat#(\d+);/g;

interface SatWriter {
  client: RawClient;
  target: Target;
  doc: Y.Doc;
  /** Its place among its board's writers, and how many edits it sent: which card it edits next (`sendOne`). */
  index: number;
  edits: number;
}

/**
 * The most writers a board can have: each writer edits only the cards of its
 * own slot (card ≡ writer index, modulo this), so a writer that joins later
 * never edits a card another writer changed meanwhile. Its document is its own
 * and does not receive the others' edits; an edit made from such a stale view
 * would be a concurrent overwrite, and the loser of one is sent on by a Yjs
 * server without its content (deleted on arrival), so the reader could not
 * see its mark and would count it lost.
 */
const WRITER_SLOTS = 100;

async function saturateJob(job: SaturateJob): Promise<unknown> {
  const T = job.targets.length;
  const D = job.docs.length;
  const state = readState(job.stateFile);
  const holders: RawClient[] = [];
  for (const [d, doc] of job.docs.entries()) {
    const t = job.targets[d % T];
    if (t.kind !== "ours" && state) holders.push(await uploadState(t, doc, state));
  }
  const holdersPerDoc = holders.length / D;
  const sentAt: number[] = [];
  const arrivedAt: number[] = [];
  let closed = 0;
  const closes: string[] = [];
  const watchClose = (c: RawClient) =>
    c.ws.on("close", (code: number, reason: Buffer) => {
      closed++;
      closes.push(`${code} ${reason.toString()}`);
    });
  // One reader per board, on the server after the first writer's (with two servers, half the edits cross Redis).
  const readers: RawClient[] = [];
  for (const [d, doc] of job.docs.entries()) {
    const r = await connectRaw(job.targets[(d + 1) % T], doc, {
      timeoutMs: 120_000,
      onMessage: (data) => {
        const now = performance.now();
        const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
        for (const m of text.matchAll(SAT_MARK)) {
          const n = Number(m[1]);
          if (arrivedAt[n] === undefined && sentAt[n] !== undefined) arrivedAt[n] = now;
        }
      },
    });
    watchClose(r);
    readers.push(r);
  }
  const writers: SatWriter[][] = job.docs.map(() => []);
  const addWriters = async (perDoc: number) => {
    for (const [d, doc] of job.docs.entries()) {
      while (writers[d].length < perDoc) {
        const target = job.targets[(d + writers[d].length) % T];
        const client = await connectRaw(target, doc, { keepState: true, timeoutMs: 120_000 });
        watchClose(client);
        const ydoc = new Y.Doc();
        Y.applyUpdate(ydoc, client.state!);
        client.state = null;
        writers[d].push({ client, target, doc: ydoc, index: writers[d].length, edits: 0 });
      }
    }
  };
  await addWriters(job.writersPerDoc);
  await settle("before-idle");
  await settle("idle-connected");

  let seq = 0;
  let cursor = 0;
  /** Send one edit; returns its sequence number and board. */
  const sendOne = (): [number, number] => {
    const d = cursor % D;
    const list = writers[d];
    const w = list[Math.floor(cursor / D) % list.length];
    cursor++;
    const n = ++seq;
    let update: Uint8Array | null = null;
    const grab = (u: Uint8Array) => (update = u);
    w.doc.on("update", grab);
    const card = w.index % WRITER_SLOTS + WRITER_SLOTS * (w.edits++ % Math.floor(job.cards / WRITER_SLOTS));
    updateCard(w.doc, cardId(card), { description: `sat#${n};` }, Date.now());
    w.doc.off("update", grab);
    sentAt[n] = performance.now();
    w.client.ws.send(updateFrame(w.target, job.docs[d], update!));
    return [n, d];
  };
  /** Edits at `rate` a second for `ms`, on a 2 ms clock; what was sent. */
  const drive = async (rate: number, ms: number): Promise<Array<[number, number]>> => {
    const out: Array<[number, number]> = [];
    const start = performance.now();
    for (;;) {
      const elapsed = performance.now() - start;
      if (elapsed >= ms) break;
      const due = Math.floor((rate * elapsed) / 1000) - out.length;
      for (let i = 0; i < due; i++) out.push(sendOne());
      await sleep(2);
    }
    return out;
  };
  /** Wait until every edit so far arrived at its reader (or `ms` passed); false if some never did. */
  const drained = async (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      let all = true;
      for (let n = seq; n > 0 && n > seq - 5000; n--) if (arrivedAt[n] === undefined) {
        all = false;
        break;
      }
      if (all) return true;
      await sleep(20);
    }
    return false;
  };

  const steps: SaturateStep[] = [];
  const step = async (rate: number): Promise<SaturateStep> => {
    const perDoc = Math.max(job.writersPerDoc, Math.ceil(rate / D / job.perWriter));
    if (perDoc > WRITER_SLOTS) {
      // Past what this harness can drive on a board (WRITER_SLOTS × perWriter edits a second): the search ends here.
      const s: SaturateStep = { ...summarise([], 0), rate, sentRate: 0, members: 0, deliveries: 0, ok: false, stop: `the harness's limit: ${perDoc} writers a board, more than its ${WRITER_SLOTS}`, mark: `s${steps.length}` };
      steps.push(s);
      return s;
    }
    await addWriters(perDoc);
    const mark = `s${steps.length}`;
    const closedBefore = closed;
    await drive(rate, job.warmupS * 1000);
    const ownLoop = process.env.BENCH_SAT_DUMP ? monitorEventLoopDelay({ resolution: 2 }) : null;
    ownLoop?.enable();
    const wallStart = Date.now();
    emit({ mark: `${mark}-start` });
    const t0 = performance.now();
    const sent = await drive(rate, job.stepS * 1000);
    const seconds = (performance.now() - t0) / 1000;
    emit({ mark: `${mark}-end` });
    // Stragglers: an edit later than this is far past any p99 limit; it counts as lost.
    await drained(2000);
    const samples = sent.filter(([n]) => arrivedAt[n] !== undefined).map(([n]) => arrivedAt[n] - sentAt[n]);
    const summary = summarise(samples, sent.length);
    // BENCH_SAT_DUMP=<file>: every edit of the step as "sent ms (from the step's start), #sequence, latency ms" (- when lost), to see when a tail happened.
    if (process.env.BENCH_SAT_DUMP) {
      const lines = sent.map(([n]) => `${(sentAt[n] - t0).toFixed(1)} #${n} ${arrivedAt[n] === undefined ? "-" : (arrivedAt[n] - sentAt[n]).toFixed(2)}`);
      ownLoop?.disable();
      const loop = ownLoop ? `load generator's loop delay p99 ${(ownLoop.percentile(99) / 1e6).toFixed(1)} max ${(ownLoop.max / 1e6).toFixed(1)} ms` : "";
      fs.appendFileSync(process.env.BENCH_SAT_DUMP, `# ${mark} rate ${rate} wall ${wallStart} ${loop} closed: ${closes.join("; ")}\n${lines.join("\n")}\n`);
    }
    const members = (d: number) => job.idlePerDoc + holdersPerDoc + writers[d].length + 1;
    const deliveries = sent.reduce((sum, [, d]) => sum + members(d) - 1, 0);
    const sentRate = sent.length / seconds;
    let stop: string | undefined;
    if (sentRate < rate * 0.9) stop = `the load generator sent only ${Math.round(sentRate)} edits/s`;
    else if (closed > closedBefore) stop = `${closed - closedBefore} writer or reader connections closed (${closes.slice(closedBefore).join("; ")})`;
    else if (!(await drained(10_000))) stop = "edits still arriving 10 s after the step";
    const ok = !stop && summary.lost === 0 && summary.p99_ms < job.p99LimitMs;
    const s: SaturateStep = { ...summary, rate, sentRate: Math.round(sentRate), members: members(0), deliveries, ok, stop, mark };
    steps.push(s);
    emit({ step: s });
    await sleep(300);
    return s;
  };

  let good: SaturateStep | null = null;
  let bad: SaturateStep | null = null;
  let stopped = false;
  // BENCH_SAT_RATES=320,640: exactly these steps, one after the other, whatever each gives (to look at one rate after another).
  const fixed = process.env.BENCH_SAT_RATES?.split(",").map(Number);
  if (fixed) {
    for (const rate of fixed) {
      const s = await step(rate);
      if (s.ok) good = s;
      else bad = s;
    }
    stopped = true;
  }
  for (let rate = job.startRate; !fixed && rate <= job.maxRate; rate = Math.round(rate * job.growth)) {
    const s = await step(rate);
    if (s.stop) stopped = true;
    if (s.ok) good = s;
    else bad = s;
    if (!s.ok || stopped) break;
  }
  for (let i = 0; i < job.bisect && good && bad && !stopped; i++) {
    const mid = Math.round((good.rate + bad.rate) / 2);
    if (mid <= good.rate || mid >= bad.rate) break;
    const s = await step(mid);
    if (s.stop) stopped = true;
    if (s.ok) good = s;
    else bad = s;
  }
  for (const c of [...readers, ...holders, ...writers.flat().map((w) => w.client)]) c.close();
  return { best: good, firstBad: bad, steps };
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
          : job.type === "saturate"
            ? await saturateJob(job)
            : await stormLoopJob(job);
  emit({ result });
  process.exit(0);
} catch (e) {
  emit({ error: (e as Error).stack ?? String(e) });
  process.exit(1);
}
