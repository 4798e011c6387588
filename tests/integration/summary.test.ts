/**
 * "Since the last meeting" over HTTP on a real server: a board with a quiet
 * request, a held one and a finished one; a stored moment; then requests
 * made, claimed, referred and declined, finished and let go through the JSON
 * API (the same paths as the board's), and meeting actions; then
 * GET /api/boards/<id>/summary?since= and the /sinds page, checked count by
 * count and id by id. Unknown moments and another alliance's board or moment
 * answer 404; any member (a viewer too) may read it; no reference or title
 * in the answer.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayOf, SUMMARY_KEYS, type SinceSummary } from "../../app/board/summary";
import { takeMoment } from "../../app/services/moments.server";
import { makeBoard } from "../factories";
import { DAY_MS, startTestServer, type TestServer } from "./harness";

let t: TestServer;
let board: { id: string; cardIds: string[] };
const id: Record<string, string> = {};
let m1: { id: string; at: number };
const REFERENCE = "ZZ-1987-geheim";

const summaryPath = (since?: string) => `/api/boards/${board.id}/summary${since !== undefined ? `?since=${encodeURIComponent(since)}` : ""}`;
const sorted = (ids: string[]) => [...ids].sort();

beforeAll(async () => {
  t = await startTestServer();
  const { seed } = t;
  const now = Date.now();
  const base = { description: "", area: "", urgency: "normaal" as const };
  board = await makeBoard(t.h, {
    allianceId: seed.allianceA.id,
    name: "Sinds",
    cards: [
      { ...base, title: "Stil verzoek", category: "taal", column: "open", createdByOrg: seed.orgA1.id, createdAt: now - 30 * DAY_MS, lastActivityAt: now - 30 * DAY_MS },
      { ...base, title: "Vastgehouden", category: "werk", column: "opgepakt", createdByOrg: seed.orgA1.id, ownerOrg: seed.orgA1.id, createdAt: now - 5 * DAY_MS },
      { ...base, title: "Al klaar", category: "werk", column: "afgerond", createdByOrg: seed.orgA2.id, ownerOrg: seed.orgA2.id, createdAt: now - 40 * DAY_MS },
    ],
  });
  [id.quiet, id.held, id.done] = board.cardIds;

  m1 = await takeMoment(t.services, board.id, "manual");

  const api = (cookie: string, path: string, body: unknown, method?: string) => t.api(`/api/boards/${board.id}${path}`, { cookie, body, method });
  const ok = async (p: Promise<{ status: number; body: any }>, status = 200) => {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    return r.body;
  };
  // Entered by A2, picked up by A1 and finished.
  id.finished = (await ok(api(seed.cookies.memberA2, "/requests", { title: "Nieuw en klaar", category: "wonen", description: "", reference: REFERENCE, area: "" }), 201)).id;
  await ok(api(seed.cookies.memberA1, `/requests/${id.finished}/claim`, {}));
  await ok(api(seed.cookies.memberA1, `/requests/${id.finished}`, { column: "afgerond" }, "PATCH"));
  // Referred by A1 to A2, declined.
  await ok(api(seed.cookies.memberA1, `/requests/${id.held}/refer`, { to: seed.orgA2.id, note: "Voor jullie?" }));
  await ok(api(seed.cookies.memberA2, `/requests/${id.held}/referral/decline`, { reason: "Geen plek" }));
  // Entered by A1, picked up by A2 and let go again.
  id.letGo = (await ok(api(seed.cookies.memberA1, "/requests", { title: "Even opgepakt", category: "taal", description: "", reference: "", area: "" }), 201)).id;
  await ok(api(seed.cookies.memberA2, `/requests/${id.letGo}/claim`, {}));
  await ok(api(seed.cookies.memberA2, `/requests/${id.letGo}/unclaim`, {}));

  // Actions of an earlier meeting: one overdue (A2, on the quiet request), one due this week (A1), one done.
  const meetingId = randomUUID();
  const { meetings, meetingActions } = t.h.t;
  await t.h.q.insert(meetings).values({ id: meetingId, boardId: board.id, title: "Vorige", scheduledAt: now - 10 * DAY_MS, status: "planned", createdAt: now - 11 * DAY_MS });
  const action = (orgId: string, requestId: string | null, due: string, doneAt: number | null) => ({
    id: randomUUID(),
    meetingId,
    boardId: board.id,
    requestId,
    orgId,
    text: "Actie",
    due,
    doneAt,
    createdAt: now - 10 * DAY_MS,
  });
  id.overdueAction = randomUUID();
  await t.h.q.insert(meetingActions).values([
    { ...action(seed.orgA2.id, id.quiet, dayOf(now - 2 * DAY_MS), null), id: id.overdueAction },
    action(seed.orgA1.id, null, dayOf(now + 3 * DAY_MS), null),
    action(seed.orgA1.id, id.held, dayOf(now - 3 * DAY_MS), now - DAY_MS),
  ]);
});

afterAll(async () => {
  await t?.close();
});

describe("GET /api/boards/<boardId>/summary", () => {
  it("counts since the moment, with the cards behind every count", async () => {
    const { seed } = t;
    const r = await t.api<SinceSummary>(summaryPath(m1.id), { cookie: seed.cookies.memberA2 });
    expect(r.status).toBe(200);
    const s = r.body;
    expect(s.since).toEqual({ id: m1.id, at: m1.at, reason: "manual" });
    expect(s.staleDays).toBe(14);
    expect(Object.fromEntries(SUMMARY_KEYS.map((k) => [k, sorted(s.totals[k].ids)]))).toEqual({
      new: sorted([id.finished, id.letGo]),
      claimed: [id.finished],
      referralsSent: [id.held],
      referralsAccepted: [],
      referralsDeclined: [id.held],
      done: [id.finished],
      stale: [id.quiet],
      duplicates: [],
      actionsOverdue: [id.quiet],
      actionsDue: [],
    });
    expect(s.totals.actionsOverdue).toMatchObject({ count: 1, actionIds: [id.overdueAction] });
    expect(s.totals.actionsDue.count).toBe(1);

    // Per organisation: who entered, who claimed, who sent, who declined.
    expect(s.byOrganisation[seed.orgA1.id].claimed.ids).toEqual([id.finished]);
    expect(s.byOrganisation[seed.orgA1.id].referralsSent.ids).toEqual([id.held]);
    expect(s.byOrganisation[seed.orgA1.id].done.ids).toEqual([id.finished]);
    expect(s.byOrganisation[seed.orgA2.id].new.ids).toEqual([id.finished]);
    expect(s.byOrganisation[seed.orgA2.id].referralsDeclined.ids).toEqual([id.held]);
    expect(s.byOrganisation[seed.orgA2.id].claimed.count).toBe(0);
    // Per category: the request's category.
    expect(s.byCategory.wonen.done.ids).toEqual([id.finished]);
    expect(s.byCategory.taal.new.ids).toEqual([id.letGo]);
    expect(s.byCategory.taal.stale.ids).toEqual([id.quiet]);
    expect(s.byCategory.werk.referralsDeclined.ids).toEqual([id.held]);

    // Counts and ids only.
    const text = JSON.stringify(s);
    for (const secret of [REFERENCE, "Nieuw en klaar", "Stil verzoek", "Geen plek", "Voor jullie?"]) expect(text).not.toContain(secret);
  });

  it("counts from the oldest moment by default, and from the last meeting's end once a meeting ended", async () => {
    const { seed } = t;
    const first = await t.api<SinceSummary>(summaryPath(), { cookie: seed.cookies.viewerA });
    expect(first.status).toBe(200);
    expect(first.body.since?.id).toBe(m1.id);
    expect(first.body.totals.new.count).toBe(2);
    // The page names the default as what it is: no meeting has ended yet.
    const page = async () => (await fetch(`${t.url}/boards/${board.id}/sinds`, { headers: { cookie: seed.cookies.memberA1 } })).text();
    const before = await page();
    expect(before).toContain("Oudste opgeslagen moment (standaard");
    expect(before).not.toContain("Einde van de vorige vergadering (standaard)");

    const m2 = await takeMoment(t.services, board.id, "meeting_end");
    await t.h.q
      .insert(t.h.t.meetings)
      .values({ id: randomUUID(), boardId: board.id, title: "Net afgelopen", scheduledAt: Date.now(), status: "ended", endMomentId: m2.id, endedAt: Date.now(), createdAt: Date.now() });
    const after = await t.api<SinceSummary>(summaryPath(), { cookie: seed.cookies.memberA1 });
    expect(after.body.since).toEqual({ id: m2.id, at: m2.at, reason: "meeting_end" });
    const later = await page();
    expect(later).toContain("Einde van de vorige vergadering (standaard)");
    expect(later).not.toContain("Oudste opgeslagen moment");
    for (const k of ["new", "claimed", "referralsSent", "referralsDeclined", "done"] as const) expect(after.body.totals[k].count, k).toBe(0);
    // What stands still stands: the quiet request, the overdue action.
    expect(after.body.totals.stale.ids).toEqual([id.quiet]);
    expect(after.body.totals.actionsOverdue.count).toBe(1);
    // The earlier moment can still be asked for.
    expect((await t.api<SinceSummary>(summaryPath(m1.id), { cookie: seed.cookies.memberA1 })).body.totals.new.count).toBe(2);
  });

  it("answers 404 for an unknown moment, another board's moment and another alliance, alike", async () => {
    const { seed } = t;
    const unknown = await t.api(summaryPath(randomUUID()), { cookie: seed.cookies.memberA1 });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: "not_found" });

    const other = await takeMoment(t.services, seed.boardB.id, "manual");
    const foreignMoment = await t.api(summaryPath(other.id), { cookie: seed.cookies.memberA1 });
    expect(foreignMoment.status).toBe(404);
    expect(foreignMoment.body).toEqual(unknown.body);

    const ownOnSeedBoard = await takeMoment(t.services, seed.boardA.id, "manual");
    expect((await t.api(summaryPath(ownOnSeedBoard.id), { cookie: seed.cookies.memberA1 })).status).toBe(404);

    const outsider = await t.api(summaryPath(m1.id), { cookie: seed.cookies.memberB });
    expect(outsider.status).toBe(404);
    expect((await t.api(`/api/boards/${seed.boardB.id}/summary?since=${m1.id}`, { cookie: seed.cookies.memberB })).status).toBe(404);
    expect((await t.api(`/api/boards/${seed.boardB.id}/summary?since=${other.id}`, { cookie: seed.cookies.memberB })).status).toBe(200);
    expect((await t.api(summaryPath(m1.id))).status).toBe(401);
  });
});

describe("/boards/<boardId>/sinds", () => {
  it("shows the counts as links to the board filtered to their cards, and offers the moments", async () => {
    const res = await fetch(`${t.url}/boards/${board.id}/sinds?since=${m1.id}`, { headers: { cookie: t.seed.cookies.memberA1 } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`/boards/${board.id}?kaarten=${id.finished}`);
    expect(html).toContain(`value="${m1.id}"`);
    expect(html).not.toContain(REFERENCE);
    const missing = await fetch(`${t.url}/boards/${board.id}/sinds?since=${randomUUID()}`, { headers: { cookie: t.seed.cookies.memberA1 } });
    expect(missing.status).toBe(404);
  });
});
