/**
 * Creating a request with an idempotency key (the API's `Idempotency-Key`
 * header, the new-request form's hidden `idempotencyKey`): sent again after
 * its answer was lost — a restart, a failover, the network — it is made
 * once. On SQLite and (the "postgres" project) on two app servers behind a
 * balancer, so the copies of one create reach different servers.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCard } from "../../app/board/domain";
import { countBoardRequests } from "../../db/boards";
import { createRequestWithAudit, deleteIdempotencyKeysBefore, IDEMPOTENCY_KEEP_MS } from "../../db/requests";
import { idempotencyHashes } from "../../app/services/requests.server";
import { allianceSecret } from "../../db/duplicates";
import { newBoardVia, postForm, startTestServer, type TestServer } from "./harness";
import { randomUUID } from "node:crypto";

let t: TestServer;
let member: string;
let memberA2: string;
let viewer: string;
let boardId: string;

beforeAll(async () => {
  t = await startTestServer();
  ({ memberA1: member, memberA2, viewerA: viewer } = t.seed.cookies);
  boardId = t.seed.boardA.id;
});

afterAll(async () => {
  await t?.close();
});

const body = (title: string) => ({ title, category: "taal", description: "Taalcursus gezocht, liefst 's avonds", reference: "", area: "Emmen-Centrum" });
const post = (key: string | null, b: Record<string, unknown>, cookie = member) =>
  t.api(`/api/boards/${boardId}/requests`, { cookie, body: b, headers: key === null ? {} : { "Idempotency-Key": key } });

async function requestsTitled(title: string): Promise<number> {
  const { requests, auditEvents } = t.h.t;
  const rows = await t.h.q
    .select({ id: requests.id })
    .from(requests)
    .innerJoin(auditEvents, and(eq(auditEvents.requestId, requests.id), eq(auditEvents.type, "created")))
    .where(eq(requests.boardId, boardId));
  const titles = await Promise.all(rows.map((r) => t.rooms.readDoc(boardId, (doc) => getCard(doc, r.id)?.title)));
  return titles.filter((x) => x === title).length;
}

/** What the server had committed when it was killed between the row's transaction and the board's document. */
async function storedWithoutCard(key: string, sent: Record<string, unknown>): Promise<string> {
  const id = randomUUID();
  const user = t.seed.memberA1;
  const at = Date.now();
  await createRequestWithAudit(
    t.h,
    { id, boardId, createdByUserId: user.id, createdByOrgId: t.seed.orgA1.id, reference: null, referenceKey: null, lastActivityAt: at, createdAt: at },
    { boardId, requestId: id, userId: user.id, orgId: t.seed.orgA1.id, type: "created", data: {}, createdAt: at },
    undefined,
    idempotencyHashes(await allianceSecret(t.h, t.seed.allianceA.id), user.id, boardId, key, sent),
  );
  return id;
}

