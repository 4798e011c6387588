/**
 * Seed the demo alliance (AVE Emmen) when the database has none. Running it
 * again keeps the data: it never overwrites or duplicates.
 *
 * The board gets its requests with their history, written the way the
 * product writes it: the request row with its "created" audit, claims
 * through the ownership queries (one "claimed" audit each), moves between
 * columns as the sync server records them ("moved" with from/to) and
 * archiving; all in time order, so the activity feed and the report read
 * half a year of real-looking work (weekly new and finished requests, time
 * to claim, time to done). Then the meetings (db/seed-meetings.ts): one
 * ended four weeks ago, the next planned in a week.
 */
import { randomUUID } from "node:crypto";
import { addCards, mirrorJobPlaces, setArchived, type NewCard } from "../app/board/domain";
import { amsterdamToMs, amsterdamWallTime } from "../app/board/meeting-time";
import { createJobWithAudit, fillPlaces } from "./jobs";
import { referenceKey } from "../app/services/duplicates.server";
import { hashPassword } from "../app/services/password.server";
import { createAlliance, createBoard, createOrganisation, createPerson } from "../app/services/setup.server";
import { countAlliances, installationFact } from "./alliances";
import type { AsyncDb } from "./client";
import {
  DEMO_ALLIANCE,
  DEMO_BOARD_NAME,
  DEMO_OFFERS,
  DEMO_ORGS,
  DEMO_PASSWORD,
  DEMO_PEOPLE,
  DEMO_TEAM,
  DEMO_JOBS,
  demoCard,
  demoPastRequests,
  demoRequests,
  type DemoRequest,
} from "./demo-data";
import { allianceSecret } from "./duplicates";
import { setFrontDoor } from "./front-door";
import { replaceOffers } from "./offers";
import { seedDemoMeetings } from "./seed-meetings";
import { claimRequest } from "./ownership";
import { insertTeam } from "./teams";
import { addAudit, insertRequest, touchRequest } from "./requests";

const DAY = 86400_000;

type Event =
  | { at: number; seq: number; kind: "created"; id: string; r: DemoRequest }
  | { at: number; seq: number; kind: "move"; id: string; from: string; to: string; org: string }
  | { at: number; seq: number; kind: "claim"; id: string; org: string }
  | { at: number; seq: number; kind: "archived"; id: string; org: string };

export type SeedResult = { seeded: boolean; boardId?: string; reason?: "not_empty" | "demo_removed" };

/** Why no demo is seeded into this database, or null when it would be. */
export async function demoSeedBlocked(h: AsyncDb): Promise<"not_empty" | "demo_removed" | null> {
  if ((await countAlliances(h)) > 0) return "not_empty";
  if (await installationFact(h, "demo_removed_at")) return "demo_removed";
  return null;
}

/**
 * Seed the demo into `h`: SQLite's `database.async`, or a PostgreSQL
 * database (`openPostgres`), through the asynchronous layer only.
 */
