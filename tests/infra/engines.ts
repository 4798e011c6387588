/**
 * Both database engines for one test file: SQLite in memory and a real
 * PostgreSQL (./postgres.ts), each migrated, opened before the file's tests
 * and closed after them. A file that runs the same body on each:
 *
 *   const engines = bothEngines("pg_teams");
 *   for (const engine of ENGINES) describe(engine, () => { const h = () => engines.async(engine); … });
 */
import { afterAll, beforeAll } from "vitest";
import { openDatabase, openPostgres, type AsyncDb, type Database_, type PostgresDatabase } from "../../db/client";
import { start, type TestPostgres } from "./postgres";

export const ENGINES = ["sqlite", "postgres"] as const;
export type Engine = (typeof ENGINES)[number];

export interface BothEngines {
  readonly server: TestPostgres;
  readonly postgres: PostgresDatabase;
  /** The PostgreSQL database's URL (for a second connection, or a server process). */
  readonly url: string;
  readonly sqlite: Database_;
  /** The asynchronous layer of one engine. */
  async(engine: Engine): AsyncDb;
}

/** `database`: the PostgreSQL database's name (one per file). */
export function bothEngines(database: string, opts: { max?: number } = {}): BothEngines {
  let server: TestPostgres | undefined;
  let postgres: PostgresDatabase | undefined;
  let url: string | undefined;
  let sqlite: Database_ | undefined;
  beforeAll(async () => {
    server = await start();
    url = await server.createDatabase(database);
    postgres = await openPostgres(url, { migrate: true, max: opts.max ?? 8 });
    sqlite = openDatabase(":memory:", { migrate: true });
  });
  afterAll(async () => {
    sqlite?.close();
    await postgres?.close();
    await server?.stop();
  });
  const opened = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error("the engines open in beforeAll");
    return x;
  };
  return {
    get server() {
      return opened(server);
    },
    get postgres() {
      return opened(postgres);
    },
    get url() {
      return opened(url);
    },
    get sqlite() {
      return opened(sqlite);
    },
    async: (engine) => (engine === "sqlite" ? opened(sqlite).async : opened(postgres).async),
  };
}
