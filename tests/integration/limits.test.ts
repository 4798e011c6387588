/**
 * Limits against the real server: writes per session (API, page actions,
 * socket.io events), requests created per organisation per hour (counted in
 * SQL, lifted by a coordinator), connections per session (Yjs and
 * socket.io), and the reference check (viewers refused, a budget per
 * person, every check audited). First the limiter module itself.
 */
import { asc, eq } from "drizzle-orm";
import { io as ioClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addressKey,
  Backoff,
  clientAddress,
  Concurrency,
  Limiter,
  MemoryStore,
} from "../../app/services/limits.server";
import { createClock, maskIds, postForm, startTestServer, TEST_ENGINE, waitFor, withTimeout, type TestClock, type TestServer } from "./harness";

describe("the limiter module", () => {
  it("counts in a fixed window: take, peek, reset", () => {
    let now = 10_000;
    const l = new Limiter({ limit: 3, windowMs: 1000 }, new MemoryStore(), () => now);
    expect(l.peek("k").ok).toBe(true);
    expect([l.take("k").ok, l.take("k").ok, l.take("k").ok]).toEqual([true, true, true]);
    now += 400;
    const refused = l.take("k");
    expect(refused).toMatchObject({ ok: false, remaining: 0, retryAfterMs: 600 });
    expect(l.peek("other").ok).toBe(true);
    l.reset("k");
    expect(l.take("k").ok).toBe(true);
    now += 1000;
    expect(l.peek("k")).toMatchObject({ ok: true, count: 0 });
  });

  it("in a sliding window allows no burst of twice the limit across a window's edge", () => {
    let now = 900;
    const l = new Limiter({ limit: 10, windowMs: 1000, mode: "sliding" }, new MemoryStore(), () => now);
    for (let i = 0; i < 10; i++) expect(l.take("k").ok).toBe(true);
    now = 1000; // a new window: the previous one still weighs fully
    const refused = l.take("k");
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    now = 1500; // half of it has slid out: room for 5
    let allowed = 0;
    while (l.take("k").ok) allowed++;
    expect(allowed).toBe(5);
  });

  it("keeps the store bounded and sweeps expired keys", () => {
    let now = 0;
    const store = new MemoryStore({ maxKeys: 100, sweepEveryMs: 1000 });
    const l = new Limiter({ limit: 1, windowMs: 500 }, store, () => now);
    for (let i = 0; i < 250; i++) l.take(`key-${i}`);
    expect(store.size).toBe(100);
    now = 2000;
    l.take("late");
    expect(store.size).toBe(1);
  });

  it("doubles the wait after the free failures, up to the cap", () => {
    let now = 0;
    const b = new Backoff({ free: 2, baseMs: 1000, maxMs: 5000, memoryMs: 60_000 }, new MemoryStore(), new MemoryStore(), () => now);
    expect([b.fail("a"), b.fail("a"), b.fail("a"), b.fail("a"), b.fail("a"), b.fail("a")]).toEqual([0, 0, 1000, 2000, 4000, 5000]);
    expect(b.waitMs("a")).toBe(5000);
    now = 3000;
    expect(b.waitMs("a")).toBe(2000);
    expect(b.waitMs("b")).toBe(0);
  });

  it("counts open connections and gives places back", () => {
    const c = new Concurrency(2, new MemoryStore(), () => 0);
    expect([c.acquire("s"), c.acquire("s"), c.acquire("s")]).toEqual([true, true, false]);
    c.release("s");
    expect(c.acquire("s")).toBe(true);
    expect(c.acquire("t")).toBe(true);
  });

  it("counts an IPv6 client by its /64 and writes IPv4-mapped addresses as IPv4", () => {
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe(addressKey("2001:db8:1:2::9"));
    expect(addressKey("2001:db8:1:3::9")).not.toBe(addressKey("2001:db8:1:2::9"));
    expect(addressKey("127.0.0.2")).toBe("127.0.0.2");
    expect(clientAddress(new Request("http://x/"), { clientAddress: "::ffff:127.0.0.2" })).toBe("127.0.0.2");
    expect(clientAddress(new Request("http://x/"), {})).toBe("unknown");
  });
});

