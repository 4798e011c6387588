/**
 * Offers, matching, the overview and the report over the JSON API: the
 * report's bytes carry no reference, title or description.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe("offers, matching, overview and report", () => {
  it("lets an organisation (or a coordinator) set its offers, and nobody else", async () => {
    const path = `/api/organisations/${t.seed.orgA2.id}/offers`;
    const offers = [{ category: "taal", label: "taalmaatjes vrij", capacity: 5, area: "Oost" }];
    const own = await t.api(path, { cookie: t.seed.cookies.memberA2, method: "PUT", body: { offers } });
    expect(own.status).toBe(200);
    expect(own.body).toEqual([expect.objectContaining({ category: "taal", label: "taalmaatjes vrij", capacity: 5 })]);
    expect((await t.api(path, { cookie: t.seed.cookies.memberA1, method: "PUT", body: { offers } })).status).toBe(403);
    expect((await t.api(path, { cookie: t.seed.cookies.viewerA, method: "PUT", body: { offers } })).status).toBe(403);
    expect((await t.api(path, { cookie: t.seed.cookies.memberB, method: "PUT", body: { offers } })).status).toBe(404);
    const bad = await t.api(path, { cookie: t.seed.cookies.memberA2, method: "PUT", body: { offers: [{ category: "taal", label: "", capacity: -1 }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toMatchObject({ "0.label": "required", "0.capacity": "range" });
    const coordinator = await t.api(`/api/organisations/${t.seed.orgA1.id}/offers`, {
      cookie: t.seed.cookies.coordinatorA,
      method: "PUT",
      body: [{ category: "wonen", label: "noodbedden", capacity: 2 }],
    });
    expect(coordinator.status).toBe(200);
  });

  it("ranks organisations for an open request with reasons", async () => {
    const taalCard = t.seed.boardA.cardIds[1]; // "Taalmaatje gevraagd", taal, Oost
    const res = await t.api(`/api/boards/${t.seed.boardA.id}/requests/${taalCard}/matches`, { cookie: t.seed.cookies.memberA1 });
    expect(res.status).toBe(200);
    expect(res.body[0]).toMatchObject({ organisationId: t.seed.orgA2.id, free: 5 });
    expect(res.body[0].reasons.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining(["offers", "free", "area"]));
  });

  it("gives the overview with demand against capacity", async () => {
    const res = await t.api(`/api/boards/${t.seed.boardA.id}/overview`, { cookie: t.seed.cookies.coordinatorA });
    expect(res.status).toBe(200);
    const taal = res.body.overview.perCategory.find((c: { category: string }) => c.category === "taal");
    expect(taal).toMatchObject({ open: 1, unclaimed: 1, demand: 1, capacity: 5 });
    expect(res.body.overview.totals.all).toBe(4);
  });

  it("reports a period as JSON and CSV without references or card text", async () => {
    const created = await t.api(`/api/boards/${t.seed.boardA.id}/requests`, {
      cookie: t.seed.cookies.memberA1,
      body: { title: "Zeer vertrouwelijke titel", category: "werk", description: "Privé omschrijving", reference: "QQ-1990-GEHEIM", area: "Noord" },
    });
    expect(created.status).toBe(201);
    await t.api(`/api/boards/${t.seed.boardA.id}/requests/${created.body.id}/claim`, { cookie: t.seed.cookies.memberA1, body: {} });
    const today = new Date(t.now()).toISOString().slice(0, 10);
    const from = new Date(t.now() - 30 * 86400_000).toISOString().slice(0, 10);
    for (const format of ["json", "csv"]) {
      const res = await fetch(`${t.url}/api/boards/${t.seed.boardA.id}/report?from=${from}&to=${today}&format=${format}`, {
        headers: { cookie: t.seed.cookies.coordinatorA },
      });
      expect(res.status).toBe(200);
      const bytes = await res.text();
      for (const secret of ["vertrouwelijke", "Privé", "QQ-1990", "QQ1990", "GEHEIM", "Woning gezocht", "Anna"]) {
        expect(bytes, `${format} leaks ${secret}`).not.toContain(secret);
      }
      if (format === "json") {
        const r = JSON.parse(bytes);
        expect(r.created).toBe(5);
        expect(r.byCategory.find((c: { category: string }) => c.category === "werk").total).toBe(2);
        expect(r.timeToClaim.count).toBe(1);
        expect(r.trend.length).toBeGreaterThanOrEqual(4);
      } else {
        expect(res.headers.get("content-type")).toContain("text/csv");
        expect(bytes.split("\r\n")[0]).toBe("section,key,subkey,value");
        expect(bytes).toContain("total,created,,5");
      }
    }
    const bad = await t.api(`/api/boards/${t.seed.boardA.id}/report?from=2026-13-01&to=2026-01-01`, { cookie: t.seed.cookies.coordinatorA });
    expect(bad.status).toBe(400);
    const other = await t.api(`/api/boards/${t.seed.boardA.id}/report`, { cookie: t.seed.cookies.memberB });
    expect(other.status).toBe(403);
  });
});