export async function seedDemo(h: AsyncDb, now = Date.now()): Promise<SeedResult> {
  const blocked = await demoSeedBlocked(h);
  if (blocked) return { seeded: false, reason: blocked };
  // One hash for every demo account: they share the published demo password.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const again = await demoSeedBlocked(h);
  if (again) return { seeded: false, reason: again };
  const alliance = await createAlliance(h, { ...DEMO_ALLIANCE, demo: true });
  const orgIds = new Map<string, string>();
  for (const o of DEMO_ORGS) {
    const org = await createOrganisation(h, { allianceId: alliance.id, ...o });
    orgIds.set(o.key, org.id);
  }
  /** The first member of each organisation (by organisation id): who did what in the history. */
  const userByOrg = new Map<string, string>();
  const userByEmail = new Map<string, string>();
  for (const p of DEMO_PEOPLE) {
    const u = await createPerson(h, { organisationId: orgIds.get(p.org)!, email: p.email, name: p.name, role: p.role, passwordHash });
    userByEmail.set(p.email, u.id);
    if (p.role === "member" && !userByOrg.has(u.organisationId)) userByOrg.set(u.organisationId, u.id);
  }
  const org = (key: string) => orgIds.get(key)!;
  const teamId = randomUUID();
  await insertTeam(h, { id: teamId, allianceId: alliance.id, name: DEMO_TEAM.name, area: DEMO_TEAM.area, organisationIds: DEMO_TEAM.orgs.map(org), createdAt: now });

  const requests = [...demoPastRequests(now), ...demoRequests(now)]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((r) => ({ id: randomUUID(), r }));
  // Aan de Slag: the volunteer jobs, each with open requests about work or meeting people in some of its places.
  const candidates = requests.filter(({ r }) => (r.category === "werk" || r.category === "maatje") && r.archivedAt === null && r.column !== "afgerond" && !r.holder);
  const jobs = demoJobs(now).map((j) => ({ ...j, id: randomUUID(), members: candidates.splice(0, j.fill).map((c) => c.id) }));
  // The shared document: each request in the column its history ended in.
  const { id: boardId } = await createBoard(h, {
    allianceId: alliance.id,
    name: DEMO_BOARD_NAME,
    fill: (doc) => {
      addCards(
        doc,
        requests.map(({ id, r }) => demoCard(id, r, org(r.org), r.column)),
      );
      for (const { id, r } of requests) if (r.archivedAt !== null) setArchived(doc, id, true, r.archivedAt);
      addCards(doc, jobs.map((j) => j.card(j.id, org(j.org))));
      for (const j of jobs) mirrorJobPlaces(doc, j.id, { places: j.places, filled: j.members.length, joined: j.members, left: [] }, now);
    },
  });
  const secret = await allianceSecret(h, alliance.id);

  // Every event of every request, in time order (ties keep their order within a request).
  const events: Event[] = [];
  let seq = 0;
  for (const { id, r } of requests) {
    events.push({ at: r.createdAt, seq: seq++, kind: "created", id, r });
    for (const s of r.steps) events.push({ ...s, seq: seq++, id, org: org(s.org) });
    if (r.archivedAt !== null) events.push({ at: r.archivedAt, seq: seq++, kind: "archived", id, org: org(r.holder ?? r.org) });
  }
  events.sort((a, b) => a.at - b.at || a.seq - b.seq);

  const lastAt = new Map<string, number>();
  await h.transaction(async (tx) => {
    for (const e of events) {
      const who = e.kind === "created" ? org(e.r.org) : e.org;
      const audit = { boardId, requestId: e.id, userId: userByOrg.get(who) ?? null, orgId: who };
      if (e.kind === "created") {
        await insertRequest(tx, {
          id: e.id,
          boardId,
          createdByUserId: audit.userId,
          createdByOrgId: who,
          reference: e.r.reference,
          referenceKey: referenceKey(secret, e.r.reference),
          lastActivityAt: e.at,
          createdAt: e.at,
        });
        await addAudit(tx, { ...audit, type: "created", data: { title: e.r.title, category: e.r.category }, createdAt: e.at });
      } else if (e.kind === "claim") {
        await claimRequest(tx, e.id, e.org, e.at, audit);
      } else if (e.kind === "move") {
        await addAudit(tx, { ...audit, type: "moved", data: { from: e.from, to: e.to }, createdAt: e.at });
      } else {
        await addAudit(tx, { ...audit, type: "archived", data: {}, createdAt: e.at });
      }
      lastAt.set(e.id, e.at);
    }
    for (const { id, r } of requests) {
      // Requests an organisation holds (finished ones too: claim expiry does not
      // look at stages yet) were touched this week, so no claim expires at the first start.
      const at = r.holder ? Math.max(lastAt.get(id)!, now - (r.createdAt % 6) * DAY) : lastAt.get(id)!;
      await touchRequest(tx, id, Math.min(now, at));
    }
  });

  for (const j of jobs) {
    const who = org(j.org);
    const audit = { boardId, userId: userByOrg.get(who) ?? null, orgId: who };
    await createJobWithAudit(
      h,
      { id: j.id, boardId, createdByUserId: audit.userId, createdByOrgId: who, lastActivityAt: j.createdAt, createdAt: j.createdAt },
      { places: j.places, orgId: who, teamId: j.team ? teamId : null },
      { ...audit, requestId: j.id, type: "created", data: { title: j.title, category: j.category, kind: "job", places: j.places }, createdAt: j.createdAt },
    );
    if (j.members.length) {
      await fillPlaces(h, { jobId: j.id, boardId, requestIds: j.members, orgId: who, userId: audit.userId ?? "", at: j.createdAt }, audit);
    }
  }

  for (const key of new Set(DEMO_OFFERS.map((o) => o.org))) {
    await replaceOffers(
      h,
      org(key),
      DEMO_OFFERS.filter((o) => o.org === key).map((o) => ({
        id: randomUUID(),
        category: o.category,
        label: o.label,
        capacity: o.capacity,
        area: o.area ?? "",
      })),
      now,
    );
  }
  await seedDemoMeetings(h, { boardId, requests, orgOf: org, userIdByEmail: (email) => userByEmail.get(email)!, now });
  // The demo's public front door (/hulp/ave-emmen) is open and feeds its board (issue 15).
  await setFrontDoor(h, alliance.id, { enabled: true, boardId, sites: [] });
  return { seeded: true, boardId };
}

/** The demo's jobs as cards: the next such weekday after `now` (Amsterdam time), entered two days ago. */
function demoJobs(now: number) {
  return DEMO_JOBS.map((j) => {
    const today = amsterdamWallTime(now).date;
    const [y, m, d] = today.split("-").map(Number);
    const weekday = ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
    const ahead = ((j.weekday - weekday + 7) % 7) || 7;
    const date = new Date(Date.UTC(y, m - 1, d + ahead)).toISOString().slice(0, 10);
    const at = amsterdamToMs(date, j.time) ?? now + ahead * DAY;
    const createdAt = now - 2 * DAY;
    const card = (id: string, createdByOrg: string): NewCard => ({
      id,
      kind: "job",
      title: j.title,
      category: j.category,
      description: j.description,
      area: j.area,
      urgency: "normaal",
      createdAt,
      createdByOrg,
      column: "open",
      places: j.places,
      at,
      recurrence: j.recurrence,
      durationMinutes: j.durationMinutes,
      languageLevel: j.languageLevel,
      physical: j.physical,
      asks: j.asks,
    });
    return { ...j, createdAt, card };
  });
}
