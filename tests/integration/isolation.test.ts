/**
 * Alliances strictly apart: a person of one alliance reaches nothing of
 * another, through any route, page or socket.
 *
 * Three alliances: A and B from the harness's seed, and C ("Laarne-Kalken")
 * made the way an operator makes a new alliance: `npm run alliance --
 * create`, the coordinator accepting the printed link, a second organisation
 * and two people invited and accepting. A's and C's boards are filled by
 * their own people through the API (requests with a reference, a duplicate
 * pair, a comment, a claim and a referral with a note, offers, an open
 * invitation), then attacked: B and C try A's ids, A tries C's, each as a
 * member and as a coordinator.
 *
 * For every attempt:
 * - the status is what the table says: 404 wherever an id of the other
 *   alliance is used (never 403, which would say it exists);
 * - the answer equals the answer for a fresh, unknown id (status, and the
 *   whole body for JSON): nobody learns which ids exist elsewhere;
 * - the body holds nothing of the other alliance (names, titles, ids, the
 *   reference, comments, notes, e-mail addresses), except what the attacker
 *   sent itself;
 * - afterwards the other alliance's data is exactly as before (SQL rows and
 *   the board documents).
 *
 * Every file in app/routes must have its entry in API_ROUTES or PAGE_ROUTES:
 * a new route fails the first test until its attempts are written here.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBoard } from "../../app/board/domain";
import { count, first } from "../../db/dialect";
import { makeOrganisation, makeSessionCookie, makeUser } from "../factories";
import { ROOT, rawConnect, startTestServer, storedDocOf, waitFor, withTimeout, type IoSocket, type TestServer } from "./harness";

let t: TestServer;

// ------------------------------------------------------------------ the alliances

type Role = "member" | "coordinator";

/** One alliance as the others attack it, and as it attacks the others. */
interface Side {
  label: string;
  allianceId: string;
  allianceName: string;
  org: { id: string; name: string };
  org2: { id: string; name: string };
  boardId: string;
  boardName: string;
  cookies: Record<Role, string> & { member2: string };
  person: { id: string; email: string };
  /** A word in every text this alliance writes (titles, comment, note, reference, area, offer). */
  tag: string;
  /** r1: held by org, referred to org2, commented; r2: the same reference from org2 (a duplicate pair). */
  r1: string;
  r2: string;
  /** A volunteer job of the member's organisation with r2 in one of its places. */
  jobId: string;
  reference: string;
  /** Ids of this alliance's other rows and documents, for the "nothing of it" check. */
  extraSecrets: string[];
  /** The member's session as GET /api/me/sessions names it, and the notifications of the alliance's people. */
  sessionHandle: string;
  notificationIds: string[];
  /** An open invitation of the alliance, and the address it went to. */
  invitationId: string;
  invitedEmail: string;
  /** A running meeting of the board with an agenda item, a decision and an action (for org2). */
  meetingId: string;
  itemId: string;
  decisionId: string;
  actionId: string;
  /** A stored moment of the board (the board as it was, issue 13). */
  momentId: string;
  /** A local team of the alliance (issue 15) grouping its two organisations. */
  teamId: string;
}

let A: Side;
let B: Side;
let C: Side;

/** Accept an invitation link as the invited person does (a password, twice); the session it starts. */
async function accept(link: string): Promise<string> {
  const { pathname } = new URL(link);
  const password = `wachtwoord-${randomUUID()}`;
  const res = await fetch(t.url + pathname, {
    method: "POST",
    redirect: "manual",
    headers: { origin: t.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ password, repeat: password }).toString(),
  });
  expect(res.status, `accepting ${pathname}`).toBe(302);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("ab_session="));
  expect(cookie).toBeTruthy();
  return cookie!.split(";")[0];
}

/** An invitation by a coordinator, through the API. */
async function invite(coordinator: string, body: { email: string; name: string; organisationId: string; role: string }) {
  const res = await t.api("/api/invitations", { cookie: coordinator, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; link: string };
}

/**
 * Made as an operator makes a new alliance: `npm run alliance -- create`
 * (its first organisation, board and the coordinator's invitation), the
 * coordinator accepting the printed link, then a second organisation on
 * /beheer and two people invited through the API, each accepting their link.
 */
async function createAllianceC(): Promise<Omit<Side, "r1" | "r2" | "reference" | "extraSecrets" | "tag" | "boardId" | "boardName" | "sessionHandle" | "notificationIds" | "invitationId" | "invitedEmail" | "meetingId" | "itemId" | "decisionId" | "actionId" | "momentId" | "teamId" | "jobId"> & { firstBoard: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "server/cli/alliance.ts"), "create", "--name", "Vluchtelingenwerkgroep Laarne-Kalken", "--coordinator-email", "coordinator@laarne-kalken.test", "--coordinator-name", "Coördinator Laarne"],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: t.dbUrl, PUBLIC_URL: t.url, LOG_LEVEL: "error", SMTP_URL: "", MAIL_FROM: "" }, timeout: 60_000 },
  );
  const link = /https?:\/\/\S+\/uitnodiging\/\S+/.exec(stdout)?.[0];
  expect(link, stdout).toBeTruthy();
  const coordinator = await accept(link!);
  const me = (await t.api("/api/me", { cookie: coordinator })).body;
  const firstBoard = (await t.api("/api/boards", { cookie: coordinator })).body[0].id as string;
  const added = await fetch(`${t.url}/beheer?_data=routes%2Fbeheer`, {
    method: "POST",
    headers: { origin: t.url, cookie: coordinator, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ intent: "add-org", name: "OCMW Laarne Sociale Dienst", shortName: "OCMW", color: "#335577" }).toString(),
  });
  expect(added.status).toBe(200);
  const orgs = (await t.api("/api/organisations", { cookie: coordinator })).body as Array<{ id: string; name: string }>;
  const org2 = orgs.find((o) => o.name === "OCMW Laarne Sociale Dienst")!;
  const member = await accept((await invite(coordinator, { email: "lid@laarne-kalken.test", name: "Lid Laarne", organisationId: me.organisation.id, role: "member" })).link);
  const member2 = await accept((await invite(coordinator, { email: "ocmw@laarne-kalken.test", name: "Lid OCMW", organisationId: org2.id, role: "member" })).link);
  const memberMe = (await t.api("/api/me", { cookie: member })).body;
  return {
    label: "C",
    allianceId: me.alliance.id,
    allianceName: me.alliance.name,
    org: { id: me.organisation.id, name: me.organisation.name },
    org2,
    firstBoard,
    cookies: { member, member2, coordinator },
    person: { id: memberMe.id, email: memberMe.email },
  };
}

