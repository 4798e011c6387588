/**
 * The slow storage work off the event loop: compacting a board's stored log
 * into its snapshot (SQLite and PostgreSQL) and checkpointing SQLite's
 * write-ahead log, on a connection of its own in a worker thread.
 *
 * SQLite: on the event loop a compaction stalled every board of the server:
 * encoding the document and committing the snapshot with its fsync took
 * 15–50 ms for a board of 300 cards (the saturation bench's, every 500
 * updates), and a passive checkpoint writes and fsyncs the database file.
 * Here the worker reads what is stored, merges it (mergeStoredState) and
 * writes the snapshot in a short write transaction with synchronous=NORMAL
 * (the server's next flush makes it durable; lost with the WAL's tail on a
 * power cut, it is only a compaction not done). The write is dropped when
 * the board was rebuilt meanwhile (compactStoredBoardApart).
 *
 * PostgreSQL: the same in compactStoredBoardApartAsync. On the event loop the
 * merge held it as long (a CPU profile of two servers on 100 boards of 300
 * cards: half of two whole seconds), and it ran inside the board row's lock,
 * so that board's appends waited too; here it runs outside the lock. The
 * worker holds one connection of its own; PostgreSQL makes the write durable
 * at its commit.
 *
 * One worker per database file or URL, started when the server starts
 * listening (`warm`: its modules load before the first request, not in the
 * middle of a busy minute), or on first use; one request at a time in order.
 * The thread runs at the lowest priority (nice 19, `BACKGROUND_NICE`): on a
 * machine with fewer free cores than busy threads a compaction takes the
 * time the event loop leaves, instead of a share of the core it needs (the
 * saturation bench, the server pinned to one core: edits cost 2–4× as much
 * on the loop while the thread loaded and compacted at the same priority).
 */
import os from "node:os";
import path from "node:path";
import { parentPort, Worker } from "node:worker_threads";
import { compactStoredBoardApart, compactStoredBoardApartAsync, checkpointLog } from "../../db/board-store";
import { isPostgresUrl, openDatabase, openPostgres } from "../../db/client";
import { mergeStoredState } from "./protocol";
import type { Logger } from "./types";
import { within } from "../within";
import { workerThread } from "../files";

type Request = { id: number; kind: "compact"; boardId: string } | { id: number; kind: "checkpoint" } | { id: number; kind: "priority" } | { id: number; kind: "close" };
type Reply = { id: number; value?: number; error?: string };

/** storage-thread.mjs, loading this module (its TypeScript through tsx, or build/server/storage-worker.js). */
const THREAD = workerThread("server/sync/storage-thread.mjs", "server/sync/storage-worker.ts");
/** The worker thread's nice value unless STORAGE_WORKER_NICE says otherwise: the lowest priority there is. */
export const BACKGROUND_NICE = 19;

