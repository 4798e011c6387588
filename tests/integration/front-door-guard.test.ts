/**
 * The front door's spam defences (app/services/front-door-guard.server.ts)
 * on the real server and its database: the honeypot, the form token (fill
 * time too fast and too old, another alliance's, tampered, replayed), the
 * address budget, the daily cap (and a coordinator raising it on /beheer),
 * the proof-of-work while a flood is on (required, invalid, valid,
 * replayed), each refused with its code and status; the spam mark over
 * `POST /api/boards/<id>/requests/<id>/spam` (who may, what goes, the
 * budget shrinking); and the server's log, which holds counts and codes
 * but no address.
 *
 * The items are stored here the way the front door stores them (a
 * `front_door_items` row with the admitted address key, and a request made
 * over the API) so the guard's counts are the real ones.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { amsterdamDayBounds, leadingZeroBits, powInput } from "~/board/front-door-guard";
import { addressHourLeft, admitSubmission, formGuard, type SubmissionInput } from "~/services/front-door-guard.server";
import { and, eq } from "drizzle-orm";
import { count } from "../../db/dialect";
import { insertFrontDoorItem } from "../../db/front-door";
import { setFrontDoorDailyCap } from "../../db/front-door-guard";
import { createClock, postForm, startTestServer, type TestClock, type TestServer } from "./harness";

let t: TestServer;
let clock: TestClock;
let captured = "";
const original = console.log;

beforeAll(async () => {
  clock = createClock();
  // 10:00 in Amsterdam today, so moving the clock by a few hours stays within the day.
  clock.advance(amsterdamDayBounds(Date.now()).start + 10 * 3600_000 - Date.now());
  console.log = (...args: unknown[]) => {
    captured += args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ") + "\n";
    original(...args);
  };
  t = await startTestServer({ LOG_LEVEL: "info" }, { now: clock.now });
});

afterAll(async () => {
  console.log = original;
  await t?.close();
});

const ADDRESSES: string[] = [];
let nextAddress = 1;
/** A fresh documentation address (RFC 5737) per use; each is searched for in the log at the end. */
function address(): string {
  const a = `203.0.113.${nextAddress++}`;
  ADDRESSES.push(a);
  return a;
}

/** The daily cap of alliance A (the one whose front door is used here). */
const setCap = (cap: number) => setFrontDoorDailyCap(t.h, t.seed.allianceA.id, cap);

async function clearItems() {
  await t.h.q.delete(t.h.t.frontDoorItems);
  await setCap(200);
}

beforeEach(() => clearItems());

