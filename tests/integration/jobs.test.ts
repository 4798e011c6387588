/**
 * Volunteer jobs and small groups (issue 15, Aan de Slag) on the real server:
 * two organisations racing for a job's last place get exactly one winner
 * (100 trials, tally printed); a filled job that is done moves its people's
 * requests on together (the one left out stays); 409 names how many places
 * are left; a member's raw Yjs client cannot write places, filled, kind or a
 * request's job; the API's shapes and errors.
 */
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { getCard, listColumns, readBoard } from "../../app/board/domain";
import { stageOfColumn } from "../../app/board/stages";
import { makeBoard, makeUser } from "../factories";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../../db/client";
import { getJob } from "../../db/jobs";
import { seedDemo } from "../../db/seed";
import { editOn, storedContentOf, storedDocOf, waitFor, withTimeout, type TestServer, startTestServer } from "./harness";

let t: TestServer;
let coordinatorA2: string;

beforeAll(async () => {
  // The race makes hundreds of jobs and requests in a minute: the write budget and the hourly quota are not what is tested here.
  t = await startTestServer({ WRITES_PER_SESSION_PER_MINUTE: "100000", REQUESTS_PER_ORG_PER_HOUR: "100000" });
  const c2 = await makeUser(t.h, { organisationId: t.seed.orgA2.id, email: "coord2@noord.test", name: "Coen", role: "coordinator" });
  coordinatorA2 = await t.cookieFor(c2.id);
});

afterAll(async () => {
  await t?.close();
});

async function newRequest(boardId: string, cookie: string, title: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/requests`, { cookie, body: { title, category: "werk", description: "", area: "", ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function newJob(boardId: string, cookie: string, body: Record<string, unknown>): Promise<string> {
  const res = await t.api(`/api/boards/${boardId}/jobs`, { cookie, body: { category: "werk", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/**
 * A board read from the first server's live copy once it agrees with what is stored: with two servers (PostgreSQL)
 * a change answered by the other arrives here through the relay a moment later.
 */
async function liveRead<T>(boardId: string, read: (doc: Y.Doc) => T): Promise<T> {
  const agreed = await waitFor(
    async () => {
      const live = await t.services.rooms.readDoc(boardId, read);
      const stored = read(await storedDocOf(t.h, boardId));
      return JSON.stringify(live) === JSON.stringify(stored) ? { live } : null;
    },
    { message: "the first server's live copy has what is stored" },
  );
  return agreed.live;
}

const places = (boardId: string, jobId: string) => `/api/boards/${boardId}/jobs/${jobId}/places`;

describe("the last place: exactly one winner", () => {
  const TRIALS = 100;

  it(`${TRIALS} trials: two organisations fill a job's last place at once; one 200, one 409 with left 0; SQL and the document agree`, async () => {
    const { seed } = t;
    const board = await makeBoard(t.h, { allianceId: seed.allianceA.id, name: "Plaatsenrace" });
    // The job's organisation (A1, a member) and a coordinator of another organisation (A2).
    const a1 = seed.cookies.memberA1;
    const a2 = coordinatorA2;
    const tally = { a1: 0, a2: 0, both: 0, none: 0 };
    const trials: Array<{ job: string; r1: string; r2: string; winner: "a1" | "a2" }> = [];
    for (let i = 0; i < TRIALS; i++) {
      const job = await newJob(board.id, a1, { title: `Klus ${i}`, places: 2 });
      const first = await newRequest(board.id, a1, `Vooraf ${i}`);
      const pre = await t.api(places(board.id, job), { cookie: a1, body: { requestIds: [first] } });
      expect(pre.status, JSON.stringify(pre.body)).toBe(200);
      const r1 = await newRequest(board.id, a1, `Eén ${i}`);
      const r2 = await newRequest(board.id, a2, `Twee ${i}`);
      // Sent at once, in turns first: who wins is who the server hears first.
      const fill1 = () => t.api(places(board.id, job), { cookie: a1, body: { requestIds: [r1] } });
      const fill2 = () => t.api(places(board.id, job), { cookie: a2, body: { requestIds: [r2] } });
      const [x, y] = i % 2 ? await Promise.all([fill1(), fill2()]) : (await Promise.all([fill2(), fill1()])).reverse();
      const won = [x.status === 200, y.status === 200];
      if (won[0] && won[1]) tally.both++;
      else if (!won[0] && !won[1]) tally.none++;
      else {
        const winner = won[0] ? "a1" : "a2";
        tally[winner]++;
        const loser = won[0] ? y : x;
        expect(loser.status).toBe(409);
        expect(loser.body).toMatchObject({ error: "not_enough_places", left: 0 });
        trials.push({ job, r1, r2, winner });
      }
    }
    console.log(`[jobs race] ${TRIALS} trials, last place: A1 won ${tally.a1}, A2 won ${tally.a2}, both ${tally.both}, none ${tally.none}`);
    expect(tally.both).toBe(0);
    expect(tally.none).toBe(0);
    expect(tally.a1 + tally.a2).toBe(TRIALS);

    // The database (committed state) and the live document.
    const { q, t: tables } = t.h;
    for (const { job, r1, r2, winner } of trials) {
      const [row] = await q.select().from(tables.jobs).where(eq(tables.jobs.id, job));
      expect(row.filled).toBe(2);
      const active = (
        await q
          .select({ requestId: tables.jobPlaces.requestId })
          .from(tables.jobPlaces)
          .where(and(eq(tables.jobPlaces.jobId, job), isNull(tables.jobPlaces.endedAt)))
      ).map((p) => p.requestId);
      expect(active).toHaveLength(2);
      const [inJob, outside] = winner === "a1" ? [r1, r2] : [r2, r1];
      expect(active).toContain(inJob);
      expect(active).not.toContain(outside);
      await t.services.rooms.readDoc(board.id, (doc) => {
        expect(getCard(doc, job)).toMatchObject({ kind: "job", places: 2, filled: 2 });
        expect(getCard(doc, inJob)!.job).toBe(job);
        expect(getCard(doc, outside)!.job).toBe("");
      });
    }
  }, 180_000);
});

