// The worker thread behind checkFileOffThread (server/backup.ts): loads
// db/backup.ts (through tsx, or build/server/backup.js, as the server runs:
// server/files.ts), checks one file and posts the result. Plain JavaScript:
// a worker starts without the parent's loader.
import { parentPort, workerData } from "node:worker_threads";

// From the TypeScript (tsx, vitest) the module needs tsx; from build/server/ it is plain JavaScript.
if (workerData.tsx) (await import("tsx/esm/api")).register();
try {
  const { checkFile } = await import(workerData.module);
  parentPort.postMessage({ check: checkFile(workerData.file, workerData.opts) });
} catch (e) {
  parentPort.postMessage({ error: String(e?.message ?? e) });
}
