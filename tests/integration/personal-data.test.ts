/**
 * Personal data kept out of free text, against the real server: the API's
 * 422 `personal_data` for a new request, a change, a comment (HTTP and
 * socket.io) and an import, nothing written; the acknowledged path writes
 * and records `personal_data_acknowledged` with fields and kinds, never the
 * text found (no audit row, no activity entry carries it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { readBoard } from "../../app/board/domain";
import { count } from "../../db/dialect";
import { maskIds, startTestServer, storedDocOf, type TestServer } from "./harness";

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const PHONE = "06-48213957";
const EMAIL = "fatima.haddad@example.org";
const IBAN = "NL91 ABNA 0417 1643 00";
const BSN = "123456782";

type Audit = { id: number; request_id: string | null; type: string; data: string | null; user_id: string | null };
/** The audit rows (of one type), in order, with their data as the JSON text stored. */
const audits = async (type?: string): Promise<Audit[]> => {
  const { auditEvents: a } = s.h.t;
  const rows = await s.h.q
    .select({ id: a.id, request_id: a.requestId, type: a.type, data: a.data, user_id: a.userId })
    .from(a)
    .where(type ? eq(a.type, type) : undefined)
    .orderBy(a.id);
  return rows.map((r) => ({ ...r, data: r.data == null ? null : JSON.stringify(r.data) }));
};
const requestCount = async () => (await s.h.q.select({ n: count() }).from(s.h.t.requests))[0]!.n;
const commentCount = async () => (await s.h.q.select({ n: count() }).from(s.h.t.comments))[0]!.n;
/** Every audit row's data and every activity entry, as text: what must never hold a found item. */
/** What the audit rows hold, ids masked (a random id may hold "0417"). */
const auditText = async () => maskIds(JSON.stringify((await audits()).map((a) => a.data)));

