/**
 * db/requests.ts, comments.ts, duplicates.ts, activity.ts, summary.ts and
 * offers.ts on the asynchronous layer, the same code on both engines:
 * SQLite (`:memory:`, through its gate) and a real PostgreSQL
 * (tests/infra/postgres.ts). Every function runs at least once and its rows
 * are read back; the races a rule decides are run with many callers at
 * once: merges of one pair either way round (its rows locked as read: one merge stands),
 * request creations of one organisation counted against a quota inside the
 * transaction (the organisation's row locked: never more than the quota),
 * and offers replaced by many callers at once (one whole list stands).
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { AsyncDb } from "../../db/client";
import { count, first } from "../../db/dialect";
import { activityByIds, activityFeed, expiredClaimsFor, latestActivityFor, movesInto } from "../../db/activity";
import { insertComment, listComments } from "../../db/comments";
import {
  allianceSecret,
  allianceSecretOrNull,
  boardDecisions,
  boardRequestKeys,
  markNotDuplicate,
  mergeRequests,
  mergedSources,
  requestsWithKey,
} from "../../db/duplicates";
import { listOffers, offersOf, replaceOffers, requestFacts } from "../../db/offers";
import {
  addAudit,
  createRequestWithAudit,
  getRequest,
  insertRequest,
  requestHistory,
  setRequestReference,
  touchRequest,
} from "../../db/requests";
import { auditAfter, boardHasHistory, lastMeetingEndMoment, requestStates } from "../../db/summary";
import { bothEngines } from "../infra/engines";

const engines = bothEngines("pg_requests");

/** An alliance with two organisations (a person each) and two boards. */
async function seed(h: AsyncDb) {
  const { t, q } = h;
  await q.insert(t.alliances).values({ id: "al", name: "A", slug: "a", matchSecret: "geheim", demo: true });
  await q.insert(t.organisations).values([
    { id: "o1", allianceId: "al", name: "Eén", shortName: "Een" },
    { id: "o2", allianceId: "al", name: "Twee", shortName: "Twee" },
  ]);
  await q.insert(t.users).values([
    { id: "u1", email: "u1@x.test", name: "Ans", passwordHash: "x", organisationId: "o1" },
    { id: "u2", email: "u2@x.test", name: "Bram", passwordHash: "x", organisationId: "o2" },
  ]);
  await q.insert(t.boards).values([
    { id: "b", allianceId: "al", name: "Bord" },
    { id: "b2", allianceId: "al", name: "Ander bord" },
  ]);
}

const row = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  boardId: "b",
  createdByUserId: "u1",
  createdByOrgId: "o1",
  lastActivityAt: 100,
  createdAt: 100,
  ...over,
});

