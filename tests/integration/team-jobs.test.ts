/**
 * Teams and jobs together (issue 15, Aan de Slag), on the real server over
 * HTTP: a job that belongs to a team may be filled by a member of any of
 * the team's organisations (not the job's own), and by nobody else (403);
 * and the report counts what was done: jobs filled and done through the
 * API give the report's offered, filled and used per category and month,
 * and its matches per team, figure for figure.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { monthOf } from "../../app/board/job-report";
import { amsterdamToMs } from "../../app/board/meeting-time";
import { makeBoard, makeOrganisation, makeUser } from "../factories";
import { startTestServer, type TestServer } from "./harness";

let t: TestServer;
/** A member of a third organisation of alliance A, in the team with A2 (the job's organisation is A2). */
let memberA3: string;
let orgA3: { id: string };
let teamId: string;
let boardId: string;

beforeAll(async () => {
  t = await startTestServer({ WRITES_PER_SESSION_PER_MINUTE: "100000", REQUESTS_PER_ORG_PER_HOUR: "100000" });
  orgA3 = await makeOrganisation(t.h, { allianceId: t.seed.allianceA.id, name: "COA Noord", shortName: "COA" });
  memberA3 = await t.cookieFor((await makeUser(t.h, { organisationId: orgA3.id, email: "coa@noord.test", name: "Cas" })).id);
  const team = await t.api("/api/alliance/teams", {
    cookie: t.seed.cookies.coordinatorA,
    body: { name: "Aan de Slag Noord", organisationIds: [t.seed.orgA2.id, orgA3.id] },
  });
  expect(team.status, JSON.stringify(team.body)).toBe(201);
  teamId = team.body.id;
  boardId = (await makeBoard(t.h, { allianceId: t.seed.allianceA.id, name: "Klussen Noord" })).id;
});

afterAll(async () => {
  await t?.close();
});