/** Store an admitted item as the front door does: a request on board A and its front_door_items row. */
async function store(addressKey: string, opts: { request?: boolean } = {}): Promise<{ itemId: string; requestId: string | null }> {
  const { allianceA, boardA, cookies } = t.seed;
  let requestId: string | null = null;
  if (opts.request) {
    const res = await t.api(`/api/boards/${boardA.id}/requests`, {
      cookie: cookies.memberA1,
      body: { title: "Zoekt een fiets", category: "wonen", description: "", area: "", reference: "", urgency: "normaal" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    requestId = res.body.card?.id ?? res.body.id;
  }
  const itemId = randomUUID();
  await insertFrontDoorItem(t.h, { id: itemId, allianceId: allianceA.id, boardId: boardA.id, requestId, kind: "request", language: "nl", codeHash: randomUUID(), addressKey, createdAt: clock.now() });
  return { itemId, requestId };
}

/** A form handed out now and sent `after` ms later from `from`. */
async function submitLater(from: string, after = 3_500, extra: Partial<SubmissionInput> = {}) {
  const allianceId = t.seed.allianceA.id;
  const g = await formGuard(t.services, allianceId);
  clock.advance(after);
  return { guard: g, result: await admitSubmission(t.services, { allianceId, address: from, honeypot: "", token: g.token, powSolution: undefined, ...extra }) };
}

function solve(challenge: string, difficulty: number): string {
  for (let n = 0; ; n++) {
    if (leadingZeroBits(createHash("sha256").update(powInput(challenge, String(n))).digest()) >= difficulty) return powInput(challenge, String(n));
  }
}

describe("the honeypot and the form token", () => {
  it("a filled honeypot is refused with 422 honeypot, before anything else is looked at", async () => {
    expect((await submitLater(address(), 3_500, { honeypot: "http://spam.example" })).result).toEqual({ ok: false, status: 422, code: "honeypot" });
    // Even without a token: the cheapest check comes first.
    expect((await submitLater(address(), 3_500, { honeypot: "x", token: undefined })).result).toMatchObject({ code: "honeypot" });
  });

  it("too fast (422 too_fast with Retry-After), then in time; too old and replayed (403 token_invalid)", async () => {
    const from = address();
    const fast = (await submitLater(from, 1_000));
    expect(fast.result).toEqual({ ok: false, status: 422, code: "too_fast", retryAfterSeconds: 2 });
    // The same token once the fill time has passed.
    clock.advance(2_500);
    const again = (await admitSubmission(t.services, { allianceId: t.seed.allianceA.id, address: from, honeypot: "", token: fast.guard.token, powSolution: undefined }));
    expect(again.ok).toBe(true);
    // Sent a second time: used.
    const replay = (await admitSubmission(t.services, { allianceId: t.seed.allianceA.id, address: from, honeypot: undefined, token: fast.guard.token, powSolution: undefined }));
    expect(replay).toEqual({ ok: false, status: 403, code: "token_invalid" });
    expect((await submitLater(from, 2 * 3600_000 + 1_000)).result).toEqual({ ok: false, status: 403, code: "token_invalid" });
  });

  it("no token, a made-up one, a tampered one and another alliance's: 403 token_invalid", async () => {
    const { allianceA, allianceB } = t.seed;
    const g = await formGuard(t.services, allianceA.id);
    const other = await formGuard(t.services, allianceB.id);
    clock.advance(4_000);
    const parts = g.token.split(".");
    const tampered = [parts[0], parts[1], (parseInt(parts[2], 36) - 60_000).toString(36), parts[3], parts[4]].join(".");
    for (const token of [undefined, "", "f1.x.y", tampered, other.token, other.token.replace(allianceB.id, allianceA.id)]) {
      expect((await admitSubmission(t.services, { allianceId: allianceA.id, address: address(), honeypot: "", token, powSolution: undefined })), String(token)).toEqual({
        ok: false,
        status: 403,
        code: "token_invalid",
      });
    }
  });

  it("a form shown again after a refusal keeps the first form's time", async () => {
    const allianceId = t.seed.allianceA.id;
    const first = await formGuard(t.services, allianceId);
    clock.advance(3_500);
    const again = await formGuard(t.services, allianceId, { previousToken: first.token });
    expect(again.token).not.toBe(first.token);
    expect((await admitSubmission(t.services, { allianceId, address: address(), honeypot: "", token: again.token, powSolution: undefined })).ok).toBe(true);
  });
});

describe("budgets", () => {
  it("an address: 5 an hour (429 address_budget with Retry-After), another address still gets in", async () => {
    const from = address();
    for (let i = 0; i < 5; i++) {
      const r = (await submitLater(from)).result;
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (r.ok) await store(r.addressKey);
    }
    const refused = (await submitLater(from)).result;
    expect(refused).toMatchObject({ ok: false, status: 429, code: "address_budget" });
    expect(!refused.ok && refused.retryAfterSeconds).toBeGreaterThan(3_000);
    expect(!refused.ok && refused.retryAfterSeconds).toBeLessThanOrEqual(3_600);
    expect((await submitLater(address())).result.ok).toBe(true);
    // An hour later the address has its hour again.
    clock.advance(3_600_000);
    expect((await submitLater(from)).result.ok).toBe(true);
  });

  it("the daily cap (429 daily_cap until midnight), and a coordinator raising it on /beheer", async () => {
    const { cookies } = t.seed;
    const set = (cookie: string, value: string) => postForm(t.url, "/beheer?_data=routes%2Fbeheer", { intent: "front-door-cap", frontDoorDailyCap: value }, { cookie });
    expect((await set(cookies.memberA1, "3")).status).toBe(403);
    const bad = await set(cookies.coordinatorA, "-1");
    expect(bad.status).toBe(422);
    expect((await bad.json()).errors).toEqual({ frontDoorDailyCap: "capRange" });
    // 3 with room to spare before the flood rule (80 % of the cap) asks for work: 3 items of 10 today.
    expect((await set(cookies.coordinatorA, "10")).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const r = (await submitLater(address())).result;
      expect(r.ok).toBe(true);
      if (r.ok) await store(r.addressKey);
    }
    expect((await set(cookies.coordinatorA, "3")).status).toBe(200);
    const refused = (await submitLater(address())).result;
    expect(refused).toMatchObject({ ok: false, status: 429, code: "daily_cap" });
    const untilMidnight = Math.ceil((amsterdamDayBounds(clock.now()).end - clock.now()) / 1000);
    expect(!refused.ok && refused.retryAfterSeconds).toBe(untilMidnight);
    expect((await set(cookies.coordinatorA, "200")).status).toBe(200);
    expect((await submitLater(address())).result.ok).toBe(true);
    const page = await t.api("/beheer", { cookie: cookies.coordinatorA });
    expect(page.body).toContain('id="front-door-cap"');
  });
});

describe("the proof-of-work while a flood is on", () => {
  it("off at first; on near the cap: required, invalid, valid once, not twice", async () => {
    const { allianceA } = t.seed;
    expect((await formGuard(t.services, allianceA.id)).pow).toBeNull();
    await setCap(5);
    for (let i = 0; i < 4; i++) {
      const r = (await submitLater(address())).result;
      expect(r.ok).toBe(true);
      if (r.ok) await store(r.addressKey);
    }
    // 4 of 5 taken today: the challenge is on.
    const without = (await submitLater(address()));
    expect(without.guard.pow).toMatchObject({ difficulty: 14 });
    expect(without.result).toMatchObject({ ok: false, status: 403, code: "pow_required", pow: { difficulty: 14 } });

    const g = (await submitLater(address(), 0)).guard;
    const challenge = g.pow!.challenge;
    const solved = solve(challenge, g.pow!.difficulty);
    const wrongCounter = `${challenge}:${Number(solved.split(":").pop()) + 1}`;
    const easier = challenge.replace(".14.", ".1.");
    for (const pow of [wrongCounter, solve(easier, 1), "nonsense", `${challenge}:abc`]) {
      expect((await submitLater(address(), 3_500, { powSolution: pow })).result, pow).toMatchObject({ ok: false, status: 403, code: "pow_invalid" });
    }
    expect((await submitLater(address(), 3_500, { powSolution: solved })).result.ok).toBe(true);
    expect((await submitLater(address(), 3_500, { powSolution: solved })).result).toMatchObject({ ok: false, status: 403, code: "pow_invalid" });
    // A challenge older than 15 minutes is refused too.
    const old = (await formGuard(t.services, allianceA.id)).pow!;
    const oldSolved = solve(old.challenge, old.difficulty);
    clock.advance(16 * 60_000);
    expect((await submitLater(address(), 3_500, { powSolution: oldSolved })).result).toMatchObject({ ok: false, status: 403, code: "pow_invalid" });
  });

  it("the JSON API: no form token needed, the same honeypot, and the challenge handed out with the refusal", async () => {
    const allianceId = t.seed.allianceA.id;
    const api = (extra: Partial<SubmissionInput> = {}) =>
      admitSubmission(t.services, { allianceId, address: address(), honeypot: undefined, token: undefined, powSolution: undefined, channel: "api", ...extra });
    expect((await api()).ok).toBe(true);
    expect(await api({ honeypot: "x" })).toMatchObject({ code: "honeypot" });
    // A token sent is checked all the same.
    expect(await api({ token: "f1.x.y" })).toMatchObject({ code: "token_invalid" });
    // A form without its token is still refused.
    expect((await admitSubmission(t.services, { allianceId, address: address(), honeypot: "", token: undefined, powSolution: undefined }))).toMatchObject({ code: "token_invalid" });
    await setCap(5);
    for (let i = 0; i < 4; i++) {
      const r = await api();
      expect(r.ok).toBe(true);
      if (r.ok) await store(r.addressKey);
    }
    const refused = await api();
    expect(refused).toMatchObject({ ok: false, status: 403, code: "pow_required" });
    const pow = !refused.ok ? refused.pow! : null;
    expect((await api({ powSolution: solve(pow!.challenge, pow!.difficulty) })).ok).toBe(true);
  });
});

describe("mark as spam", () => {
  it("who may, only front-door items, what goes, and the address budget shrinking", async () => {
    const { boardA, cookies, allianceA } = t.seed;
    const from = address();
    const admitted = (await submitLater(from)).result;
    expect(admitted.ok).toBe(true);
    const { itemId, requestId } = await store(admitted.ok ? admitted.addressKey : "", { request: true });
    expect((await addressHourLeft(t.services, allianceA.id, from))).toBe(4);
    const path = `/api/boards/${boardA.id}/requests/${requestId}/spam`;
    // Another organisation's member and a viewer may not; an unknown request is 404, GET 405.
    expect((await t.api(path, { cookie: cookies.memberA2, body: {} })).status).toBe(403);
    expect((await t.api(path, { cookie: cookies.viewerA, body: {} })).status).toBe(403);
    expect((await t.api(`/api/boards/${boardA.id}/requests/nope/spam`, { cookie: cookies.coordinatorA, body: {} })).status).toBe(404);
    // What the card dialog asks before it shows the button.
    expect((await t.api(path, { cookie: cookies.memberA1 })).body).toEqual({ frontDoor: true, may: true });
    expect((await t.api(path, { cookie: cookies.memberA2 })).body).toEqual({ frontDoor: true, may: false });
    expect((await t.api(path, { cookie: cookies.coordinatorA })).body).toEqual({ frontDoor: true, may: true });
    expect((await t.api(`/api/boards/${boardA.id}/requests/${boardA.cardIds[0]}/spam`, { cookie: cookies.coordinatorA })).body).toEqual({ frontDoor: false, may: false });
    expect((await t.api(path, { cookie: cookies.coordinatorA, method: "PUT", body: {} })).status).toBe(405);
    // A request staff entered is no front-door item.
    const own = await t.api(`/api/boards/${boardA.id}/requests/${boardA.cardIds[0]}/spam`, { cookie: cookies.coordinatorA, body: {} });
    expect([own.status, own.body.error]).toEqual([422, "not_front_door"]);

    // The member whose organisation it was entered under (nobody holds it).
    const res = await t.api(path, { cookie: cookies.memberA1, body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { requests, frontDoorItems, auditEvents } = t.h.t;
    expect(await t.h.q.select({ n: count() }).from(requests).where(eq(requests.id, requestId!))).toEqual([{ n: 0 }]);
    const [item] = await t.h.q.select({ r: frontDoorItems.requestId, spamAt: frontDoorItems.spamAt }).from(frontDoorItems).where(eq(frontDoorItems.id, itemId));
    expect({ r: item!.r, spam: item!.spamAt !== null }).toEqual({ r: null, spam: true });
    const audit = await t.h.q.select({ data: auditEvents.data }).from(auditEvents).where(and(eq(auditEvents.type, "front_door_spam"), eq(auditEvents.boardId, boardA.id)));
    expect(audit.map((a) => a.data)).toEqual([{}]);
    const card = await t.api(`/api/boards/${boardA.id}/requests/${requestId}`, { cookie: cookies.coordinatorA });
    expect(card.status).toBe(404);
    // One spam mark weighs 10: the address's hour is gone.
    expect((await addressHourLeft(t.services, allianceA.id, from))).toBe(0);
    expect((await submitLater(from)).result).toMatchObject({ ok: false, status: 429, code: "address_budget" });
    expect((await submitLater(address())).result.ok).toBe(true);
  });
});

describe("the log", () => {
  it("holds the refusals' codes and counts, never an address", async () => {
    // The guard logs at most once a minute: a minute on, one more refusal writes the counts.
    clock.advance(61_000);
    expect((await submitLater(address(), 3_500, { honeypot: "x" })).result.ok).toBe(false);
    expect(captured).toContain('"msg":"front door guard"');
    expect(captured).toMatch(/"honeypot":\d+/);
    for (const a of ADDRESSES) expect(captured).not.toContain(a);
    expect(ADDRESSES.length).toBeGreaterThan(20);
  });
});
