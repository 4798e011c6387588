/**
 * Several app servers in this process, as a cluster: n servers from
 * `createAppServer`, each on its own port, sharing ONE database object (as a
 * shared database would be) and one real redis-server (tests/infra/redis.ts),
 * each with its own SERVER_ID (`s0`, `s1`, …). Everything a test opens
 * through it is closed by `close()`.
 *
 *   const c = await startTestCluster(2);
 *   const onB = await c.io(1, { cookie: c.seed.cookies.memberA1, boardId: c.seed.boardA.id });
 *   await c.api(0, "/api/boards", { cookie: ..., body: ... });
 */
import type { Socket } from "socket.io-client";
import type { Database_, DB } from "../../db/client";
import { start as startRedis, type TestRedis } from "../infra/redis";
import {
  createTestDatabase,
  serveTestDatabase,
  type ApiResponse,
  type ClientOptions,
  type Seed,
  type TestServer,
  type TestServerOptions,
  type YClient,
} from "./harness";

export interface TestCluster {
  /** The servers, in order: `servers[i]` has SERVER_ID `s<i>`. */
  servers: TestServer[];
  /** The redis-server they share (restart() it to test a Redis outage). */
  redis: TestRedis;
  database: Database_;
  db: DB;
  seed: Seed;
  dbUrl: string;
  /** Server i's URL. */
  url(i: number): string;
  /** A socket.io client of server i (with `boardId`: joined to that board). */
  io(i: number, opts?: ClientOptions & { boardId?: string; timeout?: number }): Promise<Socket>;
  /** A y-websocket client of server i on a board. */
  connect(i: number, boardId: string, opts?: ClientOptions & { timeout?: number }): Promise<YClient>;
  /** A JSON API call to server i. */
  api<T = any>(i: number, pathname: string, o?: { cookie?: string; method?: string; body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** Close every server, then Redis (unless it was given), then the database. */
  close(): Promise<void>;
}

export interface TestClusterOptions extends TestServerOptions {
  /** A redis-server to use instead of starting one (it is then not stopped by close()). */
  redis?: TestRedis;
  /** Settings for one server only (merged over `overrides`). */
  perServer?: (i: number) => Record<string, string>;
}

export async function startTestCluster(n = 2, overrides: Record<string, string> = {}, options: TestClusterOptions = {}): Promise<TestCluster> {
  const tdb = await createTestDatabase();
  const redis = options.redis ?? (await startRedis());
  const servers: TestServer[] = [];
  const close = async () => {
    for (const s of servers) await s.close();
    if (!options.redis) await redis.stop();
    tdb.cleanup();
  };
  try {
    for (let i = 0; i < n; i++) {
      servers.push(
        await serveTestDatabase(tdb, { REDIS_URL: redis.url, SERVER_ID: `s${i}`, ...overrides, ...(options.perServer?.(i) ?? {}) }, { ...options, ownsDatabase: false }),
      );
    }
    // Every server has its Redis connection before a test starts.
    await Promise.all(servers.map((s) => s.server.redis?.ready(15_000)));
  } catch (e) {
    await close();
    throw e;
  }
  const at = (i: number): TestServer => {
    const s = servers[i];
    if (!s) throw new Error(`the cluster has ${servers.length} servers, not a server ${i}`);
    return s;
  };
  return {
    servers,
    redis,
    database: tdb.database,
    db: tdb.database.db,
    seed: tdb.seed,
    dbUrl: tdb.url,
    url: (i) => at(i).url,
    io: (i, opts) => at(i).io(opts),
    connect: (i, boardId, opts) => at(i).connect(boardId, opts),
    api: (i, pathname, o) => at(i).api(pathname, o),
    close,
  };
}
