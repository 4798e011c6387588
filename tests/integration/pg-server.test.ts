/**
 * The whole server on PostgreSQL (issue 16): `npm run setup` migrates and
 * seeds the demo into an empty PostgreSQL database, `npm run serve` (the
 * real server/index.ts, as a process) runs on it, and two such servers share
 * it (with Redis between them, as several servers run): a person logs in, the board syncs over Yjs, two organisations claiming
 * one request through different servers get exactly one winner, an erasure
 * rebuilds the board and a copy of the old document is refused before
 * anything is sent; kill -9 of one server loses nothing a client had seen
 * while the other keeps working; Redis restarted mid-run loses nothing; a
 * rolling restart of three behind a balancer loses nothing. Settings that are SQLite's (BACKUP_DIR) are refused at
 * start, a server without REDIS_URL is the only one on its database (PostgreSQL's server lock), and the
 * password in DATABASE_URL never reaches the log.
 */
import { randomBytes } from "node:crypto";
import type * as Y from "yjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start as startPostgres, type TestPostgres } from "../infra/postgres";
import { start as startRedis, type TestRedis } from "../infra/redis";
import { startLb } from "../infra/lb";
import { apiCall, connectYjs, editEvery, postForm, rawConnect, runCommand, sleep, spawnServer, waitFor, withTimeout, type SpawnedServer, type YClient } from "./harness";
import { getCard, readBoard } from "../../app/board/domain";
import { getBoard } from "../../db/accounts";
import { openPostgres } from "../../db/client";
import { migrationsApplied } from "../../db/health";

const DATA_KEY = randomBytes(32).toString("base64");
const PASSWORD = "alliantie-demo";
/** The test server trusts loopback (no password needed), so any password here is only something the log must not show. */
const SECRET = "geheim-wachtwoord-42";

let pg: TestPostgres;
let redis: TestRedis;
let databaseUrl = "";
const servers: SpawnedServer[] = [];

function withPassword(url: string): string {
  const u = new URL(url);
  u.password = SECRET;
  return u.toString();
}

function firstBoard(body: unknown): string {
  const list = (Array.isArray(body) ? body : (body as { boards: unknown[] }).boards) as Array<{ id: string }>;
  return list[0].id;
}

async function login(server: SpawnedServer, email: string): Promise<string> {
  const res = await postForm(server.url, "/login", { email, password: PASSWORD, redirectTo: "/boards" });
  const c = res.headers.getSetCookie().find((x) => x.startsWith("ab_session="));
  if (!c) throw new Error(`no session for ${email} (${res.status})`);
  return c.split(";")[0];
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  databaseUrl = withPassword(await pg.createDatabase("pg_server"));
  const env = { DATABASE_URL: databaseUrl, DATA_KEY };
  const setup = await runCommand("db/setup.ts", [], env);
  expect(setup.code, setup.stderr).toBe(0);
  expect(setup.stdout).toContain("Demo-alliantie AVE Emmen aangemaakt");
  expect(setup.stdout + setup.stderr).not.toContain(SECRET);
  const again = await runCommand("db/setup.ts", [], env);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toContain("bevat al gegevens");
  for (let i = 0; i < 2; i++) servers.push(await spawnServer({ databaseUrl, env: { DATA_KEY, REDIS_URL: redis.url, LOG_LEVEL: "info" } }));
}, 180_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  await pg?.stop();
  await redis?.stop();
});

