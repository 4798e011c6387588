/**
 * Runs before `npm run serve` (npm's `preserve`): the server is started from
 * the build (`node build/server/index.js`), so without one node would end
 * with "Cannot find module", and after a `git pull` without `npm run build`
 * it would serve the old code on the new database schema. Both end here with
 * what to do. The entry is read from the serve script itself.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildOutOfDate, remixBuildOutOfDate, serveCommand } from "./build-state.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const problems = [];
const stale = buildOutOfDate(root, path.dirname(serveCommand(root).entry));
if (stale) problems.push(stale);
const remixStale = remixBuildOutOfDate(root);
if (remixStale) problems.push(remixStale);
if (problems.length > 0) {
  console.error(`npm run serve: ${problems.join("; ")}.\nRun \`npm run build\` first (\`npm start\` builds by itself).`);
  process.exit(1);
}
