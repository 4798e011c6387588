/**
 * Where the server's own files are, whichever way it runs:
 *
 *   - built (`npm run build` → build/server/, what `npm run serve` and the
 *     systemd units start): plain JavaScript, no loader, about 1.5 s faster
 *     to start than through tsx (which resolves every import of every module
 *     off the main thread);
 *   - from its TypeScript (vitest, the CLIs, `node --import tsx`): tsx or
 *     vitest compiles each module as it is imported.
 *
 * The worker threads start from a small plain bootstrap (a worker does not
 * inherit the parent's loader), which loads either the module's TypeScript
 * through tsx or its bundle. scripts/build-server.ts builds exactly the
 * entries named here.
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The bundle's folder, from the project's root. */
export const SERVER_BUILD_DIR = "build/server";

/** The bundle's entries: the TypeScript each is built from → its file in build/server/. */
export const SERVER_ENTRIES = {
  "server/index.ts": "index.js",
  "server/sync/storage-worker.ts": "storage-worker.js",
  "db/backup.ts": "backup.js",
} as const;

/** The worker threads' bootstraps (plain JavaScript), copied beside the bundle. */
export const THREAD_BOOTSTRAPS = {
  "server/sync/storage-thread.mjs": "storage-thread.mjs",
  "server/backup-check-worker.mjs": "backup-check-worker.mjs",
} as const;

const here = fileURLToPath(import.meta.url);
/** Whether this code runs from build/server/ (true) or from its TypeScript (false). */
const BUNDLED = !/\.tsx?$/.test(here);
/** The project's root: server/.. from the TypeScript, build/server/../.. from the bundle. */
export const ROOT = path.resolve(path.dirname(here), BUNDLED ? "../.." : "..");

/**
 * A worker thread of the server: the bootstrap to start, and the module it
 * loads (with `tsx: true`, through tsx).
 */
export function workerThread(
  bootstrap: keyof typeof THREAD_BOOTSTRAPS,
  module: keyof typeof SERVER_ENTRIES,
): { entry: URL; module: string; tsx: boolean } {
  if (BUNDLED) {
    return {
      entry: pathToFileURL(path.join(ROOT, SERVER_BUILD_DIR, THREAD_BOOTSTRAPS[bootstrap])),
      module: pathToFileURL(path.join(ROOT, SERVER_BUILD_DIR, SERVER_ENTRIES[module])).href,
      tsx: false,
    };
  }
  return { entry: pathToFileURL(path.join(ROOT, bootstrap)), module: pathToFileURL(path.join(ROOT, module)).href, tsx: true };
}
