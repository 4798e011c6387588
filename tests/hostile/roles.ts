/**
 * Every JSON API route as every role: the status each must get.
 *
 * The roles, all seen from a request on a board of alliance A that
 * organisation A1 entered (and, where the route needs it, holds):
 * - `coordinator`: a coordinator of alliance A (organisation A1);
 * - `memberOwner`: a member of A1, the owning organisation;
 * - `memberOther`: a member of A2, another organisation of the same alliance;
 * - `viewer`: a viewer of alliance A (reads only);
 * - `otherAlliance`: a member of alliance B, who must never learn more than a
 *   403/404 about alliance A's boards, requests and organisations;
 * - `anonymous`: no session at all.
 *
 * Each cell runs against state of its own (a fresh board from the factories,
 * set up as `state` says), so the order of the cells never matters.
 */

export const ROLES = ["coordinator", "memberOwner", "memberOther", "viewer", "otherAlliance", "anonymous"] as const;
export type Role = (typeof ROLES)[number];

/** What a cell is run against: a fresh board of alliance A with these ids. */
export interface Fixture {
  boardId: string;
  /** A request entered by A1 (in state `claimed`/`referred`: held by A1). */
  requestId: string;
  /** A second request entered by A1 (for the duplicate decisions). */
  secondId: string;
  orgOwner: string;
  orgOther: string;
  /** A third organisation of alliance A (a referral target for everyone). */
  orgThird: string;
  /** Board B (alliance B) and one of its requests. */
  boardB: string;
  requestB: string;
  /** An organisation of alliance B. */
  orgB: string;
}

/**
 * The state a cell needs: `open` (nobody holds the request), `claimed` (A1
 * holds it), `referred` (A1 holds it and referred it to A2, pending).
 */
export type State = "open" | "claimed" | "referred";

export interface RouteCase {
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH";
  state: State;
  path(f: Fixture): string;
  body?(f: Fixture): unknown;
  /** The status each role must get (a list: any of these). */
  expect: Record<Role, number | readonly number[]>;
}

/** Another alliance learns nothing: its ids are answered like ids that do not exist. */
const HIDDEN = 404;

/** Everyone of the alliance may read; another alliance and anonymous may not. */
const READ = { coordinator: 200, memberOwner: 200, memberOther: 200, viewer: 200, otherAlliance: HIDDEN, anonymous: 401 } as const;
/** Members and coordinators write; viewers may not. */
const WRITE = { coordinator: 200, memberOwner: 200, memberOther: 200, viewer: 403, otherAlliance: HIDDEN, anonymous: 401 } as const;
/** Coordinators only. */
const COORDINATOR = { coordinator: 200, memberOwner: 403, memberOther: 403, viewer: 403, otherAlliance: HIDDEN, anonymous: 401 } as const;

const board = (f: Fixture) => `/api/boards/${f.boardId}`;
const req = (f: Fixture) => `${board(f)}/requests/${f.requestId}`;

