// The worker thread behind checkFileOffThread (server/backup.ts): loads
// db/backup.ts through tsx, as the server itself runs, checks one file and
// posts the result. Plain JavaScript: a worker starts without the parent's loader.
import { parentPort, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
try {
  const { checkFile } = await import(workerData.module);
  parentPort.postMessage({ check: checkFile(workerData.file, workerData.opts) });
} catch (e) {
  parentPort.postMessage({ error: String(e?.message ?? e) });
}