describe("personal data over the API", () => {
  it("a new request with a phone number is 422 personal_data naming field and kind, and nothing is created", async () => {
    const { boardA, cookies } = s.seed;
    const before = await requestCount();
    const cardsBefore = readBoard(await storedDocOf(s.h, boardA.id)).cards.length;
    const res = await s.api(`/api/boards/${boardA.id}/requests`, {
      cookie: cookies.memberA1,
      body: { title: "Taalmaatje gezocht", category: "taal", description: `Bel mevrouw op ${PHONE} of mail ${EMAIL}`, reference: "PD-1" },
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("personal_data");
    expect(res.body.found).toEqual([
      { field: "description", kind: "phone" },
      { field: "description", kind: "email" },
    ]);
    // The answer names where and what, never the text itself.
    expect(JSON.stringify(res.body)).not.toContain(PHONE);
    expect(await requestCount()).toBe(before);
    expect(readBoard(await storedDocOf(s.h, boardA.id)).cards).toHaveLength(cardsBefore);

    // A BSN as the "pseudonymous" reference is caught as well.
    const ref = await s.api(`/api/boards/${boardA.id}/requests`, {
      cookie: cookies.memberA1,
      body: { title: "Taalmaatje gezocht", category: "taal", reference: BSN },
    });
    expect([ref.status, ref.body.found]).toEqual([422, [{ field: "reference", kind: "bsn" }]]);
    expect(await requestCount()).toBe(before);
  });

  it("acknowledged, the request is created and the acknowledgement recorded without the text", async () => {
    const { boardA, cookies, memberA1 } = s.seed;
    const res = await s.api(`/api/boards/${boardA.id}/requests`, {
      cookie: cookies.memberA1,
      body: { title: "Taalmaatje gezocht", category: "taal", description: `Bel mevrouw op ${PHONE}`, acknowledgePersonalData: true },
    });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const acks = (await audits("personal_data_acknowledged")).filter((a) => a.request_id === id);
    expect(acks).toHaveLength(1);
    expect(acks[0].user_id).toBe(memberA1.id);
    expect(JSON.parse(acks[0].data!)).toEqual({ found: [{ field: "description", kind: "phone" }] });
    expect(await auditText()).not.toContain(PHONE);
    // The activity feed (what the board shows) has the event, kinds only.
    const feed = await s.api(`/api/boards/${boardA.id}/activity?request=${id}`, { cookie: cookies.memberA1 });
    expect(feed.status).toBe(200);
    const entry = (feed.body as any[]).find((e) => e.type === "personal_data_acknowledged");
    expect(entry?.data).toEqual({ found: [{ field: "description", kind: "phone" }] });
    expect(JSON.stringify(feed.body)).not.toContain(PHONE);
  });

  it("a change that adds personal data is 422 and leaves the card; acknowledged it is saved and recorded; other changes are not held up", async () => {
    const { boardA, cookies } = s.seed;
    const made = await s.api(`/api/boards/${boardA.id}/requests`, { cookie: cookies.memberA1, body: { title: "Fiets gezocht", category: "werk" } });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    const path = `/api/boards/${boardA.id}/requests/${id}`;

    const refused = await s.api(path, { cookie: cookies.memberA1, method: "PATCH", body: { area: "Kerkstraat 12a", description: `IBAN ${IBAN}` } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: "personal_data", found: [{ field: "description", kind: "iban" }, { field: "area", kind: "address" }] });
    const card = readBoard(await storedDocOf(s.h, boardA.id)).cards.find((c) => c.id === id)!;
    expect([card.area, card.description]).toEqual(["", ""]);

    const saved = await s.api(path, { cookie: cookies.memberA1, method: "PATCH", body: { area: "Kerkstraat 12a", acknowledgePersonalData: true } });
    expect(saved.status).toBe(200);
    expect(saved.body.card.area).toBe("Kerkstraat 12a");
    const acks = (await audits("personal_data_acknowledged")).filter((a) => a.request_id === id);
    expect(acks.map((a) => JSON.parse(a.data!))).toEqual([{ found: [{ field: "area", kind: "address" }] }]);

    // Changing only the urgency of a request that holds acknowledged personal data is not refused again.
    const urgent = await s.api(path, { cookie: cookies.memberA1, method: "PATCH", body: { urgency: "hoog" } });
    expect(urgent.status).toBe(200);
    // A body that is not a boolean true does not acknowledge.
    const notReally = await s.api(path, { cookie: cookies.memberA1, method: "PATCH", body: { title: `Bel ${PHONE}`, acknowledgePersonalData: false } });
    expect(notReally.status).toBe(422);
  });

  it("comments: 422 over HTTP and over socket.io, nothing posted; acknowledged they are posted and recorded", async () => {
    const { boardA, cookies } = s.seed;
    const made = await s.api(`/api/boards/${boardA.id}/requests`, { cookie: cookies.memberA1, body: { title: "Maatje gezocht", category: "maatje" } });
    const id = made.body.id as string;
    const path = `/api/boards/${boardA.id}/requests/${id}/comments`;
    const before = await commentCount();

    const refused = await s.api(path, { cookie: cookies.memberA2, body: { body: `Rekening: ${IBAN}` } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: "personal_data", found: [{ field: "body", kind: "iban" }] });
    expect(await commentCount()).toBe(before);

    const socket = await s.io({ cookie: cookies.memberA2, boardId: boardA.id });
    const viaSocket = await socket.timeout(10_000).emitWithAck("comment:add", { boardId: boardA.id, requestId: id, body: `mail ${EMAIL}` });
    expect(viaSocket).toMatchObject({ ok: false, error: "personal_data", found: [{ field: "body", kind: "email" }] });
    expect(await commentCount()).toBe(before);

    const ok = await socket.timeout(10_000).emitWithAck("comment:add", { boardId: boardA.id, requestId: id, body: `mail ${EMAIL}`, acknowledgePersonalData: true });
    expect(ok.ok).toBe(true);
    const okHttp = await s.api(path, { cookie: cookies.memberA2, body: { body: `Rekening: ${IBAN}`, acknowledgePersonalData: true } });
    expect(okHttp.status).toBe(201);
    expect(await commentCount()).toBe(before + 2);

    const acks = (await audits("personal_data_acknowledged")).filter((a) => a.request_id === id).map((a) => JSON.parse(a.data!));
    expect(acks).toEqual([
      { found: [{ field: "body", kind: "email" }], commentId: ok.comment.id },
      { found: [{ field: "body", kind: "iban" }], commentId: okHttp.body.id },
    ]);
    expect(await auditText()).not.toContain(EMAIL);
    expect(await auditText()).not.toContain("0417");
  });

  it("import: flagged rows in the preview; importing them is 422 until acknowledged, then recorded per request", async () => {
    const { boardA, cookies } = s.seed;
    const csv = [
      "Hulpvraag;Categorie;Omschrijving;Wijk;Referentie",
      "Taalcursus;Taal;Op niveau A2, om 10:30;Centrum;PDI-1",
      `Woning;Wonen;Gezin, tel ${PHONE};Centrum;PDI-2`,
      `Werk;Werk;Zoekt werk;Hoofdstraat 3;PDI-3`,
      `Maatje;Maatje & ontmoeting;geboren op 12-03-1987;Centrum;${BSN}`,
    ].join("\r\n");
    const upload = (query: string) =>
      fetch(`${s.url}/api/boards/${boardA.id}/import${query}`, {
        method: "POST",
        headers: { "content-type": "text/csv", origin: s.url, cookie: cookies.memberA1 },
        body: csv,
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

    const dry = await upload("?dryRun=1");
    expect(dry.status).toBe(200);
    expect(dry.body.personalData).toEqual([
      { row: 3, field: "description", kind: "phone" },
      { row: 4, field: "area", kind: "address" },
      { row: 5, field: "description", kind: "birthdate" },
      { row: 5, field: "reference", kind: "bsn" },
    ]);
    expect(dry.body.counts).toMatchObject({ rows: 4, toImport: 4, personalData: 3 });
    expect(JSON.stringify(dry.body.personalData)).not.toContain(PHONE);

    const before = await requestCount();
    const refused = await upload("");
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe("personal_data");
    expect(refused.body.found).toHaveLength(4);
    expect(await requestCount()).toBe(before);

    const done = await upload("?acknowledgePersonalData=1");
    expect(done.status).toBe(201);
    expect(done.body.created).toBe(4);
    expect(await requestCount()).toBe(before + 4);
    const ids: string[] = done.body.ids;
    const acks = (await audits("personal_data_acknowledged")).filter((a) => ids.includes(a.request_id!));
    expect(acks.map((a) => ({ request: ids.indexOf(a.request_id!), ...JSON.parse(a.data!) }))).toEqual([
      { request: 1, found: [{ field: "description", kind: "phone" }], import: done.body.importId, row: 3 },
      { request: 2, found: [{ field: "area", kind: "address" }], import: done.body.importId, row: 4 },
      { request: 3, found: [{ field: "description", kind: "birthdate" }, { field: "reference", kind: "bsn" }], import: done.body.importId, row: 5 },
    ]);
    expect(await auditText()).not.toContain(BSN);
  });
});