export const ROUTES: RouteCase[] = [
  // ------------------------------------------------------------ reads
  {
    name: "GET /api/boards",
    method: "GET",
    state: "open",
    path: () => "/api/boards",
    // Another alliance gets its own list (checked: without board A).
    expect: { ...READ, otherAlliance: 200 },
  },
  {
    name: "GET /api/organisations",
    method: "GET",
    state: "open",
    path: () => "/api/organisations",
    expect: { ...READ, otherAlliance: 200 },
  },
  // The person's own account: everyone with a session reaches their own, nobody another's.
  { name: "GET /api/me", method: "GET", state: "open", path: () => "/api/me", expect: { ...READ, otherAlliance: 200 } },
  {
    name: "PATCH /api/me (own language)",
    method: "PATCH",
    state: "open",
    path: () => "/api/me",
    body: () => ({ locale: "nl" }),
    expect: { coordinator: 200, memberOwner: 200, memberOther: 200, viewer: 200, otherAlliance: 200, anonymous: 401 },
  },
  { name: "GET /api/me/sessions", method: "GET", state: "open", path: () => "/api/me/sessions", expect: { ...READ, otherAlliance: 200 } },
  { name: "GET /api/me/export (own data)", method: "GET", state: "open", path: () => "/api/me/export", expect: { ...READ, otherAlliance: 200 } },
  { name: "GET board (columns with stages)", method: "GET", state: "open", path: board, expect: READ },
  { name: "GET request", method: "GET", state: "claimed", path: req, expect: READ },
  { name: "GET comments", method: "GET", state: "open", path: (f) => `${req(f)}/comments`, expect: READ },
  { name: "GET matches", method: "GET", state: "open", path: (f) => `${req(f)}/matches`, expect: READ },
  { name: "GET activity", method: "GET", state: "open", path: (f) => `${board(f)}/activity`, expect: READ },
  { name: "GET request activity", method: "GET", state: "open", path: (f) => `${board(f)}/activity?request=${f.requestId}`, expect: READ },
  { name: "GET inbox", method: "GET", state: "referred", path: (f) => `${board(f)}/inbox`, expect: READ },
  { name: "GET overview", method: "GET", state: "open", path: (f) => `${board(f)}/overview`, expect: READ },
  { name: "GET summary (since the last meeting)", method: "GET", state: "referred", path: (f) => `${board(f)}/summary`, expect: READ },
  { name: "GET stored moments (the board as it was)", method: "GET", state: "open", path: (f) => `${board(f)}/snapshots`, expect: READ },
  { name: "POST a moment by hand", method: "POST", state: "open", path: (f) => `${board(f)}/snapshots`, expect: { ...COORDINATOR, coordinator: 201 } },
  { name: "POST forget: what would go (dry run)", method: "POST", state: "referred", path: (f) => `${board(f)}/forget`, body: (f) => ({ requestId: f.requestId, dryRun: true }), expect: COORDINATOR },
  { name: "POST forget: another alliance's request through this board", method: "POST", state: "open", path: (f) => `${board(f)}/forget`, body: (f) => ({ requestId: f.requestB }), expect: { ...COORDINATOR, coordinator: HIDDEN } },
  // A request staff entered is no front-door item: whoever may mark spam meets 422, the others their refusal.
  { name: "POST spam on a request staff entered", method: "POST", state: "claimed", path: (f) => `${req(f)}/spam`, body: () => ({}), expect: { coordinator: 422, memberOwner: 422, memberOther: 403, viewer: 403, otherAlliance: HIDDEN, anonymous: 401 } },
  { name: "GET meetings", method: "GET", state: "open", path: (f) => `${board(f)}/meetings`, expect: READ },
  { name: "GET meeting actions", method: "GET", state: "open", path: (f) => `${board(f)}/actions?open=1`, expect: READ },
  { name: "GET report (json)", method: "GET", state: "open", path: (f) => `${board(f)}/report?from=2026-01-01&to=2026-12-31`, expect: READ },
  { name: "GET report (csv)", method: "GET", state: "open", path: (f) => `${board(f)}/report?from=2026-01-01&to=2026-12-31&format=csv`, expect: READ },
  { name: "GET duplicates", method: "GET", state: "open", path: (f) => `${board(f)}/duplicates`, expect: READ },
  { name: "GET board export (csv)", method: "GET", state: "open", path: (f) => `${board(f)}/export.csv`, expect: READ },
  // The other alliance's coordinator would get their own alliance: the role here is a member, so 403.
  { name: "GET alliance export (json)", method: "GET", state: "open", path: () => "/api/alliance/export", expect: { ...COORDINATOR, otherAlliance: 403 } },
  // The processing register (AVG art. 30): the other alliance's member meets the role check.
  { name: "GET processing register (csv)", method: "GET", state: "open", path: () => "/api/alliance/processing-register.csv", expect: { ...COORDINATOR, otherAlliance: 403 } },
  // Local teams (issue 15): everyone reads their own alliance's (the other alliance's member gets theirs), coordinators write.
  { name: "GET local teams", method: "GET", state: "open", path: () => "/api/alliance/teams", expect: { ...READ, otherAlliance: 200 } },
  {
    name: "POST a local team",
    method: "POST",
    state: "open",
    path: () => "/api/alliance/teams",
    body: (f) => ({ name: `Team ${f.boardId.slice(0, 8)}`, organisationIds: [f.orgOwner, f.orgOther] }),
    expect: { ...COORDINATOR, coordinator: 201, otherAlliance: 403 },
  },
  { name: "PATCH how teams work", method: "PATCH", state: "open", path: () => "/api/alliance/teams", body: () => ({ mode: "across_organisations" }), expect: { ...COORDINATOR, otherAlliance: 403 } },
  // The board's retention, set to what it is (a coordinator's write that changes nothing).
  { name: "PATCH board retention", method: "PATCH", state: "open", path: board, body: () => ({ retentionMonths: 12 }), expect: COORDINATOR },
  {
    name: "GET offers of A1",
    method: "GET",
    state: "open",
    path: (f) => `/api/organisations/${f.orgOwner}/offers`,
    expect: READ,
  },

  // ------------------------------------------------------------ writes
  {
    name: "POST meeting (plan)",
    method: "POST",
    state: "open",
    path: (f) => `${board(f)}/meetings`,
    body: () => ({ title: "Overleg", at: "2027-01-12T19:30:00Z" }),
    expect: { ...COORDINATOR, coordinator: 201 },
  },
  {
    // A1 entered it: A1 and the coordinator change it; A2 may not (its own request rules).
    name: "PATCH request fields",
    method: "PATCH",
    state: "open",
    path: req,
    body: () => ({ title: "Anders verwoord", urgency: "hoog" }),
    expect: { ...WRITE, memberOther: 403 },
  },
  {
    // A1 holds it: only A1 and the coordinator move it; A2 learns who holds it.
    name: "PATCH request column (held by A1)",
    method: "PATCH",
    state: "claimed",
    path: req,
    body: () => ({ column: "in-uitvoering" }),
    expect: { ...WRITE, memberOther: 409 },
  },
  {
    name: "POST create request",
    method: "POST",
    state: "open",
    path: (f) => `${board(f)}/requests`,
    body: () => ({ title: "Hulp bij formulieren", category: "wonen", description: "", reference: "", area: "Noord", urgency: "normaal" }),
    expect: { ...WRITE, coordinator: 201, memberOwner: 201, memberOther: 201 },
  },
  {
    name: "POST reference check",
    method: "POST",
    state: "open",
    path: (f) => `${board(f)}/requests/check`,
    body: () => ({ reference: "XY-1990-Noord", category: "wonen" }),
    expect: WRITE,
  },
  { name: "POST claim", method: "POST", state: "open", path: (f) => `${req(f)}/claim`, expect: WRITE },
  {
    name: "POST unclaim",
    method: "POST",
    state: "claimed",
    path: (f) => `${req(f)}/unclaim`,
    // Only the holder (A1) or a coordinator releases a claim.
    expect: { ...WRITE, memberOther: 409 },
  },
  {
    name: "POST refer",
    method: "POST",
    state: "claimed",
    path: (f) => `${req(f)}/refer`,
    body: (f) => ({ to: f.orgThird, note: "Kunnen jullie dit overnemen?" }),
    expect: { ...WRITE, memberOther: 409 },
  },
  {
    name: "POST reassign",
    method: "POST",
    state: "claimed",
    path: (f) => `${req(f)}/reassign`,
    body: (f) => ({ to: f.orgThird }),
    expect: COORDINATOR,
  },
  {
    name: "POST referral/accept",
    method: "POST",
    state: "referred",
    path: (f) => `${req(f)}/referral/accept`,
    // Only the recipient (A2) answers; the sender's organisation may not.
    expect: { ...WRITE, coordinator: 403, memberOwner: 403 },
  },
  {
    name: "POST referral/decline",
    method: "POST",
    state: "referred",
    path: (f) => `${req(f)}/referral/decline`,
    body: () => ({ reason: "Geen plek deze maand" }),
    expect: { ...WRITE, coordinator: 403, memberOwner: 403 },
  },
  {
    name: "POST referral/revoke",
    method: "POST",
    state: "referred",
    path: (f) => `${req(f)}/referral/revoke`,
    // Only the sender (A1) withdraws.
    expect: { ...WRITE, memberOther: 403 },
  },
  {
    name: "POST comment",
    method: "POST",
    state: "open",
    path: (f) => `${req(f)}/comments`,
    body: () => ({ body: "Ik heb gebeld, terugbellen morgen." }),
    expect: { ...WRITE, coordinator: 201, memberOwner: 201, memberOther: 201 },
  },
  // Sealed contact details: the organisation that entered (or holds) the request only, its coordinator included.
  ...(["open", "claimed"] as const).flatMap((state): RouteCase[] => [
    { name: `GET contact (${state})`, method: "GET", state, path: (f) => `${req(f)}/contact`, expect: { ...WRITE, memberOther: 403 } },
    {
      name: `PUT contact (${state})`,
      method: "PUT",
      state,
      path: (f) => `${req(f)}/contact`,
      body: () => ({ name: "Geheime Naam", phone: "06 1234 5678", consent: true }),
      expect: { ...WRITE, memberOther: 403 },
    },
  ]),
  { name: "GET contact/status", method: "GET", state: "open", path: (f) => `${req(f)}/contact/status`, expect: READ },
  {
    name: "POST duplicates/merge",
    method: "POST",
    state: "open",
    path: (f) => `${board(f)}/duplicates/merge`,
    body: (f) => ({ into: f.requestId, from: f.secondId }),
    expect: COORDINATOR,
  },
  {
    name: "POST duplicates/dismiss",
    method: "POST",
    state: "open",
    path: (f) => `${board(f)}/duplicates/dismiss`,
    body: (f) => ({ a: f.requestId, b: f.secondId }),
    expect: COORDINATOR,
  },
  {
    name: "PUT offers of A1",
    method: "PUT",
    state: "open",
    path: (f) => `/api/organisations/${f.orgOwner}/offers`,
    body: () => ({ offers: [{ category: "taal", label: "Taalmaatjes", capacity: 3, area: "" }] }),
    // Its own members or a coordinator.
    expect: { ...WRITE, memberOther: 403 },
  },
  // Invitations: the alliance's coordinator only; another alliance's member is refused like any member (403).
  { name: "GET /api/invitations", method: "GET", state: "open", path: () => "/api/invitations", expect: { ...COORDINATOR, otherAlliance: 403 } },
  {
    name: "POST /api/invitations",
    method: "POST",
    state: "open",
    path: () => "/api/invitations",
    body: (f) => ({ email: `uitgenodigd-${Date.now()}-${Math.random().toString(36).slice(2)}@noord.test`, name: "Nieuwe Collega", organisationId: f.orgThird, role: "member" }),
    expect: { ...COORDINATOR, coordinator: 201, otherAlliance: 403 },
  },
];

