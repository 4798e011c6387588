/**
 * Starts the real server as a child process with its own migrated, seeded
 * SQLite file on a free port. A test can stop (even kill -9) and restart it.
 * E2E_DATABASE=postgres: each server gets a new database of one PostgreSQL
 * (tests/infra/postgres.ts, one per test process) instead, seeded by the
 * same `db/setup.ts`, with a DATA_KEY of the run (no key file on PostgreSQL).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { start as startPostgres, type TestPostgres } from "../infra/postgres";
import { SERVE_ARGS, serverBuilt } from "../infra/server-build";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestServer {
  url: string;
  port: number;
  databaseUrl: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * The migrated, seeded demo database of this test process: `db/setup.ts` runs
 * once (about 4 s of CPU), and each spec's server starts on a copy of its
 * folder (the SQLite file and the demo's data-key file next to it). A spec
 * whose settings change what setup makes (SEED_DEMO, DATA_KEY) runs setup
 * itself. Kept for one process only: the demo's times are relative to when
 * it was seeded.
 */
let template: string | null = null;
function setUp(dir: string, env: NodeJS.ProcessEnv, extra: Record<string, string>) {
  const runSetup = (into: NodeJS.ProcessEnv) => {
    const setup = spawnSync(TSX, ["db/setup.ts"], { cwd: ROOT, env: into, encoding: "utf8" });
    if (setup.status !== 0) throw new Error(`setup failed: ${setup.stderr || setup.stdout}`);
  };
  if ("SEED_DEMO" in extra || "DATA_KEY" in extra) return runSetup(env);
  if (!template) {
    const made = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-e2e-template-"));
    runSetup({ ...env, DATABASE_URL: `file:${path.join(made, "e2e.sqlite")}` });
    template = made;
    process.once("exit", () => fs.rmSync(made, { recursive: true, force: true }));
  }
  fs.cpSync(template, dir, { recursive: true });
}

const onPostgres = process.env.E2E_DATABASE === "postgres";
let postgres: Promise<TestPostgres> | null = null;
const POSTGRES_DATA_KEY = randomBytes(32).toString("base64");

export interface StartOptions {
  /** Extra settings for the server (SMTP_URL, MAIL_FROM, ...); given the port, for settings that name the server's URL. */
  env?: (port: number) => Record<string, string>;
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-e2e-"));
  const port = await freePort();
  if (onPostgres && !postgres) {
    postgres = startPostgres();
    const pg = postgres;
    process.once("exit", () => void pg.then((p) => p.stop()));
  }
  const databaseUrl = postgres ? await (await postgres).createDatabase(`e2e_${port}_${Date.now()}`) : `file:${path.join(dir, "e2e.sqlite")}`;
  const extra = opts.env?.(port) ?? {};
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    ...(postgres ? { DATA_KEY: POSTGRES_DATA_KEY } : {}),
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "error",
    ...extra,
  };
  if (postgres) {
    const setup = spawnSync(TSX, ["db/setup.ts"], { cwd: ROOT, env, encoding: "utf8" });
    if (setup.status !== 0) throw new Error(`setup failed: ${setup.stderr || setup.stdout}`);
  } else setUp(dir, env, extra);
  let child: ChildProcess | null = null;
  let output = "";
  const url = `http://127.0.0.1:${port}`;

  const server: TestServer = {
    url,
    port,
    databaseUrl,
    async start() {
      output = "";
      // The built server, as `npm run serve` starts it (built again when older than its sources); one
      // process, so a signal reaches the server itself.
      await serverBuilt();
      child = spawn(process.execPath, SERVE_ARGS, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      child.stdout!.on("data", (d) => {
        output += d;
        if (process.env.E2E_LOG_LEVEL) process.stderr.write(d);
      });
      child.stderr!.on("data", (d) => (output += d));
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
        try {
          const res = await fetch(`${url}/login`);
          if (res.ok) return;
        } catch {
          /* not yet listening */
        }
        if (Date.now() > deadline) throw new Error(`server did not start: ${output}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once("exit", () => resolve());
        // The whole process group, in case anything was forked.
        try {
          process.kill(-c.pid!, signal);
        } catch {
          c.kill(signal);
        }
      });
      child = null;
    },
    async cleanup() {
      await server.stop("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
