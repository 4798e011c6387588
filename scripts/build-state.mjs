/**
 * Whether the server's bundle (build/server/, scripts/build-server.ts) is
 * whole and newer than every file it was built from. Plain JavaScript so
 * that `npm run serve` can ask before node starts the bundle (check-build.mjs)
 * without tsx; the tests and the bench ask through serverBuildStale().
 */
import fs from "node:fs";
import path from "node:path";

/**
 * What makes the build in `outDir` (relative to `root`) unusable or old: a
 * sentence naming the first such file, or null when it is whole and current.
 * `inputs.json` is written last by a build and lists what it was made of.
 */
export function buildOutOfDate(root, outDir) {
  const inputsFile = path.join(root, outDir, "inputs.json");
  let inputs;
  let built;
  try {
    inputs = JSON.parse(fs.readFileSync(inputsFile, "utf8"));
    built = fs.statSync(inputsFile).mtimeMs;
  } catch {
    return `${outDir}/ is missing or incomplete (no ${outDir}/inputs.json)`;
  }
  for (const file of [...inputs, "scripts/build-server.ts", "package-lock.json"]) {
    let mtime;
    try {
      mtime = fs.statSync(path.join(root, file)).mtimeMs;
    } catch {
      return `${file}, which ${outDir}/ was built from, is gone`;
    }
    if (mtime > built) return `${file} changed after ${outDir}/ was built`;
  }
  return null;
}
