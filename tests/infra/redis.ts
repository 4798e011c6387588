/**
 * A real redis-server for tests: Debian's package (installed with apt-get on
 * first use when missing, as root), on 127.0.0.1 and a free port, with its
 * own folder under tests/.tmp, nothing saved to disk. `restart()` stops it
 * and starts it again on the SAME port, so clients reconnect by themselves
 * (empty; with `keepData`, with what it held, as a Redis that saves its
 * data does); `stop()` ends it for good and removes the folder.
 *
 *   const redis = await start();   // { url, port, stop(), restart() }
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { freePort } from "./net";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TMP = path.join(ROOT, "tests/.tmp");

export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Kill the server (SIGKILL), wait `downMs`, and start it again on the same port: empty, or with what it held (`keepData`: saved first). */
  restart(opts?: { downMs?: number; keepData?: boolean }): Promise<void>;
  /** Kill the server without starting it again (a later `restart()` brings it back). */
  kill(): Promise<void>;
  /** Stop the server in its tracks (SIGSTOP): connections stay open, commands go unanswered; `kill` or `restart` ends it. */
  pause(): void;
  /** End it for good and remove its folder. */
  stop(): Promise<void>;
}

/** The redis-server binary, installing Debian's `redis-server` when it is missing. */
export function redisServerBinary(): string {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
  if (found) return found;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { encoding: "utf8" }).stdout.trim();
  if (!hasApt) throw new Error("redis-server is missing and there is no apt-get to install it: install Redis 7 (Debian: apt-get install redis-server)");
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  // No terminal to ask on (stdin closed, sudo -n), a bounded wait for another apt (dpkg lock), and a hard timeout.
  const run = (args: string[]) => {
    const [cmd, ...rest] = asRoot ? args : ["sudo", "-n", ...args];
    const r = spawnSync(cmd, rest, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 600_000 });
    if (r.status !== 0) throw new Error(`${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}); install redis-server by hand`);
  };
  run(["apt-get", "update", "-qq"]);
  run(["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", "redis-server"]);
  const after = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
  if (!after) throw new Error("apt-get installed redis-server but it is not on PATH");
  return after;
}

/** One command over a raw socket; its first line of answer ("" when none came in `ms`). */
function ask(port: number, command: string, ms = 1_000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let buf = "";
    const done = (line: string) => {
      s.destroy();
      resolve(line);
    };
    s.setTimeout(ms, () => done(""));
    s.on("error", () => done(""));
    s.on("connect", () => s.write(`${command}\r\n`));
    s.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\r\n")) done(buf.slice(0, buf.indexOf("\r\n")));
    });
  });
}

/** PING over a raw socket: true when the server answers +PONG. */
async function pong(port: number): Promise<boolean> {
  return (await ask(port, "PING")) === "+PONG";
}

export async function start(): Promise<TestRedis> {
  const bin = redisServerBinary();
  fs.mkdirSync(TMP, { recursive: true });
  const dir = fs.mkdtempSync(path.join(TMP, "redis-"));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let output = "";

  const launch = async () => {
    const c = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir, "--logfile", ""], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = c;
    c.stdout?.on("data", (d) => (output = (output + d).slice(-4_000)));
    c.stderr?.on("data", (d) => (output = (output + d).slice(-4_000)));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`redis-server exited (${c.exitCode ?? c.signalCode}) on port ${port}\n${output}`);
      if (await pong(port)) return;
      // The port of a killed server can be briefly taken (TIME_WAIT is no issue for listen, but be patient).
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING in 15 s\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  };

  await launch();
  const stopAtExit = () => child?.kill("SIGKILL");
  process.once("exit", stopAtExit);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    pause() {
      (child as ChildProcess | null)?.kill("SIGSTOP");
    },
    async restart(o = {}) {
      const saved = path.join(dir, "dump.rdb");
      if (o.keepData) {
        const answer = await ask(port, "SAVE", 10_000);
        if (answer !== "+OK") throw new Error(`redis SAVE answered ${JSON.stringify(answer)}`);
      }
      await kill();
      if (!o.keepData) fs.rmSync(saved, { force: true });
      if (o.downMs) await new Promise((r) => setTimeout(r, o.downMs));
      await launch();
    },
    async stop() {
      process.off("exit", stopAtExit);
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Every key of a Redis database with everything it holds, as bytes: the
 * key's name, and its value (string), fields and values (hash), every
 * entry's id, fields and values (stream), or members (list, set, sorted
 * set). What a search for a word in Redis must read (erase-canary).
 */
export async function redisContents(r: Redis): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await r.scanBuffer(cursor, "COUNT", 1000);
    cursor = next.toString();
    for (const key of keys) {
      out.push(key);
      const type = await r.type(key);
      if (type === "string") out.push((await r.getBuffer(key)) ?? Buffer.alloc(0));
      else if (type === "hash") for (const [field, value] of Object.entries(await r.hgetallBuffer(key))) out.push(Buffer.from(field), value);
      else if (type === "stream") for (const [id, fields] of await r.xrangeBuffer(key, "-", "+")) out.push(id, ...fields);
      else if (type === "list") out.push(...(await r.lrangeBuffer(key, 0, -1)));
      else if (type === "set") out.push(...(await r.smembersBuffer(key)));
      else if (type === "zset") out.push(...(await r.zrangeBuffer(key, 0, -1)));
      else if (type !== "none") throw new Error(`redisContents: a key of type ${type}`); // "none": gone since the scan
    }
  } while (cursor !== "0");
  return out;
}
