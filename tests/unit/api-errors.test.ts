/**
 * The JSON API's answer to a route's unexpected failure (server/http/api-errors.ts)
 * and what counts as "the database could not be reached" (db/health.ts).
 * The whole path against a real PostgreSQL whose connections are ended:
 * tests/integration/pg-server.test.ts.
 */
import type { ServerBuild } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import { databaseTrouble, errorForLog, isDatabaseUnreachable, withoutParams } from "../../db/health";
import { apiErrorsAsJson, apiFailure } from "../../server/http/api-errors";
import { createLogger } from "../../server/log";
import { handleError } from "../../app/entry.server";

/** What drizzle throws when a statement fails: its own message names the statement and its parameters. */
function drizzleError(params: unknown[], cause: unknown): Error {
  return Object.assign(new Error(`Failed query: insert into "alliances" ("name") values ($1)\nparams: ${params.join(",")}`), {
    query: 'insert into "alliances" ("name") values ($1)',
    params,
    cause,
  });
}
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: "FATAL" });

describe("isDatabaseUnreachable", () => {
  it("says yes for a connection that ended, was refused or never answered, through drizzle's wrapper", () => {
    expect(isDatabaseUnreachable(drizzleError([], pgError("57P01", "terminating connection due to administrator command")))).toBe(true);
    expect(isDatabaseUnreachable(drizzleError([], new Error("Connection terminated unexpectedly")))).toBe(true);
    expect(isDatabaseUnreachable(drizzleError([], new Error("Client has encountered a connection error and is not queryable")))).toBe(true);
    expect(isDatabaseUnreachable(new Error("Connection terminated due to connection timeout"))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnreachable(pgError("08006", "connection failure"))).toBe(true);
    expect(isDatabaseUnreachable(pgError("57P03", "the database system is starting up"))).toBe(true);
  });

  it("says no for a statement that was wrong, whatever a person typed into it", () => {
    // A unique violation whose parameters say what an outage says: the parameters are never read.
    const typed = "Connection terminated unexpectedly ECONNRESET timeout exceeded when trying to connect";
    expect(isDatabaseUnreachable(drizzleError([typed], pgError("23505", 'duplicate key value violates unique constraint "alliances_slug_unique"')))).toBe(false);
    expect(isDatabaseUnreachable(drizzleError([typed], pgError("40001", "could not serialize access")))).toBe(false);
    expect(isDatabaseUnreachable(Object.assign(new Error("UNIQUE constraint failed: alliances.slug"), { code: "SQLITE_CONSTRAINT_UNIQUE" }))).toBe(false);
    expect(isDatabaseUnreachable(new Error(`not a database error: ${typed}`))).toBe(false);
    expect(isDatabaseUnreachable(null)).toBe(false);
    expect(isDatabaseUnreachable("Connection terminated")).toBe(false);
  });
});

describe("databaseTrouble", () => {
  it("tells a pool whose connections all stayed taken (busy) from a database that is away", () => {
    expect(databaseTrouble(drizzleError([], new Error("timeout exceeded when trying to connect")))).toBe("busy");
    expect(databaseTrouble(drizzleError([], pgError("57P01", "terminating connection")))).toBe("unreachable");
    expect(databaseTrouble(drizzleError(["timeout exceeded when trying to connect"], pgError("23505", "duplicate key")))).toBeNull();
  });
});