describe("the server on PostgreSQL", () => {
  it("is ready on PostgreSQL, and its log names the database without the password", async () => {
    for (const s of servers) {
      const ready = await apiCall(s.url, "/readyz");
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ database: "ok", migrations: "ok" });
      expect(s.output()).toContain("postgres://postgres:***@127.0.0.1");
      expect(s.output()).not.toContain(SECRET);
    }
  });

  it("three servers starting at once on an empty database: one migrates, the others wait and find it done", async () => {
    const url = await pg.createDatabase("pg_server_start");
    const opened = await Promise.all([0, 1, 2].map(() => openPostgres(url, { migrate: true })));
    try {
      for (const db of opened) expect(await migrationsApplied(db.async)).toBe("ok");
    } finally {
      for (const db of opened) await db.close();
    }
  });

  it("npm run alliance creates an alliance on PostgreSQL and lists it; npm run demo says it is SQLite's", async () => {
    const env = { DATABASE_URL: databaseUrl, DATA_KEY, PUBLIC_URL: "https://bord.example.org" };
    const made = await runCommand("server/cli/alliance.ts", ["create", "--name", "Laarne-Kalken", "--coordinator-email", "els@laarne.example", "--coordinator-name", "Els"], env);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/https:\/\/bord\.example\.org\/uitnodiging\/[A-Za-z0-9_-]+/);
    const list = await runCommand("server/cli/alliance.ts", ["list", "--json"], env);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ name: string }>).map((a) => a.name)).toContain("Laarne-Kalken");
    const demo = await runCommand("server/cli/demo.ts", ["status"], env);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain("PostgreSQL");
    expect(demo.stdout + demo.stderr + made.stdout + made.stderr).not.toContain(SECRET);
  });

  it("refuses BACKUP_DIR (SQLite's file copy) with a PostgreSQL DATABASE_URL, saying why", async () => {
    const run = await runCommand("server/index.ts", [], { DATABASE_URL: databaseUrl, DATA_KEY, BACKUP_DIR: "/tmp/nope", PORT: "0" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("BACKUP_DIR");
    expect(run.stderr).toContain("pg_dump");
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it("a server without REDIS_URL is the only one on its database: refused beside servers with Redis, and they beside it, saying why; after it ends they start", async () => {
    /** Started, or refused: what it said (a server that starts is stopped at the end of this test). */
    const started: SpawnedServer[] = [];
    const attempt = (url: string, env: Record<string, string>) =>
      spawnServer({ databaseUrl: url, env: { DATA_KEY, DRAIN_TIMEOUT_MS: "1500", ...env } }).then(
        (s) => (started.push(s), "started"),
        (e: Error) => e.message,
      );
    try {
      // Beside the two servers with Redis of this file.
      const alone = await attempt(databaseUrl, {});
      expect(alone).toContain("exited (1)");
      expect(alone).toContain("another Alliantiebord server runs on this PostgreSQL database");
      expect(alone).toContain("REDIS_URL");
      expect(alone).not.toContain(SECRET);
      // A database of its own with one server without Redis: a server with Redis is refused beside it.
      const url = withPassword(await pg.createDatabase("pg_server_alone"));
      const first = await spawnServer({ databaseUrl: url, env: { DATA_KEY } });
      try {
        expect(await attempt(url, { REDIS_URL: redis.url })).toContain("an Alliantiebord server without REDIS_URL runs on this PostgreSQL database");
        expect(await attempt(url, {})).toContain("another Alliantiebord server runs");
      } finally {
        expect((await first.stop()).code).toBe(0);
      }
      // Once it has ended (its session, and the lock with it), servers with Redis start there, side by side.
      expect(await attempt(url, { REDIS_URL: redis.url })).toBe("started");
      expect(await attempt(url, { REDIS_URL: redis.url })).toBe("started");
    } finally {
      for (const s of started) await s.stop();
    }
  }, 120_000);

  it("a request made on one server syncs to a browser on the other; two organisations claiming it through different servers: one wins", async () => {
    const [a, b] = servers;
    const coordinator = await login(a, "coordinator@ave.example");
    const boards = await apiCall(a.url, "/api/boards", { cookie: coordinator });
    expect(boards.status).toBe(200);
    const boardId = firstBoard(boards.body);

    const watcher = await connectYjs(b.url, boardId, { cookie: await login(b, "coordinator@ave.example") });
    const taalhuis = await login(a, "taalhuis@ave.example");
    const vwn = await login(b, "vluchtelingenwerk@ave.example");
    try {
      for (let round = 0; round < 5; round++) {
        const title = `Taalcoach gezocht (PostgreSQL ${round})`;
        const created = await apiCall(a.url, `/api/boards/${boardId}/requests`, {
          cookie: coordinator,
          body: { title, category: "taal", description: "", reference: "", area: "", urgency: "normaal" },
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        const id: string = created.body.id ?? created.body.request?.id;
        // A browser on server B sees it live (the relay through Redis; the document stored in PostgreSQL).
        await waitFor(() => readBoard(watcher.doc).cards.some((c) => c.title === title), {
          timeout: 15_000,
          message: "the new request reaches a browser on the other server",
        });

        const [onA, onB] = await Promise.all([
          apiCall(a.url, `/api/boards/${boardId}/requests/${id}/claim`, { cookie: taalhuis, body: {} }),
          apiCall(b.url, `/api/boards/${boardId}/requests/${id}/claim`, { cookie: vwn, body: {} }),
        ]);
        expect([onA.status, onB.status].sort(), JSON.stringify([onA.body, onB.body])).toEqual([200, 409]);
      }
    } finally {
      watcher.destroy();
    }
  }, 120_000);

  it("an erasure rebuilds the board: a copy of the old document is closed with 4410 before anything is sent; the new one syncs", async () => {
    const [a, b] = servers;
    const coordinator = await login(a, "coordinator@ave.example");
    const boardId = firstBoard((await apiCall(a.url, "/api/boards", { cookie: coordinator })).body);
    const created = await apiCall(a.url, `/api/boards/${boardId}/requests`, {
      cookie: coordinator,
      body: { title: "Te vergeten verzoek", category: "wonen", description: "", reference: "", area: "", urgency: "normaal" },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id ?? created.body.request?.id;
    const db = await openPostgres(databaseUrl);
    const generation = (await getBoard(db.async, boardId))!.docGeneration;

    const forgot = await apiCall(a.url, `/api/boards/${boardId}/forget`, { cookie: coordinator, body: { requestId: id } });
    expect(forgot.status, JSON.stringify(forgot.body)).toBe(200);
    expect((await getBoard(db.async, boardId))!.docGeneration).toBe(generation + 1);
    await db.close();

    // On the other server too: its room (if loaded) was dropped or reloads from PostgreSQL with the new generation.
    for (const s of [a, b]) {
      const member = await login(s, "taalhuis@ave.example");
      const stale = rawConnect(s.url, `/yjs/${boardId}?gen=${generation}`, { cookie: member });
      const closed = await withTimeout(stale.closed, 10_000, "stale copy closed");
      expect(closed.code).toBe(4410);
      expect(stale.messages).toHaveLength(0);
      const fresh = rawConnect(s.url, `/yjs/${boardId}?gen=${generation + 1}`, { cookie: member });
      await withTimeout(fresh.opened, 10_000, "current copy opened");
      await fresh.roundTrip();
      const cards = readBoard(fresh.doc).cards;
      expect(cards.length).toBeGreaterThan(0);
      expect(cards.map((c) => c.id)).not.toContain(id);
      fresh.close();
    }
  }, 60_000);

  /** Two coordinators write a card each (a sequence number in the description) every 15 ms until `stop()`. */
  const writers = (clients: YClient[], cards: string[], tag: string) => editEvery(clients, cards, tag, 15);
  /** The board's generation now (an erasure above raised it): what a current browser sends as `gen`. */
  async function gen(boardId: string): Promise<{ params: Record<string, string> }> {
    const db = await openPostgres(databaseUrl);
    try {
      return { params: { gen: String((await getBoard(db.async, boardId))!.docGeneration) } };
    } finally {
      await db.close();
    }
  }
  const seqOf = (doc: Y.Doc, card: string, tag: string, w: number) => {
    const m = new RegExp(`^${tag}-${w}-(\\d+)$`).exec(getCard(doc, card)?.description ?? "");
    return m ? Number(m[1]) : 0;
  };

  it("kill -9 of one server while clients edit on both: the other keeps working, and every edit a client had seen is there afterwards", async () => {
    const [a, b] = servers;
    const cookieA = await login(a, "coordinator@ave.example");
    const cookieB = await login(b, "coordinator@ave.example");
    const boardId = firstBoard((await apiCall(b.url, "/api/boards", { cookie: cookieB })).body);
    const onA = await connectYjs(a.url, boardId, { cookie: cookieA, ...(await gen(boardId)) });
    const onB = await connectYjs(b.url, boardId, { cookie: cookieB, ...(await gen(boardId)) });
    const watcher = await connectYjs(b.url, boardId, { cookie: await login(b, "taalhuis@ave.example"), ...(await gen(boardId)) });
    const cards = readBoard(onB.doc).cards.slice(0, 2).map((c) => c.id);
    const w = writers([onA, onB], cards, "kill");
    try {
      await waitFor(() => seqOf(watcher.doc, cards[0], "kill", 0) > 10, { message: "edits on A reach the watcher on B" });
      await a.kill();
      // What the watcher on B had seen of A's writer when A died: it must survive.
      const seenFromA = seqOf(watcher.doc, cards[0], "kill", 0);
      // B goes on: its writer's edits keep reaching the watcher.
      const before = seqOf(watcher.doc, cards[1], "kill", 1);
      await waitFor(() => seqOf(watcher.doc, cards[1], "kill", 1) > before + 10, { message: "B keeps working after A is killed" });
      const lastB = await w.stop();
      await waitFor(() => seqOf(watcher.doc, cards[1], "kill", 1) === lastB, { message: "B's last edit reaches the watcher" });
      // A comes back on the same database: a new browser there has both.
      servers[0] = await spawnServer({ databaseUrl, env: { DATA_KEY, REDIS_URL: redis.url, LOG_LEVEL: "info" } });
      const fresh = await connectYjs(servers[0].url, boardId, { cookie: await login(servers[0], "coordinator@ave.example"), ...(await gen(boardId)) });
      try {
        expect(seqOf(fresh.doc, cards[0], "kill", 0)).toBeGreaterThanOrEqual(seenFromA);
        expect(seqOf(fresh.doc, cards[1], "kill", 1)).toBe(lastB);
      } finally {
        fresh.destroy();
      }
    } finally {
      await w.stop();
      for (const y of [onA, onB, watcher]) y.destroy();
    }
  }, 120_000);

  it("Redis restarted while clients edit on both servers: afterwards every client has every edit", async () => {
    const [a, b] = servers;
    const cookieA = await login(a, "coordinator@ave.example");
    const cookieB = await login(b, "coordinator@ave.example");
    const boardId = firstBoard((await apiCall(a.url, "/api/boards", { cookie: cookieA })).body);
    const clients = [await connectYjs(a.url, boardId, { cookie: cookieA, ...(await gen(boardId)) }), await connectYjs(b.url, boardId, { cookie: cookieB, ...(await gen(boardId)) })];
    const watchers = [await connectYjs(a.url, boardId, { cookie: cookieA, ...(await gen(boardId)) }), await connectYjs(b.url, boardId, { cookie: cookieB, ...(await gen(boardId)) })];
    const cards = readBoard(clients[0].doc).cards.slice(2, 4).map((c) => c.id);
    const w = writers(clients, cards, "redis");
    try {
      await sleep(300);
      await redis.restart({ downMs: 700 });
      await sleep(300);
      const last = await w.stop();
      await waitFor(
        () => [...clients, ...watchers].every((y) => seqOf(y.doc, cards[0], "redis", 0) === last && seqOf(y.doc, cards[1], "redis", 1) === last),
        { timeout: 30_000, message: "every client has every edit after Redis came back" },
      );
    } finally {
      await w.stop();
      for (const y of [...clients, ...watchers]) y.destroy();
    }
  }, 90_000);

  it("a rolling restart of three servers behind a balancer while four browsers edit: every edit ends up everywhere and stored", async () => {
    servers.push(await spawnServer({ databaseUrl, env: { DATA_KEY, REDIS_URL: redis.url, LOG_LEVEL: "info" } }));
    const lb = await startLb(servers.map((s) => s.port));
    const cookie = await login(servers[0], "coordinator@ave.example");
    const boardId = firstBoard((await apiCall(lb.url, "/api/boards", { cookie })).body);
    const generation = await gen(boardId);
    const clients: YClient[] = [];
    for (let i = 0; i < 4; i++) clients.push(await connectYjs(lb.url, boardId, { cookie, ...generation }));
    const cards = readBoard(clients[0].doc).cards.slice(0, 4).map((c) => c.id);
    const w = writers(clients, cards, "roll");
    const drains: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        await sleep(300);
        const port = servers[i].port;
        lb.down(port);
        const ended = await servers[i].stop();
        drains.push(`${port}: ${ended.code}${ended.forced ? " (forced)" : ""}`);
        expect(ended, `server ${i} drained and exited 0; its log:\n${servers[i].output().slice(-3000)}`).toMatchObject({ code: 0, forced: false });
        servers[i] = await spawnServer({ databaseUrl, port, env: { DATA_KEY, REDIS_URL: redis.url, LOG_LEVEL: "info" } });
        lb.up(port);
      }
      await sleep(300);
      const last = await w.stop();
      const everywhere = () => clients.every((y) => cards.every((card, k) => seqOf(y.doc, card, "roll", k) === last));
      await waitFor(everywhere, { timeout: 30_000, message: "every browser has every edit after the rolling restart" }).catch((e: Error) => {
        const states = clients.map((y, i) => `browser ${i}: ${cards.map((card, k) => seqOf(y.doc, card, "roll", k)).join("/")} of ${last}, ${y.provider.wsconnected ? "connected" : "not connected"}, closes ${y.closeCodes.join("+")}`);
        throw new Error(`${e.message}\n${states.join("\n")}\ndrains ${drains.join(", ")}\n--- servers ---\n${servers.map((s) => s.output().slice(-2000)).join("\n---\n")}`);
      });
      // Closed by the drains only (1012), never refused: a browser's update judged against another server's pending structs was closed 4400.
      expect(clients.flatMap((y) => y.closeCodes.filter((code) => code >= 4000))).toEqual([]);
      const fresh = await connectYjs(lb.url, boardId, { cookie, ...generation });
      try {
        expect(cards.map((card, k) => seqOf(fresh.doc, card, "roll", k))).toEqual(cards.map(() => last));
      } finally {
        fresh.destroy();
      }
      console.log(`rolling restart of three servers on PostgreSQL: ${last} edits per browser, 4 browsers (closes ${clients.map((y) => y.closeCodes.join("+") || "none").join(", ")}); drains ${drains.join(", ")}; balancer ${JSON.stringify(lb.stats())}`);
    } finally {
      await w.stop();
      for (const y of clients) y.destroy();
      await lb.stop();
    }
  }, 180_000);

  it("PostgreSQL ends the backends of statements in flight (a failover, pg_terminate_backend): both servers stay up, refuse those requests with JSON, lose no edit a client saw, then work again", async () => {
    const [a, b] = servers;
    const coordinator = await login(a, "coordinator@ave.example");
    const boardId = firstBoard((await apiCall(a.url, "/api/boards", { cookie: coordinator })).body);
    const cookies = [await login(a, "taalhuis@ave.example"), await login(b, "vluchtelingenwerk@ave.example")];
    // Beside the API, a browser on each server edits a card of its own, and one on each watches.
    const cookieB = await login(b, "coordinator@ave.example");
    const editors = [await connectYjs(a.url, boardId, { cookie: coordinator, ...(await gen(boardId)) }), await connectYjs(b.url, boardId, { cookie: cookieB, ...(await gen(boardId)) })];
    const watchers = [await connectYjs(a.url, boardId, { cookie: coordinator, ...(await gen(boardId)) }), await connectYjs(b.url, boardId, { cookie: cookieB, ...(await gen(boardId)) })];
    const cards = readBoard(editors[0].doc).cards.slice(4, 6).map((c) => c.id);
    const w = writers(editors, cards, "ended");
    /** The highest edit of each writer any watcher has seen so far: each must survive. */
    const seen = [0, 0];
    const look = setInterval(() => {
      for (const watcher of watchers) for (const i of [0, 1]) seen[i] = Math.max(seen[i], seqOf(watcher.doc, cards[i], "ended", i));
    }, 5);
    const admin = await openPostgres(pg.url, { max: 1 });
    const database = new URL(databaseUrl).pathname.slice(1);
    const statuses = new Map<number, number>();
    let terminated = 0;
    let stop = false;
    const failures: string[] = [];
    const codes = new Set<string>();
    // Each server creates requests and claims them (transactions on a connection checked out of the pool) while
    // every backend of the database is ended again and again, the servers' own, their storage workers' and their locks'.
    const work = [a, b].map(async (server, i) => {
      for (let n = 0; !stop; n++) {
        const created = await apiCall(server.url, `/api/boards/${boardId}/requests`, {
          cookie: coordinator,
          body: { title: `Onderbroken ${i}-${n}`, category: "taal", description: "", reference: "", area: "", urgency: "normaal" },
        });
        statuses.set(created.status, (statuses.get(created.status) ?? 0) + 1);
        if (created.status >= 500) codes.add(`${created.status} ${created.body?.error}`);
        if (created.status !== 201) {
          if (!(created.headers.get("content-type") ?? "").includes("json")) failures.push(`${created.status} ${JSON.stringify(created.body)}`);
          continue;
        }
        const claim = await apiCall(server.url, `/api/boards/${boardId}/requests/${created.body.id ?? created.body.request?.id}/claim`, { cookie: cookies[i], body: {} });
        statuses.set(claim.status, (statuses.get(claim.status) ?? 0) + 1);
        if (claim.status >= 500) codes.add(`${claim.status} ${claim.body?.error}`);
        if (!(claim.headers.get("content-type") ?? "").includes("json")) failures.push(`${claim.status} ${JSON.stringify(claim.body)}`);
      }
    }).map((p) => p.catch((e: Error) => failures.push(`${e.message} ${String((e.cause as Error | undefined)?.message ?? "")}`)));
    try {
      const deadline = Date.now() + 4000;
      while (Date.now() < deadline) {
        const ended = await admin.pool.query(
          "select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()) t",
          [database],
        );
        terminated += ended.rows[0].n;
        await sleep(40);
      }
    } finally {
      stop = true;
      // Each request meanwhile is answered: a statement whose connection ended fails, none waits for ever.
      await withTimeout(Promise.all(work), 20_000, "every request made meanwhile is answered");
      await admin.close();
    }
    console.log(`backends ended: ${terminated}; answers meanwhile: ${JSON.stringify(Object.fromEntries(statuses))}; errors: ${[...codes].join(", ")}`);
    expect(terminated).toBeGreaterThan(20);
    for (const s of [a, b]) {
      expect(s.child.exitCode, s.output().slice(-3000)).toBeNull();
      expect(s.child.signalCode).toBeNull();
    }
    // Every answer meanwhile was one the API gives: JSON, never a dropped connection or a bare text error.
    expect(failures).toEqual([]);
    // …and the refusals say the database was away (503, try again), not that the request was wrong.
    expect([...codes].filter((c) => c !== "503 database_unavailable")).toEqual([]);
    // The browsers' edits: every edit a watcher saw meanwhile is stored, and each writer's last reaches everyone.
    const last = await w.stop();
    clearInterval(look);
    try {
      for (const watcher of watchers) {
        for (const i of [0, 1]) {
          await waitFor(() => seqOf(watcher.doc, cards[i], "ended", i) === last, { timeout: 30_000, message: `writer ${i}'s last edit reaches every watcher` });
        }
      }
      const fresh = await connectYjs(b.url, boardId, { cookie: cookieB, ...(await gen(boardId)) });
      try {
        for (const i of [0, 1]) expect(seqOf(fresh.doc, cards[i], "ended", i)).toBe(last);
      } finally {
        fresh.destroy();
      }
      console.log(`edits written: ${last} per writer; seen by a watcher meanwhile: ${seen.join(", ")}; closes: ${editors.map((e) => e.closeCodes.length).join(", ")}`);
      expect(Math.min(...seen)).toBeGreaterThan(0);
    } finally {
      for (const y of [...editors, ...watchers]) y.destroy();
    }
    // Afterwards both work again: a request created on each and claimed.
    for (const [i, s] of [a, b].entries()) {
      await waitFor(async () => (await apiCall(s.url, "/readyz")).status === 200, { timeout: 30_000, message: "ready again" });
      const created = await apiCall(s.url, `/api/boards/${boardId}/requests`, {
        cookie: coordinator,
        body: { title: `Weer verbonden ${i}`, category: "taal", description: "", reference: "", area: "", urgency: "normaal" },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const claim = await apiCall(s.url, `/api/boards/${boardId}/requests/${created.body.id ?? created.body.request?.id}/claim`, { cookie: cookies[i], body: {} });
      expect(claim.status, JSON.stringify(claim.body)).toBe(200);
    }
  }, 120_000);

  // Last: it restarts PostgreSQL under every server of this file.
  it("PostgreSQL restarted under a server without REDIS_URL: it takes its server lock again, and a second server is still refused", async () => {
    const url = withPassword(await pg.createDatabase("pg_server_lock_lost"));
    const lone = await spawnServer({ databaseUrl: url, env: { DATA_KEY, LOG_LEVEL: "info" } });
    try {
      await pg.restart();
      await waitFor(() => lone.output().includes("the server lock on PostgreSQL was lost"), { timeout: 20_000, message: "the lost lock is logged" });
      await waitFor(() => lone.output().includes("the server lock on PostgreSQL is held again"), { timeout: 30_000, message: "the lock is taken again" });
      const second = await spawnServer({ databaseUrl: url, env: { DATA_KEY, DRAIN_TIMEOUT_MS: "1000" } }).then(
        async (s) => (await s.stop(), "started"),
        (e: Error) => e.message,
      );
      expect(second).toContain("another Alliantiebord server runs on this PostgreSQL database");
      expect((await apiCall(lone.url, "/readyz")).status).toBe(200);
    } finally {
      expect((await lone.stop()).code).toBe(0);
    }
  }, 90_000);
});