/** Fill an alliance's board through the API, as its own people would. */
async function populate(s: Omit<Side, "r1" | "r2" | "reference" | "sessionHandle" | "notificationIds" | "invitationId" | "invitedEmail" | "meetingId" | "itemId" | "decisionId" | "actionId" | "momentId" | "teamId" | "jobId">): Promise<Side> {
  const reference = `${s.tag}-REF-1987`;
  const create = async (cookie: string, n: string) => {
    const res = await t.api(`/api/boards/${s.boardId}/requests`, {
      cookie,
      body: { title: `${s.tag} vraag ${n}`, category: "taal", description: `${s.tag} beschrijving`, reference, area: `${s.tag}wijk` },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const r1 = await create(s.cookies.member, "een");
  const r2 = await create(s.cookies.member2, "twee");
  const ok = async (p: string, body: unknown, cookie = s.cookies.member, method = "POST") => {
    const res = await t.api(p, { cookie, body, method });
    expect(res.status, `${p}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  };
  const base = `/api/boards/${s.boardId}/requests/${r1}`;
  await ok(`${base}/comments`, { body: `${s.tag} geheime opmerking` });
  await ok(`${base}/contact`, { name: `${s.tag} Contactpersoon`, phone: "06 1234 5678", email: `${s.tag.toLowerCase()}@contact.test`, address: `${s.tag}straat 1`, note: `${s.tag} notitie`, consent: true }, s.cookies.member, "PUT");
  await ok(`${base}/claim`, {});
  await ok(`${base}/refer`, { to: s.org2.id, note: `${s.tag} geheime verwijzing` });
  await ok(`/api/organisations/${s.org.id}/offers`, { offers: [{ category: "taal", label: `${s.tag} taalmaatjes`, capacity: 3, area: "" }] }, s.cookies.member, "PUT");
  await ok(`/api/boards/${s.boardId}/requests/check`, { reference, category: "taal" });
  const sessions = await t.api("/api/me/sessions", { cookie: s.cookies.member });
  expect(sessions.status).toBe(200);
  const schema = t.h.t;
  const people = await t.h.q.select({ id: schema.users.id }).from(schema.users).innerJoin(schema.organisations, eq(schema.organisations.id, schema.users.organisationId)).where(eq(schema.organisations.allianceId, s.allianceId));
  const notificationIds = (
    await t.h.q
      .select({ id: schema.notifications.id })
      .from(schema.notifications)
      .where(inArray(schema.notifications.userId, people.map((p) => p.id)))
  ).map((n) => n.id);
  expect(notificationIds.length, `${s.label}'s referral made a notification`).toBeGreaterThan(0);
  const invitedEmail = `uitgenodigd-${s.tag.toLowerCase()}@example.test`;
  const invitation = await invite(s.cookies.coordinator, { email: invitedEmail, name: `${s.tag} genodigde`, organisationId: s.org2.id, role: "member" });
  // A meeting, running, with its record.
  const created = async (p: string, body: unknown, method = "POST") => {
    const res = await t.api(p, { cookie: s.cookies.coordinator, body, method });
    expect(res.status, `${p}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body;
  };
  const meetingId = (await created(`/api/boards/${s.boardId}/meetings`, { title: `${s.tag} overleg`, at: Date.UTC(2027, 0, 5) })).id as string;
  const itemId = (await created(`/api/meetings/${meetingId}/items`, { title: `${s.tag} agendapunt`, view: { query: "categorie=taal", cardId: r1 } })).id as string;
  await created(`/api/meetings/${meetingId}/start`, undefined);
  const decisionId = (await created(`/api/meetings/${meetingId}/decisions`, { text: `${s.tag} besluit`, itemId, requestId: r1 })).id as string;
  const actionId = (await created(`/api/meetings/${meetingId}/actions`, { text: `${s.tag} actie`, orgId: s.org2.id, due: "2027-01-31", requestId: r1, itemId })).id as string;
  // The board as it is now, stored: references and titles are in it.
  const moment = await t.api(`/api/boards/${s.boardId}/snapshots`, { cookie: s.cookies.coordinator, body: {} });
  expect(moment.status, JSON.stringify(moment.body)).toBe(201);
  const teamId = (await created("/api/alliance/teams", { name: `${s.tag} team`, area: `${s.tag}wijk`, organisationIds: [s.org.id, s.org2.id] })).id as string;
  // A volunteer job with r2 in a place.
  const jobId = (await created(`/api/boards/${s.boardId}/jobs`, { title: `${s.tag} klus`, category: "werk", places: 3, area: `${s.tag}wijk` })).id as string;
  await created(`/api/boards/${s.boardId}/jobs/${jobId}/places`, { requestIds: [r2] });
  const alliance = await first(t.h.q.select({ slug: schema.alliances.slug }).from(schema.alliances).where(eq(schema.alliances.id, s.allianceId)));
  slugs.set(s.allianceId, alliance!.slug);
  return { ...s, r1, r2, jobId, reference, sessionHandle: sessions.body[0].id, notificationIds, invitationId: invitation.id, invitedEmail, meetingId, itemId, decisionId, actionId, momentId: moment.body.id, teamId };
}

/** What must never appear in another alliance's answers. */
function secretsOf(s: Side): string[] {
  return [s.allianceName, s.allianceId, s.org.name, s.org.id, s.org2.name, s.org2.id, s.boardName, s.boardId, s.person.email, s.person.id, s.tag, s.r1, s.r2, s.reference, s.sessionHandle, ...s.notificationIds, s.invitationId, s.invitedEmail, s.meetingId, s.itemId, s.decisionId, s.actionId, s.momentId, s.teamId, s.jobId, ...s.extraSecrets];
}

/** The ids of a side that an attempt may carry; each is swapped for a fresh one to get the "unknown id" answer. */
function idsOf(s: Side): string[] {
  return [s.allianceId, s.org.id, s.org2.id, s.boardId, s.person.id, s.r1, s.r2, s.sessionHandle, s.invitationId, ...s.notificationIds, s.meetingId, s.itemId, s.decisionId, s.actionId, s.momentId, s.teamId, s.jobId];
}

// ------------------------------------------------------------------ the attempts

/** 404: the other alliance's id is unknown here. "own": any answer below 500 about the attacker's own alliance. */
type Expect = number | "own";

interface Attempt {
  method: string;
  path: string;
  /** JSON body. */
  body?: unknown;
  /** A form post, as the pages take it (a value list posts the field several times). */
  form?: Record<string, string | string[]>;
  /** A file upload. */
  upload?: { type: string; data: string };
  expect: Expect | Record<Role, Expect>;
}

/** v: the alliance attacked; a: the attacker's own side. */
type Attempts = (v: Side, a: Side) => Attempt[];

const FOREIGN = 404;
/** A coordinator-only route: the attacker's coordinator meets the unknown id (404), its member the role check (403) first. */
const COORDINATOR_ONLY = { coordinator: 404, member: 403 } as const;

const csv = (v: Side) => ({ type: "text/csv", data: `titel;categorie;referentie\n${v.tag} import;taal;${v.reference}\n` });

/**
 * The public front door (issue 15) is reached by an alliance's slug, not by
 * ids, and needs no account: what matters here is that another alliance's
 * door that is off answers exactly as an unknown one (404), to anyone.
 */
function slugOf(v: Side): string {
  const slug = slugs.get(v.allianceId);
  if (!slug) throw new Error(`alliance ${v.label}'s slug was not read (populate)`);
  return slug;
}
/** Each populated alliance's slug (read by populate: the attempts are made synchronously). */
const slugs = new Map<string, string>();

/** Every JSON API route file, with the attempts that cover each method it answers. */
const API_ROUTES: Record<string, Attempts> = {
  "api.public.$slug.requests.ts": (v): Attempt[] => [
    { method: "POST", path: `/api/public/${slugOf(v)}/requests`, body: { kind: "request", category: "taal", text: "Een vraag aan een gesloten deur.", language: "nl" }, expect: 404 },
    { method: "POST", path: `/api/public/bestaat-niet-${v.label.toLowerCase()}/requests`, body: { kind: "request", category: "taal", text: "Een vraag aan een onbekende deur.", language: "nl" }, expect: 404 },
  ],
  "api.alliance.limits.ts": (): Attempt[] => [
    { method: "GET", path: "/api/alliance/limits", expect: { coordinator: 200, member: 403 } },
    { method: "PUT", path: "/api/alliance/limits", body: { requestQuotaPerHour: 500 }, expect: { coordinator: 200, member: 403 } },
  ],
  "api.alliance.export.ts": (): Attempt[] => [{ method: "GET", path: "/api/alliance/export", expect: { coordinator: 200, member: 403 } }],
  "api.alliance.teams.ts": (v, a): Attempt[] => [
    { method: "GET", path: "/api/alliance/teams", expect: 200 },
    // The other alliance's organisation in a team: unknown here, like one that does not exist.
    { method: "POST", path: "/api/alliance/teams", body: { name: `${a.tag} overname`, organisationIds: [v.org.id] }, expect: { coordinator: 422, member: 403 } },
    { method: "PATCH", path: "/api/alliance/teams", body: { mode: "across_organisations" }, expect: { coordinator: 200, member: 403 } },
  ],
  "api.alliance.people.$personId.ts": (v): Attempt[] => [
    { method: "DELETE", path: `/api/alliance/people/${v.person.id}`, expect: COORDINATOR_ONLY },
    { method: "GET", path: `/api/alliance/people/${v.person.id}`, expect: 405 },
  ],
  "api.alliance.teams.$teamId.ts": (v): Attempt[] => [
    { method: "GET", path: `/api/alliance/teams/${v.teamId}`, expect: FOREIGN },
    { method: "PATCH", path: `/api/alliance/teams/${v.teamId}`, body: { name: "Overgenomen team" }, expect: FOREIGN },
    { method: "DELETE", path: `/api/alliance/teams/${v.teamId}`, expect: FOREIGN },
  ],
  // The register names only the attacker's own boards (the judge looks for the other alliance's words).
  "api.alliance.processing-register[.]csv.ts": (): Attempt[] => [
    { method: "GET", path: "/api/alliance/processing-register.csv", expect: { coordinator: 200, member: 403 } },
  ],
  "api.boards.$boardId.export.ts": (v): Attempt[] => [{ method: "GET", path: `/api/boards/${v.boardId}/export?format=csv`, expect: FOREIGN }],
  "api.boards.$boardId.export[.]csv.ts": (v): Attempt[] => [{ method: "GET", path: `/api/boards/${v.boardId}/export.csv`, expect: FOREIGN }],
  "api.invitations.ts": (v, a): Attempt[] => [
    { method: "GET", path: "/api/invitations", expect: { coordinator: 200, member: 403 } },
    // Into an organisation of the other alliance: unknown there, like an organisation that does not exist.
    { method: "POST", path: "/api/invitations", body: { email: `nieuw-${a.tag.toLowerCase()}@example.test`, name: "Nieuw", organisationId: v.org.id, role: "member" }, expect: { coordinator: 422, member: 403 } },
  ],
  "api.invitations.$invitationId.ts": (v): Attempt[] => [{ method: "DELETE", path: `/api/invitations/${v.invitationId}`, expect: COORDINATOR_ONLY }],
  "api.invitations.$invitationId.resend.ts": (v): Attempt[] => [{ method: "POST", path: `/api/invitations/${v.invitationId}/resend`, body: {}, expect: COORDINATOR_ONLY }],
  "api.me.ts": (v): Attempt[] => [
    { method: "GET", path: "/api/me", expect: 200 },
    { method: "PATCH", path: "/api/me", body: { name: "Zelfde naam", email: v.person.email, currentPassword: "niet-het-wachtwoord" }, expect: "own" },
  ],
  "api.me.sessions.ts": (): Attempt[] => [
    { method: "GET", path: "/api/me/sessions", expect: 200 },
    { method: "DELETE", path: "/api/me/sessions", expect: 200 },
  ],
  "api.me.export.ts": (): Attempt[] => [{ method: "GET", path: "/api/me/export", expect: 200 }],
  "api.me.sessions.$sessionId.ts": (v): Attempt[] => [{ method: "DELETE", path: `/api/me/sessions/${v.sessionHandle}`, expect: FOREIGN }],
  "api.notifications.ts": (): Attempt[] => [
    { method: "GET", path: "/api/notifications", expect: 200 },
    { method: "POST", path: "/api/notifications", body: {}, expect: 405 },
  ],
  "api.notifications.read.ts": (v): Attempt[] => [{ method: "POST", path: "/api/notifications/read", body: { ids: v.notificationIds }, expect: 200 }],
  "api.notifications.settings.ts": (): Attempt[] => [
    { method: "GET", path: "/api/notifications/settings", expect: 200 },
    { method: "PUT", path: "/api/notifications/settings", body: { email: { referral: true } }, expect: 200 },
  ],
  "api.boards.ts": (v): Attempt[] => [
    { method: "GET", path: "/api/boards", expect: 200 },
    { method: "GET", path: "/api/boards?archived=1", expect: 200 },
    { method: "POST", path: "/api/boards", body: { name: "Overgenomen bord", copyFrom: v.boardId }, expect: { coordinator: 422, member: 403 } },
  ],
  "api.boards.$boardId.ts": (v): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}`, expect: FOREIGN },
    { method: "PATCH", path: `/api/boards/${v.boardId}`, body: { name: "Overgenomen" }, expect: FOREIGN },
    { method: "PATCH", path: `/api/boards/${v.boardId}`, body: { archived: true }, expect: FOREIGN },
  ],
  "api.boards.$boardId.forget.ts": (v, a): Attempt[] => [
    { method: "POST", path: `/api/boards/${v.boardId}/forget`, body: { reference: v.reference, dryRun: true }, expect: FOREIGN },
    { method: "POST", path: `/api/boards/${v.boardId}/forget`, body: { requestId: v.r1 }, expect: FOREIGN },
    // The other alliance's request on the attacker's own board: unknown there.
    { method: "POST", path: `/api/boards/${a.boardId}/forget`, body: { requestId: v.r1 }, expect: COORDINATOR_ONLY },
    // Its reference on the attacker's own board: keyed per alliance, so it matches nothing and nothing goes.
    { method: "POST", path: `/api/boards/${a.boardId}/forget`, body: { reference: v.reference }, expect: { coordinator: 200, member: 403 } },
  ],
  "api.boards.$boardId.requests.$requestId.spam.ts": (v, a): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}/requests/${v.r1}/spam`, expect: FOREIGN },
    { method: "POST", path: `/api/boards/${v.boardId}/requests/${v.r1}/spam`, body: {}, expect: FOREIGN },
    // The other alliance's request through the attacker's own board: unknown there, for every role.
    { method: "POST", path: `/api/boards/${a.boardId}/requests/${v.r1}/spam`, body: {}, expect: FOREIGN },
  ],
  "api.boards.$boardId.snapshots.ts": (v): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}/snapshots`, expect: FOREIGN },
    { method: "POST", path: `/api/boards/${v.boardId}/snapshots`, body: {}, expect: FOREIGN },
  ],
  "api.boards.$boardId.snapshots.$snapshotId.ts": (v, a): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}/snapshots/${v.momentId}`, expect: FOREIGN },
    // The other alliance's moment through one's own board, and as the other end of "until".
    { method: "GET", path: `/api/boards/${a.boardId}/snapshots/${v.momentId}`, expect: FOREIGN },
    { method: "GET", path: `/api/boards/${a.boardId}/snapshots/${a.momentId}?until=${v.momentId}`, expect: FOREIGN },
    { method: "DELETE", path: `/api/boards/${v.boardId}/snapshots/${v.momentId}`, expect: 405 },
  ],
  "api.boards.$boardId.activity.ts": (v): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}/activity`, expect: FOREIGN },
    { method: "GET", path: `/api/boards/${v.boardId}/activity?request=${v.r1}`, expect: FOREIGN },
  ],
  "api.boards.$boardId.duplicates.ts": (v): Attempt[] => [{ method: "GET", path: `/api/boards/${v.boardId}/duplicates`, expect: FOREIGN }],
  "api.boards.$boardId.duplicates.$decision.ts": (v, a): Attempt[] => [
    { method: "POST", path: `/api/boards/${v.boardId}/duplicates/merge`, body: { into: v.r1, from: v.r2 }, expect: FOREIGN },
    { method: "POST", path: `/api/boards/${v.boardId}/duplicates/dismiss`, body: { a: v.r1, b: v.r2 }, expect: FOREIGN },
    // The other alliance's requests named on the attacker's own board.
    { method: "POST", path: `/api/boards/${a.boardId}/duplicates/merge`, body: { into: v.r1, from: v.r2 }, expect: COORDINATOR_ONLY },
    { method: "POST", path: `/api/boards/${a.boardId}/duplicates/dismiss`, body: { a: v.r1, b: v.r2 }, expect: COORDINATOR_ONLY },
    { method: "POST", path: `/api/boards/${a.boardId}/duplicates/merge`, body: { into: a.r1, from: v.r2 }, expect: COORDINATOR_ONLY },
  ],
  "api.boards.$boardId.import.ts": (v): Attempt[] => [
    { method: "POST", path: `/api/boards/${v.boardId}/import?dryRun=1`, upload: csv(v), expect: FOREIGN },
    { method: "POST", path: `/api/boards/${v.boardId}/import`, upload: csv(v), expect: FOREIGN },
  ],
  "api.boards.$boardId.inbox.ts": (v): Attempt[] => [{ method: "GET", path: `/api/boards/${v.boardId}/inbox`, expect: FOREIGN }],
  "api.boards.$boardId.overview.ts": (v): Attempt[] => [{ method: "GET", path: `/api/boards/${v.boardId}/overview`, expect: FOREIGN }],
  "api.boards.$boardId.summary.ts": (v, a): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}/summary`, expect: FOREIGN },
    // Another alliance's id as the moment, on the attacker's own board: an unknown moment.
    { method: "GET", path: `/api/boards/${a.boardId}/summary?since=${v.r1}`, expect: FOREIGN },
  ],
  "api.boards.$boardId.report.ts": (v): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}/report`, expect: FOREIGN },
    { method: "GET", path: `/api/boards/${v.boardId}/report?format=csv`, expect: FOREIGN },
  ],
  "api.boards.$boardId.requests.ts": (v): Attempt[] => [
    { method: "POST", path: `/api/boards/${v.boardId}/requests`, body: { title: "Ingeschoven vraag", category: "taal", description: "", reference: "", area: "" }, expect: FOREIGN },
  ],
  "api.boards.$boardId.requests.check.ts": (v, a): Attempt[] => [
    { method: "POST", path: `/api/boards/${v.boardId}/requests/check`, body: { reference: v.reference, category: "taal" }, expect: FOREIGN },
    // The other alliance's reference on the attacker's own board: no match (references are keyed per alliance).
    { method: "POST", path: `/api/boards/${a.boardId}/requests/check`, body: { reference: v.reference, category: "taal" }, expect: 200 },
  ],
  "api.boards.$boardId.requests.$requestId.ts": (v, a): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}/requests/${v.r1}`, expect: FOREIGN },
    { method: "PATCH", path: `/api/boards/${v.boardId}/requests/${v.r1}`, body: { title: "Overgenomen" }, expect: FOREIGN },
    { method: "GET", path: `/api/boards/${a.boardId}/requests/${v.r1}`, expect: FOREIGN },
    { method: "PATCH", path: `/api/boards/${a.boardId}/requests/${v.r1}`, body: { archived: true }, expect: FOREIGN },
  ],
  "api.boards.$boardId.requests.$requestId.$verb.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].flatMap((board): Attempt[] => [
      { method: "POST", path: `/api/boards/${board}/requests/${v.r2}/claim`, body: {}, expect: FOREIGN },
      { method: "POST", path: `/api/boards/${board}/requests/${v.r1}/unclaim`, body: {}, expect: FOREIGN },
      { method: "POST", path: `/api/boards/${board}/requests/${v.r1}/refer`, body: { to: a.org2.id, note: "" }, expect: FOREIGN },
      // Reassigning is a coordinator's: a member meets that rule first, whatever the id.
      { method: "POST", path: `/api/boards/${board}/requests/${v.r1}/reassign`, body: { to: a.org.id }, expect: board === v.boardId ? FOREIGN : COORDINATOR_ONLY },
    ]).concat([
      // The attacker's own request handed to an organisation of the other alliance.
      { method: "POST", path: `/api/boards/${a.boardId}/requests/${a.r2}/reassign`, body: { to: v.org.id }, expect: { coordinator: 400, member: 403 } },
    ]),
  "api.boards.$boardId.requests.$requestId.comments.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].flatMap((board): Attempt[] => [
      { method: "GET", path: `/api/boards/${board}/requests/${v.r1}/comments`, expect: FOREIGN },
      { method: "POST", path: `/api/boards/${board}/requests/${v.r1}/comments`, body: { body: "Ingeschoven reactie" }, expect: FOREIGN },
    ]),
  "api.boards.$boardId.requests.$requestId.contact.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].flatMap((board): Attempt[] => [
      { method: "GET", path: `/api/boards/${board}/requests/${v.r1}/contact`, expect: FOREIGN },
      { method: "PUT", path: `/api/boards/${board}/requests/${v.r1}/contact`, body: { name: "Ingeschoven naam", consent: true }, expect: FOREIGN },
      { method: "DELETE", path: `/api/boards/${board}/requests/${v.r1}/contact`, expect: FOREIGN },
    ]),
  "api.boards.$boardId.requests.$requestId.contact.status.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].map((board): Attempt => ({ method: "GET", path: `/api/boards/${board}/requests/${v.r1}/contact/status`, expect: FOREIGN })),
  "api.boards.$boardId.requests.$requestId.matches.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].map((board): Attempt => ({ method: "GET", path: `/api/boards/${board}/requests/${v.r1}/matches`, expect: FOREIGN })),
  "api.boards.$boardId.requests.$requestId.referral.$decision.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].flatMap((board): Attempt[] => [
      { method: "POST", path: `/api/boards/${board}/requests/${v.r1}/referral/accept`, body: {}, expect: FOREIGN },
      { method: "POST", path: `/api/boards/${board}/requests/${v.r1}/referral/decline`, body: { reason: "Nee" }, expect: FOREIGN },
      { method: "POST", path: `/api/boards/${board}/requests/${v.r1}/referral/revoke`, body: {}, expect: FOREIGN },
    ]),
  "api.boards.$boardId.jobs.ts": (v): Attempt[] => [
    { method: "POST", path: `/api/boards/${v.boardId}/jobs`, body: { title: "Ingeschoven klus", category: "werk", places: 2 }, expect: FOREIGN },
  ],
  "api.boards.$boardId.jobs.$jobId.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].map((board): Attempt => ({ method: "GET", path: `/api/boards/${board}/jobs/${v.jobId}`, expect: FOREIGN })),
  "api.boards.$boardId.jobs.$jobId.suggestions.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].map((board): Attempt => ({ method: "GET", path: `/api/boards/${board}/jobs/${v.jobId}/suggestions`, expect: FOREIGN })),
  "api.boards.$boardId.jobs.$jobId.places.ts": (v, a): Attempt[] => [
    { method: "POST", path: `/api/boards/${v.boardId}/jobs/${v.jobId}/places`, body: { requestIds: [v.r1] }, expect: FOREIGN },
    // The attacker's own job, filled with the other alliance's request.
    { method: "POST", path: `/api/boards/${a.boardId}/jobs/${a.jobId}/places`, body: { requestIds: [v.r1] }, expect: "own" },
    { method: "POST", path: `/api/boards/${a.boardId}/jobs/${v.jobId}/places`, body: { requestIds: [a.r1] }, expect: FOREIGN },
  ],
  "api.boards.$boardId.jobs.$jobId.places.$requestId.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].map((board): Attempt => ({ method: "DELETE", path: `/api/boards/${board}/jobs/${v.jobId}/places/${v.r2}`, expect: FOREIGN })),
  "api.boards.$boardId.jobs.$jobId.done.ts": (v, a): Attempt[] =>
    [v.boardId, a.boardId].map((board): Attempt => ({ method: "POST", path: `/api/boards/${board}/jobs/${v.jobId}/done`, body: {}, expect: FOREIGN })),
  "api.boards.$boardId.meetings.ts": (v): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}/meetings`, expect: FOREIGN },
    { method: "POST", path: `/api/boards/${v.boardId}/meetings`, body: { title: "Ingeschoven overleg", at: Date.UTC(2027, 1, 1) }, expect: FOREIGN },
  ],
  "api.boards.$boardId.actions.ts": (v): Attempt[] => [
    { method: "GET", path: `/api/boards/${v.boardId}/actions`, expect: FOREIGN },
    { method: "GET", path: `/api/boards/${v.boardId}/actions?open=1`, expect: FOREIGN },
    { method: "GET", path: `/api/boards/${v.boardId}/actions?ours=1`, expect: FOREIGN },
    { method: "GET", path: `/api/boards/${v.boardId}/actions?request=${v.r1}`, expect: FOREIGN },
  ],
  "api.meetings.$meetingId.ts": (v): Attempt[] => [
    { method: "GET", path: `/api/meetings/${v.meetingId}`, expect: FOREIGN },
    { method: "PATCH", path: `/api/meetings/${v.meetingId}`, body: { title: "Overgenomen" }, expect: FOREIGN },
  ],
  "api.meetings.$meetingId.minutes[.]md.ts": (v): Attempt[] => [{ method: "GET", path: `/api/meetings/${v.meetingId}/minutes.md`, expect: FOREIGN }],
  "api.meetings.$meetingId.start.ts": (v): Attempt[] => [{ method: "POST", path: `/api/meetings/${v.meetingId}/start`, expect: FOREIGN }],
  "api.meetings.$meetingId.end.ts": (v): Attempt[] => [{ method: "POST", path: `/api/meetings/${v.meetingId}/end`, expect: FOREIGN }],
  "api.meetings.$meetingId.takeover.ts": (v): Attempt[] => [{ method: "POST", path: `/api/meetings/${v.meetingId}/takeover`, expect: FOREIGN }],
  "api.meetings.$meetingId.current.ts": (v): Attempt[] => [{ method: "POST", path: `/api/meetings/${v.meetingId}/current`, body: { itemId: v.itemId }, expect: FOREIGN }],
  "api.meetings.$meetingId.items.ts": (v): Attempt[] => [{ method: "POST", path: `/api/meetings/${v.meetingId}/items`, body: { title: "Ingeschoven punt" }, expect: FOREIGN }],
  "api.meetings.$meetingId.items.$itemId.ts": (v): Attempt[] => [
    { method: "PATCH", path: `/api/meetings/${v.meetingId}/items/${v.itemId}`, body: { title: "Overgenomen", before: null }, expect: FOREIGN },
    { method: "DELETE", path: `/api/meetings/${v.meetingId}/items/${v.itemId}`, expect: FOREIGN },
  ],
  "api.meetings.$meetingId.decisions.ts": (v): Attempt[] => [{ method: "POST", path: `/api/meetings/${v.meetingId}/decisions`, body: { text: "Ingeschoven besluit" }, expect: FOREIGN }],
  "api.meetings.$meetingId.decisions.$decisionId.ts": (v): Attempt[] => [{ method: "DELETE", path: `/api/meetings/${v.meetingId}/decisions/${v.decisionId}`, expect: FOREIGN }],
  "api.meetings.$meetingId.actions.ts": (v): Attempt[] => [
    { method: "POST", path: `/api/meetings/${v.meetingId}/actions`, body: { text: "Ingeschoven actie", orgId: v.org.id, due: "2027-02-01" }, expect: FOREIGN },
  ],
  "api.meetings.$meetingId.attendees.ts": (v): Attempt[] => [{ method: "PUT", path: `/api/meetings/${v.meetingId}/attendees`, body: [{ name: "Iemand" }], expect: FOREIGN }],
  "api.actions.$actionId.ts": (v): Attempt[] => [
    { method: "PATCH", path: `/api/actions/${v.actionId}`, body: { done: true }, expect: FOREIGN },
    { method: "PATCH", path: `/api/actions/${v.actionId}`, body: { text: "Overgenomen" }, expect: FOREIGN },
  ],
  "api.organisations.ts": (): Attempt[] => [{ method: "GET", path: "/api/organisations", expect: 200 }],
  "api.organisations.$organisationId.offers.ts": (v): Attempt[] => [
    { method: "GET", path: `/api/organisations/${v.org.id}/offers`, expect: FOREIGN },
    { method: "PUT", path: `/api/organisations/${v.org.id}/offers`, body: { offers: [] }, expect: FOREIGN },
  ],
};

/** Every page route file, with the attempts that carry the other alliance's ids (or show the page that lists the own alliance). */
const PAGE_ROUTES: Record<string, Attempts> = {
  "hulp.$slug.tsx": (v): Attempt[] => [
    { method: "GET", path: `/hulp/${slugOf(v)}`, expect: 404 },
    { method: "POST", path: `/hulp/${slugOf(v)}`, form: { kind: "request", category: "taal", text: "Een vraag aan een gesloten deur." }, expect: 404 },
  ],
  "hulp.$slug_.status.($code).tsx": (v): Attempt[] => [
    { method: "GET", path: `/hulp/${slugOf(v)}/status/ABCDABCDABCD`, expect: 404 },
    { method: "GET", path: `/hulp/${slugOf(v)}/status`, expect: 404 },
  ],
  "_index.tsx": (): Attempt[] => [{ method: "GET", path: "/", expect: 302 }],
  "login.tsx": (): Attempt[] => [{ method: "GET", path: "/login", expect: "own" }],
  "logout.tsx": (): Attempt[] => [{ method: "GET", path: "/logout", expect: "own" }],
  "taal.tsx": (): Attempt[] => [{ method: "GET", path: "/taal", expect: "own" }],
  "wachtwoord.tsx": (): Attempt[] => [{ method: "GET", path: "/wachtwoord", expect: "own" }],
  "wachtwoord-vergeten.tsx": (): Attempt[] => [{ method: "GET", path: "/wachtwoord-vergeten", expect: "own" }],
  "wachtwoord-herstellen.$token.tsx": (): Attempt[] => [{ method: "GET", path: `/wachtwoord-herstellen/${randomUUID()}`, expect: "own" }],
  "afmelden.$token.tsx": (): Attempt[] => [{ method: "GET", path: `/afmelden/${randomUUID()}`, expect: "own" }],
  "uitnodiging.$token.tsx": (): Attempt[] => [{ method: "GET", path: `/uitnodiging/${randomUUID()}`, expect: "own" }],
  "account._index.tsx": (v): Attempt[] => [
    { method: "GET", path: "/account", expect: 200 },
    { method: "POST", path: "/account?index&_data=routes%2Faccount._index", form: { intent: "logout-session", session: v.sessionHandle }, expect: FOREIGN },
  ],
  "account.tweestapsverificatie.tsx": (): Attempt[] => [
    { method: "GET", path: "/account/tweestapsverificatie", expect: 200 },
    { method: "POST", path: "/account/tweestapsverificatie?_data=routes%2Faccount.tweestapsverificatie", form: { code: "000000" }, expect: "own" },
  ],
  "account.meldingen.tsx": (v): Attempt[] => [
    { method: "GET", path: "/account/meldingen", expect: 200 },
    { method: "POST", path: "/account/meldingen", form: { intent: "read", id: v.notificationIds }, expect: 302 },
  ],
  "boards._index.tsx": (v): Attempt[] => [
    { method: "GET", path: "/boards", expect: 200 },
    { method: "POST", path: "/boards?index", form: { intent: "rename", boardId: v.boardId, name: "Overgenomen" }, expect: COORDINATOR_ONLY },
    { method: "POST", path: "/boards?index", form: { intent: "archive", boardId: v.boardId }, expect: COORDINATOR_ONLY },
    { method: "POST", path: "/boards?index", form: { intent: "restore", boardId: v.boardId }, expect: COORDINATOR_ONLY },
    { method: "POST", path: "/boards?index", form: { intent: "create", name: "Overgenomen bord", copyFrom: v.boardId }, expect: { coordinator: 422, member: 403 } },
  ],
  "boards.$boardId_.vergaderingen.$meetingId_.scherm.tsx": (v, a): Attempt[] => [
    { method: "GET", path: `/boards/${v.boardId}/vergaderingen/${v.meetingId}/scherm`, expect: FOREIGN },
    // The own board with the other alliance's meeting: as unknown as a made-up id.
    { method: "GET", path: `/boards/${a.boardId}/vergaderingen/${v.meetingId}/scherm`, expect: FOREIGN },
  ],
  "boards.$boardId.tsx": (v, a): Attempt[] => [
    { method: "GET", path: `/boards/${v.boardId}`, expect: FOREIGN },
    { method: "GET", path: `/boards/${v.boardId}?_data=routes%2Fboards.%24boardId`, expect: FOREIGN },
    { method: "POST", path: `/boards/${v.boardId}`, form: { intent: "create", title: "Ingeschoven", category: "taal" }, expect: FOREIGN },
    { method: "POST", path: `/boards/${v.boardId}`, form: { intent: "reference", requestId: v.r1, reference: "X-1" }, expect: FOREIGN },
    { method: "POST", path: `/boards/${a.boardId}?_data=routes%2Fboards.%24boardId`, form: { intent: "reference", requestId: v.r1, reference: "X-1" }, expect: FOREIGN },
  ],
  "boards.$boardId_.overzicht.tsx": (v, a): Attempt[] => [
    { method: "GET", path: `/boards/${v.boardId}/overzicht`, expect: FOREIGN },
    { method: "POST", path: `/boards/${v.boardId}/overzicht`, form: { intent: "dismiss", group: "g", ids: [v.r1, v.r2] }, expect: FOREIGN },
    { method: "POST", path: `/boards/${a.boardId}/overzicht?_data=routes%2Fboards.%24boardId_.overzicht`, form: { intent: "dismiss", group: "g", ids: [v.r1, v.r2] }, expect: COORDINATOR_ONLY },
    { method: "POST", path: `/boards/${a.boardId}/overzicht?_data=routes%2Fboards.%24boardId_.overzicht`, form: { intent: "merge", group: "g", into: a.r1, ids: [a.r1, v.r2] }, expect: COORDINATOR_ONLY },
  ],
  "boards.$boardId_.verleden.tsx": (v, a): Attempt[] => [
    { method: "GET", path: `/boards/${v.boardId}/verleden`, expect: FOREIGN },
    { method: "GET", path: `/boards/${v.boardId}/verleden?moment=${v.momentId}`, expect: FOREIGN },
    { method: "GET", path: `/boards/${a.boardId}/verleden?moment=${v.momentId}`, expect: FOREIGN },
    { method: "GET", path: `/boards/${a.boardId}/verleden?moment=${v.momentId}&_data=routes%2Fboards.%24boardId_.verleden`, expect: FOREIGN },
    { method: "POST", path: `/boards/${v.boardId}/verleden`, form: { intent: "take" }, expect: FOREIGN },
  ],
  "boards.$boardId_.vergeten.tsx": (v, a): Attempt[] => [
    { method: "GET", path: `/boards/${v.boardId}/vergeten`, expect: FOREIGN },
    { method: "GET", path: `/boards/${v.boardId}/vergeten?kaart=${v.r1}`, expect: FOREIGN },
    { method: "POST", path: `/boards/${v.boardId}/vergeten`, form: { intent: "preview", reference: v.reference }, expect: FOREIGN },
    { method: "POST", path: `/boards/${v.boardId}/vergeten`, form: { intent: "forget", requestId: v.r1, confirm: "on" }, expect: FOREIGN },
    // The other alliance's request through the attacker's own board: as unknown as a made-up id.
    { method: "POST", path: `/boards/${a.boardId}/vergeten?_data=routes%2Fboards.%24boardId_.vergeten`, form: { intent: "forget", requestId: v.r1, confirm: "on" }, expect: { coordinator: 404, member: 403 } },
  ],
  "boards.$boardId_.rapport.tsx": (v): Attempt[] => [{ method: "GET", path: `/boards/${v.boardId}/rapport`, expect: FOREIGN }],
  "boards.$boardId_.sinds.tsx": (v, a): Attempt[] => [
    { method: "GET", path: `/boards/${v.boardId}/sinds`, expect: FOREIGN },
    { method: "GET", path: `/boards/${a.boardId}/sinds?since=${v.r1}`, expect: FOREIGN },
  ],
  "boards.$boardId_.vergaderingen._index.tsx": (v): Attempt[] => [
    { method: "GET", path: `/boards/${v.boardId}/vergaderingen`, expect: FOREIGN },
    { method: "POST", path: `/boards/${v.boardId}/vergaderingen?index`, form: { title: "Ingeschoven overleg", date: "2027-02-01", time: "19:30" }, expect: FOREIGN },
  ],
  "boards.$boardId_.vergaderingen.$meetingId._index.tsx": (v, a): Attempt[] => {
    const own = `/boards/${a.boardId}/vergaderingen/${a.meetingId}?index`;
    return [
      { method: "GET", path: `/boards/${v.boardId}/vergaderingen/${v.meetingId}`, expect: FOREIGN },
      { method: "GET", path: `/boards/${a.boardId}/vergaderingen/${v.meetingId}`, expect: FOREIGN },
      { method: "POST", path: `/boards/${v.boardId}/vergaderingen/${v.meetingId}?index`, form: { intent: "end" }, expect: FOREIGN },
      { method: "POST", path: `/boards/${a.boardId}/vergaderingen/${v.meetingId}?index`, form: { intent: "decision-add", text: "Ingeschoven besluit" }, expect: FOREIGN },
      // The attacker's own meeting, with the other alliance's item, decision and action.
      { method: "POST", path: own, form: { intent: "item-edit", itemId: v.itemId, title: "Overgenomen", notes: "" }, expect: FOREIGN },
      { method: "POST", path: own, form: { intent: "item-up", itemId: v.itemId }, expect: FOREIGN },
      // Not an item of this meeting (the same answer as for an unknown id).
      { method: "POST", path: own, form: { intent: "item-current", itemId: v.itemId }, expect: { coordinator: 422, member: 403 } },
      { method: "POST", path: own, form: { intent: "decision-remove", decisionId: v.decisionId }, expect: COORDINATOR_ONLY },
      { method: "POST", path: own, form: { intent: "action-done", actionId: v.actionId, done: "on" }, expect: FOREIGN },
    ];
  },
  "boards.$boardId_.vergaderingen.$meetingId.verslag.tsx": (v, a): Attempt[] => [
    { method: "GET", path: `/boards/${v.boardId}/vergaderingen/${v.meetingId}/verslag`, expect: FOREIGN },
    { method: "GET", path: `/boards/${a.boardId}/vergaderingen/${v.meetingId}/verslag`, expect: FOREIGN },
  ],
  "boards.$boardId_.importeren.tsx": (v): Attempt[] => [{ method: "GET", path: `/boards/${v.boardId}/importeren`, expect: FOREIGN }],
  "aanbod.tsx": (v): Attempt[] => [
    { method: "GET", path: `/aanbod?organisatie=${v.org.id}`, expect: 200 },
    {
      method: "POST",
      path: "/aanbod?_data=routes%2Faanbod",
      form: { organisationId: v.org.id, count: "1", "offers.0.category": "taal", "offers.0.label": "Overgenomen", "offers.0.capacity": "2" },
      expect: FOREIGN,
    },
  ],
  "beheer.tsx": (v): Attempt[] => [
    { method: "GET", path: "/beheer", expect: { coordinator: 200, member: 403 } },
    ...["remove", "restore", "reset", "erase"].map((intent): Attempt => ({
      method: "POST",
      path: "/beheer?_data=routes%2Fbeheer",
      form: { intent, personId: v.person.id },
      expect: COORDINATOR_ONLY,
    })),
    { method: "POST", path: "/beheer?_data=routes%2Fbeheer", form: { intent: "role", personId: v.person.id, role: "viewer" }, expect: COORDINATOR_ONLY },
    { method: "POST", path: "/beheer?_data=routes%2Fbeheer", form: { intent: "expiry", boardId: v.boardId, claimExpiryDays: "2" }, expect: FOREIGN },
    { method: "POST", path: "/beheer?_data=routes%2Fbeheer", form: { intent: "retention", boardId: v.boardId, retentionMonths: "1" }, expect: FOREIGN },
  ],
  // Everyone's own alliance only: its boards' retention, its policy.
  "privacy.tsx": (): Attempt[] => [{ method: "GET", path: "/privacy", expect: 200 }],
};

// ------------------------------------------------------------------ sending and judging

interface Answer {
  status: number;
  type: string;
  text: string;
}

async function send(cookie: string, at: Attempt): Promise<Answer> {
  const headers: Record<string, string> = { origin: t.url, cookie };
  let body: string | undefined;
  if (at.upload) {
    headers["content-type"] = at.upload.type;
    body = at.upload.data;
  } else if (at.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(at.form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
    body = p.toString();
  } else if (at.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(at.body);
  }
  const res = await fetch(t.url + at.path, { method: at.method, headers, body, redirect: "manual" });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

/** The attempt with every id of `v` swapped for a fresh one (the same fresh id for the same id). */
function ghostOf(at: Attempt, v: Side): { attempt: Attempt; swapped: boolean; back: (s: string) => string } {
  // An e-mail address of the other alliance is swapped for one nobody has.
  const map = new Map([...idsOf(v).map((id) => [id, randomUUID()] as const), [v.person.email, `${randomUUID()}@nergens.test`] as const]);
  let swapped = false;
  const swap = (s: string) => {
    let out = s;
    for (const [id, ghost] of map) {
      if (out.includes(id)) {
        swapped = true;
        out = out.split(id).join(ghost);
      }
    }
    return out;
  };
  const attempt: Attempt = {
    ...at,
    path: swap(at.path),
    body: at.body === undefined ? undefined : JSON.parse(swap(JSON.stringify(at.body))),
    form: at.form ? JSON.parse(swap(JSON.stringify(at.form))) : undefined,
    upload: at.upload ? { ...at.upload, data: swap(at.upload.data) } : undefined,
  };
  const back = (s: string) => {
    let out = s;
    for (const [id, ghost] of map) out = out.split(ghost).join(id);
    return out;
  };
  return { attempt, swapped, back };
}

function expected(at: Attempt, role: Role): Expect {
  return typeof at.expect === "object" ? at.expect[role] : at.expect;
}

/** Everything of an alliance that an attack could change: its rows, and its boards' documents as stored. */
async function fingerprint(s: Side): Promise<string> {
  const db = t.h.q;
  const schema = t.h.t;
  const boards = await db.select().from(schema.boards).where(eq(schema.boards.allianceId, s.allianceId)).orderBy(schema.boards.id);
  const boardIds = boards.map((b) => b.id);
  const orgs = await db.select().from(schema.organisations).where(eq(schema.organisations.allianceId, s.allianceId)).orderBy(schema.organisations.id);
  const orgIds = orgs.map((o) => o.id);
  const requests = await db.select().from(schema.requests).where(inArray(schema.requests.boardId, boardIds)).orderBy(schema.requests.id);
  const peopleIds = (await db.select({ id: schema.users.id }).from(schema.users).where(inArray(schema.users.organisationId, orgIds))).map((p) => p.id);
  const requestIds = requests.map((r) => r.id);
  const countOf = async (table: typeof schema.auditEvents | typeof schema.referenceChecks | typeof schema.duplicateDecisions) =>
    (await first(db.select({ n: count() }).from(table).where(inArray(table.boardId, boardIds))))!.n;
  return JSON.stringify({
    alliance: await first(db.select().from(schema.alliances).where(eq(schema.alliances.id, s.allianceId))),
    boards,
    orgs,
    people: await db.select().from(schema.users).where(inArray(schema.users.organisationId, orgIds)).orderBy(schema.users.id),
    requests,
    referrals: await db.select().from(schema.referrals).where(inArray(schema.referrals.requestId, requestIds)).orderBy(schema.referrals.id),
    comments: await db.select().from(schema.comments).where(inArray(schema.comments.requestId, requestIds)).orderBy(schema.comments.id),
    contacts: await db.select().from(schema.requestContacts).where(inArray(schema.requestContacts.requestId, requestIds)).orderBy(schema.requestContacts.requestId),
    contactViews: await db.select().from(schema.contactViews).where(inArray(schema.contactViews.requestId, requestIds)).orderBy(schema.contactViews.id),
    offers: await db.select().from(schema.offers).where(inArray(schema.offers.organisationId, orgIds)).orderBy(schema.offers.id),
    sessions: await db.select({ id: schema.sessions.id, expiresAt: schema.sessions.expiresAt }).from(schema.sessions).where(inArray(schema.sessions.userId, peopleIds)).orderBy(schema.sessions.id),
    notifications: await db.select().from(schema.notifications).where(inArray(schema.notifications.userId, peopleIds)).orderBy(schema.notifications.id),
    notificationSettings: await db.select().from(schema.notificationSettings).where(inArray(schema.notificationSettings.userId, peopleIds)).orderBy(schema.notificationSettings.userId, schema.notificationSettings.kind),
    invitations: await db.select().from(schema.invitations).where(eq(schema.invitations.allianceId, s.allianceId)).orderBy(schema.invitations.id),
    moments: await db.select({ id: schema.boardMoments.id, at: schema.boardMoments.at }).from(schema.boardMoments).where(inArray(schema.boardMoments.boardId, boardIds)).orderBy(schema.boardMoments.id),
    audit: await countOf(schema.auditEvents),
    checks: await countOf(schema.referenceChecks),
    decisions: await countOf(schema.duplicateDecisions),
    documents: await Promise.all(boardIds.map(async (id) => readBoard(await storedDocOf(t.h, id)))),
  });
}

/** The fingerprint once it holds still (activity rows are written right after the edits that cause them). */
async function settled(s: Side): Promise<string> {
  let last = await fingerprint(s);
  await waitFor(
    async () => {
      await new Promise((r) => setTimeout(r, 50));
      const now = await fingerprint(s);
      const same = now === last;
      last = now;
      return same;
    },
    { message: `alliance ${s.label} settles` },
  );
  return last;
}

/** Run every attempt of the tables as the attacker's member and coordinator; return what went wrong. */
async function attack(attacker: Side, victim: Side, tables: Record<string, Attempts>): Promise<string[]> {
  const failures: string[] = [];
  const secrets = secretsOf(victim);
  for (const [file, attempts] of Object.entries(tables)) {
    for (const at of attempts(victim, attacker)) {
      for (const role of ["member", "coordinator"] as const) {
        const what = `${attacker.label}→${victim.label} ${role} ${at.method} ${at.path} (${file})`;
        const sent = JSON.stringify([at.path, at.body ?? null, at.form ?? null, at.upload?.data ?? null]);
        const res = await send(attacker.cookies[role], at);
        const want = expected(at, role);
        if (want === "own" ? res.status >= 500 : res.status !== want) failures.push(`${what}: ${res.status}, expected ${want}: ${res.text.slice(0, 160)}`);
        const leaked = secrets.filter((s) => !sent.includes(s) && res.text.includes(s));
        if (leaked.length) failures.push(`${what}: the answer holds ${victim.label}'s ${leaked.join(", ")}`);
        const ghost = ghostOf(at, victim);
        if (!ghost.swapped) continue;
        const other = await send(attacker.cookies[role], ghost.attempt);
        if (other.status !== res.status) failures.push(`${what}: ${res.status}, but ${other.status} for an unknown id`);
        else if (res.type.includes("application/json") && ghost.back(other.text) !== res.text) {
          failures.push(`${what}: answers ${res.text.slice(0, 120)}, but for an unknown id ${other.text.slice(0, 120)}`);
        }
      }
    }
  }
  return failures;
}

