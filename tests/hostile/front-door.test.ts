/**
 * The hostile suite against the public front door (issue 15): everything an
 * unauthenticated stranger can reach without an account — the form page's
 * POST, the JSON endpoint for embedding sites and the status page — sent
 * oversized bodies, wrong types, odd slugs and codes, other origins and a
 * staff member's cookie from a foreign page. Each is refused with a clear
 * status (never a 500), nothing is stored, and no CORS header leaks to a site
 * the alliance did not list.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { count, first } from "../../db/dialect";
import { setFrontDoor } from "../../db/front-door";
import { postForm as rawPostForm, startTestServer, type TestServer } from "../integration/harness";
import { percentile, recordPart, rssSampler } from "./results";

let t: TestServer;
let slug: string;
const PARTNER = "https://partner.example";
const EVIL = "https://evil.example";

beforeAll(async () => {
  t = await startTestServer();
  const { alliances } = t.h.t;
  slug = (await first(t.h.q.select({ slug: alliances.slug }).from(alliances).where(eq(alliances.id, t.seed.allianceA.id))))!.slug;
  await setFrontDoor(t.h, t.seed.allianceA.id, { enabled: true, boardId: t.seed.boardA.id, sites: [PARTNER] });
});

// ------------------------------------------------------------------ figures for the hostile table

const figures = { attacks: 0, refused: 0, unexpectedChanges: 0, crashes: 0, times: [] as number[], notes: [] as string[] };
const rss = rssSampler();

/** Every hostile request goes through here: timed, counted, and counted as refused when it got a 4xx. */
async function attack(send: () => Promise<Response>): Promise<Response> {
  const started = performance.now();
  const res = await send();
  figures.times.push(performance.now() - started);
  figures.attacks++;
  if (res.status >= 400 && res.status < 500) figures.refused++;
  if (res.status >= 500) figures.notes.push(`a ${res.status} for ${res.url}`);
  return res;
}

/** Nothing stored since `before`: counted (for the table) and asserted. */
async function expectNothingStored(before: Stored, what: string) {
  const now = await stored();
  if (now.items !== before.items || now.requests !== before.requests) {
    figures.unexpectedChanges++;
    figures.notes.push(`${what}: stored ${JSON.stringify(before)} → ${JSON.stringify(now)}`);
  }
  expect(now, what).toEqual(before);
}

const postForm: typeof rawPostForm = (...args) => attack(() => rawPostForm(...args));

afterAll(async () => {
  if (t) {
    // The server (in this process) still answers: otherwise the part counts a crash.
    const alive = await fetch(`${t.url}/hulp/${slug}`).then((r) => r.status, () => 0);
    if (alive !== 200) {
      figures.crashes++;
      figures.notes.push(`the front door stopped answering (GET /hulp/${slug} → ${alive})`);
    }
  }
  recordPart({
    part: "front-door",
    attacks: figures.attacks,
    refused: figures.refused,
    unexpectedChanges: figures.unexpectedChanges,
    crashes: figures.crashes,
    peakRssMb: (rss.stop(), rss.peakMb()),
    p99HandleMs: percentile(figures.times, 99),
    notes: [
      "p99 over every hostile request to the public door (send to status line); peak RSS is the test process, which runs the server",
      "not refused by design: the __proto__ body (201, an ordinary item) and the preflights (answered without CORS headers)",
      ...figures.notes.slice(0, 40),
    ],
  });
  await t?.close();
});

interface Stored {
  items: number;
  requests: number;
}
/** How many front-door items and requests are stored (every alliance's). */
async function stored(): Promise<Stored> {
  const { frontDoorItems, requests } = t.h.t;
  const [items] = await t.h.q.select({ n: count() }).from(frontDoorItems);
  const [reqs] = await t.h.q.select({ n: count() }).from(requests);
  return { items: items!.n, requests: reqs!.n };
}

function api(body: string, headers: Record<string, string> = {}, path = `/api/public/${slug}/requests`) {
  return attack(() => fetch(t.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }));
}

const valid = (extra: Record<string, unknown> = {}) => ({ kind: "request", category: "taal", text: "Ik zoek taalles in de avond", language: "nl", ...extra });

