/**
 * Whether the server's bundle (build/server/, scripts/build-server.ts) is
 * whole and newer than every file it was built from. Plain JavaScript so
 * that `npm run serve` can ask before node starts the bundle (check-build.mjs)
 * without tsx; the tests and the bench ask through serverBuildStale().
 * And what `npm run serve` runs (serveCommand), read from package.json by
 * that check and by the bench, which starts ours with the same node flags.
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
  return firstChanged(root, [...inputs, "scripts/build-server.ts", "package-lock.json"], built, `${outDir}/`);
}

/** The Remix build's server entry (made by `remix build`), from the project's root: what the server imports, and what this file checks. */
export const REMIX_BUILD = "build/index.js";

/**
 * The same for the Remix build (build/index.js, made by `remix build`), from
 * the inputs of the compiler's server bundle (build/metafile.server.json:
 * every route and module of the app, and what they import of db/).
 */
export function remixBuildOutOfDate(root) {
  let inputs;
  let built;
  try {
    inputs = Object.keys(JSON.parse(fs.readFileSync(path.join(root, "build/metafile.server.json"), "utf8")).inputs).filter(isSourceFile);
    built = fs.statSync(path.join(root, REMIX_BUILD)).mtimeMs;
  } catch {
    return `the Remix build (${REMIX_BUILD}) is missing or incomplete`;
  }
  return firstChanged(root, [...inputs, "remix.config.js", "package-lock.json"], built, REMIX_BUILD);
}

/** A file of the project among a compiler's inputs: not a package's, and not one of the compiler's virtual modules (`server-entry-module:…`, `<stdin>`). */
function isSourceFile(f) {
  return !f.includes("node_modules/") && !f.includes(":") && !f.startsWith("<");
}

/** The first of `files` changed after `built` (or gone), as a sentence; null when none. */
function firstChanged(root, files, built, what) {
  for (const file of files) {
    let mtime;
    try {
      mtime = fs.statSync(path.join(root, file)).mtimeMs;
    } catch {
      return `${file}, which ${what} was built from, is gone`;
    }
    if (mtime > built) return `${file} changed after ${what} was built`;
  }
  return null;
}

/** The `serve` script of package.json (`node <flags> <entry>`): its node flags and the file it starts. */
export function serveCommand(root) {
  const serve = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts.serve;
  const words = serve.trim().split(/\s+/);
  if (words[0] !== "node") throw new Error(`the serve script does not start with node: ${serve}`);
  return { flags: words.slice(1, -1).filter((w) => w.startsWith("--")), entry: words.at(-1) };
}