// ------------------------------------------------------------------ setup

beforeAll(async () => {
  // Hundreds of attempts from a few sessions: the per-session budgets are not what is tested here.
  t = await startTestServer({
    WRITES_PER_SESSION_PER_MINUTE: "100000",
    REFERENCE_CHECKS_PER_10_MINUTES: "100000",
    REQUESTS_PER_ORG_PER_HOUR: "100000",
    // A wrong current password (PATCH /api/me) counts as a failed login; all attempts come from 127.0.0.1.
    LOGIN_FAILURES_PER_ADDRESS: "100000",
    LOGIN_FREE_FAILURES: "100000",
  });
  const s = t.seed;
  const coordinatorB = await makeUser(t.h, { organisationId: s.orgB.id, email: "coordinator@zuid.test", name: "Coördinator Zuid", role: "coordinator" });
  const orgB2 = await makeOrganisation(t.h, { allianceId: s.allianceB.id, name: "Taalcafé Zuid", shortName: "TCZ" });
  const member2B = await makeUser(t.h, { organisationId: orgB2.id, email: "tweede@zuid.test", name: "Tweede Zuid" });
  A = await populate({
    label: "A",
    allianceId: s.allianceA.id,
    allianceName: s.allianceA.name,
    org: s.orgA1,
    org2: s.orgA2,
    boardId: s.boardA.id,
    boardName: s.boardA.name,
    cookies: { member: s.cookies.memberA1, member2: s.cookies.memberA2, coordinator: s.cookies.coordinatorA },
    person: s.memberA2,
    tag: "Noordgeheim",
    extraSecrets: [...s.boardA.cardIds, "Woning gezocht voor gezin", "Taalmaatje gevraagd", "Hulp bij sollicitatie", "Fiets voor vervoer naar school", s.memberA1.email, s.coordinatorA.email, s.viewerA.email],
  });
  B = await populate({
    label: "B",
    allianceId: s.allianceB.id,
    allianceName: s.allianceB.name,
    org: s.orgB,
    org2: orgB2,
    boardId: s.boardB.id,
    boardName: s.boardB.name,
    cookies: { member: s.cookies.memberB, member2: await makeSessionCookie(t.h, member2B.id), coordinator: await makeSessionCookie(t.h, coordinatorB.id) },
    person: s.memberB,
    tag: "Zuidgeheim",
    extraSecrets: [...s.boardB.cardIds, "Kinderopvang gezocht", coordinatorB.email],
  });
  const c = await createAllianceC();
  // A second board of C, made by its coordinator through the API: it is the one attacked.
  const second = await t.api("/api/boards", { cookie: c.cookies.coordinator, body: { name: "Klussen Laarne-Kalken" } });
  expect(second.status).toBe(201);
  C = await populate({ ...c, boardId: second.body.id, boardName: "Klussen Laarne-Kalken", tag: "Laarnegeheim", extraSecrets: [c.firstBoard] });
});

