/**
 * The JSON API's answer when a route fails unexpectedly. Remix answers an
 * error thrown in a resource route with a bare text "Unexpected Server
 * Error"; under /api/ every answer is JSON `{ error, message }`, this one
 * too. A route's loader and action are wrapped in the build the server
 * serves: what they throw as a Response (401, 403, 404, …) passes as it is;
 * anything else is logged and answered 500 `server_error`, or 503 with
 * Retry-After: `database_unavailable` when the database could not be
 * reached (a restart or failover of PostgreSQL: tried again, it may work),
 * `server_busy` when every connection of the pool stayed taken for the
 * connect timeout (overload).
 */
import type { ServerBuild } from "@remix-run/node";
import { databaseTrouble, errorForLog } from "../../db/health";
import type { Logger } from "../sync/types";

/** Seconds a client is asked to wait before trying again when the database is away. */
export const DATABASE_RETRY_AFTER_S = 5;

type Handler = (args: { request: Request }) => unknown;

/** The JSON answer for an unexpected error of an /api/ route. */
export function apiFailure(error: unknown): Response {
  const trouble = databaseTrouble(error);
  const body =
    trouble === "unreachable"
      ? { error: "database_unavailable", message: "The database could not be reached. Try again in a moment." }
      : trouble === "busy"
        ? { error: "server_busy", message: "The server is too busy to answer now. Try again in a moment." }
        : { error: "server_error", message: "Something went wrong on the server." };
  const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };
  if (trouble) headers["Retry-After"] = String(DATABASE_RETRY_AFTER_S);
  return new Response(JSON.stringify(body), { status: trouble ? 503 : 500, headers });
}

/** What the log line of a failed request adds: the pool's counts when the request waited out the pool. */
type Context = () => Record<string, unknown> | null;

function guarded(fn: Handler, route: string, log: Logger, poolNow: Context): Handler {
  return async (args) => {
    try {
      return await fn(args);
    } catch (error) {
      // A Response thrown on purpose (requireUser's 401, a 404) is the route's answer.
      if (error instanceof Response) throw error;
      // The client went away: nobody reads an answer, and it is no failure of the server.
      if (!args.request.signal.aborted) {
        const pool = databaseTrouble(error) === "busy" ? poolNow() : null;
        log.error("request failed", { route, method: args.request.method, ...errorForLog(error), ...(pool ? { pool } : {}) });
      }
      return apiFailure(error);
    }
  };
}

/**
 * `build` with every /api/ route's loader and action answering unexpected
 * errors as JSON. `poolNow`: the database pool's counts (db/client.ts
 * poolCounts), logged with a `server_busy` so the operator sees how full it
 * was and how many waited (PG_POOL_MAX).
 */
export function apiErrorsAsJson(build: ServerBuild, log: Logger, poolNow: Context = () => null): ServerBuild {
  const routes: ServerBuild["routes"] = {};
  // A route's path is relative to its parent's (api.boards.$boardId.requests nests in api.boards.$boardId).
  const fullPath = (id: string | undefined): string => {
    const route = id ? build.routes[id] : undefined;
    if (!route) return "";
    return [fullPath(route.parentId), route.path ?? ""].filter(Boolean).join("/");
  };
  for (const [id, route] of Object.entries(build.routes)) {
    const p = fullPath(id);
    if (p !== "api" && !p.startsWith("api/")) {
      routes[id] = route;
      continue;
    }
    const module = { ...route.module };
    if (module.loader) module.loader = guarded(module.loader as Handler, p, log, poolNow) as typeof module.loader;
    if (module.action) module.action = guarded(module.action as Handler, p, log, poolNow) as typeof module.action;
    routes[id] = { ...route, module };
  }
  return { ...build, routes };
}
