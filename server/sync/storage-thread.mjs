// The thread behind StorageWorker (server/sync/storage-worker.ts): loads that
// module through tsx, as the server itself runs, and serves its requests.
// Plain JavaScript: a worker starts without the parent's loader.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { serveStorageWorker } = await import(workerData.module);
serveStorageWorker(workerData.file);