export class StorageWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly calls = new Map<number, { resolve: (v: number) => void; reject: (e: Error) => void }>();
  private closed = false;

  /** `target`: a SQLite file's path, or a PostgreSQL URL (postgres://); `nice`: the thread's nice value (STORAGE_WORKER_NICE). */
  constructor(
    private readonly target: string,
    private readonly log: Logger,
    private readonly nice = BACKGROUND_NICE,
  ) {}

  /** Fold the board's stored rows into its snapshot; the last row folded in (0: nothing to do, or rebuilt meanwhile). */
  compact(boardId: string): Promise<number> {
    return this.call({ kind: "compact", boardId });
  }

  /** A passive checkpoint of SQLite's write-ahead log (PostgreSQL checkpoints by itself: nothing to do there). */
  async checkpoint(): Promise<void> {
    await this.call({ kind: "checkpoint" });
  }

  /** Start the thread now, so it has loaded its modules before the first request needs it. */
  warm(): void {
    if (!this.closed) this.start();
  }

  /** The thread's nice value as it sees it (os.getPriority of its own thread). */
  priority(): Promise<number> {
    return this.call({ kind: "priority" });
  }

  /** Let what was asked finish (at most `ms`), then stop the thread. */
  async close(ms = 5_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const done = new Promise<number>((resolve, reject) => this.send(worker, { kind: "close" }, resolve, reject)).catch(() => 0);
    await within(done, ms, 0);
    await worker.terminate();
  }

  private call(req: { kind: "compact"; boardId: string } | { kind: "checkpoint" } | { kind: "priority" }): Promise<number> {
    if (this.closed) return Promise.reject(new Error("storage worker closed"));
    return new Promise((resolve, reject) => this.send(this.start(), req, resolve, reject));
  }

  private send(worker: Worker, req: Omit<Request, "id"> & { kind: Request["kind"] }, resolve: (v: number) => void, reject: (e: Error) => void): void {
    const id = this.nextId++;
    this.calls.set(id, { resolve, reject });
    worker.postMessage({ ...req, id });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD.entry, { execArgv: [], workerData: { module: THREAD.module, tsx: THREAD.tsx, target: this.target, nice: this.nice } });
    // Never what keeps the process alive; close() waits for what matters.
    worker.unref();
    worker.on("message", (m: Reply) => {
      const call = this.calls.get(m.id);
      this.calls.delete(m.id);
      if (m.error !== undefined) call?.reject(new Error(m.error));
      else call?.resolve(m.value ?? 0);
    });
    const fail = (why: string) => {
      if (this.worker === worker) this.worker = null; // the next request starts a new one
      for (const [id, call] of this.calls) {
        this.calls.delete(id);
        call.reject(new Error(why));
      }
    };
    worker.on("error", (e: Error) => {
      this.log.error("storage worker failed", { error: e.message });
      fail(e.message);
    });
    worker.on("exit", (code) => fail(`storage worker stopped (${code})`));
    this.worker = worker;
    return worker;
  }
}

/** The worker thread's side (storage-thread.mjs): one connection to `target`, requests answered in order. */
export function serveStorageWorker(target: string): void {
  const port = parentPort;
  if (!port) throw new Error("serveStorageWorker runs in a worker thread");
  if (isPostgresUrl(target)) return servePostgres(port, target);
  const database = openDatabase(target);
  // Inside the write lock no fsync: the server's own flush of the log covers it (see above).
  database.sqlite.pragma("synchronous = NORMAL");
  port.on("message", (req: Request) => {
    let reply: Reply;
    try {
      if (req.kind === "compact") reply = { id: req.id, value: compactStoredBoardApart(database.db, req.boardId, mergeStoredState) };
      else if (req.kind === "priority") reply = { id: req.id, value: os.getPriority() };
      else if (req.kind === "checkpoint") {
        checkpointLog(database.db);
        reply = { id: req.id };
      } else {
        database.close();
        reply = { id: req.id };
      }
    } catch (e) {
      reply = { id: req.id, error: (e as Error).message };
    }
    port.postMessage(reply);
    if (req.kind === "close") port.close();
  });
}

/** PostgreSQL's side: a pool of one connection (opened at the first query), the requests one after the other. */
function servePostgres(port: NonNullable<typeof parentPort>, url: string): void {
  // An idle connection PostgreSQL ends (a restart) is dropped by the pool; the next request opens another.
  const opened = openPostgres(url, { max: 1, onIdleError: () => {} });
  let queue: Promise<void> = Promise.resolve();
  const answer = async (req: Request): Promise<Reply> => {
    try {
      const database = await opened;
      if (req.kind === "compact") return { id: req.id, value: await compactStoredBoardApartAsync(database.async, req.boardId, mergeStoredState) };
      if (req.kind === "priority") return { id: req.id, value: os.getPriority() };
      if (req.kind === "close") await database.close();
      return { id: req.id };
    } catch (e) {
      return { id: req.id, error: (e as Error).message };
    }
  };
  port.on("message", (req: Request) => {
    queue = queue.then(async () => {
      port.postMessage(await answer(req));
      if (req.kind === "close") port.close();
    });
  });
}

/** The worker for a SQLite file database (null for an in-memory one: no other connection can see it). */
export function storageWorkerFor(file: string, memory: boolean, log: Logger, nice = BACKGROUND_NICE): StorageWorker | null {
  return memory ? null : new StorageWorker(path.resolve(file), log, nice);
}