describe("the public front door under attack", () => {
  it("wrong types and shapes on the JSON endpoint: 4xx with { error }, never a 500, nothing stored", async () => {
    const before = await stored();
    const bodies: unknown[] = [
      null,
      [],
      "tekst",
      42,
      { kind: 5 },
      valid({ kind: "admin" }),
      valid({ category: ["taal"] }),
      valid({ category: "../../etc/passwd" }),
      valid({ text: { $gt: "" } }),
      valid({ text: "x".repeat(50_000) }),
      valid({ text: "" }),
      valid({ language: "x".repeat(300) }),
      valid({ language: "<script>" }),
      valid({ contact: "06 12345678" }),
      valid({ contact: { name: ["a"], consent: "ja" } }),
      valid({ contact: { email: "x".repeat(400) + "@example.org", consent: true } }),
      valid({ acknowledgePersonalData: "true", text: "Bel mij op 06 12345678" }),
    ];
    for (const b of bodies) {
      const res = await api(JSON.stringify(b), { origin: PARTNER });
      expect(res.status, JSON.stringify(b).slice(-120)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(b).slice(0, 80)).toBeLessThan(500);
      const j = (await res.json()) as { error?: string };
      expect(typeof j.error).toBe("string");
    }
    // Not JSON at all, and JSON that does not parse.
    expect((await api("kind=request&text=hoi", { origin: PARTNER, "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect((await api("{ kind: request", { origin: PARTNER })).status).toBe(400);
    await expectNothingStored(before, "wrong types and shapes");
    // Extra keys aimed at prototypes are only ignored: the item is an ordinary one and no object changed.
    const polluted = await api('{"kind":"request","category":"taal","text":"Ik zoek taalles","language":"nl","__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}', { origin: PARTNER });
    expect(polluted.status).toBe(201);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(await stored()).toEqual({ items: before.items + 1, requests: before.requests + 1 });
  });

  it("an oversized body gets 413 before it is read, and nothing is stored", async () => {
    const before = await stored();
    const res = await api(JSON.stringify(valid({ text: "x".repeat(2 * 1024 * 1024) })), { origin: PARTNER });
    expect(res.status).toBe(413);
    const page = await postForm(t.url, `/hulp/${slug}`, { kind: "request", category: "taal", text: "y".repeat(2 * 1024 * 1024) });
    expect(page.status).toBe(413);
    await expectNothingStored(before, "the oversized bodies");
  });

  it("another site: no CORS headers, 403, nothing stored — also with a coordinator's cookie, which the endpoint ignores", async () => {
    const before = await stored();
    for (const origin of [EVIL, "null", `${PARTNER}.evil.example`, "http://partner.example", `${PARTNER}:8443`]) {
      const pre = await attack(() =>
        fetch(`${t.url}/api/public/${slug}/requests`, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
        }),
      );
      expect(pre.headers.get("access-control-allow-origin"), origin).toBeNull();
      const res = await api(JSON.stringify(valid()), { origin, cookie: t.seed.cookies.coordinatorA });
      expect(res.status, origin).toBe(403);
      expect(res.headers.get("access-control-allow-origin"), origin).toBeNull();
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    }
    // The listed site gets CORS without credentials.
    const ok = await fetch(`${t.url}/api/public/${slug}/requests`, { method: "OPTIONS", headers: { origin: PARTNER, "access-control-request-method": "POST" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(PARTNER);
    expect(ok.headers.get("access-control-allow-credentials")).toBeNull();
    await expectNothingStored(before, "other sites' requests");
  });

  it("the page's form from a foreign page is refused (the exemption is the JSON path alone), and staff routes stay closed cross-site", async () => {
    const before = await stored();
    const res = await postForm(t.url, `/hulp/${slug}`, { kind: "request", category: "taal", text: "Ik zoek taalles" }, { headers: { origin: EVIL } });
    expect(res.status).toBe(403);
    // A look-alike of the exempt path for a staff write does not slip through.
    const staff = await attack(() =>
      fetch(`${t.url}/api/boards/${t.seed.boardA.id}/requests`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: EVIL, cookie: t.seed.cookies.coordinatorA },
        body: JSON.stringify({ title: "Via een vreemde site", category: "taal" }),
      }),
    );
    expect(staff.status).toBe(403);
    const sneaky = await api(JSON.stringify(valid()), { origin: EVIL }, `/api/public/${slug}/requests/../../boards/${t.seed.boardA.id}/requests`);
    expect([403, 404]).toContain(sneaky.status);
    await expectNothingStored(before, "foreign pages' forms");
  });

  it("odd slugs and codes: 404 pages, never a 500; the status page is throttled before codes can be guessed", async () => {
    for (const s of ["..%2f..%2fbeheer", "x".repeat(500), "%00", "AVE-EMMEN", "<svg>", `${slug}%20`]) {
      const page = await attack(() => fetch(`${t.url}/hulp/${s}`));
      expect(page.status, s).toBe(404);
      const res = await api(JSON.stringify(valid()), {}, `/api/public/${s}/requests`);
      expect([403, 404], s).toContain(res.status);
    }
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const code = i % 3 === 0 ? "%3Cscript%3E" : i % 3 === 1 ? "A".repeat(400) : `ABCD-EFGH-${String(i).padStart(4, "0")}`;
      statuses.push((await attack(() => fetch(`${t.url}/hulp/${slug}/status/${code}`))).status);
    }
    expect(statuses.every((s) => s < 500)).toBe(true);
    expect(statuses).toContain(429);
  });
});