describe("writes per session", () => {
  let t: TestServer;
  let clock: TestClock;
  beforeAll(async () => {
    clock = createClock();
    t = await startTestServer({ WRITES_PER_SESSION_PER_MINUTE: "5" }, { now: clock.now });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers the API, page actions and socket.io events over the budget with 429 rate_limited; other sessions and reads go on", async () => {
    const board = t.seed.boardA.id;
    const card = t.seed.boardA.cardIds[0];
    const session = await t.cookieFor(t.seed.memberA1.id);
    const socket = await t.io({ cookie: session, boardId: board }); // joining is not a write
    const comment = (cookie: string, n: number) =>
      t.api(`/api/boards/${board}/requests/${card}/comments`, { cookie, body: { body: `Opmerking ${n}` } });
    for (let i = 0; i < 5; i++) expect((await comment(session, i)).status).toBe(201);

    const refused = await comment(session, 5);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: "rate_limited" });
    expect(refused.body.retryAfter).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBe(refused.body.retryAfter);

    const page = await postForm(t.url, `/boards/${board}?_data=routes%2Fboards.%24boardId`, { intent: "reference", requestId: card, reference: "AB-1" }, { cookie: session });
    expect(page.status).toBe(429);
    expect(await page.json()).toMatchObject({ error: "rate_limited" });

    const ack = await socket.timeout(10_000).emitWithAck("comment:add", { boardId: board, requestId: card, body: "via socket" });
    expect(ack).toMatchObject({ ok: false, error: "rate_limited" });

    // Reads go on, and so does another session (another tab of a colleague).
    expect((await t.api(`/api/boards/${board}/requests/${card}/comments`, { cookie: session })).status).toBe(200);
    expect((await comment(await t.cookieFor(t.seed.memberA2.id), 6)).status).toBe(201);
    // Nothing of the refused writes landed.
    const list = await t.api(`/api/boards/${board}/requests/${card}/comments`, { cookie: session });
    expect(list.body.map((c: { body: string }) => c.body).filter((b: string) => b === "Opmerking 5" || b === "via socket")).toEqual([]);

    // A minute later the session writes again. (With Redis, project "postgres", the window is a time to
    // live on Redis's clock, which the injected clock does not move: its end is checked on the memory store.)
    if (TEST_ENGINE === "postgres") return;
    clock.advance(120_000);
    expect((await comment(session, 7)).status).toBe(201);
  });
});

describe("requests created per organisation per hour", () => {
  let t: TestServer;
  let clock: TestClock;
  let n = 0;
  beforeAll(async () => {
    clock = createClock();
    t = await startTestServer({ REQUESTS_PER_ORG_PER_HOUR: "3" }, { now: clock.now });
    // The seeded requests were created just now: let them leave the hour.
    clock.advance(3601_000);
  });
  afterAll(async () => {
    await t?.close();
  });
  const create = (cookie: string) =>
    t.api(`/api/boards/${t.seed.boardA.id}/requests`, {
      cookie,
      body: { title: `Aanvraag nummer ${++n}`, category: "taal", description: "", reference: "", area: "" },
    });

  it("refuses the organisation's request over the quota with 429 quota_exceeded, counted in SQL; a coordinator lifts it", async () => {
    const anna = t.seed.cookies.memberA1;
    for (let i = 0; i < 3; i++) expect((await create(anna)).status).toBe(201);
    const refused = await create(anna);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: "quota_exceeded", limit: 3 });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // Per organisation: a colleague of the same organisation is over it too; another organisation is not.
    const colleague = await t.cookieFor(t.seed.coordinatorA.id);
    expect((await create(colleague)).status).toBe(429);
    expect((await create(t.seed.cookies.memberA2)).status).toBe(201);

    // The new-request dialog's form gets the quota as its message (the fields are fine).
    const page = await postForm(
      t.url,
      `/boards/${t.seed.boardA.id}?_data=routes%2Fboards.%24boardId`,
      { intent: "create", title: "Via het formulier", category: "taal", description: "", reference: "", area: "", urgency: "normaal" },
      { cookie: anna },
    );
    const data = await page.json();
    expect(data.ok).toBe(false);
    expect(data.errors).toMatchObject({ quota: "quota_exceeded", quotaLimit: "3" });

    // A member may not lift it; the coordinator can, over the API.
    const lift = (cookie: string, value: unknown) => t.api("/api/alliance/limits", { cookie, method: "PUT", body: { requestQuotaPerHour: value } });
    expect((await lift(anna, 50)).status).toBe(403);
    expect((await lift(colleague, 0)).status).toBe(400);
    const lifted = await lift(colleague, 5);
    expect(lifted.status).toBe(200);
    expect(lifted.body.requestQuota).toMatchObject({ perHour: 5, custom: 5, fallback: 3 });
    expect((await create(anna)).status).toBe(201);
    const overview = await t.api("/api/alliance/limits", { cookie: colleague });
    expect(overview.body.createdPastHour.find((o: { orgId: string }) => o.orgId === t.seed.orgA1.id).created).toBe(4);

    // …and on /beheer: back to the default.
    const form = await postForm(t.url, "/beheer?_data=routes%2Fbeheer", { intent: "quota", requestQuotaPerHour: "" }, { cookie: colleague });
    expect(form.status).toBe(200);
    expect((await create(anna)).status).toBe(429);
    const beheer = await (await fetch(`${t.url}/beheer`, { headers: { cookie: colleague } })).text();
    expect(beheer).toContain("Nieuwe aanvragen per organisatie per uur");

    // After the hour, the organisation creates again.
    clock.advance(3601_000);
    expect((await create(anna)).status).toBe(201);
  });

  it("counts what SQL holds, so requests created before a restart count", async () => {
    // Two requests of organisation A2 written by another process (or before a restart) in the past hour.
    const now = clock.now();
    for (let i = 0; i < 3; i++) {
      await t.h.q
        .insert(t.h.t.requests)
        .values({ id: `elders-${i}`, boardId: t.seed.boardA.id, createdByOrgId: t.seed.orgA2.id, lastActivityAt: now - 600_000, createdAt: now - 600_000 });
    }
    expect((await create(t.seed.cookies.memberA2)).status).toBe(429);
  });
});