describe("a job filled and done", () => {
  it("three requests fill three of six places live; too many more names how many are left; done moves the ones who came on together, the unticked one stays", async () => {
    const { seed } = t;
    const coordinator = seed.cookies.coordinatorA;
    const board = await makeBoard(t.h, { allianceId: seed.allianceA.id, name: "Aan de Slag Noord" });
    const watcher = await t.connect(board.id, { cookie: seed.cookies.memberA2 });
    const job = await newJob(board.id, coordinator, { title: "Onderhoud wijktuin", places: 6, area: "Oost", at: "2026-12-05T09:00:00Z", durationMinutes: 180, languageLevel: "A1", physical: true });
    const [r1, r2, r3] = [
      await newRequest(board.id, seed.cookies.memberA1, "Werk buiten gezocht", { area: "Oost", languageLevel: "A2", availability: "za-ochtend za-middag" }),
      await newRequest(board.id, seed.cookies.memberA1, "Iets doen in de wijk", { area: "Oost" }),
      await newRequest(board.id, seed.cookies.memberA2, "Mensen ontmoeten", { languageLevel: "none" }),
    ];
    const more = await Promise.all([1, 2, 3, 4].map((i) => newRequest(board.id, seed.cookies.memberA2, `Nog een vraag ${i}`)));

    const filled = await t.api(places(board.id, job), { cookie: coordinator, body: { requestIds: [r1, r2, r3] } });
    expect(filled.status, JSON.stringify(filled.body)).toBe(200);
    expect(filled.body).toMatchObject({ id: job, title: "Onderhoud wijktuin", places: 6, filled: [r1, r2, r3], left: 3 });
    // The other organisation's member sees "3 van 6" and each request's job, without asking.
    await waitFor(() => getCard(watcher.doc, job)?.filled === 3, { timeout: 5000, message: "the watcher sees 3 of 6" });
    expect([r1, r2, r3].map((id) => getCard(watcher.doc, id)!.job)).toEqual([job, job, job]);

    const tooMany = await t.api(places(board.id, job), { cookie: coordinator, body: { requestIds: more } });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({ error: "not_enough_places", left: 3 });
    expect((await t.api(`/api/boards/${board.id}/jobs/${job}`, { cookie: coordinator })).body.filled).toEqual([r1, r2, r3]);

    // r3 did not come.
    const done = await t.api(`/api/boards/${board.id}/jobs/${job}/done`, { cookie: coordinator, body: { attended: [r1, r2] } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.moved.sort()).toEqual([r1, r2, job].sort());
    expect(done.body.stayed).toEqual([r3]);
    await waitFor(() => getCard(watcher.doc, r2)?.column === "afgerond", { timeout: 5000, message: "the watcher sees the group moved on" });
    const cols = listColumns(watcher.doc);
    const stage = (id: string) => stageOfColumn(cols, getCard(watcher.doc, id)!.column);
    expect([stage(r1), stage(r2), stage(job), stage(r3)]).toEqual(["done", "done", "done", "intake"]);
    expect(getCard(watcher.doc, r3)!.job).toBe("");
    expect(getCard(watcher.doc, r1)!.job).toBe(job);
    expect(getCard(watcher.doc, job)!.filled).toBe(0);

    // Audit: each person's part, the job's, and the moves.
    const { auditEvents, jobPlaces } = t.h.t;
    const types = async (id: string) => (await t.h.q.select({ type: auditEvents.type }).from(auditEvents).where(eq(auditEvents.requestId, id))).map((e) => e.type);
    expect(await types(r1)).toEqual(expect.arrayContaining(["job_joined", "job_attended", "moved"]));
    expect(await types(r3)).toEqual(expect.arrayContaining(["job_joined", "job_absent"]));
    expect(await types(r3)).not.toContain("moved");
    expect(await types(job)).toEqual(expect.arrayContaining(["created", "job_places_filled", "job_done", "moved"]));
    const places_ = await t.h.q.select().from(jobPlaces).where(eq(jobPlaces.jobId, job));
    expect(places_.map((p) => [p.requestId, p.attended]).sort()).toEqual([[r1, true], [r2, true], [r3, false]].sort());

    // Done is done: no second time, no more places.
    expect((await t.api(`/api/boards/${board.id}/jobs/${job}/done`, { cookie: coordinator, body: {} })).body.error).toBe("job_done");
    expect((await t.api(places(board.id, job), { cookie: coordinator, body: { requestIds: [more[0]] } })).body.error).toBe("job_done");
    // r3 can join another job now.
    const next = await newJob(board.id, coordinator, { title: "Fietsen repareren", places: 2 });
    expect((await t.api(places(board.id, next), { cookie: coordinator, body: { requestIds: [r3] } })).status).toBe(200);
    watcher.destroy();
  });

  it("a weekly job's occurrence done: the group moves on, the job stays with its places free", async () => {
    const { seed } = t;
    const board = await makeBoard(t.h, { allianceId: seed.allianceA.id, name: "Wekelijks" });
    const job = await newJob(board.id, seed.cookies.memberA1, { title: "Koffie-ochtend", places: 4, at: "2026-12-02T09:00:00Z", recurrence: "weekly" });
    const r = await newRequest(board.id, seed.cookies.memberA1, "Wil mensen leren kennen");
    expect((await t.api(places(board.id, job), { cookie: seed.cookies.memberA1, body: { requestIds: [r] } })).status).toBe(200);
    const done = await t.api(`/api/boards/${board.id}/jobs/${job}/done`, { cookie: seed.cookies.memberA1, body: {} });
    expect(done.status).toBe(200);
    expect(done.body.job).toMatchObject({ doneAt: null, left: 4, filled: [] });
    const [requestStage, jobStage] = await liveRead(board.id, (doc) => {
      const cols = listColumns(doc);
      return [stageOfColumn(cols, getCard(doc, r)!.column), stageOfColumn(cols, getCard(doc, job)!.column)];
    });
    expect(requestStage).toBe("done");
    expect(jobStage).not.toBe("done");
  });
});

describe("who may write places", () => {
  it("a member's raw Yjs client cannot change a job's places or filled, a card's kind or a request's job: refused, nothing stored", async () => {
    const { seed } = t;
    const board = await makeBoard(t.h, { allianceId: seed.allianceA.id, name: "Rauwe client" });
    const member = seed.cookies.memberA1;
    const job = await newJob(board.id, member, { title: "Eigen klus", places: 2 });
    const r = await newRequest(board.id, member, "Eigen vraag");
    expect((await t.api(places(board.id, job), { cookie: member, body: { requestIds: [r] } })).status).toBe(200);
    // Someone stays on the board, so the room is not unloaded (and compacted) between the attempts.
    const keeper = await t.connect(board.id, { cookie: seed.cookies.memberA2 });
    const attempts: Array<[string, string, unknown]> = [
      [job, "filled", 0],
      [job, "places", 20],
      [job, "kind", "request"],
      [r, "job", ""],
      [r, "kind", "job"],
    ];
    for (const [id, key, value] of attempts) {
      const raw = await t.syncedRaw(member, board.id);
      // The content, not the bytes: the member's connection may be the last on the board on its server, whose room then unloads and compacts.
      const before = await storedContentOf(t.h, board.id);
      raw.sendUpdate(editOn(raw.doc, (d) => d.getMap<Y.Map<unknown>>("cards").get(id)!.set(key, value)));
      const closed = await withTimeout(raw.closed, 10_000, `refused ${key}`);
      expect(closed.code, `${key} of ${id === job ? "the job" : "the request"}`).toBe(4403);
      expect((await storedContentOf(t.h, board.id)).equals(before), `nothing of ${key} stored`).toBe(true);
    }
    await t.services.rooms.readDoc(board.id, (doc) => {
      expect(getCard(doc, job)).toMatchObject({ kind: "job", places: 2, filled: 1 });
      expect(getCard(doc, r)).toMatchObject({ kind: "request", job });
    });
    // The fields people do edit go through: the job's organisation changes what it asks.
    const raw = await t.syncedRaw(member, board.id);
    raw.sendUpdate(editOn(raw.doc, (d) => d.getMap<Y.Map<unknown>>("cards").get(job)!.set("asks", "Stevige schoenen")));
    await raw.roundTrip();
    expect(await liveRead(board.id, (doc) => getCard(doc, job)!.asks)).toBe("Stevige schoenen");
    raw.close();
    keeper.destroy();
  });

  it("a member of another organisation may not fill, free or finish a job; a viewer may not create one; another alliance's member gets 404", async () => {
    const { seed } = t;
    const board = await makeBoard(t.h, { allianceId: seed.allianceA.id, name: "Rechten" });
    const job = await newJob(board.id, seed.cookies.memberA1, { title: "Klus van VWN", places: 3 });
    const r = await newRequest(board.id, seed.cookies.memberA2, "Vraag van TH");
    expect((await t.api(places(board.id, job), { cookie: seed.cookies.memberA2, body: { requestIds: [r] } })).status).toBe(403);
    expect((await t.api(places(board.id, job), { cookie: seed.cookies.viewerA, body: { requestIds: [r] } })).status).toBe(403);
    expect((await t.api(`/api/boards/${board.id}/jobs`, { cookie: seed.cookies.viewerA, body: { title: "Kijker", category: "werk", places: 1 } })).status).toBe(403);
    expect((await t.api(places(board.id, job), { cookie: seed.cookies.memberB, body: { requestIds: [r] } })).status).toBe(404);
    // TH's request is not held by anyone: VWN, the job's organisation, may put it in.
    expect((await t.api(places(board.id, job), { cookie: seed.cookies.memberA1, body: { requestIds: [r] } })).status).toBe(200);
    expect((await t.api(`${places(board.id, job)}/${r}`, { cookie: seed.cookies.memberA2, method: "DELETE" })).status).toBe(403);
    expect((await t.api(`/api/boards/${board.id}/jobs/${job}/done`, { cookie: seed.cookies.memberA2, body: {} })).status).toBe(403);
    // A request another organisation holds goes in only by a coordinator.
    const held = await newRequest(board.id, seed.cookies.memberA2, "Vastgehouden vraag");
    expect((await t.api(`/api/boards/${board.id}/requests/${held}/claim`, { cookie: seed.cookies.memberA2, body: {} })).status).toBe(200);
    const refused = await t.api(places(board.id, job), { cookie: seed.cookies.memberA1, body: { requestIds: [held] } });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: "held_elsewhere", requestIds: [held] });
    expect((await t.api(places(board.id, job), { cookie: seed.cookies.coordinatorA, body: { requestIds: [held] } })).status).toBe(200);
  });
});

