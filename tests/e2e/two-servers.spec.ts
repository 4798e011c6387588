/**
 * Two browsers on two servers of one board (issue 16): each person is served
 * by a different app server, and what one does reaches the other through
 * Redis. The servers run over one database and one real redis-server
 * (tests/e2e/cluster-server.ts).
 */
import { expect, test, type Browser, type Page } from "@playwright/test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { start as startRedis, type TestRedis } from "../infra/redis";
import { cardIn, keyboardMoveRight, login, openDemoBoard, firstCardOf } from "./helpers";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

let redis: TestRedis;
let dir: string;
let cluster: ChildProcess | null = null;
let urls: string[] = [];

test.beforeAll(async () => {
  redis = await startRedis();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-e2e-cluster-"));
  const env = { ...process.env, DATABASE_URL: `file:${path.join(dir, "e2e.sqlite")}`, REDIS_URL: redis.url, HOST: "127.0.0.1", LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "error" };
  const setup = spawnSync(TSX, ["db/setup.ts"], { cwd: ROOT, env, encoding: "utf8" });
  if (setup.status !== 0) throw new Error(`setup failed: ${setup.stderr || setup.stdout}`);
  const child = spawn(process.execPath, ["--import", "tsx", "tests/e2e/cluster-server.ts", "2"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  cluster = child;
  let output = "";
  urls = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the two servers did not start in 60 s: ${output}`)), 60_000);
    child.stdout!.on("data", (d) => {
      output += d;
      const m = /listening (\S+) (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve([m[1], m[2]]);
      }
    });
    child.stderr!.on("data", (d) => (output += d));
    child.once("exit", (code) => reject(new Error(`the servers exited (${code}): ${output}`)));
  });
});

test.afterAll(async () => {
  const c = cluster;
  if (c && c.exitCode === null) {
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
      setTimeout(() => c.kill("SIGKILL"), 10_000).unref();
    });
  }
  await redis?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One person on server `i`, in a browser of their own, live on the demo board. */
async function on(browser: Browser, i: number, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await login(page, urls[i], email);
  await openDemoBoard(page);
  return page;
}

test("two browsers on two servers see each other's moves and presence", async ({ browser }) => {
  const a = await on(browser, 0, "coordinator@ave.example");
  const b = await on(browser, 1, "taalhuis@ave.example");
  expect(new URL(a.url()).port).not.toBe(new URL(b.url()).port);

  // Each sees the other in the presence bar (awareness crosses servers).
  await expect(b.getByTestId("presence")).toContainText("Anouk Coördinator");
  await expect(a.getByTestId("presence")).toContainText("Fenna Dijkstra (Taalhuis)");

  // A (server 0) moves a Taalhuis card from Nieuw to Open; B (server 1) sees it arrive.
  const card = firstCardOf(a, "nieuw", "Taalhuis");
  const id = (await card.getAttribute("data-card-id"))!;
  await keyboardMoveRight(a, card);
  await expect(cardIn(a, "open", id)).toBeVisible();
  await expect(cardIn(b, "open", id)).toBeVisible();
  await expect(cardIn(b, "nieuw", id)).toHaveCount(0);

  // And back: B moves it on to Opgepakt; A sees that.
  await keyboardMoveRight(b, cardIn(b, "open", id));
  await expect(cardIn(b, "opgepakt", id)).toBeVisible();
  await expect(cardIn(a, "opgepakt", id)).toBeVisible();
  await expect(cardIn(a, "open", id)).toHaveCount(0);

  // A third browser, new on server 1, loads the board as both left it.
  const c = await on(browser, 1, "coa@ave.example");
  await expect(cardIn(c, "opgepakt", id)).toBeVisible();

  for (const p of [a, b, c]) await p.context().close();
});