describe("connections per session", () => {
  let t: TestServer;
  beforeAll(async () => {
    // A cap of each server on its own (SECURITY.md): on PostgreSQL, one server behind the balancer.
    t = await startTestServer({ CONNECTIONS_PER_SESSION: "2" }, { servers: 1 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("refuses the next Yjs upgrade with 429 and keeps the others working", async () => {
    const path = `/yjs/${t.seed.boardA.id}`;
    const session = await t.cookieFor(t.seed.memberA1.id);
    const first = t.raw(path, { cookie: session });
    const second = t.raw(path, { cookie: session });
    await withTimeout(Promise.all([first.opened, second.opened]), 10_000, "two sockets open");
    const third = t.raw(path, { cookie: session });
    expect(await withTimeout(third.refused, 10_000, "third refused")).toBe(429);
    await first.roundTrip();
    await second.roundTrip();
    // Another session of the same person is counted on its own.
    const other = t.raw(path, { cookie: await t.cookieFor(t.seed.memberA1.id) });
    await withTimeout(other.opened, 10_000, "other session opens");
    // A closed socket gives its place back.
    first.close();
    await first.closed;
    await waitFor(
      async () => {
        const again = t.raw(path, { cookie: session });
        const r = await Promise.race([again.opened.then(() => "open"), again.refused.then(() => "refused")]);
        if (r !== "open") again.close();
        return r === "open";
      },
      { message: "a place is free again after a close" },
    );
    await second.roundTrip();
  });

  /**
   * A socket.io connection whose transport closes while the server still
   * looks up its session (a page closed at once, a network gone): the place
   * it took after the lookup was never given back, since a socket that never
   * connected never disconnects. On PostgreSQL the lookup awaits the
   * database, so the close comes first; after a few such connections the
   * session could open none (refused with too_many_connections for a day).
   */
  it("a socket.io connection that closes while its session is looked up gives its place back", async () => {
    const session = await t.cookieFor(t.seed.memberA1.id);
    for (let i = 0; i < 6; i++) {
      const s = ioClient(t.url, { path: "/socket.io", transports: ["websocket"], extraHeaders: { cookie: session, origin: t.url }, reconnection: false, forceNew: true });
      const gone = new Promise<void>((resolve) => s.io.once("close", () => resolve()));
      // Its CONNECT goes first (the socket's own "open" listener); then its TCP connection ends, with no
      // WebSocket closing handshake to wait for (a page closed, a network gone).
      s.io.once("open", () => (s.io.engine.transport as unknown as { ws: { _socket: { end(): void } } }).ws._socket.end());
      await withTimeout(gone, 10_000, "the transport closed");
      s.close();
    }
    // Both places of the session are free: two connections open.
    const a = await t.io({ cookie: session });
    const b = await t.io({ cookie: session });
    a.close();
    b.close();
  });

  it("refuses the next socket.io connection of the session and keeps the others", async () => {
    const session = await t.cookieFor(t.seed.memberA2.id);
    const a = await t.io({ cookie: session, boardId: t.seed.boardA.id });
    await t.io({ cookie: session });
    await expect(t.io({ cookie: session })).rejects.toThrow(/too_many_connections/);
    expect(await a.timeout(10_000).emitWithAck("board:join", { boardId: t.seed.boardA.id })).toMatchObject({ ok: true });
    await t.io({ cookie: await t.cookieFor(t.seed.memberA2.id) });
    a.close();
    await waitFor(
      async () => {
        try {
          await t.io({ cookie: session });
          return true;
        } catch {
          return false;
        }
      },
      { message: "a socket.io place is free again after a disconnect" },
    );
  });
});

describe("the reference check", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ REFERENCE_CHECKS_PER_10_MINUTES: "3" });
  });
  afterAll(async () => {
    await t?.close();
  });
  const check = (cookie: string, reference: string) =>
    t.api(`/api/boards/${t.seed.boardA.id}/requests/check`, { cookie, body: { reference, category: "taal" } });

  it("refuses viewers, gives each person a small budget, and audits every check without the reference", async () => {
    const created = await t.api(`/api/boards/${t.seed.boardA.id}/requests`, {
      cookie: t.seed.cookies.memberA2,
      body: { title: "Taalcursus gezocht", category: "taal", description: "", reference: "QX-1988-ZUIDERPARK", area: "" },
    });
    expect(created.status).toBe(201);

    const viewer = await check(t.seed.cookies.viewerA, "QX-1988-ZUIDERPARK");
    expect(viewer.status).toBe(403);
    expect(JSON.stringify(viewer.body)).not.toContain("TH");

    const anna = t.seed.cookies.memberA1;
    const hit = await check(anna, "qx 1988 zuiderpark");
    expect(hit.status).toBe(200);
    expect(hit.body.duplicates).toEqual([expect.objectContaining({ organisation: "TH", category: "taal" })]);
    expect((await check(anna, "ZZ-2001-NERGENS")).body.duplicates).toEqual([]);
    expect((await check(anna, "YY-1970-ELDERS")).status).toBe(200);
    const over = await check(anna, "QX-1988-ZUIDERPARK");
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: "rate_limited" });
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(JSON.stringify(over.body)).not.toContain("TH");
    // The budget is per person: another session of Anna is over it too; a colleague is not.
    expect((await check(await t.cookieFor(t.seed.memberA1.id), "QX-1988-ZUIDERPARK")).status).toBe(429);
    expect((await check(t.seed.cookies.coordinatorA, "QX-1988-ZUIDERPARK")).status).toBe(200);

    // Audited in SQL: who, organisation, board, when, outcome; never the reference.
    const { referenceChecks } = t.h.t;
    const rows = await t.h.q.select().from(referenceChecks).where(eq(referenceChecks.userId, t.seed.memberA1.id)).orderBy(asc(referenceChecks.id));
    expect(rows.map((r) => r.outcome)).toEqual(["match", "no_match", "no_match", "rate_limited", "rate_limited"]);
    expect(rows.every((r) => r.orgId === t.seed.orgA1.id && r.boardId === t.seed.boardA.id && typeof r.createdAt === "number")).toBe(true);
    const stored = await t.h.q.select().from(referenceChecks);
    // No column a reference could be kept in, and none of it in what the columns hold. The ids are random
    // UUIDs and the times numbers, in which "1988" can occur (CI, 2026-12-06: a board id "a61988fb-…"): masked.
    for (const r of stored) expect(Object.keys(r).sort()).toEqual(["boardId", "createdAt", "id", "orgId", "outcome", "userId"]);
    const all = maskIds(JSON.stringify(stored.map(({ id: _id, createdAt: _at, ...rest }) => rest))).toLowerCase();
    for (const secret of ["qx", "1988", "zuiderpark", "nergens", "elders"]) expect(all).not.toContain(secret);
    expect(await t.h.q.select().from(referenceChecks).where(eq(referenceChecks.userId, t.seed.viewerA.id))).toEqual([]);

    // The coordinator sees how many checks each person made; a member may not.
    const overview = await t.api("/api/alliance/limits", { cookie: t.seed.cookies.coordinatorA });
    expect(overview.body.referenceChecks.find((c: { userId: string }) => c.userId === t.seed.memberA1.id)).toMatchObject({
      checks: 5,
      matches: 1,
      rateLimited: 2,
    });
    expect((await t.api("/api/alliance/limits", { cookie: anna })).status).toBe(403);
    const beheer = await (await fetch(`${t.url}/beheer`, { headers: { cookie: t.seed.cookies.coordinatorA } })).text();
    expect(beheer).toContain(`data-testid="checks-${t.seed.memberA1.email}"`);
  });
});
