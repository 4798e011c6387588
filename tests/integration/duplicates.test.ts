/**
 * Duplicates over the JSON API: the intake warning names organisation and
 * category only (checked on the response bytes), exact and household groups,
 * near-duplicates, "geen dubbel", and a merge that keeps both histories.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCard, updateCard } from "../../app/board/domain";
import { startTestServer, type TestServer } from "./harness";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const base = () => `/api/boards/${t.seed.boardA.id}`;

async function create(cookie: string, body: Record<string, unknown>) {
  return t.api(`${base()}/requests`, { cookie, body });
}

describe("duplicates", () => {
  it("warns at intake with organisation and category only, and lists exact and household groups", async () => {
    const first = await create(t.seed.cookies.memberA2, {
      title: "Taalles voor vader op dinsdag",
      category: "taal",
      description: "Geheime omschrijving van Taalhuis Noord",
      reference: "ZZ-1979-NOORD",
      area: "Noord",
    });
    expect(first.status).toBe(201);
    expect(first.body.duplicates).toEqual([]);

    // The same person, spelled differently, at another organisation, same category.
    const check = await t.api(`${base()}/requests/check`, {
      cookie: t.seed.cookies.memberA1,
      body: { reference: "zz 1979 noord", category: "taal" },
    });
    expect(check.body.duplicates).toEqual([
      expect.objectContaining({ organisation: "TH", category: "taal", sameCategory: true }),
    ]);

    const res = await fetch(`${t.url}${base()}/requests`, {
      method: "POST",
      headers: { cookie: t.seed.cookies.memberA1, origin: t.url, "content-type": "application/json" },
      body: JSON.stringify({ title: "Taalmaatje voor vader", category: "taal", description: "", reference: "ZZ-1979-NOORD", area: "" }),
    });
    expect(res.status).toBe(201);
    const bytes = await res.text();
    const second = JSON.parse(bytes);
    expect(second.duplicates).toHaveLength(1);
    expect(second.duplicates[0]).toMatchObject({ organisation: "TH", category: "taal" });
    // No other organisation's text or reference in the bytes.
    for (const secret of ["Geheime omschrijving", "Taalles voor vader op dinsdag", "ZZ-1979", "ZZ1979", first.body.id]) {
      expect(bytes).not.toContain(secret);
    }

    // The same person in another category: one household's parallel trajectories.
    const third = await create(t.seed.cookies.memberA1, {
      title: "Woning voor gezin van vier",
      category: "wonen",
      description: "",
      reference: "ZZ-1979-NOORD",
      area: "",
    });
    expect(third.status).toBe(201);

    const groups = (await t.api(`${base()}/duplicates`, { cookie: t.seed.cookies.coordinatorA })).body.groups;
    const exact = groups.find((g: { kind: string }) => g.kind === "exact");
    expect(exact.requestIds.sort()).toEqual([first.body.id, second.id].sort());
    expect(exact.categories).toEqual(["taal"]);
    const household = groups.find((g: { kind: string }) => g.kind === "household");
    expect(household.requestIds.sort()).toEqual([first.body.id, second.id, third.body.id].sort());
    expect(household.categories).toEqual(["taal", "wonen"]);

    // "Geen dubbel" quiets the exact pair; members may not decide.
    const denied = await t.api(`${base()}/duplicates/dismiss`, {
      cookie: t.seed.cookies.memberA1,
      body: { a: first.body.id, b: second.id },
    });
    expect(denied.status).toBe(403);
    const ok = await t.api(`${base()}/duplicates/dismiss`, {
      cookie: t.seed.cookies.coordinatorA,
      body: { a: first.body.id, b: second.id },
    });
    expect(ok.status).toBe(200);
    const after = (await t.api(`${base()}/duplicates`, { cookie: t.seed.cookies.coordinatorA })).body.groups;
    expect(after.find((g: { kind: string }) => g.kind === "exact")).toBeUndefined();
  });

  it("finds near-duplicates without a reference and merges them keeping both histories", async () => {
    const a = await create(t.seed.cookies.memberA1, {
      title: "Kinderfietsen voor gezin met drie kinderen",
      category: "maatje",
      description: "Drie kinderfietsen gezocht",
      area: "Zuid",
    });
    const b = await create(t.seed.cookies.memberA2, {
      title: "Kinderfietsen voor gezin met drie kids",
      category: "maatje",
      description: "Drie kinderfietsen nodig",
      area: "Zuid",
    });
    const groups = (await t.api(`${base()}/duplicates`, { cookie: t.seed.cookies.coordinatorA })).body.groups;
    const near = groups.find((g: { kind: string; requestIds: string[] }) => g.kind === "near" && g.requestIds.includes(a.body.id));
    expect(near.requestIds.sort()).toEqual([a.body.id, b.body.id].sort());

    await t.api(`${base()}/requests/${b.body.id}/comments`, { cookie: t.seed.cookies.memberA2, body: { body: "Fietsen staan klaar" } });
    const merged = await t.api(`${base()}/duplicates/merge`, {
      cookie: t.seed.cookies.coordinatorA,
      body: { into: a.body.id, from: b.body.id },
    });
    expect(merged.status).toBe(200);
    // Comments combined; both histories in the surviving request's history.
    const comments = (await t.api(`${base()}/requests/${a.body.id}/comments`, { cookie: t.seed.cookies.memberA1 })).body;
    expect(comments.map((c: { body: string }) => c.body)).toContain("Fietsen staan klaar");
    const history = (await t.api(`${base()}/activity?request=${a.body.id}`, { cookie: t.seed.cookies.memberA1 })).body;
    const types = history.map((h: { type: string; requestId: string }) => `${h.type}:${h.requestId === a.body.id ? "a" : "b"}`);
    expect(types).toEqual(expect.arrayContaining(["created:a", "created:b", "merged:a", "merged_into:b", "commented:b"]));
    // The merged card is archived on the board, not deleted.
    const card = await t.services.rooms.withDoc(t.seed.boardA.id, (doc) => getCard(doc, b.body.id));
    expect(card?.archived).toBe(true);
    // A second merge of the same card is refused.
    const again = await t.api(`${base()}/duplicates/merge`, {
      cookie: t.seed.cookies.coordinatorA,
      body: { into: a.body.id, from: b.body.id },
    });
    expect(again.status).toBe(409);
  });

  it("near pairs follow every change of a text, also when the comparison was remembered", async () => {
    const a = await create(t.seed.cookies.memberA1, {
      title: "Wasmachine voor moeder met baby",
      category: "wonen",
      description: "Een werkende wasmachine gezocht",
      area: "Oost",
    });
    const b = await create(t.seed.cookies.memberA2, {
      title: "Wasmachine voor moeder met baby's",
      category: "wonen",
      description: "Werkende wasmachine nodig",
      area: "Oost",
    });
    const pairOf = async () => {
      const groups = (await t.api(`${base()}/duplicates`, { cookie: t.seed.cookies.coordinatorA })).body.groups as Array<{ kind: string; requestIds: string[] }>;
      return groups.some((g) => g.kind === "near" && g.requestIds.includes(a.body.id) && g.requestIds.includes(b.body.id));
    };
    expect(await pairOf()).toBe(true);
    expect(await pairOf()).toBe(true);
    const retitle = (title: string) => t.services.rooms.withDoc(t.seed.boardA.id, (doc) => updateCard(doc, b.body.id, { title }, Date.now()));
    await retitle("Fietsreparatie voor zoon");
    expect(await pairOf()).toBe(false);
    await retitle("Wasmachine voor moeder met baby's");
    expect(await pairOf()).toBe(true);
    // Another area: no longer the same need.
    await t.services.rooms.withDoc(t.seed.boardA.id, (doc) => updateCard(doc, b.body.id, { area: "West" }, Date.now()));
    expect(await pairOf()).toBe(false);
  });

  it("refuses invalid input with JSON errors", async () => {
    const bad = await create(t.seed.cookies.memberA1, { title: "x", category: "onbekend" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "invalid", fields: { title: "tooShort", category: "unknown" } });
    const viewer = await create(t.seed.cookies.viewerA, { title: "Iets nieuws", category: "taal" });
    expect(viewer.status).toBe(403);
    const anon = await t.api(`${base()}/requests`, { body: { title: "Iets nieuws", category: "taal" } });
    expect(anon.status).toBe(401);
  });
});