for (const engine of ["sqlite", "postgres"] as const) {
  describe(`requests, comments, duplicates, activity, summary and offers on ${engine}`, () => {
    const h = () => engines.async(engine);

    it("requests: insert, read, reference, touch, create with audit (a refusal writes nothing), history", async () => {
      await seed(h());
      await insertRequest(h(), row("r1", { reference: "REF-1", referenceKey: "k1" }));
      const r1 = await getRequest(h(), "b", "r1");
      expect(r1).toMatchObject({ id: "r1", boardId: "b", createdByOrgId: "o1", reference: "REF-1", referenceKey: "k1", ownerOrgId: null, createdAt: 100 });
      expect(await getRequest(h(), "b2", "r1")).toBeNull();
      expect(await getRequest(h(), "b", "nope")).toBeNull();

      await setRequestReference(h(), "r1", "REF-2", "k2", 200);
      expect(await getRequest(h(), "b", "r1")).toMatchObject({ reference: "REF-2", referenceKey: "k2", lastActivityAt: 200 });
      await touchRequest(h(), "r1", 300);
      expect((await getRequest(h(), "b", "r1"))?.lastActivityAt).toBe(300);

      const audit = { boardId: "b", userId: "u1", orgId: "o1", type: "created", data: { title: "Taal" }, createdAt: 400 };
      expect(await createRequestWithAudit(h(), row("r2", { createdAt: 400 }), { ...audit, requestId: "r2" })).toBeNull();
      expect(await getRequest(h(), "b", "r2")).toMatchObject({ id: "r2", createdAt: 400 });
      // Refused inside the transaction: neither the row nor its audit.
      expect(await createRequestWithAudit(h(), row("r3"), { ...audit, requestId: "r3" }, async () => "quota" as const)).toBe("quota");
      expect(await getRequest(h(), "b", "r3")).toBeNull();
      expect(await requestHistory(h(), "r3")).toEqual([]);
      // A failing insert (the id exists) rolls back its audit row too.
      await expect(createRequestWithAudit(h(), row("r2"), { ...audit, requestId: "r2", type: "again" })).rejects.toThrow();

      await addAudit(h(), { boardId: "b", requestId: "r2", userId: "u1", orgId: "o1", type: "edited", data: { field: "title" }, createdAt: 500 });
      const history = await requestHistory(h(), "r2");
      expect(history.map((e) => e.type)).toEqual(["edited", "created"]);
      expect(history[1]).toMatchObject({ boardId: "b", requestId: "r2", userId: "u1", orgId: "o1", data: { title: "Taal" }, createdAt: 400 });
      expect(await requestHistory(h(), "r2", 1)).toHaveLength(1);
    });

    it("comments: inserted with the request's activity and an audit row, listed oldest first with names", async () => {
      await insertComment(h(), { id: "c1", requestId: "r1", boardId: "b", userId: "u1", orgId: "o1", body: "Eerste", at: 1000 });
      await insertComment(h(), { id: "c2", requestId: "r1", boardId: "b", userId: "u2", orgId: "o2", body: "Tweede", at: 1001 });
      const list = await listComments(h(), "r1");
      expect(list).toEqual([
        { id: "c1", requestId: "r1", body: "Eerste", createdAt: 1000, userId: "u1", userName: "Ans", orgId: "o1", orgName: "Een" },
        { id: "c2", requestId: "r1", body: "Tweede", createdAt: 1001, userId: "u2", userName: "Bram", orgId: "o2", orgName: "Twee" },
      ]);
      expect((await getRequest(h(), "b", "r1"))?.lastActivityAt).toBe(1001);
      expect((await requestHistory(h(), "r1")).map((e) => [e.type, e.data])).toEqual([
        ["commented", { commentId: "c2" }],
        ["commented", { commentId: "c1" }],
      ]);
      // A comment on an unknown request fails whole: no audit row is left behind.
      const before = (await activityFeed(h(), { boardId: "b", limit: 500 })).length;
      await expect(insertComment(h(), { id: "c3", requestId: "nope", boardId: "b", userId: "u1", orgId: "o1", body: "x", at: 1002 })).rejects.toThrow();
      expect((await activityFeed(h(), { boardId: "b", limit: 500 })).length).toBe(before);
    });

    it("duplicates: secret, keys, decisions, a merge (comments move, both audited), sources; a second merge is refused", async () => {
      expect(await allianceSecret(h(), "al")).toBe("geheim");
      await expect(allianceSecret(h(), "none")).rejects.toThrow();
      expect(await allianceSecretOrNull(h(), "al")).toBe("geheim");
      expect(await allianceSecretOrNull(h(), "none")).toBeNull();
      await insertRequest(h(), row("d1", { referenceKey: "same" }));
      await insertRequest(h(), row("d2", { referenceKey: "same", createdByOrgId: "o2", ownerOrgId: "o2" }));
      await insertRequest(h(), row("d3", { referenceKey: "same", boardId: "b2" }));
      expect((await requestsWithKey(h(), "b", "same")).map((r) => r.id).sort()).toEqual(["d1", "d2"]);
      const keys = await boardRequestKeys(h(), "b");
      expect(keys.find((k) => k.id === "d2")).toEqual({ id: "d2", createdByOrgId: "o2", ownerOrgId: "o2", referenceKey: "same", mergedInto: null, createdAt: 100 });

      await markNotDuplicate(h(), "b", "d2", "d1", "u1", 2000);
      await markNotDuplicate(h(), "b", "d1", "d2", "u2", 2001);
      expect(await boardDecisions(h(), "b")).toEqual([
        { boardId: "b", requestA: "d1", requestB: "d2", decision: "not_duplicate", decidedByUserId: "u2", decidedAt: 2001 },
      ]);

      await insertComment(h(), { id: "dc", requestId: "d2", boardId: "b", userId: "u2", orgId: "o2", body: "Op d2", at: 2002 });
      expect(await mergeRequests(h(), { boardId: "b", into: "d1", from: "d2", userId: "u1", orgId: "o1", at: 2003 })).toBe(true);
      expect((await listComments(h(), "d1")).map((c) => c.id)).toEqual(["dc"]);
      expect(await mergedSources(h(), "d1")).toEqual(["d2"]);
      expect((await requestsWithKey(h(), "b", "same")).map((r) => r.id)).toEqual(["d1"]);
      expect((await boardDecisions(h(), "b"))[0]).toMatchObject({ decision: "merged", decidedByUserId: "u1", decidedAt: 2003 });
      expect((await latestActivityFor(h(), "d1"))?.type).toBe("merged");
      expect((await latestActivityFor(h(), "d2"))).toMatchObject({ type: "merged_into", data: { into: "d1" } });
      expect(await mergeRequests(h(), { boardId: "b", into: "d1", from: "d2", userId: "u1", orgId: "o1", at: 2004 })).toBe(false);
      // Another board's request is unknown here.
      expect(await mergeRequests(h(), { boardId: "b", into: "d1", from: "d3", userId: "u1", orgId: "o1", at: 2004 })).toBe(false);
    });

    it("20 races: six coordinators merge the same two requests at once, either way round; exactly one merge stands", async () => {
      for (let i = 0; i < 20; i++) {
        const ids = ["a", "b"].map((x) => `m${i}${x}`);
        for (const id of ids) await insertRequest(h(), row(id));
        const tries: Array<[string, string]> = Array.from({ length: 6 }, (_, k) => (k % 2 ? [ids[1], ids[0]] : [ids[0], ids[1]]));
        // Once one stands, the other request is merged: every other merge of the pair is refused.
        const results = await Promise.all(
          tries.map(([into, from], k) => mergeRequests(h(), { boardId: "b", into, from, userId: "u1", orgId: "o1", at: 3000 + k })),
        );
        expect(results.filter(Boolean), `race ${i}`).toHaveLength(1);
        const [into, from] = tries[results.indexOf(true)];
        const merged = (await boardRequestKeys(h(), "b")).filter((k) => ids.includes(k.id)).map((k) => k.id);
        expect(merged.sort()).toEqual(ids.filter((id) => id !== from).sort());
        expect(await mergedSources(h(), into)).toEqual([from]);
        const decisions = (await boardDecisions(h(), "b")).filter((d) => ids.includes(d.requestA));
        expect(decisions).toHaveLength(1);
      }
    });

    it("30 racers create requests of one organisation against a quota of 5 counted in the transaction: exactly 5 are written", async () => {
      const { t } = h();
      await h().q.insert(t.boards).values({ id: "quota", allianceId: "al", name: "Quotum" });
      const perHour = 5;
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          createRequestWithAudit(
            h(),
            row(`q${i}`, { boardId: "quota", createdByOrgId: "o2", createdAt: 5000 + i }),
            { boardId: "quota", requestId: `q${i}`, orgId: "o2", type: "created", createdAt: 5000 + i },
            async (tx) => {
              const [n] = await tx.q.select({ n: count() }).from(tx.t.requests).where(eq(tx.t.requests.boardId, "quota"));
              return n.n >= perHour ? "quota_exceeded" : null;
            },
          ),
        ),
      );
      expect(results.filter((r) => r === null)).toHaveLength(perHour);
      expect(results.filter((r) => r === "quota_exceeded")).toHaveLength(30 - perHour);
      expect(await requestStates(h(), "quota")).toHaveLength(perHour);
      expect(await activityFeed(h(), { boardId: "quota" })).toHaveLength(perHour);
    });

    it("activity: the feed with names and filters, by ids, the latest, expired claims, moves into done columns", async () => {
      await insertRequest(h(), row("f1"));
      const base = { boardId: "b", requestId: "f1", userId: "u2", orgId: "o2" };
      await addAudit(h(), { ...base, type: "claimed", data: { org: "o2" }, createdAt: 6000 });
      await addAudit(h(), { ...base, type: "moved", data: { from: "open", to: "klaar", fromStage: "open", toStage: "done" }, createdAt: 6001 });
      await addAudit(h(), { ...base, type: "moved", data: { from: "klaar", to: "weg", fromStage: "done", toStage: "done" }, createdAt: 6002 });
      await addAudit(h(), { ...base, type: "moved", data: { from: "open", to: "bezig", fromStage: "open", toStage: "held" }, createdAt: 6003 });
      await addAudit(h(), { ...base, userId: null, type: "claim_expired", data: { org: "o2" }, createdAt: 6004 });
      await addAudit(h(), { ...base, userId: null, type: "claim_expired", data: { org: "o1" }, createdAt: 6005 });

      const feed = await activityFeed(h(), { boardId: "b", requestId: "f1" });
      expect(feed.map((e) => e.createdAt)).toEqual([6005, 6004, 6003, 6002, 6001, 6000]);
      expect(feed.at(-1)).toMatchObject({ boardId: "b", requestId: "f1", type: "claimed", data: { org: "o2" }, userId: "u2", userName: "Bram", orgId: "o2", orgName: "Twee" });
      const ids = feed.map((e) => e.id);
      expect((await activityFeed(h(), { boardId: "b", requestIds: ["f1"], afterId: ids[3], beforeId: ids[0], limit: 10 })).map((e) => e.id)).toEqual([ids[1], ids[2]]);
      expect((await activityFeed(h(), { boardId: "b", requestId: "f1", limit: 2 })).map((e) => e.id)).toEqual(ids.slice(0, 2));
      expect(await activityFeed(h(), { boardId: "b2", requestId: "f1" })).toEqual([]);
      expect((await activityByIds(h(), [ids[5], ids[0]])).map((e) => e.id)).toEqual([ids[0], ids[5]]);
      expect(await activityByIds(h(), [])).toEqual([]);
      expect((await latestActivityFor(h(), "f1"))?.id).toBe(ids[0]);
      expect(await latestActivityFor(h(), "nope")).toBeNull();

      const expired = await expiredClaimsFor(h(), "o2", 6004);
      expect(expired).toEqual([{ id: ids[1], boardId: "b", requestId: "f1", createdAt: 6004 }]);
      expect(await expiredClaimsFor(h(), "o2", 6005)).toEqual([]);

      // Into "klaar" (a done column now), or into any column that was done then ("weg").
      const moves = await movesInto(h(), "b", ["klaar"]);
      expect(moves.filter((m) => m.requestId === "f1")).toEqual([
        { requestId: "f1", at: 6001, from: "open", to: "klaar", fromStage: "open", toStage: "done" },
        { requestId: "f1", at: 6002, from: "klaar", to: "weg", fromStage: "done", toStage: "done" },
      ]);
      expect((await movesInto(h(), "b", [])).filter((m) => m.requestId === "f1").map((m) => m.at)).toEqual([6001, 6002]);
      expect((await movesInto(h(), "b", ["bezig"])).filter((m) => m.requestId === "f1").map((m) => m.at)).toEqual([6001, 6002, 6003]);
    });

    it("summary: audit after a position, history, request states, the last ended meeting's end moment", async () => {
      const { t, q } = h();
      await q.insert(t.boards).values({ id: "s", allianceId: "al", name: "Samenvatting" });
      expect(await boardHasHistory(h(), "s")).toBe(false);
      expect(await lastMeetingEndMoment(h(), "s")).toBeNull();
      await insertRequest(h(), row("s1", { boardId: "s", createdAt: 7000, lastActivityAt: 7001, ownerOrgId: "o2" }));
      await insertRequest(h(), row("s2", { boardId: "s", createdAt: 7002, lastActivityAt: 7002, mergedInto: "s1" }));
      await addAudit(h(), { boardId: "s", requestId: "s1", orgId: "o1", type: "created", data: { title: "x" }, createdAt: 7000 });
      await addAudit(h(), { boardId: "s", requestId: "s1", orgId: "o2", type: "claimed", data: { org: "o2" }, createdAt: 7001 });
      expect(await boardHasHistory(h(), "s")).toBe(true);
      const all = await auditAfter(h(), "s", 0);
      expect(all.map((e) => [e.type, e.requestId, e.orgId, e.data, e.createdAt])).toEqual([
        ["created", "s1", "o1", { title: "x" }, 7000],
        ["claimed", "s1", "o2", { org: "o2" }, 7001],
      ]);
      expect((await auditAfter(h(), "s", all[0].id)).map((e) => e.type)).toEqual(["claimed"]);
      expect((await requestStates(h(), "s")).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: "s1", ownerOrgId: "o2", createdAt: 7000, lastActivityAt: 7001, mergedInto: null },
        { id: "s2", ownerOrgId: null, createdAt: 7002, lastActivityAt: 7002, mergedInto: "s1" },
      ]);
      const meeting = (id: string, status: "planned" | "ended", endMomentId: string | null, endedAt: number | null) => ({
        id,
        boardId: "s",
        title: id,
        scheduledAt: 1,
        status,
        endMomentId,
        endedAt,
        createdAt: 1,
      });
      await q.insert(t.meetings).values([meeting("m1", "ended", "mom-1", 8000), meeting("m2", "ended", "mom-2", 9000), meeting("m3", "planned", "mom-3", null)]);
      expect(await lastMeetingEndMoment(h(), "s")).toBe("mom-2");
    });

    it("offers: replaced whole, listed per alliance and organisation; request facts with the first claim", async () => {
      await replaceOffers(h(), "o1", [
        { id: "of2", category: "wonen", label: "Kamers", capacity: 2, area: "" },
        { id: "of9", category: "taal", label: "Taalmaatjes", capacity: 5, area: "Noord" },
        { id: "of1", category: "taal", label: "Taalcafé", capacity: 8, area: "" },
      ], 10_000);
      await replaceOffers(h(), "o2", [{ id: "of3", category: "taal", label: "Les", capacity: 1, area: "" }], 10_001);
      // Per category, in the order the organisation gave (not by id: ids are random).
      expect(await offersOf(h(), "o1")).toEqual([
        { id: "of9", organisationId: "o1", category: "taal", label: "Taalmaatjes", capacity: 5, area: "Noord", position: 1, updatedAt: 10_000 },
        { id: "of1", organisationId: "o1", category: "taal", label: "Taalcafé", capacity: 8, area: "", position: 2, updatedAt: 10_000 },
        { id: "of2", organisationId: "o1", category: "wonen", label: "Kamers", capacity: 2, area: "", position: 0, updatedAt: 10_000 },
      ]);
      expect((await listOffers(h(), "al")).map((o) => o.id)).toEqual(["of9", "of1", "of2", "of3"]);
      await replaceOffers(h(), "o1", [{ id: "of4", category: "werk", label: "Stage", capacity: 3, area: "" }], 10_002);
      expect((await offersOf(h(), "o1")).map((o) => o.id)).toEqual(["of4"]);
      expect((await listOffers(h(), "al")).map((o) => [o.organisation, o.id, o.updatedAt])).toEqual([
        ["Een", "of4", 10_002],
        ["Twee", "of3", 10_001],
      ]);
      await replaceOffers(h(), "o2", [], 10_003);
      expect(await offersOf(h(), "o2")).toEqual([]);

      const { t, q } = h();
      await q.insert(t.boards).values({ id: "fx", allianceId: "al", name: "Feiten" });
      await insertRequest(h(), row("x1", { boardId: "fx", createdAt: 11_000 }));
      await insertRequest(h(), row("x2", { boardId: "fx", createdAt: 11_001, ownerOrgId: "o2", claimedAt: 11_500 }));
      await insertRequest(h(), row("x3", { boardId: "fx", createdAt: 11_002, createdByOrgId: "o2", ownerOrgId: "o1", claimedAt: 12_500 }));
      const at = (requestId: string, type: string, createdAt: number) => addAudit(h(), { boardId: "fx", requestId, orgId: "o1", type, data: {}, createdAt });
      await at("x3", "claimed", 12_000);
      await at("x3", "reassigned", 11_900);
      await at("x3", "claimed", 12_500);
      await at("x1", "commented", 11_100);
      const facts = (await requestFacts(h(), "fx")).sort((a, b) => a.id.localeCompare(b.id));
      expect(facts).toEqual([
        { id: "x1", createdByOrgId: "o1", ownerOrgId: null, createdAt: 11_000, mergedInto: null, firstClaimAt: null },
        { id: "x2", createdByOrgId: "o1", ownerOrgId: "o2", createdAt: 11_001, mergedInto: null, firstClaimAt: 11_500 },
        { id: "x3", createdByOrgId: "o2", ownerOrgId: "o1", createdAt: 11_002, mergedInto: null, firstClaimAt: 11_900 },
      ]);
    });

    it("10 callers replace one organisation's offers at once: one whole list stands, never a mix", async () => {
      const lists = Array.from({ length: 10 }, (_, i) =>
        Array.from({ length: 3 }, (_, k) => ({ id: `race-${i}-${k}`, category: `c${k}`, label: `lijst ${i}`, capacity: i, area: "" })),
      );
      await Promise.all(lists.map((list, i) => replaceOffers(h(), "o2", list, 20_000 + i)));
      const now = await offersOf(h(), "o2");
      expect(now).toHaveLength(3);
      expect(new Set(now.map((o) => o.label)).size).toBe(1);
      const [{ n }] = await h().q.select({ n: count() }).from(h().t.offers).where(eq(h().t.offers.organisationId, "o2"));
      expect(n).toBe(3);
      expect(await first(h().q.select().from(h().t.offers).where(eq(h().t.offers.id, "of3")))).toBeUndefined();
    });
  });
}
