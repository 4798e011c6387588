import { afterEach, describe, expect, it, vi } from "vitest";
import { logFailure } from "../../app/services/log.server";
import type { ServiceLog } from "../../app/services/context.server";
import type { Env } from "../../app/services/env.server";

// A failed statement as drizzle reports it: its message ends in the parameters, here what someone typed about a person.
function failedStatement(): Error {
  const driver = Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" });
  return Object.assign(new Error('Failed query: insert into "comments" values ($1)\nparams: Amina woont bij haar zus'), { query: "insert …", params: ["Amina woont bij haar zus"], cause: driver });
}

function recorder(): ServiceLog & { lines: { msg: string; data?: Record<string, unknown> }[] } {
  const lines: { msg: string; data?: Record<string, unknown> }[] = [];
  const add = (msg: string, data?: Record<string, unknown>) => void lines.push({ msg, data });
  return { lines, info: add, warn: add, error: add };
}

const env = (level: Env["LOG_LEVEL"]) => ({ LOG_LEVEL: level }) as Env;

describe("logFailure: a failure a service swallows, in the log without what was typed", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes to the server's log: the causes' messages and codes, never the statement's parameters", () => {
    const log = recorder();
    logFailure({ env: env("info"), log }, "notification failed", failedStatement(), { kind: "referral" });
    expect(log.lines).toHaveLength(1);
    const [{ msg, data }] = log.lines;
    expect(msg).toBe("notification failed");
    expect(data).toMatchObject({ kind: "referral", error: "query failed ← Connection terminated unexpectedly (ECONNRESET)" });
    expect(JSON.stringify(data)).not.toContain("Amina");
  });

  it("without a server's log (a command) writes one JSON line to stderr, and nothing when LOG_LEVEL is silent", () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    logFailure({ env: env("error") }, "VACUUM after an erasure failed", failedStatement(), { board: "b1" });
    expect(err).toHaveBeenCalledTimes(1);
    const line = JSON.parse(String(err.mock.calls[0][0]));
    expect(line).toMatchObject({ lvl: "error", msg: "VACUUM after an erasure failed", board: "b1" });
    expect(typeof line.t).toBe("string");
    expect(String(err.mock.calls[0][0])).not.toContain("Amina");
    logFailure({ env: env("silent") }, "VACUUM after an erasure failed", failedStatement());
    expect(err).toHaveBeenCalledTimes(1);
  });
});
