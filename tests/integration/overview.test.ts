/**
 * Offers, matching, the overview and the report over the JSON API: the
 * report's bytes carry no reference, title or description. The overview
 * counts by column stage: a coordinator adding a column anywhere changes no
 * count. GET /api/boards/<id> names the columns with their stage. The demo
 * seed gives the report real figures.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addColumn, getCard, moveCard } from "../../app/board/domain";
import { parseEnv } from "../../app/services/env.server";
import { asyncOf, openDatabase } from "../../db/client";
import { findUserForLogin } from "../../db/accounts";
import { seedDemo } from "../../db/seed";
import { getMoment } from "../../db/moments";
import { isOverdue } from "../../app/board/meeting-time";
import type { MeetingRecord, MeetingSummary } from "../../app/board/meeting";
import { momentSnapshot } from "../../app/services/moments.server";
import { createAppServer } from "../../server/app";
import { makeSessionCookie } from "../factories";
import { apiCall, loadRemixBuild, ROOT, startTestServer, waitFor, type TestServer } from "./harness";

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
    expect(other.status).toBe(404);
  });
});

describe("counting by stage", () => {
  const board = () => t.seed.boardA.id;
  const overviewFigures = async () => {
    const res = await t.api(`/api/boards/${board()}/overview`, { cookie: t.seed.cookies.coordinatorA });
    expect(res.status).toBe(200);
    const o = res.body.overview;
    return {
      totals: o.totals,
      byStage: o.byStage,
      perCategory: o.perCategory.map((c: Record<string, unknown>) => [c.category, c.open, c.unclaimed, c.demand]),
      stale: o.stale.map((s: { id: string }) => s.id),
    };
  };
  const reportFigures = async () => {
    const today = new Date(t.now()).toISOString().slice(0, 10);
    const from = new Date(t.now() - 30 * 86400_000).toISOString().slice(0, 10);
    const res = await t.api(`/api/boards/${board()}/report?from=${from}&to=${today}`, { cookie: t.seed.cookies.coordinatorA });
    expect(res.status).toBe(200);
    return { timeToDone: res.body.timeToDone, done: res.body.trend.reduce((n: number, w: { done: number }) => n + w.done, 0) };
  };

  it("does not change the overview's counts when a coordinator adds a column at the start, in the middle or after Afgerond", async () => {
    const cora = await t.connect(board(), { cookie: t.seed.cookies.coordinatorA });
    // One request finished: moved into the done column, as a person does on the board.
    const finished = t.seed.boardA.cardIds[3];
    moveCard(cora.doc, finished, "afgerond", 0, Date.now());
    await cora.roundTrip();
    await waitFor(async () => (await reportFigures()).timeToDone.count === 1, { message: "the move into Afgerond reaches the report" });
    const before = await overviewFigures();
    const reportBefore = await reportFigures();
    expect(before.byStage.done).toBe(1);
    expect(before.totals.open).toBe(before.totals.all - 1);
    expect(reportBefore.done).toBe(1);

    const added: Array<{ id: string; name: string; stage: "intake" | "open" | "held" | "done"; index?: number }> = [
      { id: "aanmelding", name: "Aanmelding", stage: "intake", index: 0 },
      { id: "wacht-op-gemeente", name: "Wacht op gemeente", stage: "open" },
      { id: "nazorg", name: "Nazorg", stage: "open", index: 99 },
      { id: "archief", name: "Archief", stage: "done", index: 99 },
    ];
    for (const col of added) {
      addColumn(cora.doc, col);
      await cora.roundTrip();
      const listed = await t.api(`/api/boards/${board()}`, { cookie: t.seed.cookies.memberA1 });
      expect(listed.body.columns.map((c: { id: string }) => c.id)).toContain(col.id);
      expect(await overviewFigures(), `after adding ${col.name}`).toEqual(before);
      expect(await reportFigures(), `report after adding ${col.name}`).toEqual(reportBefore);
    }
    const order = (await t.api(`/api/boards/${board()}`, { cookie: t.seed.cookies.memberA1 })).body.columns.map((c: { id: string }) => c.id);
    expect(order).toEqual(["aanmelding", "nieuw", "open", "opgepakt", "in-uitvoering", "wacht-op-gemeente", "afgerond", "nazorg", "archief"]);

    // A request moved to the open column after Afgerond is still open; the finished one moved on to Archief is still done, once.
    const waiting = t.seed.boardA.cardIds[2];
    moveCard(cora.doc, waiting, "nazorg", 0, Date.now());
    moveCard(cora.doc, finished, "archief", 0, Date.now());
    await cora.roundTrip();
    await waitFor(() => getCard(cora.doc, finished)?.column === "archief");
    expect(await overviewFigures()).toEqual(before);
    expect(await reportFigures()).toEqual(reportBefore);
  });

  it("GET /api/boards/<id> names the board, its columns with their stage in board order and its categories", async () => {
    const res = await t.api(`/api/boards/${board()}`, { cookie: t.seed.cookies.viewerA });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["categories", "columns", "id", "name"]);
    expect(res.body).toMatchObject({ id: board(), name: "Hulpvragen Noord" });
    expect(res.body.columns.slice(0, 4)).toEqual([
      { id: "aanmelding", name: "Aanmelding", stage: "intake" },
      { id: "nieuw", name: "Nieuw", stage: "intake" },
      { id: "open", name: "Open", stage: "open" },
      { id: "opgepakt", name: "Opgepakt", stage: "held" },
    ]);
    expect(res.body.categories).toContainEqual({ id: "taal", label: "Taal", color: expect.stringMatching(/^#[0-9a-f]{6}$/i) });
    for (const c of res.body.categories) expect(Object.keys(c).sort()).toEqual(["color", "id", "label"]);

    const anonymous = await t.api(`/api/boards/${board()}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: "unauthenticated" });
    for (const [cookie, id] of [
      [t.seed.cookies.memberB, board()],
      [t.seed.cookies.memberA1, t.seed.boardB.id],
      [t.seed.cookies.memberA1, "no-such-board"],
    ]) {
      const other = await t.api(`/api/boards/${id}`, { cookie });
      expect(other.status).toBe(404);
      expect(other.body).toEqual({ error: "not_found", message: "No such board." });
    }
  });
});

describe("the demo seed", () => {
  it("gives the report half a year of history (time to claim, time to done, a weekly done line) and its meetings: one ended four weeks ago, the next planned", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alliantiebord-demo-"));
    const url = `file:${path.join(dir, "demo.sqlite")}`;
    const database = openDatabase(url, { migrate: true });
    const now = Date.now();
    const seeded = await seedDemo(database.async, now);
    expect(seeded.seeded).toBe(true);
    const env = parseEnv({ LOG_LEVEL: "error", DATABASE_URL: url, HOST: "127.0.0.1", NODE_ENV: "test" });
    const server = createAppServer({ env, database, build: await loadRemixBuild(), publicDir: path.join(ROOT, "public") });
    try {
      const { port } = await server.listen(0, "127.0.0.1");
      const base = `http://127.0.0.1:${port}`;
      const coordinator = (await findUserForLogin(asyncOf(database.db), "coordinator@ave.example"))!;
      const cookie = await makeSessionCookie(database.db, coordinator.id);
      const report = await apiCall(base, `/api/boards/${seeded.boardId}/report`, { cookie });
      expect(report.status).toBe(200);
      const r = report.body;
      expect(r.timeToDone.count).toBeGreaterThanOrEqual(20);
      expect(r.timeToDone.medianDays).toBeGreaterThan(3);
      expect(r.timeToClaim.count).toBeGreaterThanOrEqual(20);
      expect(r.timeToClaim.medianDays).toBeGreaterThan(0);
      const weeksWithDone = r.trend.filter((w: { done: number }) => w.done > 0).length;
      const weeksWithNew = r.trend.filter((w: { created: number }) => w.created > 0).length;
      expect(weeksWithDone).toBeGreaterThanOrEqual(8);
      expect(weeksWithNew).toBeGreaterThanOrEqual(10);

      const ov = await apiCall(base, `/api/boards/${seeded.boardId}/overview`, { cookie });
      expect(ov.status).toBe(200);
      // The 45 requests on the board now (finished ones of the past weeks are archived).
      expect(ov.body.overview.byStage).toMatchObject({ intake: 15, open: 15, held: 11 });
      expect(ov.body.overview.totals.open).toBe(41);

      // Its meetings: one ended about four weeks ago, the next planned in about a week with a proposed agenda.
      const list = await apiCall(base, `/api/boards/${seeded.boardId}/meetings`, { cookie });
      expect(list.status).toBe(200);
      const meetings = list.body as MeetingSummary[];
      expect(meetings.map((m) => m.status).sort()).toEqual(["ended", "planned"]);
      const ended = (await apiCall(base, `/api/meetings/${meetings.find((m) => m.status === "ended")!.id}`, { cookie })).body as MeetingRecord;
      const planned = (await apiCall(base, `/api/meetings/${meetings.find((m) => m.status === "planned")!.id}`, { cookie })).body as MeetingRecord;
      const days = (ms: number) => (ms - now) / 86_400_000;
      expect(days(ended.startedAt!)).toBeGreaterThan(-30);
      expect(days(ended.startedAt!)).toBeLessThan(-26);
      expect(ended.endedAt! - ended.startedAt!).toBe(90 * 60_000);
      expect(days(planned.at)).toBeGreaterThan(6);
      expect(days(planned.at)).toBeLessThan(8);
      expect(ended.decisions.length).toBeGreaterThanOrEqual(2);
      expect(ended.decisions.length).toBeLessThanOrEqual(3);
      expect(new Set(ended.actions.map((a) => a.orgId)).size).toBe(3);
      expect(ended.actions.filter((a) => a.doneAt !== null)).toHaveLength(1);
      const open = ended.actions.filter((a) => a.doneAt === null);
      expect(open.filter((a) => isOverdue(a.due, now))).toHaveLength(1);
      expect(open.filter((a) => !isOverdue(a.due, now))).toHaveLength(1);
      expect(ended.actions.filter((a) => a.requestId !== null)).toHaveLength(1);
      expect(ended.present.length).toBeGreaterThanOrEqual(5);
      // The next meeting's agenda starts with the open actions and counts since the last meeting's end.
      expect(planned.sinceMomentId).toBe(ended.endMomentId);
      expect(planned.agenda[0].kind).toBe("actions");
      // The moments: the meeting's start and end at its own times, with the board as it was then (fewer requests
      // than now: those entered since are not on it), and the board as seeded.
      const moments = (await apiCall(base, `/api/boards/${seeded.boardId}/snapshots`, { cookie })).body as Array<{ id: string; at: number; reason: string }>;
      expect(moments.map((m) => m.reason)).toEqual(["meeting_start", "meeting_end", "daily"]);
      expect(moments.map((m) => m.id).slice(0, 2)).toEqual([ended.startMomentId, ended.endMomentId]);
      expect(moments[1].at).toBe(ended.endedAt);
      const cardsIn = async (id: string) => momentSnapshot(new Uint8Array((await getMoment(database.async, seeded.boardId!, id))!.data)).cards.length;
      expect(await cardsIn(moments[1].id)).toBeLessThan(await cardsIn(moments[2].id));
    } finally {
      await server.close();
      database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