describe("POST /api/boards/<id>/requests with Idempotency-Key", () => {
  it("sent twice with the same key and body: one request; the second answer is the first one's, marked replayed", async () => {
    const key = randomUUID();
    const before = await countBoardRequests(t.h, boardId);
    const first = await post(key, body("Taalmaatje voor gezin uit Eritrea"));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await post(key, body("Taalmaatje voor gezin uit Eritrea"));
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.card).toEqual(first.body.card);
    expect(await countBoardRequests(t.h, boardId)).toBe(before + 1);
    expect(await requestsTitled("Taalmaatje voor gezin uit Eritrea")).toBe(1);
    // Without a key, the same body makes a second request (the key is what says "the same one").
    const plain = await post(null, body("Taalmaatje voor gezin uit Eritrea"));
    expect(plain.status).toBe(201);
    expect(plain.body.id).not.toBe(first.body.id);
  });

  it("the same key with another body is refused 422 idempotency_key_reused, and nothing is made", async () => {
    const key = randomUUID();
    expect((await post(key, body("Fiets nodig voor werk"))).status).toBe(201);
    const before = await countBoardRequests(t.h, boardId);
    const other = await post(key, body("Fiets nodig voor school"));
    expect(other.status).toBe(422);
    expect(other.body.error).toBe("idempotency_key_reused");
    expect(await countBoardRequests(t.h, boardId)).toBe(before);
  });

  it("a key opens nothing: another alliance's member sending the same key to this board gets 404, another origin 403, and nothing is made or told", async () => {
    const key = randomUUID();
    const mine = await post(key, body("Zwemles voor twee kinderen"));
    expect(mine.status).toBe(201);
    const before = await countBoardRequests(t.h, boardId);
    const foreign = await post(key, body("Zwemles voor twee kinderen"), t.seed.cookies.memberB);
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body)).not.toContain(mine.body.id);
    const elsewhere = await t.api(`/api/boards/${boardId}/requests`, {
      cookie: member,
      body: body("Zwemles voor twee kinderen"),
      headers: { "Idempotency-Key": key, origin: "https://evil.example" },
    });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error).toBe("forbidden_origin");
    expect(JSON.stringify(elsewhere.body)).not.toContain(mine.body.id);
    expect(await countBoardRequests(t.h, boardId)).toBe(before);
  });

  it("the same key sent to another board of the alliance is another request: 422 idempotency_key_reused, nothing added there", async () => {
    const key = randomUUID();
    const sent = body("Hulp bij het invullen van formulieren");
    // Its first attempt stopped before its card, so nothing on board A answers it: the other board must not take that row's card.
    const id = await storedWithoutCard(key, sent);
    const other = await newBoardVia(t, t.seed.cookies.coordinatorA, `Tweede bord ${Date.now()}`);
    const there = await t.api(`/api/boards/${other}/requests`, { cookie: member, body: sent, headers: { "Idempotency-Key": key } });
    expect(there.status, JSON.stringify(there.body)).toBe(422);
    expect(there.body.error).toBe("idempotency_key_reused");
    expect(await t.rooms.readDoc(other, (doc) => getCard(doc, id))).toBeNull();
    expect(await countBoardRequests(t.h, other)).toBe(0);
    // On its own board it is still finished by a retry.
    const home = await post(key, sent);
    expect(home.status).toBe(201);
    expect(home.body.id).toBe(id);
  });

  it("a key is a person's own: another member's same key makes their own request", async () => {
    const key = `gedeelde-sleutel-${randomUUID()}`;
    const mine = await post(key, body("Hulp bij inschrijving huisarts"));
    const theirs = await post(key, body("Hulp bij inschrijving huisarts"), memberA2);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
  });

  it("ten copies at once (through both servers on PostgreSQL): exactly one request; each answer is it or 409 idempotency_in_progress", async () => {
    const key = randomUUID();
    const before = await countBoardRequests(t.h, boardId);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(key, body("Woning gezocht voor gezin van vijf"))));
    const made = answers.filter((a) => a.status === 201);
    const busy = answers.filter((a) => a.status === 409);
    expect(made.length + busy.length, JSON.stringify(answers.map((a) => [a.status, a.body]))).toBe(10);
    expect(made.length).toBeGreaterThanOrEqual(1);
    expect(new Set(made.map((a) => a.body.id)).size).toBe(1);
    for (const b of busy) {
      expect(b.body.error).toBe("idempotency_in_progress");
      expect(b.headers.get("retry-after")).toBe("1");
    }
    expect(await countBoardRequests(t.h, boardId)).toBe(before + 1);
    // Tried again as told: the one request.
    const later = await post(key, body("Woning gezocht voor gezin van vijf"));
    expect(later.status).toBe(201);
    expect(later.body.id).toBe(made[0].body.id);
  });

  it("a malformed key is refused 422 invalid_idempotency_key before anything is made; a viewer stays refused 403", async () => {
    const before = await countBoardRequests(t.h, boardId);
    // (An empty header counts as none, as the form's empty field does.)
    for (const key of ["x".repeat(256), "met spatie", "sleutel\u00e9", "tab\tin"]) {
      const res = await post(key, body("Ongeldige sleutel"));
      expect(res.status, JSON.stringify(key)).toBe(422);
      expect(res.body.error).toBe("invalid_idempotency_key");
    }
    expect((await post(randomUUID(), body("Als kijker"), viewer)).status).toBe(403);
    expect(await countBoardRequests(t.h, boardId)).toBe(before);
  });

  it("a first attempt that stored its row and key but stopped before its card: sent again, the card is added with that id, once", async () => {
    // What the server had committed when it was killed between the row's transaction and the board's document.
    const key = randomUUID();
    const sent = body("Begeleiding naar sollicitatiegesprek");
    const id = await storedWithoutCard(key, sent);
    expect(await t.rooms.readDoc(boardId, (doc) => getCard(doc, id))).toBeNull();
    const before = await countBoardRequests(t.h, boardId);
    const again = await post(key, sent);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.id).toBe(id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.card).toMatchObject({ id, title: "Begeleiding naar sollicitatiegesprek", category: "taal", createdByOrg: t.seed.orgA1.id });
    const third = await post(key, sent);
    expect(third.body.id).toBe(id);
    expect(await countBoardRequests(t.h, boardId)).toBe(before);
    expect(await requestsTitled("Begeleiding naar sollicitatiegesprek")).toBe(1);
  });

  it("a first attempt stopped before its card, sent again with changed text: the card is made from the text sent now, with its reference", async () => {
    const key = randomUUID();
    const id = await storedWithoutCard(key, body("Vervoer naar de huisarts"));
    const changed = { ...body("Vervoer naar de huisarts in Emmen"), reference: "VW-2026-0042" };
    const again = await post(key, changed);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.id).toBe(id);
    expect(again.body.card.title).toBe("Vervoer naar de huisarts in Emmen");
    const [row] = await t.h.q.select().from(t.h.t.requests).where(eq(t.h.t.requests.id, id));
    expect(row.reference).toBe("VW-2026-0042");
    expect(row.referenceKey).toMatch(/^[0-9a-f]{16,}$/);
    // And now that its card is on the board, the text as sent then is the request; another is refused.
    expect((await post(key, changed)).body.id).toBe(id);
    expect((await post(key, body("Vervoer naar de huisarts"))).status).toBe(422);
  });

  it("a key older than 24 hours counts no more, even before the sweep removes it", async () => {
    const key = randomUUID();
    const first = await post(key, body("Ondersteuning bij DigiD"));
    expect(first.status).toBe(201);
    await t.h.q.update(t.h.t.idempotencyKeys).set({ createdAt: Date.now() - IDEMPOTENCY_KEEP_MS - 1000 }).where(eq(t.h.t.idempotencyKeys.requestId, first.body.id));
    const later = await post(key, body("Ondersteuning bij DigiD"));
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
  });

  it("keys go after 24 hours (the hourly sweep); then the same key makes a new request", async () => {
    const key = randomUUID();
    await deleteIdempotencyKeysBefore(t.h, Date.now() - IDEMPOTENCY_KEEP_MS);
    const first = await post(key, body("Kinderopvang tijdens taalles"));
    expect(first.status).toBe(201);
    expect(await deleteIdempotencyKeysBefore(t.h, Date.now() - IDEMPOTENCY_KEEP_MS)).toBe(0);
    expect(await deleteIdempotencyKeysBefore(t.h, Date.now() + 1)).toBeGreaterThanOrEqual(1);
    const later = await post(key, body("Kinderopvang tijdens taalles"));
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
  });

  it("only hashes are stored: neither the key nor what was sent", async () => {
    const key = `persoon-amina-${randomUUID()}`;
    expect((await post(key, body("Sleutel met een naam erin"))).status).toBe(201);
    const rows = await t.h.q.select().from(t.h.t.idempotencyKeys);
    expect(JSON.stringify(rows)).not.toContain("amina");
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.keyHash) && /^[0-9a-f]{64}$/.test(r.fingerprint))).toBe(true);
  });
});

