// The thread behind StorageWorker (server/sync/storage-worker.ts): loads that
// module (its TypeScript through tsx, or build/server/storage-worker.js, as
// the server runs: server/files.ts) and serves its requests. Plain
// JavaScript: a worker starts without the parent's loader.
import os from "node:os";
import { workerData } from "node:worker_threads";

// Background work: this thread gives way to the event loop whenever both want
// the same core (on Linux a thread's nice value is its own; elsewhere this may
// fail and changes nothing). Before anything is loaded, so its start does too.
try {
  os.setPriority(0, workerData.nice);
} catch {
  // not allowed here: the thread runs at the server's priority
}

// From the TypeScript (tsx, vitest) the module needs tsx; from build/server/ it is plain JavaScript.
if (workerData.tsx) (await import("tsx/esm/api")).register();
const { serveStorageWorker } = await import(workerData.module);
serveStorageWorker(workerData.target);
