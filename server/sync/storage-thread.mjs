// The thread behind StorageWorker (server/sync/storage-worker.ts): loads that
// module through tsx, as the server itself runs, and serves its requests.
// Plain JavaScript: a worker starts without the parent's loader.
import os from "node:os";
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

// Background work: this thread gives way to the event loop whenever both want
// the same core (on Linux a thread's nice value is its own; elsewhere this may
// fail and changes nothing). Before anything is loaded, so its start does too.
try {
  os.setPriority(0, workerData.nice);
} catch {
  // not allowed here: the thread runs at the server's priority
}

register();
const { serveStorageWorker } = await import(workerData.module);
serveStorageWorker(workerData.file);