describe("the new-request form's idempotencyKey", () => {
  it("the form sent twice with its key (the first answer lost): one request, both answers name it", async () => {
    const key = randomUUID();
    const before = await countBoardRequests(t.h, boardId);
    const fields = { intent: "create", idempotencyKey: key, title: "Via het formulier, twee keer verstuurd", category: "taal" };
    const path = `/boards/${boardId}?_data=${encodeURIComponent("routes/boards.$boardId")}`;
    const a = await postForm(t.url, path, fields, { cookie: member });
    const b = await postForm(t.url, path, fields, { cookie: member });
    expect([a.status, b.status]).toEqual([200, 200]);
    const [da, db] = [await a.json(), await b.json()];
    expect(da).toMatchObject({ intent: "create", ok: true });
    expect(db.id).toBe(da.id);
    expect(await countBoardRequests(t.h, boardId)).toBe(before + 1);
    // Changed after the lost answer and sent with the same key: said, not made a second time.
    const changed = await postForm(t.url, path, { ...fields, title: "Via het formulier, daarna aangepast" }, { cookie: member });
    expect(changed.status).toBe(422);
    expect(await changed.json()).toMatchObject({ ok: false, error: "idempotency_reused", values: { title: "Via het formulier, daarna aangepast" } });
    expect(await countBoardRequests(t.h, boardId)).toBe(before + 1);
  });

  it("saved through \"Toch opslaan\" and sent again through the form's own button: the same request, one acknowledgement", async () => {
    const key = randomUUID();
    const before = await countBoardRequests(t.h, boardId);
    const path = `/boards/${boardId}?_data=${encodeURIComponent("routes/boards.$boardId")}`;
    const fields = { intent: "create", idempotencyKey: key, title: "Bellen naar 06-12345678 voor afspraak", category: "taal" };
    const refused = await postForm(t.url, path, fields, { cookie: member });
    expect(refused.status).toBe(422);
    const saved = await postForm(t.url, path, { ...fields, acknowledgePersonalData: "1" }, { cookie: member });
    expect(saved.status).toBe(200);
    const again = await postForm(t.url, path, fields, { cookie: member });
    expect(again.status).toBe(200);
    const [a, b] = [await saved.json(), await again.json()];
    expect(b.id).toBe(a.id);
    expect(await countBoardRequests(t.h, boardId)).toBe(before + 1);
    const acks = await t.h.q
      .select()
      .from(t.h.t.auditEvents)
      .where(and(eq(t.h.t.auditEvents.requestId, a.id), eq(t.h.t.auditEvents.type, "personal_data_acknowledged")));
    expect(acks).toHaveLength(1);
  });
});