/**
 * Ids of one alliance used under the other's board: an id that exists
 * elsewhere must look exactly like one that does not exist (404), and a board
 * of the other alliance is 403/404. Run as the `as` role.
 */
export interface CrossCase {
  name: string;
  as: "memberOwner" | "otherAlliance";
  method: "GET" | "POST";
  path(f: Fixture): string;
  body?(f: Fixture): unknown;
  expect: number | readonly number[];
}

export const CROSS: CrossCase[] = [
  { name: "B's board, A's request (GET)", as: "otherAlliance", method: "GET", path: (f) => `/api/boards/${f.boardB}/requests/${f.requestId}`, expect: 404 },
  { name: "B's board, A's request (claim)", as: "otherAlliance", method: "POST", path: (f) => `/api/boards/${f.boardB}/requests/${f.requestId}/claim`, expect: 404 },
  {
    name: "B's board, A's request (comment)",
    as: "otherAlliance",
    method: "POST",
    path: (f) => `/api/boards/${f.boardB}/requests/${f.requestId}/comments`,
    body: () => ({ body: "hallo" }),
    expect: 404,
  },
  { name: "B's board, A's request (comments list)", as: "otherAlliance", method: "GET", path: (f) => `/api/boards/${f.boardB}/requests/${f.requestId}/comments`, expect: 404 },
  { name: "B's board, A's request (contact)", as: "otherAlliance", method: "GET", path: (f) => `/api/boards/${f.boardB}/requests/${f.requestId}/contact`, expect: 404 },
  { name: "A's board, B's request (contact)", as: "memberOwner", method: "GET", path: (f) => `/api/boards/${f.boardId}/requests/${f.requestB}/contact`, expect: 404 },
  { name: "A's board, B's request (GET)", as: "memberOwner", method: "GET", path: (f) => `/api/boards/${f.boardId}/requests/${f.requestB}`, expect: 404 },
  { name: "A's board, B's request (claim)", as: "memberOwner", method: "POST", path: (f) => `/api/boards/${f.boardId}/requests/${f.requestB}/claim`, expect: 404 },
  { name: "B's board as a member of A", as: "memberOwner", method: "GET", path: (f) => `/api/boards/${f.boardB}/activity`, expect: HIDDEN },
  { name: "B's request as a member of A", as: "memberOwner", method: "GET", path: (f) => `/api/boards/${f.boardB}/requests/${f.requestB}`, expect: HIDDEN },
  { name: "an unknown board", as: "otherAlliance", method: "GET", path: () => `/api/boards/00000000-0000-4000-8000-000000000000/activity`, expect: HIDDEN },
];

