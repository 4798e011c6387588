/**
 * The front door's organisation ("Voordeur", issue 15) is the creator of what
 * the public sends, and nothing else: through the real server, no request is
 * referred or handed to it, nobody is invited or added into it, and it is no
 * team's partner or anyone's home organisation. It stays listed where names
 * are shown (a card's creator).
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRONT_DOOR_ORG_KIND } from "../../app/board/front-door";
import { setFrontDoor } from "../../db/front-door";
import { first } from "../../db/dialect";
import { postForm, startTestServer, type TestServer } from "./harness";

const PARTNER = "https://partner.example";
let t: TestServer;
let frontDoorOrgId: string;
let publicRequestId: string;

beforeAll(async () => {
  t = await startTestServer();
  const { alliances, organisations, requests } = t.h.t;
  const slug = (await first(t.h.q.select({ slug: alliances.slug }).from(alliances).where(eq(alliances.id, t.seed.allianceA.id))))!.slug;
  await setFrontDoor(t.h, t.seed.allianceA.id, { enabled: true, boardId: t.seed.boardA.id, sites: [PARTNER] });
  const sent = await t.api(`/api/public/${slug}/requests`, {
    body: { kind: "request", category: "taal", text: "Ik zoek een taalcafé in de buurt", language: "nl" },
    headers: { origin: PARTNER },
  });
  expect(sent.status, JSON.stringify(sent.body)).toBe(201);
  frontDoorOrgId = (await first(
    t.h.q
      .select({ id: organisations.id })
      .from(organisations)
      .where(and(eq(organisations.allianceId, t.seed.allianceA.id), eq(organisations.kind, FRONT_DOOR_ORG_KIND))),
  ))!.id;
  publicRequestId = (await first(t.h.q.select({ id: requests.id }).from(requests).where(eq(requests.createdByOrgId, frontDoorOrgId))))!.id;
});

afterAll(async () => {
  await t?.close();
});

describe("the front door's organisation is no place for work or people", () => {
  it("a request cannot be handed or referred to it; to a real organisation it can", async () => {
    const coordinator = t.seed.cookies.coordinatorA;
    const path = `/api/boards/${t.seed.boardA.id}/requests/${publicRequestId}`;
    const handed = await t.api(`${path}/reassign`, { cookie: coordinator, body: { to: frontDoorOrgId } });
    expect(handed.status).toBe(400);
    expect(handed.body.error).toBe("unknown_organisation");

    const claimed = await t.api(`${path}/claim`, { cookie: t.seed.cookies.memberA1, body: {} });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    const referred = await t.api(`${path}/refer`, { cookie: t.seed.cookies.memberA1, body: { to: frontDoorOrgId } });
    expect(referred.status).toBe(400);
    expect(referred.body.error).toBe("unknown_organisation");
    const toPartner = await t.api(`${path}/refer`, { cookie: t.seed.cookies.memberA1, body: { to: t.seed.orgA2.id } });
    expect(toPartner.status, JSON.stringify(toPartner.body)).toBe(200);
  });

  it("nobody is invited or added into it, and it is no team's partner", async () => {
    const coordinator = t.seed.cookies.coordinatorA;
    const invited = await t.api("/api/invitations", {
      cookie: coordinator,
      body: { email: "iemand@voordeur.test", name: "Iemand", organisationId: frontDoorOrgId, role: "member" },
    });
    expect(invited.status).toBe(422);
    expect(invited.body.errors?.organisationId ?? invited.body.fields?.organisationId).toBe("unknown");

    const added = await postForm(t.url, "/beheer?_data=routes%2Fbeheer", { intent: "add-person", email: "ander@voordeur.test", name: "Ander", organisationId: frontDoorOrgId, role: "member" }, { cookie: coordinator });
    const addedBody = (await added.json()) as { ok?: boolean; errors?: Record<string, string> };
    expect(addedBody.ok).not.toBe(true);
    expect(addedBody.errors?.organisationId).toBe("unknown");

    const team = await t.api("/api/alliance/teams", { cookie: coordinator, body: { name: "Team via de deur", organisationIds: [frontDoorOrgId, t.seed.orgA1.id] } });
    expect(team.status).toBe(422);
  });

  it("stays listed where names are shown, so a card's creator has a name", async () => {
    const orgs = await t.api("/api/organisations", { cookie: t.seed.cookies.memberA1 });
    expect((orgs.body as Array<{ id: string }>).some((o) => o.id === frontDoorOrgId)).toBe(true);
  });
});
