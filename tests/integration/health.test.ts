/**
 * /healthz and /readyz on the real server (server/health.ts): the answers,
 * HEAD, no session and no limit needed, a database behind on its migrations
 * or closed (503 naming the check, never a secret), the 1 s cache, and
 * "draining". The SIGTERM drain itself: drain.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, waitFor, type TestServer } from "./harness";

let t: TestServer;

beforeAll(async () => {
  // A write budget of one a minute: a health check must not be counted against anything.
  t = await startTestServer({ WRITES_PER_SESSION_PER_MINUTE: "1" });
});

afterAll(async () => {
  await t?.close();
});

async function get(url: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${path}`, { redirect: "manual", ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

describe("/healthz", () => {
  it("answers 200 ok to GET and HEAD without a session, and 405 to anything else", async () => {
    const g = await get(t.url, "/healthz");
    expect(g.status).toBe(200);
    expect(g.body).toEqual({ status: "ok" });
    expect(g.headers.get("cache-control")).toBe("no-store");
    expect(g.headers.get("set-cookie")).toBeNull();
    const h = await get(t.url, "/healthz", { method: "HEAD" });
    expect(h.status).toBe(200);
    expect(h.text).toBe("");
    expect(Number(h.headers.get("content-length"))).toBe(Buffer.byteLength(JSON.stringify({ status: "ok" })));
    const p = await get(t.url, "/healthz", { method: "POST", headers: { origin: t.url } });
    expect(p.status).toBe(405);
    expect(p.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("/readyz", () => {
  it("answers 200 ready with the database and migration checks, to GET and HEAD", async () => {
    const g = await get(t.url, "/readyz");
    expect(g.status).toBe(200);
    expect(g.body).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok" } });
    const h = await get(t.url, "/readyz", { method: "HEAD" });
    expect(h.status).toBe(200);
    expect(h.text).toBe("");
  });

  it("is neither rate-limited nor counted against a session: 400 checks in a row, with and without a cookie", async () => {
    const cookie = t.seed.cookies.memberA1;
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const batch = await Promise.all([
        fetch(`${t.url}/healthz`).then((r) => r.status),
        fetch(`${t.url}/readyz`).then((r) => r.status),
        fetch(`${t.url}/healthz`, { method: "HEAD", headers: { cookie } }).then((r) => r.status),
        fetch(`${t.url}/readyz`, { method: "HEAD", headers: { cookie } }).then((r) => r.status),
      ]);
      statuses.push(...batch);
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // The session's budget of one write a minute is still whole: its first write goes through.
    const write = await t.api(`/api/boards/${t.seed.boardA.id}/requests`, {
      cookie,
      body: { title: "Na de controles", category: "wonen", description: "", reference: "", area: "" },
    });
    expect(write.status).toBe(201);
  });

  it("runs its probes at most once a second, however often it is asked", async () => {
    let runs = 0;
    const unregister = t.server.health.register("counter", () => {
      runs++;
      return "ok";
    });
    try {
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 50 }, () => get(t.url, "/readyz")));
      for (let i = 0; i < 50; i++) answers.push(await get(t.url, "/readyz"));
      const seconds = (Date.now() - started) / 1000;
      expect(answers.every((a) => a.status === 200)).toBe(true);
      // One run per started second at most (a slow machine may need more than one second for the 100).
      expect(runs).toBeGreaterThanOrEqual(1);
      expect(runs).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      console.log(`readyz: 100 answers in ${Math.round(seconds * 1000)} ms ran the probes ${runs} time(s)`);
    } finally {
      unregister();
    }
  });

  it("names a failing check with one word and never passes on what a probe said", async () => {
    const added = [
      t.server.health.register("redis", () => "redis://user:s3cret@10.0.0.5:6379 refused"),
      t.server.health.register("cache", () => {
        throw new Error("connect ECONNREFUSED redis://user:s3cret@10.0.0.5:6379");
      }),
      t.server.health.register("slow", () => "unreachable"),
    ];
    try {
      const r = await waitFor(async () => {
        const a = await get(t.url, "/readyz");
        return a.status === 503 ? a : null;
      });
      expect(r.body).toEqual({ status: "not_ready", checks: { database: "ok", migrations: "ok", redis: "error", cache: "error", slow: "unreachable" } });
      expect(r.text).not.toContain("s3cret");
    } finally {
      for (const unregister of added) unregister();
    }
    await waitFor(async () => (await get(t.url, "/readyz")).status === 200);
  });

  it("is 503 behind while a migration of db/migrations is not applied, and ready again once it is", async () => {
    const sqlite = t.verify.sqlite;
    // drizzle's table has no usable id on SQLite (SERIAL is no rowid alias): the newest row by its time.
    const last = sqlite.prepare("select rowid as r, id, hash, created_at from __drizzle_migrations order by created_at desc limit 1").get() as {
      r: number;
      id: number | null;
      hash: string;
      created_at: number;
    };
    expect(sqlite.prepare("delete from __drizzle_migrations where rowid = ?").run(last.r).changes).toBe(1);
    try {
      const r = await waitFor(async () => {
        const a = await get(t.url, "/readyz");
        return a.status === 503 ? a : null;
      });
      expect(r.body).toEqual({ status: "not_ready", checks: { database: "ok", migrations: "behind" } });
      expect(r.text).not.toContain(t.dbUrl.replace(/^file:/, ""));
      // Live all the same: nothing to restart for.
      expect((await get(t.url, "/healthz")).status).toBe(200);
    } finally {
      sqlite.prepare("insert into __drizzle_migrations (id, hash, created_at) values (?, ?, ?)").run(last.id, last.hash, last.created_at);
    }
    const back = await waitFor(async () => {
      const a = await get(t.url, "/readyz");
      return a.status === 200 ? a : null;
    });
    expect(back.body).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok" } });
  });

  it("is 503 draining once the server drains", async () => {
    const other = await startTestServer();
    try {
      expect((await get(other.url, "/readyz")).status).toBe(200);
      other.server.health.setDraining();
      const r = await get(other.url, "/readyz");
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ status: "draining" });
      expect((await get(other.url, "/healthz")).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it("is 503 unreachable when the database is closed, and /healthz stays 200", async () => {
    const other = await startTestServer();
    try {
      other.database.sqlite.close();
      const r = await waitFor(async () => {
        const a = await get(other.url, "/readyz");
        return a.status === 503 ? a : null;
      });
      expect(r.body).toEqual({ status: "not_ready", checks: { database: "unreachable", migrations: "unreachable" } });
      expect((await get(other.url, "/healthz")).body).toEqual({ status: "ok" });
    } finally {
      await other.close().catch(() => {});
    }
  });
});
