/**
 * Local teams (issue 15, Aan de Slag) over /api/alliance/teams: everyone of
 * the alliance reads them, only coordinators create, change and remove them
 * and choose how teams work; bad input is refused with its field; another
 * alliance's team or organisation is unknown. In team mode
 * `one_organisation` a team gets an organisation of its own, and a person
 * in it carries their home organisation; which teams a person acts for
 * follows the mode (`teamIdsFor`, the jobs' `userTeamIds`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { teamIdsFor } from "../../app/services/teams.server";
import { makeOrganisation, makeUser } from "../factories";
import { postForm, startTestServer, type TestServer } from "./harness";

let t: TestServer;
let coordinator: string;
let member: string;
let viewer: string;
let memberB: string;
let orgA1: { id: string };
let orgA2: { id: string };
let orgB: { id: string };

beforeAll(async () => {
  t = await startTestServer();
  ({ coordinatorA: coordinator, memberA1: member, viewerA: viewer, memberB } = t.seed.cookies);
  ({ orgA1, orgA2, orgB } = t.seed);
});

afterAll(async () => {
  await t?.close();
});

async function createTeam(body: Record<string, unknown>, cookie = coordinator) {
  return t.api("/api/alliance/teams", { cookie, body });
}

describe("teams API", () => {
  it("a coordinator creates a team: 201 with the team, listed for every role of the alliance, not for another alliance", async () => {
    const res = await createTeam({ name: "  Aan de Slag Noord ", area: "Noord", organisationIds: [orgA2.id, orgA1.id, orgA1.id] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ name: "Aan de Slag Noord", area: "Noord", organisationId: null });
    expect([...res.body.organisationIds].sort()).toEqual([orgA1.id, orgA2.id].sort());
    for (const cookie of [member, viewer, coordinator]) {
      const list = await t.api("/api/alliance/teams", { cookie });
      expect(list.status).toBe(200);
      expect(list.body.mode).toBe("across_organisations");
      expect(list.body.teams.map((x: { id: string }) => x.id)).toContain(res.body.id);
    }
    const other = await t.api("/api/alliance/teams", { cookie: memberB });
    expect(other.status).toBe(200);
    expect(other.body.teams).toEqual([]);
    expect((await t.api(`/api/alliance/teams/${res.body.id}`, { cookie: memberB })).status).toBe(404);
    expect((await t.api(`/api/alliance/teams/${res.body.id}`, { cookie: member })).body.name).toBe("Aan de Slag Noord");
  });

  it("the alliance's export carries its teams and their mode, and nothing of another alliance's", async () => {
    const own = await t.api("/api/alliance/export", { cookie: coordinator });
    expect(own.status).toBe(200);
    expect(own.body.teams.mode).toBe("across_organisations");
    expect(own.body.teams.list.map((x: { name: string }) => x.name)).toContain("Aan de Slag Noord");
    const teamB = await makeUser(t.h, { organisationId: orgB.id, email: "coord-export@zuid.test", name: "Zeger", role: "coordinator" });
    const other = await t.api("/api/alliance/export", { cookie: await t.cookieFor(teamB.id) });
    expect(other.status).toBe(200);
    expect(other.body.teams.list).toEqual([]);
  });

  it("members and viewers may not create, change or remove teams (403), anonymous 401", async () => {
    const team = (await createTeam({ name: "Rollenteam", organisationIds: [orgA1.id] })).body;
    for (const cookie of [member, viewer]) {
      expect((await createTeam({ name: "Niet van mij", organisationIds: [orgA1.id] }, cookie)).status).toBe(403);
      expect((await t.api(`/api/alliance/teams/${team.id}`, { cookie, method: "PATCH", body: { name: "Anders" } })).status).toBe(403);
      expect((await t.api(`/api/alliance/teams/${team.id}`, { cookie, method: "DELETE" })).status).toBe(403);
      expect((await t.api("/api/alliance/teams", { cookie, method: "PATCH", body: { mode: "one_organisation" } })).status).toBe(403);
    }
    expect((await t.api("/api/alliance/teams")).status).toBe(401);
    const after = await t.api(`/api/alliance/teams/${team.id}`, { cookie: coordinator });
    expect(after.body.name).toBe("Rollenteam");
    expect((await t.api("/api/alliance/teams", { cookie: coordinator })).body.mode).toBe("across_organisations");
  });

  it("bad input is refused with 422 naming each field; nothing is created", async () => {
    const before = (await t.api("/api/alliance/teams", { cookie: coordinator })).body.teams.length;
    const cases: Array<[Record<string, unknown>, Record<string, string>]> = [
      [{ organisationIds: [orgA1.id] }, { name: "required" }],
      [{ name: "X", organisationIds: [orgA1.id] }, { name: "tooShort" }],
      [{ name: "x".repeat(81), organisationIds: [orgA1.id] }, { name: "tooLong" }],
      [{ name: 12, organisationIds: [orgA1.id] }, { name: "type" }],
      [{ name: "Zonder organisaties", organisationIds: [] }, { organisationIds: "required" }],
      [{ name: "Lijst van nummers", organisationIds: [1, 2] }, { organisationIds: "type" }],
      [{ name: "Van een ander", organisationIds: [orgB.id] }, { organisationIds: "unknown" }],
      [{ name: "Verzonnen", organisationIds: ["bestaat-niet"] }, { organisationIds: "unknown" }],
      [{ name: "Te lange wijk", area: "w".repeat(81), organisationIds: [orgA1.id] }, { area: "tooLong" }],
      [{ name: "aan de slag noord", organisationIds: [orgA1.id] }, { name: "exists" }],
    ];
    for (const [body, errors] of cases) {
      const res = await createTeam(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error).toBe("invalid");
      expect(res.body.errors, JSON.stringify(body)).toEqual(errors);
    }
    expect((await t.api("/api/alliance/teams", { cookie: coordinator, method: "PATCH", body: { mode: "anders" } })).body.errors).toEqual({ mode: "unknown" });
    expect((await t.api("/api/alliance/teams", { cookie: coordinator })).body.teams.length).toBe(before);
    // Forms and text are no JSON.
    const form = await postForm(t.url, "/api/alliance/teams", { name: "Formulier", organisationIds: orgA1.id }, { cookie: coordinator });
    expect(form.status).toBe(415);
  });

  it("a coordinator renames, moves and regroups a team, and removes it; another alliance's coordinator gets 404", async () => {
    const team = (await createTeam({ name: "Wijkteam", organisationIds: [orgA1.id] })).body;
    const changed = await t.api(`/api/alliance/teams/${team.id}`, { cookie: coordinator, method: "PATCH", body: { name: "Wijkteam Oost", area: "Oost", organisationIds: [orgA2.id] } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ id: team.id, name: "Wijkteam Oost", area: "Oost", organisationIds: [orgA2.id] });
    // Only what is given changes.
    const area = await t.api(`/api/alliance/teams/${team.id}`, { cookie: coordinator, method: "PATCH", body: { area: "" } });
    expect(area.body).toMatchObject({ name: "Wijkteam Oost", area: null, organisationIds: [orgA2.id] });
    const bad = await t.api(`/api/alliance/teams/${team.id}`, { cookie: coordinator, method: "PATCH", body: { organisationIds: [orgB.id] } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual({ organisationIds: "unknown" });
    // Another alliance's coordinator: the team is unknown to them.
    const orgZ = await makeOrganisation(t.h, { allianceId: t.seed.allianceB.id, name: "Zuid Coördinatie", shortName: "ZC" });
    const coordB = await t.cookieFor((await makeUser(t.h, { organisationId: orgZ.id, email: "coord@zuid.test", name: "Zoë", role: "coordinator" })).id);
    expect((await t.api(`/api/alliance/teams/${team.id}`, { cookie: coordB, method: "PATCH", body: { name: "Gestolen" } })).status).toBe(404);
    expect((await t.api(`/api/alliance/teams/${team.id}`, { cookie: coordB, method: "DELETE" })).status).toBe(404);
    const unknown = await t.api("/api/alliance/teams/00000000-0000-4000-8000-000000000000", { cookie: coordinator, method: "DELETE" });
    expect(unknown.status).toBe(404);
    const removed = await t.api(`/api/alliance/teams/${team.id}`, { cookie: coordinator, method: "DELETE" });
    expect(removed.status).toBe(204);
    expect((await t.api(`/api/alliance/teams/${team.id}`, { cookie: coordinator })).status).toBe(404);
  });

  it("the mode decides whom a team's work belongs to: its organisations' people, or the people of its own organisation", async () => {
    const team = (await createTeam({ name: "Modusteam", organisationIds: [orgA2.id] })).body;
    const a1 = { allianceId: t.seed.allianceA.id, organisationId: orgA1.id };
    const a2 = { allianceId: t.seed.allianceA.id, organisationId: orgA2.id };
    expect(await teamIdsFor(t.services, a2)).toContain(team.id);
    expect(await teamIdsFor(t.services, a1)).not.toContain(team.id);
    const mode = await t.api("/api/alliance/teams", { cookie: coordinator, method: "PATCH", body: { mode: "one_organisation" } });
    expect(mode.status).toBe(200);
    expect(mode.body.mode).toBe("one_organisation");
    // Every team now has an organisation of its own, of kind "team", on the alliance's list.
    for (const x of mode.body.teams) expect(x.organisationId).toBeTruthy();
    const own = mode.body.teams.find((x: { id: string }) => x.id === team.id).organisationId as string;
    const orgs = (await t.api("/api/organisations", { cookie: member })).body as Array<{ id: string; name: string }>;
    expect(orgs.find((o) => o.id === own)?.name).toBe("Modusteam");
    expect(await teamIdsFor(t.services, a2)).not.toContain(team.id);
    expect(await teamIdsFor(t.services, { allianceId: t.seed.allianceA.id, organisationId: own })).toEqual([team.id]);
    // A team made in this mode gets its own organisation at once; its own organisation is no partner.
    const second = await createTeam({ name: "Tweede team", organisationIds: [orgA1.id] });
    expect(second.body.organisationId).toBeTruthy();
    expect((await createTeam({ name: "Team in team", organisationIds: [own] })).body.errors).toEqual({ organisationIds: "unknown" });
    // A person in the team's organisation, from the Taalhuis: their home organisation beside their name on /beheer.
    const person = await makeUser(t.h, { organisationId: own, email: "lid@modusteam.test", name: "Lotte Teamlid" });
    const home = await postForm(t.url, "/beheer?_data=routes%2Fbeheer", { intent: "home-org", personId: person.id, homeOrganisationId: orgA2.id }, { cookie: coordinator });
    expect(home.status).toBe(200);
    const page = await (await fetch(`${t.url}/beheer`, { headers: { cookie: coordinator } })).text();
    expect(page).toMatch(/Lotte Teamlid[\s\S]{0,400}TH/);
    const refused = await postForm(t.url, "/beheer?_data=routes%2Fbeheer", { intent: "home-org", personId: person.id, homeOrganisationId: orgB.id }, { cookie: coordinator });
    expect(refused.status).toBe(422);
    const back = await t.api("/api/alliance/teams", { cookie: coordinator, method: "PATCH", body: { mode: "across_organisations" } });
    expect(back.body.mode).toBe("across_organisations");
    expect(await teamIdsFor(t.services, a2)).toContain(team.id);
  });
});
