/**
 * The server as plain JavaScript in build/server/ (part of `npm run build`):
 * `npm run serve` then starts it with node alone, without tsx compiling and
 * resolving every module on each start (1.1 s to load the server and the
 * Remix build here, against 2.6 s through tsx). The packages stay in
 * node_modules (not bundled); the entries and the worker threads'
 * bootstraps are those of server/files.ts.
 *
 *   npx tsx scripts/build-server.ts
 *
 * Built into a folder of its own and then moved into place file by file
 * (a rename replaces a file at once), so two builds at the same time, or a
 * server starting meanwhile, never see half a file.
 */
import { build, type BuildOptions } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { ROOT, SERVER_BUILD_DIR, SERVER_ENTRIES, THREAD_BOOTSTRAPS } from "../server/files";
import { buildOutOfDate } from "./build-state.mjs";

const out = path.join(ROOT, SERVER_BUILD_DIR);
/** What the bundle was built from (relative to the root), written last: its presence means a whole build. */
const INPUTS = path.join(out, "inputs.json");

/** Whether build/server/ is missing or older than one of the files it was built from. */
export function serverBuildStale(): boolean {
  return buildOutOfDate(ROOT, SERVER_BUILD_DIR) !== null;
}

/** How the server's code is built (and the bench's own entry beside it, tests/bench/sync/servers.ts). */
export const SERVER_BUILD_OPTIONS = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Packages are loaded from node_modules as they are (native modules, their own files).
  packages: "external",
  // Stack traces in the log name the TypeScript (`node --enable-source-maps`).
  sourcemap: "linked",
  logLevel: "warning",
} satisfies BuildOptions;

/** Builds build/server/; the bytes written (with the source maps). */
export async function buildServer(): Promise<number> {
  fs.mkdirSync(path.join(ROOT, "build"), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(ROOT, "build", ".server-"));
  try {
    const result = await build({
      ...SERVER_BUILD_OPTIONS,
      entryPoints: Object.entries(SERVER_ENTRIES).map(([source, file]) => ({ in: source, out: file.replace(/\.js$/, "") })),
      outdir: tmp,
      metafile: true,
    });
    for (const [source, file] of Object.entries(THREAD_BOOTSTRAPS)) fs.copyFileSync(path.join(ROOT, source), path.join(tmp, file));
    const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.includes("node_modules/")), ...Object.keys(THREAD_BOOTSTRAPS)].sort();
    fs.mkdirSync(out, { recursive: true });
    let bytes = 0;
    for (const file of fs.readdirSync(tmp)) {
      bytes += fs.statSync(path.join(tmp, file)).size;
      fs.renameSync(path.join(tmp, file), path.join(out, file));
    }
    fs.writeFileSync(`${INPUTS}.tmp-${process.pid}`, JSON.stringify(inputs, null, 1));
    fs.renameSync(`${INPUTS}.tmp-${process.pid}`, INPUTS);
    return bytes;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, "scripts/build-server.ts")) {
  const bytes = await buildServer();
  console.log(`${SERVER_BUILD_DIR}/: ${Object.values(SERVER_ENTRIES).join(", ")} (${(bytes / 1024).toFixed(0)} KB with source maps)`);
}