describe("errors in the log", () => {
  it("errorForLog keeps a parameter that reads like a stack line out of `at`, and cuts drizzle's text carried by a cause", () => {
    const typed = "Fatima B., 06-12345678\nat home after 17:00\n    at Kerkstraat 12, needs a food parcel";
    const carried = new Error(`Failed query: select 1\nparams: ${typed}`); // the storage worker passes errors on as text
    const d = errorForLog(drizzleError([typed], carried));
    expect(JSON.stringify(d)).not.toContain("Kerkstraat");
    expect(JSON.stringify(d)).not.toContain("17:00");
    expect(JSON.stringify(d)).not.toContain("06-12345678");
    expect(d.error).toBe("query failed ← Failed query: select 1\nparams: (not logged)");
    expect(d.at.length).toBeGreaterThan(0);
    expect(d.at[0]).toMatch(/^at .*api-errors\.test\.ts/);
  });

  it("errorForLog names each error of the chain with its code, never the statement's parameters", () => {
    const d = errorForLog(drizzleError(["Fatima, 06-12345678"], pgError("57P01", "terminating connection due to administrator command")));
    expect(d.error).toBe("query failed ← terminating connection due to administrator command (57P01)");
    expect(JSON.stringify(d)).not.toContain("Fatima");
    expect(JSON.stringify(d)).not.toContain("06-12345678");
    expect(d.at.length).toBeGreaterThan(0);
    expect(d.at.every((line) => line.startsWith("at "))).toBe(true);
  });

  it("the server's logger leaves a failed statement's parameters out of every text it writes", () => {
    const lines: string[] = [];
    const real = console.log;
    console.log = (line: string) => void lines.push(line);
    try {
      const log = createLogger("info");
      const failed = drizzleError(["Fatima, 06-12345678", "Uitkering aanvragen"], new Error("Connection terminated unexpectedly"));
      log.error("could not commit board updates", { error: failed.message, board: "b1" });
    } finally {
      console.log = real;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("Fatima");
    expect(lines[0]).not.toContain("Uitkering");
    expect(JSON.parse(lines[0])).toMatchObject({ msg: "could not commit board updates", board: "b1" });
    expect(JSON.parse(lines[0]).error).toContain('Failed query: insert into "alliances"');
    expect(JSON.parse(lines[0]).error).toContain("params: (not logged)");
    expect(withoutParams("nothing to cut")).toBe("nothing to cut");
  });

  it("a page's failure (entry.server handleError): one line without the parameters; nothing for a client gone or a Response", () => {
    const lines: string[] = [];
    const real = console.log;
    console.log = (line: string) => void lines.push(line);
    try {
      const failed = drizzleError(["Fatima, 06-12345678"], pgError("57P01", "terminating connection due to administrator command"));
      handleError(failed, { request: new Request("http://x/boards/b1?x=1") });
      const gone = new AbortController();
      gone.abort();
      handleError(failed, { request: new Request("http://x/boards/b1", { signal: gone.signal }) });
      handleError(failed, { request: new Request("http://x/boards/b1"), context: { services: { env: { LOG_LEVEL: "silent" } } } as never });
    } finally {
      console.log = real;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("Fatima");
    expect(JSON.parse(lines[0])).toMatchObject({ lvl: "error", msg: "page failed", path: "/boards/b1", error: "query failed ← terminating connection due to administrator command (57P01)" });
  });
});

describe("apiErrorsAsJson", () => {
  const logged: Array<Record<string, unknown>> = [];
  const log = { info() {}, warn() {}, error: (msg: string, extra?: Record<string, unknown>) => void logged.push({ msg, ...extra }) };
  const route = (id: string, path: string | undefined, parentId: string | undefined, module: Record<string, unknown>) => ({ id, path, parentId, module });
  const build = {
    routes: {
      root: route("root", "", undefined, { default: () => null }),
      "routes/api.boards.$boardId": route("routes/api.boards.$boardId", "api/boards/:boardId", "root", {
        loader: async () => {
          throw new Error("boom");
        },
      }),
      // Nested: its own path is relative to its parent's.
      "routes/api.boards.$boardId.requests": route("routes/api.boards.$boardId.requests", "requests", "routes/api.boards.$boardId", {
        action: async () => {
          throw drizzleError(["x"], new Error("Connection terminated unexpectedly"));
        },
        loader: async () => {
          throw new Response(JSON.stringify({ error: "not_found" }), { status: 404 });
        },
      }),
      "routes/boards.$boardId": route("routes/boards.$boardId", "boards/:boardId", "root", {
        loader: async () => {
          throw new Error("a page's failure");
        },
      }),
    },
  } as unknown as ServerBuild;
  const wrapped = apiErrorsAsJson(build, log);
  const call = (id: string, fn: "loader" | "action", signal?: AbortSignal) =>
    (wrapped.routes[id].module[fn] as unknown as (a: { request: Request }) => Promise<unknown>)({ request: new Request("http://x/api", { method: fn === "action" ? "POST" : "GET", signal }) });

  it("answers an unexpected failure 500 server_error as JSON, and a database that was away 503 with Retry-After", async () => {
    const failed = (await call("routes/api.boards.$boardId", "loader")) as Response;
    expect(failed.status).toBe(500);
    expect(failed.headers.get("content-type")).toContain("application/json");
    expect(await failed.json()).toEqual({ error: "server_error", message: "Something went wrong on the server." });
    const away = (await call("routes/api.boards.$boardId.requests", "action")) as Response;
    expect(away.status).toBe(503);
    expect(away.headers.get("retry-after")).toBe("5");
    expect((await away.json()).error).toBe("database_unavailable");
    const busy = apiFailure(drizzleError([], new Error("timeout exceeded when trying to connect")));
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("5");
    expect((await busy.json()).error).toBe("server_busy");
    expect(logged.map((l) => l.route)).toEqual(["api/boards/:boardId", "api/boards/:boardId/requests"]);
  });

  it("lets a Response thrown on purpose through, and leaves the pages to Remix", async () => {
    await expect(call("routes/api.boards.$boardId.requests", "loader")).rejects.toBeInstanceOf(Response);
    await expect(call("routes/boards.$boardId", "loader")).rejects.toThrow("a page's failure");
    expect(wrapped.routes["routes/boards.$boardId"]).toBe(build.routes["routes/boards.$boardId"]);
  });

  it("does not log a failure of a request whose client went away", async () => {
    const before = logged.length;
    const gone = new AbortController();
    gone.abort();
    expect(((await call("routes/api.boards.$boardId", "loader", gone.signal)) as Response).status).toBe(500);
    expect(logged.length).toBe(before);
  });

  it("logs a request that waited the pool out with the pool's counts, and only that one", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const counts = { max: 10, total: 10, idle: 0, waiting: 7 };
    const failing = (error: Error) => ({
      routes: { "routes/api.x": route("routes/api.x", "api/x", undefined, { loader: async () => { throw error; } }) },
    }) as unknown as ServerBuild;
    const sink = { info() {}, warn() {}, error: (msg: string, extra?: Record<string, unknown>) => void lines.push({ msg, ...extra }) };
    const ask = (b: ServerBuild) => (b.routes["routes/api.x"].module.loader as unknown as (a: { request: Request }) => Promise<Response>)({ request: new Request("http://x/api/x") });
    const busy = await ask(apiErrorsAsJson(failing(drizzleError([], new Error("timeout exceeded when trying to connect"))), sink, () => counts));
    const away = await ask(apiErrorsAsJson(failing(drizzleError([], pgError("57P01", "terminating"))), sink, () => counts));
    expect([busy.status, away.status]).toEqual([503, 503]);
    expect(lines[0]).toMatchObject({ msg: "request failed", route: "api/x", pool: counts });
    expect(lines[1]).not.toHaveProperty("pool");
  });

  it("apiFailure alone: the same two answers", async () => {
    expect(apiFailure(new Error("x")).status).toBe(500);
    expect(apiFailure(pgError("57P01", "terminating")).status).toBe(503);
  });
});