describe("the jobs API", () => {
  it("creates with field errors, reads, fills, frees, refuses a request in two jobs or a job as a person, and suggests with reasons", async () => {
    const { seed } = t;
    const c = seed.cookies.coordinatorA;
    const board = await makeBoard(t.h, { allianceId: seed.allianceA.id, name: "API-vorm" });
    const bad = await t.api(`/api/boards/${board.id}/jobs`, { cookie: c, body: { title: "x", category: "onbekend", places: 0, at: "gisteren", languageLevel: "C2", recurrence: "dagelijks" } });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({
      error: "invalid",
      errors: { title: "tooShort", category: "unknown", places: "range", at: "pattern", languageLevel: "unknown", recurrence: "unknown" },
    });
    expect((await t.api(`/api/boards/${board.id}/jobs`, { cookie: c, body: { title: "Zonder plaatsen", category: "werk" } })).body.errors).toEqual({ places: "required" });

    const job = await newJob(board.id, c, { title: "Onderhoud wijktuin", places: 6, at: "2026-12-05T09:00:00Z", durationMinutes: 180, area: "Oost", description: "Snoeien en harken", languageLevel: "A2" });
    const got = await t.api(`/api/boards/${board.id}/jobs/${job}`, { cookie: seed.cookies.memberA2 });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      id: job,
      title: "Onderhoud wijktuin",
      category: "werk",
      places: 6,
      filled: [],
      left: 6,
      at: Date.parse("2026-12-05T09:00:00Z"),
      recurrence: "once",
      durationMinutes: 180,
      area: "Oost",
      description: "Snoeien en harken",
      languageLevel: "A2",
      physical: false,
      asks: "",
      organisation: { id: seed.orgA1.id, name: seed.orgA1.shortName },
      teamId: null,
      doneAt: null,
      column: "nieuw",
      mayFill: false,
    });
    expect((await t.api(`/api/boards/${board.id}/jobs/onbekend`, { cookie: c })).status).toBe(404);
    expect((await t.api(`/api/boards/${board.id}/jobs/${job}`, { cookie: seed.cookies.memberB })).status).toBe(404);

    // Suggestions: same category, area, level and Saturday morning first; below the level last, with its warning.
    const best = await newRequest(board.id, seed.cookies.memberA1, "Buiten werken", { area: "oost", languageLevel: "B1+", availability: "za-ochtend za-middag" });
    const meet = (await t.api(`/api/boards/${board.id}/requests`, { cookie: seed.cookies.memberA2, body: { title: "Mensen ontmoeten", category: "maatje", area: "West" } })).body.id as string;
    const low = await newRequest(board.id, seed.cookies.memberA1, "Werk met weinig Nederlands", { languageLevel: "A1", availability: "ma-avond" });
    const housing = (await t.api(`/api/boards/${board.id}/requests`, { cookie: seed.cookies.memberA1, body: { title: "Woning gezocht", category: "wonen" } })).body.id as string;
    const sug = await t.api(`/api/boards/${board.id}/jobs/${job}/suggestions`, { cookie: c });
    expect(sug.status).toBe(200);
    const ids = sug.body.suggestions.map((s: { requestId: string }) => s.requestId);
    expect(ids).toEqual([best, meet, low]);
    expect(ids).not.toContain(housing);
    expect(sug.body.suggestions[0]).toMatchObject({ reasons: ["category", "area", "language", "availability"], warnings: [] });
    expect(sug.body.suggestions[1]).toMatchObject({ reasons: ["workOrMeeting"], warnings: [] });
    expect(sug.body.suggestions[2]).toMatchObject({ reasons: ["category"], warnings: ["languageBelow", "notAvailable"] });

    // Bad bodies.
    for (const [body, field, code] of [
      [{}, "requestIds", "required"],
      [{ requestIds: "abc" }, "requestIds", "type"],
      [{ requestIds: [] }, "requestIds", "type"],
      [{ requestIds: ["../x"] }, "requestIds", "pattern"],
    ] as const) {
      const res = await t.api(places(board.id, job), { cookie: c, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors).toEqual({ [field]: code });
    }
    const notPerson = await t.api(places(board.id, job), { cookie: c, body: { requestIds: [job, best] } });
    expect(notPerson.status).toBe(422);
    expect(notPerson.body).toMatchObject({ error: "not_eligible", requestIds: [job] });

    expect((await t.api(places(board.id, job), { cookie: c, body: { requestIds: [best, meet] } })).body.filled).toEqual([best, meet]);
    const other = await newJob(board.id, c, { title: "Andere klus", places: 3 });
    const twice = await t.api(places(board.id, other), { cookie: c, body: { requestIds: [low, meet] } });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error: "in_a_job", requestIds: [meet] });
    // All or none: low did not go in either.
    expect((await t.api(`/api/boards/${board.id}/jobs/${other}`, { cookie: c })).body.filled).toEqual([]);
    expect((await t.h.q.select().from(t.h.t.jobs).where(eq(t.h.t.jobs.id, other)))[0].filled).toBe(0);

    // Freeing a place.
    const freed = await t.api(`${places(board.id, job)}/${meet}`, { cookie: c, method: "DELETE" });
    expect(freed.status).toBe(200);
    expect(freed.body).toMatchObject({ filled: [best], left: 5 });
    expect((await t.api(`${places(board.id, job)}/${meet}`, { cookie: c, method: "DELETE" })).status).toBe(404);
    expect(await liveRead(board.id, (doc) => [getCard(doc, job)!.filled, getCard(doc, meet)!.job])).toEqual([1, ""]);
    expect((await t.api(places(board.id, job), { cookie: c, method: "GET" })).status).toBe(405);

    // A request's matching fields through PATCH, checked.
    const patch = (body: Record<string, unknown>) => t.api(`/api/boards/${board.id}/requests/${low}`, { cookie: seed.cookies.memberA1, method: "PATCH", body });
    expect((await patch({ languageLevel: "C1" })).body.errors).toEqual({ languageLevel: "unknown" });
    expect((await patch({ availability: "maandag" })).body.errors).toEqual({ availability: "unknown" });
    const ok = await patch({ languageLevel: "A2", availability: ["za-middag", "za-ochtend"] });
    expect(ok.status).toBe(200);
    expect(ok.body.card).toMatchObject({ languageLevel: "A2", availability: "za-ochtend za-middag" });
    expect(await liveRead(board.id, (d) => readBoard(d).cards.find((x) => x.id === low)!.availability)).toBe("za-ochtend za-middag");
  });
});

describe("the demo", () => {
  it("seeds three Aan de Slag jobs, two with places filled; SQL and the document agree", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-demo-jobs-"));
    const database = openDatabase(`file:${path.join(dir, "demo.sqlite")}`, { migrate: true });
    try {
      const { boardId } = await seedDemo(database.async);
      const doc = await storedDocOf(database.async, boardId!);
      const jobs = readBoard(doc).cards.filter((c) => c.kind === "job");
      expect(jobs.map((j) => [j.places, j.filled])).toEqual([
        [6, 4],
        [8, 2],
        [4, 0],
      ]);
      for (const j of jobs) {
        const row = (await getJob(database.async, boardId!, j.id))!;
        expect(row.filled).toBe(j.filled);
        const members = readBoard(doc).cards.filter((c) => c.job === j.id).map((c) => c.id);
        expect(members.sort()).toEqual([...row.filledIds].sort());
        expect(j.at).toBeGreaterThan(0);
      }
    } finally {
      database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
