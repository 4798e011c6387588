/** Entry point: validate the environment, migrate, serve. */
import type { ServerBuild } from "@remix-run/node";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { databaseForLog, databasePath, isPostgresUrl, openAppDatabase } from "../db/client";
import { parseEnv } from "../app/services/env.server";
import { dataKeyProblem } from "../app/services/contacts.server";
import { resolveDataKey } from "../app/services/seal.server";
import { createAppServer } from "./app";
import { holdServerLock } from "./backup";
import { holdPostgresServerLock, LockRefused } from "./cluster/postgres-lock";
import { REMIX_BUILD } from "../scripts/build-state.mjs";
import { ROOT } from "./files";

let env: ReturnType<typeof parseEnv>;
try {
  env = parseEnv(process.env);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
// PostgreSQL: several servers share the database (no file of ours beside it, no lock of one server).
const postgres = isPostgresUrl(env.DATABASE_URL);
// The key that seals contact details: DATA_KEY, or (SQLite) the data-key file next to the database.
let dataKey: ReturnType<typeof resolveDataKey>;
try {
  dataKey = resolveDataKey(env.DATA_KEY, postgres ? null : databasePath(env.DATABASE_URL));
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
if (dataKey.key) env = { ...env, DATA_KEY: dataKey.key.toString("base64") };
// SQLite: <db>.pid: a restore refuses while it is there and this process lives; a second server refuses too.
let serverLock: { release(): void };
try {
  serverLock = postgres ? { release: () => {} } : holdServerLock(databasePath(env.DATABASE_URL));
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
let idleError = (_error: Error): void => {};
let database: Awaited<ReturnType<typeof openAppDatabase>>;
try {
  // An idle PostgreSQL connection that was ended (a restart of PostgreSQL, a failover): logged (once the
  // server's log exists); the pool opens another on the next query.
  database = await openAppDatabase(env.DATABASE_URL, { migrate: true, max: env.PG_POOL_MAX, onIdleError: (error) => idleError(error) });
} catch (e) {
  // PostgreSQL unreachable, a wrong password, a migration that failed: said plainly, not as a stack.
  console.error(`cannot open the database (${postgres ? "PostgreSQL" : env.DATABASE_URL}): ${(e as Error).message}`);
  serverLock.release();
  process.exit(1);
}
/** Set once a SIGTERM or SIGINT began the drain (below). */
let stopping = false;
/** The server's log once it exists (the lock's later news). */
let logLater = (_level: "info" | "error", _message: string, _fields: Record<string, unknown>): void => {};
// PostgreSQL: a server without REDIS_URL must be the only one on the database; servers with
// REDIS_URL run together (server/cluster/postgres-lock.ts). One still draining is waited for.
if (postgres) {
  try {
    serverLock = await holdPostgresServerLock(env.DATABASE_URL, {
      mode: env.REDIS_URL ? "shared" : "alone",
      waitMs: env.DRAIN_TIMEOUT_MS,
      waiting: (message) => console.error(message),
      log: (level, message, fields) => logLater(level, message, fields),
      stopping: () => stopping,
    });
  } catch (e) {
    console.error(e instanceof LockRefused ? e.message : `cannot take the server lock on PostgreSQL: ${(e as Error).message}`);
    await database.close();
    process.exit(1);
  }
}
// Sealed data that this key does not open (or no key at all): refuse, before anything is served.
const keyProblem = await dataKeyProblem(database, dataKey.key);
if (keyProblem) {
  console.error(keyProblem);
  await database.close();
  serverLock.release();
  process.exit(1);
}
const buildPath = path.join(ROOT, REMIX_BUILD);
const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;

const server = createAppServer({ env, database, build });
idleError = (error) => server.log.warn("a PostgreSQL connection was ended; the next query opens another", { error: error.message });
logLater = (level, message, fields) => server.log[level](message, fields);
const { url } = await server.listen();
server.log.info(`Alliantiebord luistert op ${url}`, { port: env.PORT, database: databaseForLog(env.DATABASE_URL), dataKey: dataKey.from });
if (dataKey.from === "none") {
  server.log.info("DATA_KEY is not set: contact details cannot be stored until it is (see README, Configuration)");
} else if (dataKey.from === "file") {
  server.log.info(`DATA_KEY read from ${dataKey.file}; for a real installation put it in the environment (DATA_KEY=…) and remove the file`);
}

// The drain (server/app.ts close): /readyz 503 at once, no new connections,
// requests in flight finished, every board's pending commits on disk, clients
// told to reconnect elsewhere (Yjs 1012, socket.io a closed transport), then
// the database closed and the lock released: exit 0. DRAIN_TIMEOUT_MS is the
// ceiling: after it, what is left is logged and the process exits 1.
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  server.log.info("draining", { signal, timeoutMs: env.DRAIN_TIMEOUT_MS });
  const ceiling = setTimeout(() => {
    server.log.error("drain timed out: exiting with work left", { afterMs: Date.now() - started, left: server.drainLeft() });
    try {
      void Promise.resolve(database.close()).catch(() => {});
    } catch {
      /* in use: the process ends all the same; SQLite keeps what was committed */
    }
    serverLock.release();
    process.exit(1);
  }, env.DRAIN_TIMEOUT_MS);
  let ok = true;
  try {
    await server.close();
    await database.close();
  } catch (e) {
    ok = false;
    server.log.error("drain failed", { error: (e as Error).message, left: server.drainLeft() });
  }
  serverLock.release();
  clearTimeout(ceiling);
  server.log.info("drained", { signal, ms: Date.now() - started });
  process.exit(ok ? 0 : 1);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