export function allowed(expected: number | readonly number[]): readonly number[] {
  return typeof expected === "number" ? [expected] : expected;
}

/**
 * Bad input from a person who may use the route: a clear 400 (or 422) with
 * `{ error, message }`, never a 500, and nothing stored. `raw` is sent as the
 * body text as it is (JSON that does not parse, an array, a number).
 */
export interface BadInputCase {
  name: string;
  as: Role;
  method: "POST" | "PUT";
  state: State;
  path(f: Fixture): string;
  body?(f: Fixture): unknown;
  raw?: string;
}

const INVALID = [400, 422] as const;
export const BAD_INPUT_STATUS = INVALID;

export const BAD_INPUT: BadInputCase[] = [
  { name: "create: no title", as: "memberOwner", method: "POST", state: "open", path: (f) => `${board(f)}/requests`, body: () => ({ category: "wonen" }) },
  { name: "create: unknown category", as: "memberOwner", method: "POST", state: "open", path: (f) => `${board(f)}/requests`, body: () => ({ title: "Iets", category: "bestaat-niet" }) },
  { name: "create: a title of 100,000 characters", as: "memberOwner", method: "POST", state: "open", path: (f) => `${board(f)}/requests`, body: () => ({ title: "x".repeat(100_000), category: "wonen" }) },
  { name: "create: a title that is an object", as: "memberOwner", method: "POST", state: "open", path: (f) => `${board(f)}/requests`, body: () => ({ title: { $gt: "" }, category: "wonen" }) },
  { name: "create: JSON that does not parse", as: "memberOwner", method: "POST", state: "open", path: (f) => `${board(f)}/requests`, raw: '{"title": "Iets",' },
  { name: "create: a JSON array", as: "memberOwner", method: "POST", state: "open", path: (f) => `${board(f)}/requests`, raw: '[{"title":"Iets","category":"wonen"}]' },
  { name: "create: a JSON number", as: "memberOwner", method: "POST", state: "open", path: (f) => `${board(f)}/requests`, raw: "42" },
  { name: "forget: a reference that is an object", as: "coordinator", method: "POST", state: "open", path: (f) => `${board(f)}/forget`, body: () => ({ reference: { $gt: "" } }) },
  { name: "forget: a reference and a request at once", as: "coordinator", method: "POST", state: "open", path: (f) => `${board(f)}/forget`, body: (f) => ({ reference: "AB-12", requestId: f.requestId }) },
  { name: "comment: empty", as: "memberOwner", method: "POST", state: "open", path: (f) => `${req(f)}/comments`, body: () => ({ body: "   " }) },
  { name: "comment: a body that is a list", as: "memberOwner", method: "POST", state: "open", path: (f) => `${req(f)}/comments`, body: () => ({ body: ["a", "b"] }) },
  { name: "contact: an e-mail address that is not one", as: "memberOwner", method: "PUT", state: "open", path: (f) => `${req(f)}/contact`, body: () => ({ email: "geen-adres" }) },
  { name: "contact: a name that is an object", as: "memberOwner", method: "PUT", state: "open", path: (f) => `${req(f)}/contact`, body: () => ({ name: { $gt: "" } }) },
  { name: "refer: to an organisation of another alliance", as: "memberOwner", method: "POST", state: "claimed", path: (f) => `${req(f)}/refer`, body: (f) => ({ to: f.orgB, note: "" }) },
  { name: "refer: to its own organisation", as: "memberOwner", method: "POST", state: "claimed", path: (f) => `${req(f)}/refer`, body: (f) => ({ to: f.orgOwner }) },
  { name: "reassign: to nobody", as: "coordinator", method: "POST", state: "claimed", path: (f) => `${req(f)}/reassign`, body: () => ({ to: 12 }) },
  { name: "decline: without a reason", as: "memberOther", method: "POST", state: "referred", path: (f) => `${req(f)}/referral/decline`, body: () => ({ reason: "" }) },
  { name: "merge: a request into itself", as: "coordinator", method: "POST", state: "open", path: (f) => `${board(f)}/duplicates/merge`, body: (f) => ({ into: f.requestId, from: f.requestId }) },
  {
    name: "offers: a negative capacity",
    as: "memberOwner",
    method: "PUT",
    state: "open",
    path: (f) => `/api/organisations/${f.orgOwner}/offers`,
    body: () => ({ offers: [{ category: "taal", label: "Taalmaatjes", capacity: -5 }] }),
  },
  { name: "offers: not a list", as: "memberOwner", method: "PUT", state: "open", path: (f) => `/api/organisations/${f.orgOwner}/offers`, body: () => ({ offers: "alles" }) },
  { name: "invite: into an organisation of another alliance", as: "coordinator", method: "POST", state: "open", path: () => "/api/invitations", body: (f) => ({ email: "wie@noord.test", name: "Wie Dan", organisationId: f.orgB, role: "member" }) },
  { name: "invite: an address that is a list", as: "coordinator", method: "POST", state: "open", path: () => "/api/invitations", body: (f) => ({ email: ["a@noord.test"], name: "Wie Dan", organisationId: f.orgOwner, role: "member" }) },
];
