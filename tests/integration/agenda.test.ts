/**
 * The proposed agenda from a real board: requests made and claimed through
 * the JSON API, a referral left unanswered, two requests with the same
 * reference (a duplicate), an open action of an earlier meeting; then the
 * service the meetings feature calls (`proposeAgendaFor`) and what its views
 * show on the board's filters.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getUserById, setBoardExpiryDays } from "../../db/accounts";
import { parseFilters } from "../../app/hooks/useBoardView";
import { translator } from "../../app/i18n";
import { proposeAgendaFor } from "../../app/services/agenda.server";
import { insertAction, insertMeeting } from "../../db/meetings";
import { makeBoard } from "../factories";
import { DAY_MS, startTestServer, type TestServer } from "./harness";

let t: TestServer;
let board: { id: string; cardIds: string[] };
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestServer();
  const { seed } = t;
  const now = Date.now();
  const card = (title: string, category: string, over: Record<string, unknown> = {}) => ({
    title,
    category,
    description: "",
    area: "",
    urgency: "normaal" as const,
    createdByOrg: seed.orgA1.id,
    ...over,
  });
  board = await makeBoard(t.h, {
    allianceId: seed.allianceA.id,
    name: "Agenda",
    cards: [
      card("Lang niet opgepakt", "taal", { column: "open", createdAt: now - 20 * DAY_MS }),
      card("Net binnen", "taal", { createdAt: now - DAY_MS }),
      card("Dubbel een", "wonen", { reference: "AB-1990-centrum", createdAt: now - 2 * DAY_MS }),
      card("Dubbel twee", "wonen", { reference: "ab-1990-centrum", createdAt: now - DAY_MS, createdByOrg: seed.orgA2.id }),
      card("Klaar", "werk", { column: "afgerond", createdAt: now - 30 * DAY_MS }),
      card("Weg", "werk", { column: "open", createdAt: now - 40 * DAY_MS, archived: true }),
    ],
  });
  [ids.old, ids.fresh, ids.dup1, ids.dup2, ids.done, ids.archived] = board.cardIds;

  // A request entered through the API, claimed and referred to the other organisation, unanswered.
  const made = await t.api(`/api/boards/${board.id}/requests`, {
    cookie: seed.cookies.memberA1,
    body: { title: "Doorverwezen", category: "maatje", description: "", reference: "", area: "" },
  });
  expect(made.status).toBe(201);
  ids.referred = made.body.id;
  expect((await t.api(`/api/boards/${board.id}/requests/${ids.referred}/claim`, { cookie: seed.cookies.memberA1, body: {} })).status).toBe(200);
  const refer = await t.api(`/api/boards/${board.id}/requests/${ids.referred}/refer`, {
    cookie: seed.cookies.memberA1,
    body: { to: seed.orgA2.id, note: "Past beter bij jullie" },
  });
  expect(refer.status).toBe(200);

  // An earlier meeting with one open action (on the old request) and one done.
  const meetingId = randomUUID();
  await insertMeeting(t.h, { id: meetingId, boardId: board.id, title: "Oktober", scheduledAt: now - 30 * DAY_MS, status: "ended", createdAt: now - 31 * DAY_MS }, []);
  const action = (text: string, doneAt: number | null) => ({
    id: randomUUID(),
    meetingId,
    boardId: board.id,
    requestId: ids.old,
    orgId: seed.orgA2.id,
    text,
    due: "2026-01-01",
    doneAt,
    createdAt: now - 30 * DAY_MS,
  });
  for (const a of [action("Bellen", null), action("Gedaan", now - 2 * DAY_MS)]) await insertAction(t.h, a);
});

afterAll(async () => {
  await t?.close();
});

describe("proposeAgendaFor", () => {
  it("proposes open actions, since, unclaimed, duplicates, referrals and the categories with open requests, in order", async () => {
    const user = (await getUserById(t.h, t.seed.coordinatorA.id))!;
    const items = await proposeAgendaFor(t.services, user, board.id, translator("nl"));
    expect(items.map((i) => [i.kind, i.title])).toEqual([
      ["actions", "Openstaande acties: 1"],
      ["since", "Sinds de vorige vergadering"],
      ["unclaimed", "1 aanvraag langer dan 14 dagen niet opgepakt"],
      ["duplicates", "1 mogelijke dubbel om te beslissen"],
      ["referrals", "1 doorverwijzing zonder antwoord"],
      ["category", "Wonen: 2 open aanvragen"],
      ["category", "Taal: 2 open aanvragen"],
      ["category", "Maatje & ontmoeting: 1 open aanvraag"],
    ]);
    const views = Object.fromEntries(items.filter((i) => i.kind !== "category").map((i) => [i.kind, parseFilters(new URLSearchParams(i.view.query))]));
    expect(views.actions.cards).toEqual([ids.old]);
    expect(views.unclaimed).toMatchObject({ unclaimed: true, olderThanDays: 14 });
    expect([...(views.duplicates.cards ?? [])].sort()).toEqual([ids.dup1, ids.dup2].sort());
    expect(views.referrals.cards).toEqual([ids.referred]);
    expect(items.filter((i) => i.kind === "category").map((i) => i.view.query)).toEqual(["categorie=wonen", "categorie=taal", "categorie=maatje"]);
  });

  it("titles in English for an English-speaking coordinator, categories translated too", async () => {
    const user = (await getUserById(t.h, t.seed.coordinatorA.id))!;
    const items = await proposeAgendaFor(t.services, user, board.id, translator("en"));
    expect(items.map((i) => i.title)).toContain("Housing: 2 open requests");
    expect(items[0].title).toBe("Open actions: 1");
  });

  it("follows the board's claim expiry for N, and answers nothing for another alliance's board", async () => {
    await setBoardExpiryDays(t.h, board.id, 30);
    const user = (await getUserById(t.h, t.seed.coordinatorA.id))!;
    const items = await proposeAgendaFor(t.services, user, board.id, translator("nl"));
    expect(items.find((i) => i.kind === "unclaimed")).toBeUndefined();
    await setBoardExpiryDays(t.h, board.id, 10);
    const again = await proposeAgendaFor(t.services, user, board.id, translator("nl"));
    expect(again.find((i) => i.kind === "unclaimed")).toMatchObject({ title: "1 aanvraag langer dan 10 dagen niet opgepakt", view: { query: "open=1&ouderDan=10" } });

    const outsider = (await getUserById(t.h, t.seed.memberB.id))!;
    expect(await proposeAgendaFor(t.services, outsider, board.id, translator("nl"))).toEqual([]);
  });
});
