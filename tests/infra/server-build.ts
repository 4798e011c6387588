/**
 * The server as `npm run serve` starts it: node with build/server/index.js
 * (scripts/build-server.ts, part of `npm run build`). Tests that start the
 * server as a process call `serverBuilt()` first: when build/server/ is
 * missing or older than a file it is built from (an edit since the last
 * build), it is built again (about a second), so a test never runs an old
 * server.
 */
import path from "node:path";
import { buildServer, serverBuildStale } from "../../scripts/build-server";
import { SERVER_BUILD_DIR, SERVER_ENTRIES } from "../../server/files";

/** node's arguments for the built server (stack traces name the TypeScript). */
export const SERVE_ARGS = ["--enable-source-maps", path.join(SERVER_BUILD_DIR, SERVER_ENTRIES["server/index.ts"])];

export async function serverBuilt(): Promise<void> {
  if (serverBuildStale()) await buildServer();
}