afterAll(async () => {
  await t?.close();
});

// ------------------------------------------------------------------ the tests

describe("alliances strictly apart", () => {
  it("every route file has its attempts here (a new route fails this until it has them)", () => {
    const files = fs.readdirSync(path.join(ROOT, "app/routes")).filter((f) => /\.(tsx?|jsx?)$/.test(f));
    const api = files.filter((f) => f.startsWith("api."));
    const pages = files.filter((f) => !f.startsWith("api."));
    expect(api.filter((f) => !(f in API_ROUTES)), "API routes without attempts in API_ROUTES").toEqual([]);
    expect(pages.filter((f) => !(f in PAGE_ROUTES)), "page routes without attempts in PAGE_ROUTES").toEqual([]);
    expect(Object.keys(API_ROUTES).filter((f) => !api.includes(f)), "attempts for API routes that no longer exist").toEqual([]);
    expect(Object.keys(PAGE_ROUTES).filter((f) => !pages.includes(f)), "attempts for pages that no longer exist").toEqual([]);
  });

  it("C was made as the product makes alliances, and its own people reach it", async () => {
    const boards = await t.api("/api/boards", { cookie: C.cookies.member });
    expect(boards.body.map((b: { name: string }) => b.name).sort()).toEqual(["Hulpvragen", "Klussen Laarne-Kalken"]);
    expect((await t.api(`/api/boards/${C.boardId}/requests/${C.r1}`, { cookie: C.cookies.member })).body.card.title).toBe("Laarnegeheim vraag een");
    expect((await t.api(`/api/boards/${C.boardId}/duplicates`, { cookie: C.cookies.coordinator })).body.groups.length).toBeGreaterThan(0);
  });

  const side = (label: "A" | "B" | "C") => ({ A, B, C })[label];
  for (const [from, to] of [
    ["B", "A"],
    ["C", "A"],
    ["A", "C"],
  ] as const) {
    it(`every API route, as a member and a coordinator of ${from} against ${to}: 404 for its ids, like unknown ids, nothing of it in any answer, nothing changed`, async () => {
      const [attacker, victim] = [side(from), side(to)];
      const before = await settled(victim);
      const failures = await attack(attacker, victim, API_ROUTES);
      expect(failures, failures.join("\n")).toEqual([]);
      expect(await settled(victim)).toBe(before);
    });

    it(`every page route with ids, and the pages that list the own alliance, as ${from} against ${to}`, async () => {
      const [attacker, victim] = [side(from), side(to)];
      const before = await settled(victim);
      const failures = await attack(attacker, victim, PAGE_ROUTES);
      expect(failures, failures.join("\n")).toEqual([]);
      expect(await settled(victim)).toBe(before);
    });
  }

  it("Yjs: the other alliance's board is refused before a byte, 404 like an unknown board", async () => {
    for (const [attacker, victim] of [
      [B, A],
      [A, C],
      [C, A],
    ]) {
      for (const role of ["member", "coordinator"] as const) {
        for (const board of [victim.boardId, randomUUID()]) {
          const c = rawConnect(t.url, `/yjs/${board}`, { cookie: attacker.cookies[role] });
          expect(await withTimeout(c.refused, 10_000, "refused upgrade")).toBe(404);
          expect(c.messages).toEqual([]);
        }
      }
    }
  });

  it("socket.io: the other alliance's board cannot be joined (answered like an unknown one), its ids do nothing, and none of its events arrive", async () => {
    const failures: string[] = [];
    const heard: Array<{ who: string; event: string; payload: string }> = [];
    const listeners: IoSocket[] = [];
    for (const [attacker, victim] of [
      [B, A],
      [C, A],
      [A, C],
    ]) {
      const before = await settled(victim);
      for (const role of ["member", "coordinator"] as const) {
        const s = await t.io({ cookie: attacker.cookies[role], boardId: attacker.boardId });
        listeners.push(s);
        s.onAny((event: string, payload: unknown) => heard.push({ who: `${attacker.label} ${role}`, event, payload: JSON.stringify(payload ?? null) }));
        const join = await s.timeout(5000).emitWithAck("board:join", { boardId: victim.boardId });
        const unknown = await s.timeout(5000).emitWithAck("board:join", { boardId: randomUUID() });
        if (join.ok !== false || JSON.stringify(join) !== JSON.stringify(unknown)) failures.push(`${attacker.label} ${role} joins ${victim.label}'s board: ${JSON.stringify(join)} vs ${JSON.stringify(unknown)}`);
        const events: Array<[string, Record<string, unknown>]> = [
          ["request:claim", { requestId: victim.r2 }],
          ["request:unclaim", { requestId: victim.r1 }],
          ["request:reassign", { requestId: victim.r1, to: attacker.org.id }],
          ["request:refer", { requestId: victim.r1, to: attacker.org2.id, note: "" }],
          ["referral:accept", { requestId: victim.r1 }],
          ["referral:decline", { requestId: victim.r1, reason: "Nee" }],
          ["referral:revoke", { requestId: victim.r1 }],
          ["comment:add", { requestId: victim.r1, body: "Ingeschoven" }],
        ];
        for (const [event, payload] of events) {
          for (const boardId of [victim.boardId, attacker.boardId]) {
            const ack = await s.timeout(5000).emitWithAck(event, { boardId, ...payload });
            const ghostAck = await s.timeout(5000).emitWithAck(event, { boardId: boardId === victim.boardId ? randomUUID() : boardId, ...payload, requestId: randomUUID() });
            if (ack.ok !== false) failures.push(`${attacker.label} ${role} ${event} on ${boardId === victim.boardId ? "the other's" : "its own"} board: ${JSON.stringify(ack)}`);
            if (JSON.stringify(ack) !== JSON.stringify(ghostAck)) failures.push(`${attacker.label} ${role} ${event}: ${JSON.stringify(ack)}, for unknown ids ${JSON.stringify(ghostAck)}`);
            const leaked = secretsOf(victim).filter((x) => JSON.stringify(ack).includes(x) && !JSON.stringify(payload).includes(x) && x !== boardId);
            if (leaked.length) failures.push(`${attacker.label} ${role} ${event}: the answer holds ${leaked.join(", ")}`);
          }
        }
      }
      // The meeting: the other's meeting cannot be followed or steered (answered as for an unknown meeting), nor read through its board.
      for (const role of ["member", "coordinator"] as const) {
        const s = await t.io({ cookie: attacker.cookies[role], boardId: attacker.boardId });
        listeners.push(s);
        for (const boardId of [victim.boardId, attacker.boardId]) {
          const focus = { boardId, itemId: null, view: { query: "", cardId: null, columnId: null }, scroll: { x: 0, y: 0 } };
          const ack = await s.timeout(5000).emitWithAck("meeting:focus", { ...focus, meetingId: victim.meetingId });
          const ghostAck = await s.timeout(5000).emitWithAck("meeting:focus", { ...focus, meetingId: randomUUID() });
          if (ack.ok !== false || JSON.stringify(ack) !== JSON.stringify(ghostAck)) failures.push(`${attacker.label} ${role} meeting:focus on ${victim.label}'s meeting: ${JSON.stringify(ack)} vs ${JSON.stringify(ghostAck)}`);
        }
        const current = await s.timeout(5000).emitWithAck("meeting:current", { boardId: victim.boardId });
        const ghost = await s.timeout(5000).emitWithAck("meeting:current", { boardId: randomUUID() });
        if (current.ok !== false || JSON.stringify(current) !== JSON.stringify(ghost)) failures.push(`${attacker.label} ${role} meeting:current of ${victim.label}'s board: ${JSON.stringify(current)}`);
      }
      expect(await settled(victim)).toBe(before);
    }

    // Meanwhile each alliance works on its own board; its own people hear it, the others hear nothing of it.
    for (const victim of [A, C]) {
      const own = await t.io({ cookie: victim.cookies.member2, boardId: victim.boardId });
      const ownHeard: string[] = [];
      own.onAny((event: string, payload: unknown) => ownHeard.push(`${event} ${JSON.stringify(payload ?? null)}`));
      const fresh = await t.api(`/api/boards/${victim.boardId}/requests`, {
        cookie: victim.cookies.member,
        body: { title: `${victim.tag} live vraag`, category: "werk", description: "", reference: `${victim.tag}-LIVE`, area: "" },
      });
      expect(fresh.status).toBe(201);
      const base = `/api/boards/${victim.boardId}/requests/${fresh.body.id}`;
      expect((await t.api(`${base}/comments`, { cookie: victim.cookies.member, body: { body: `${victim.tag} live opmerking` } })).status).toBe(201);
      expect((await t.api(`${base}/claim`, { cookie: victim.cookies.member, body: {} })).status).toBe(200);
      expect((await t.api(`${base}/refer`, { cookie: victim.cookies.member, body: { to: victim.org2.id, note: `${victim.tag} live notitie` } })).status).toBe(200);
      await waitFor(() => ownHeard.some((h) => h.startsWith("comment:new") && h.includes(`${victim.tag} live opmerking`)) && ownHeard.some((h) => h.startsWith("inbox:changed")), {
        message: `${victim.label}'s own member hears the comment and the referral`,
      });
      // Round trips on every listener: anything sent before has arrived.
      for (const s of listeners) await s.timeout(5000).emitWithAck("board:join", { boardId: randomUUID() });
      for (const h of heard) {
        const leaked = secretsOf(victim).filter((x) => h.payload.includes(x));
        if (leaked.length && !h.who.startsWith(victim.label)) failures.push(`${h.who} heard ${h.event} with ${victim.label}'s ${leaked.join(", ")}`);
      }
      own.disconnect();
    }
    expect(failures, failures.join("\n")).toEqual([]);
  });

  it("a Yjs client on its own board never receives the other alliance's cards", async () => {
    const client = await t.connect(B.boardId, { cookie: B.cookies.member });
    const res = await t.api(`/api/boards/${A.boardId}/requests`, { cookie: A.cookies.member, body: { title: `${A.tag} voor de Yjs-toets`, category: "taal", description: "", reference: "", area: "" } });
    expect(res.status).toBe(201);
    const mine = await t.api(`/api/boards/${B.boardId}/requests`, { cookie: B.cookies.member, body: { title: "Eigen vraag Zuid", category: "taal", description: "", reference: "", area: "" } });
    expect(mine.status).toBe(201);
    await waitFor(() => readBoard(client.doc).cards.some((c) => c.title === "Eigen vraag Zuid"));
    const seen = JSON.stringify(client.doc.toJSON());
    expect(secretsOf(A).filter((s) => seen.includes(s))).toEqual([]);
    client.destroy();
  });
});
