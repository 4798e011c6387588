/**
 * A real PostgreSQL for tests: Debian's package (installed with apt-get on
 * first use when missing, as root), its own cluster made by initdb in a
 * folder of its own (under tests/.tmp; as root under the system's temporary
 * folder, since the `postgres` user must reach it and the checkout may sit
 * in a folder only root can enter, as `mktemp -d` makes), listening on 127.0.0.1 and a free port only, trust
 * authentication (nothing else can reach it). Run as the `postgres` user when
 * we are root (initdb and postgres refuse root).
 *
 *   const pg = await start();                     // { url, port, stop(), restart() }
 *   const url = await pg.createDatabase("t1");    // postgres://postgres@127.0.0.1:<port>/t1
 *   ...
 *   await pg.stop();                              // stops it and removes the folder
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { freePort } from "./net";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TMP = path.join(ROOT, "tests/.tmp");

export interface TestPostgres {
  /** The server's own `postgres` database: postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** A new empty database; its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stop (fast: open connections are cut) and start again on the same port and data. */
  restart(): Promise<void>;
  /** Stop it for good and remove its folder. */
  stop(): Promise<void>;
  /** The server's processes now: the postmaster and its children (backends, writers), to pin or to count their CPU. */
  pids(): number[];
}

const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

function sh(cmd: string): string {
  return spawnSync("sh", ["-c", cmd], { encoding: "utf8" }).stdout.trim();
}

/** The folder of PostgreSQL's server binaries (initdb, pg_ctl), installing Debian's `postgresql` when missing. */
export function postgresBinDir(): string {
  const find = () => sh("ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1");
  const found = find();
  if (found) return found;
  if (!sh("command -v apt-get")) throw new Error("PostgreSQL is missing and there is no apt-get to install it: install PostgreSQL 15+ (Debian: apt-get install postgresql)");
  const run = (args: string[]) => {
    const [cmd, ...rest] = asRoot ? args : ["sudo", "-n", ...args];
    const r = spawnSync(cmd, rest, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 600_000 });
    if (r.status !== 0) throw new Error(`${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}); install postgresql by hand`);
  };
  run(["apt-get", "update", "-qq"]);
  run(["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", "postgresql"]);
  const after = find();
  if (!after) throw new Error("apt-get installed postgresql but /usr/lib/postgresql/*/bin is missing");
  return after;
}

/** Run one of PostgreSQL's programs, as the postgres user when we are root. */
function runPg(bin: string, args: string[], what: string, cwd: string): void {
  const full = asRoot ? ["runuser", "-u", "postgres", "--", bin, ...args] : [bin, ...args];
  // In the cluster's folder: the postgres user may not be allowed into ours.
  const r = spawnSync(full[0], full.slice(1), { encoding: "utf8", timeout: 120_000, cwd });
  if (r.status !== 0) throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
}

const running = new Set<() => void>();
process.once("exit", () => {
  for (const stop of running) stop();
});

/**
 * A PostgreSQL of its own on a free loopback port. For tests it does not
 * sync to disk (`fsync=off`); `durable: true` (the bench) keeps PostgreSQL's
 * defaults, so that its commits cost what they cost in production.
 */
export async function start(opts: { durable?: boolean } = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const base = asRoot ? os.tmpdir() : TMP;
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, asRoot ? "alliantiebord-postgres-" : "postgres-"));
  const data = path.join(dir, "data");
  const sockets = path.join(dir, "sock");
  fs.mkdirSync(sockets);
  if (asRoot) {
    const owner = sh("id -u postgres");
    const group = sh("id -g postgres");
    if (!owner) throw new Error("no postgres user (Debian's package makes it)");
    for (const p of [dir, sockets]) fs.chownSync(p, Number(owner), Number(group));
  }
  const port = await freePort();
  // Trust on every local way in: the server listens on loopback only, for this test run.
  runPg(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], "initdb", dir);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${sockets} -c max_connections=200${opts.durable ? "" : " -c fsync=off -c full_page_writes=off"}`;
  const ctl = (args: string[], what: string) => runPg(path.join(bin, "pg_ctl"), ["-D", data, ...args], what, dir);
  const up = () => ctl(["-l", path.join(dir, "log"), "-o", options, "-w", "-t", "60", "start"], "pg_ctl start");
  const down = () => ctl(["-m", "fast", "-w", "-t", "60", "stop"], "pg_ctl stop");
  up();
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    running.delete(stopNow);
    try {
      down();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  running.add(stopNow);

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    createDatabase: (name) => createDatabaseAt(url, name),
    async restart() {
      down();
      up();
    },
    async stop() {
      stopNow();
    },
    pids() {
      let postmaster: number;
      try {
        postmaster = Number(fs.readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      } catch {
        return [];
      }
      return [postmaster, ...childrenOf(postmaster)];
    },
  };
}

/** The processes whose parent is `pid` (from /proc: field 4 of stat). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command (field 2) is in parentheses and may hold spaces: the fields after its ")" are fixed.
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const NAME = /^[a-z_][a-z0-9_]*$/;

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new empty database on the server whose own database `adminUrl` names (postgres://…/postgres); its URL. */
export async function createDatabaseAt(adminUrl: string, name: string): Promise<string> {
  if (!NAME.test(name)) throw new Error(`database name ${name}: lowercase letters, digits and _ only`);
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drop a database made by createDatabaseAt (its connections are cut first). */
export async function dropDatabaseAt(adminUrl: string, name: string): Promise<void> {
  if (!NAME.test(name)) throw new Error(`database name ${name}: lowercase letters, digits and _ only`);
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