async function newRequest(cookie: string, title: string, category = "werk"): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/requests`, { cookie, body: { title, category, description: "", area: "" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function newJob(cookie: string, body: Record<string, unknown>): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/jobs`, { cookie, body: { category: "werk", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const fill = (cookie: string, jobId: string, requestIds: string[]) => t.api(`/api/boards/${boardId}/jobs/${jobId}/places`, { cookie, body: { requestIds } });

describe("a team's job across organisations", () => {
  it("a member of one of the team's organisations fills and frees places of the team's job; a member of another organisation gets 403", async () => {
    const { memberA1, memberA2 } = t.seed.cookies;
    const job = await newJob(memberA2, { title: "Wijktuin Noord", places: 4, teamId });
    expect((await t.api(`/api/boards/${boardId}/jobs/${job}`, { cookie: memberA1 })).body.teamId).toBe(teamId);
    const r1 = await newRequest(memberA3, "Werk zoeken, buiten");
    const r2 = await newRequest(memberA1, "Iets doen in de wijk");
    // COA (A3) is not the job's organisation, but it is in the job's team.
    const byTeam = await fill(memberA3, job, [r1]);
    expect(byTeam.status, JSON.stringify(byTeam.body)).toBe(200);
    expect(byTeam.body.filled).toEqual([r1]);
    // A1 is in no team of this job: refused, and nothing changed.
    const outside = await fill(memberA1, job, [r2]);
    expect(outside.status).toBe(403);
    expect((await t.api(`/api/boards/${boardId}/jobs/${job}`, { cookie: memberA1 })).body.filled).toEqual([r1]);
    const freed = await t.api(`/api/boards/${boardId}/jobs/${job}/places/${r1}`, { cookie: memberA3, method: "DELETE" });
    expect(freed.status).toBe(200);
    // The same job without its team: COA may not fill it.
    const plain = await newJob(memberA2, { title: "Koffie schenken", places: 2 });
    expect((await fill(memberA3, plain, [r1])).status).toBe(403);
  });

  it("a job's team must be a team of the alliance that the creator's organisation is in (a coordinator may pick any)", async () => {
    const { memberA1, coordinatorA } = t.seed.cookies;
    const notMine = await t.api(`/api/boards/${boardId}/jobs`, { cookie: memberA1, body: { title: "Niet ons team", category: "werk", places: 2, teamId } });
    expect(notMine.status).toBe(422);
    expect(notMine.body.errors).toEqual({ teamId: "unknown" });
    const unknown = await t.api(`/api/boards/${boardId}/jobs`, { cookie: coordinatorA, body: { title: "Verzonnen team", category: "werk", places: 2, teamId: "bestaat-niet" } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual({ teamId: "unknown" });
    expect((await t.api(`/api/boards/${boardId}/jobs`, { cookie: coordinatorA, body: { title: "Team gekozen", category: "werk", places: 2, teamId } })).status).toBe(201);
  });
});

describe("the report counts what was done", () => {
  it("jobs filled and done give the report's offered, filled and used per category and month, and the matches per team", async () => {
    const { memberA1, memberA2 } = t.seed.cookies;
    const march = amsterdamToMs("2027-03-06", "10:00")!;
    const april = amsterdamToMs("2027-04-10", "14:00")!;
    // March, werk: 6 places, 4 filled (3 by the team's COA, 1 by A1), done with 3 who came.
    const garden = await newJob(memberA2, { title: "Onderhoud wijktuin", places: 6, at: march, teamId });
    const people = [await newRequest(memberA3, "Buiten werken 1"), await newRequest(memberA3, "Buiten werken 2"), await newRequest(memberA3, "Buiten werken 3")];
    expect((await fill(memberA3, garden, people)).status).toBe(200);
    const fromA1 = await newRequest(memberA1, "Buiten werken 4");
    // A1 may not fill the team's job; the job's coordinator fills A1's request.
    expect((await fill(t.seed.cookies.coordinatorA, garden, [fromA1])).status).toBe(200);
    const done = await t.api(`/api/boards/${boardId}/jobs/${garden}/done`, { cookie: memberA3, body: { attended: [people[0], people[1], fromA1] } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    // April, maatje: 3 places, 1 filled by A2 (in the team), not done yet.
    const coffee = await newJob(memberA2, { title: "Koffie-ochtend", category: "maatje", places: 3, at: april });
    const guest = await newRequest(memberA2, "Mensen ontmoeten", "maatje");
    expect((await fill(memberA2, coffee, [guest])).status).toBe(200);

    const report = await t.api(`/api/boards/${boardId}/report?from=2027-01-01&to=2027-06-30`, { cookie: memberA1 });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body.places.rows).toEqual([
      { month: monthOf(march), category: "werk", label: "Werk", offered: 6, filled: 4, used: 3 },
      { month: monthOf(april), category: "maatje", label: "Maatje & ontmoeting", offered: 3, filled: 1, used: 0 },
    ]);
    expect(report.body.places.totals).toEqual({ offered: 9, filled: 5, used: 3 });
    // Matches: the team's organisations (A2, COA) filled 3 + 1; of those 2 were used (A1's place came from the coordinator, of A1).
    expect(report.body.places.teams).toEqual([{ teamId, team: "Aan de Slag Noord", filled: 4, used: 2 }]);

    const csv = await fetch(`${t.url}/api/boards/${boardId}/report?from=2027-01-01&to=2027-06-30&format=csv`, { headers: { cookie: memberA1 } });
    const text = await csv.text();
    expect(text).toContain(`places,${monthOf(march)},werk:offered,6\r\n`);
    expect(text).toContain(`places,${monthOf(march)},werk:filled,4\r\n`);
    expect(text).toContain(`places,${monthOf(march)},werk:used,3\r\n`);
    expect(text).toContain(`places,${monthOf(april)},maatje:filled,1\r\n`);
    expect(text).toContain("team,Aan de Slag Noord,filled,4\r\n");
    expect(text).toContain("team,Aan de Slag Noord,used,2\r\n");

    // Outside the period nothing counts.
    const before = await t.api(`/api/boards/${boardId}/report?from=2028-01-01&to=2028-06-30`, { cookie: memberA1 });
    expect(before.body.places.rows).toEqual([]);
    expect(before.body.places.teams).toEqual([{ teamId, team: "Aan de Slag Noord", filled: 0, used: 0 }]);
  });
});
