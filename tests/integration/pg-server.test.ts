/**
 * The whole server on PostgreSQL (issue 16): `npm run setup` migrates and
 * seeds the demo into an empty PostgreSQL database, `npm run serve` (the
 * real server/index.ts, as a process) runs on it, and two such servers share
 * it (with Redis between them, as several servers run): a person logs in, the board syncs over Yjs, two organisations claiming
 * one request through different servers get exactly one winner, an erasure
 * rebuilds the board and a copy of the old document is refused before
 * anything is sent. Settings that are SQLite's (BACKUP_DIR) are refused at
 * start, and the password in DATABASE_URL never reaches the log.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start as startPostgres, type TestPostgres } from "../infra/postgres";
import { start as startRedis, type TestRedis } from "../infra/redis";
import { apiCall, connectYjs, postForm, rawConnect, runCommand, spawnServer, waitFor, withTimeout, type SpawnedServer } from "./harness";
import { readBoard } from "../../app/board/domain";
import { getBoard } from "../../db/accounts";
import { openPostgres } from "../../db/client";

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

  it("refuses BACKUP_DIR (SQLite's file copy) with a PostgreSQL DATABASE_URL, saying why", async () => {
    const run = await runCommand("server/index.ts", [], { DATABASE_URL: databaseUrl, DATA_KEY, BACKUP_DIR: "/tmp/nope", PORT: "0" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("BACKUP_DIR");
    expect(run.stderr).toContain("pg_dump");
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

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
});
