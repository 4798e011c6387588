/**
 * Volunteer jobs and activities (issue 15, Aan de Slag): creating a job card,
 * filling and freeing its places, marking it done. Places are decided in SQL
 * (db/jobs.ts: exactly one winner for the last place); the server then
 * mirrors them into the board document (`mirrorJobPlaces`), so every open
 * board sees "4 van 6 plaatsen" and each request's job at once. The JSON API,
 * the board page's actions and the tests call these.
 */
import { randomUUID } from "node:crypto";
import { addCard, cardsMap, getCard, listCategories, listColumns, mirrorJobPlaces, moveCard, readCard } from "../board/domain";
import { mayFillPlaces, suggestForJob, validateJob, type JobField, type Suggestion } from "../board/jobs";
import { firstColumnOf, stageOfColumn } from "../board/stages";
import type { CardView } from "../board/types";
import { isRecordId } from "../board/validate";
import type { FieldFinding } from "../board/personal-data";
import { listOrganisations } from "../../db/accounts";
import { createJobWithAudit, fillPlaces, freePlace, getJob, markJobDone, type JobState } from "../../db/jobs";
import { ownersOf } from "../../db/ownership";
import { addAudit, type AuditInput } from "../../db/requests";
import { publishLatest } from "./activity.server";
import { apiError } from "./api.server";
import { retryAfterSeconds } from "./limits.server";
import type { BoardRow, SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { ACKNOWLEDGE_FIELD, personalDataGate, recordAcknowledged } from "./personal-data.server";
import { quotaExceeded, type QuotaExceeded } from "./requests.server";
import { teamIdsFor } from "./teams.server";
import { teamOfAlliance } from "../../db/teams";

/** How many requests one fill may name (a job has at most LIMITS.placesMax places). */
const MAX_FILL = 100;

export type JobFailure =
  | { ok: false; status: 403; error: "forbidden"; message: string }
  | { ok: false; status: 404; error: "not_found"; message: string }
  | { ok: false; status: 409; error: "not_enough_places"; message: string; left: number }
  | { ok: false; status: 409; error: "job_done"; message: string }
  | { ok: false; status: 409; error: "in_a_job" | "held_elsewhere"; message: string; requestIds: string[] }
  | { ok: false; status: 422; error: "invalid"; message: string; errors: Record<string, string> }
  | { ok: false; status: 422; error: "not_eligible"; message: string; requestIds: string[] }
  | { ok: false; status: 422; error: "personal_data"; message: string; found: FieldFinding[] }
  | { ok: false; status: 429; error: "quota_exceeded"; message: string; quota: QuotaExceeded };

/** A job as the API and the fill dialog read it. */
export interface JobView {
  id: string;
  title: string;
  category: string;
  places: number;
  /** Requests in its places now. */
  filled: string[];
  left: number;
  at: number | null;
  recurrence: "once" | "weekly";
  durationMinutes: number;
  area: string;
  description: string;
  languageLevel: string;
  physical: boolean;
  asks: string;
  organisation: { id: string; name: string } | null;
  /** The local team the job belongs to (its organisations' people fill its places too), or null. */
  teamId: string | null;
  doneAt: number | null;
  column: string;
  /** Whether the person asking may fill its places and mark it done. */
  mayFill: boolean;
}

/** The API's answer to a failure: JSON error with its fields (`left`, `requestIds`, `errors`, `found`). */
export function jobErrorResponse(f: JobFailure): Response {
  const { ok: _ok, status, error, message, ...extra } = f;
  if ("quota" in extra) {
    const retryAfter = retryAfterSeconds(extra.quota.retryAfterMs);
    const res = apiError(status, error, message, { limit: extra.quota.limit, retryAfter });
    res.headers.set("Retry-After", String(retryAfter));
    return res;
  }
  return apiError(status, error, message, extra);
}

const fail = {
  forbidden: (message = "You may not do this."): JobFailure => ({ ok: false, status: 403, error: "forbidden", message }),
  notFound: (): JobFailure => ({ ok: false, status: 404, error: "not_found", message: "No such job on this board." }),
  invalid: (errors: Record<string, string>): JobFailure => ({ ok: false, status: 422, error: "invalid", message: "Some fields are not valid.", errors }),
  done: (): JobFailure => ({ ok: false, status: 409, error: "job_done", message: "This job is done: its places can no longer change." }),
};

async function view(svc: AppServices, user: SessionUser, job: JobState, card: CardView | null): Promise<JobView> {
  const org = (await listOrganisations(svc.async, user.allianceId)).find((o) => o.id === job.orgId);
  return {
    id: job.id,
    title: card?.title ?? "",
    category: card?.category ?? "",
    places: job.places,
    filled: job.filledIds,
    left: Math.max(0, job.places - job.filled),
    at: card?.at || null,
    recurrence: card?.recurrence === "weekly" ? "weekly" : "once",
    durationMinutes: card?.durationMinutes ?? 0,
    area: card?.area ?? "",
    description: card?.description ?? "",
    languageLevel: card?.languageLevel || "none",
    physical: card?.physical ?? false,
    asks: card?.asks ?? "",
    organisation: org ? { id: org.id, name: org.shortName } : null,
    teamId: job.teamId,
    doneAt: job.doneAt,
    column: card?.column ?? "",
    mayFill: mayFillPlaces(user, job, await teamIdsFor(svc, user)),
  };
}

/** Write SQL's places into the live document (the room broadcasts it like any change). */
async function mirror(svc: AppServices, boardId: string, job: JobState, joined: readonly string[], left: readonly string[]) {
  await svc.rooms.withDoc(boardId, (doc) =>
    mirrorJobPlaces(doc, job.id, { places: job.places, filled: job.filled, joined, left }, svc.now()),
  );
}

export async function jobDetails(svc: AppServices, user: SessionUser, board: BoardRow, jobId: string): Promise<JobView | null> {
  const job = isRecordId(jobId) ? await getJob(svc.async, board.id, jobId) : null;
  if (!job) return null;
  const card = await svc.rooms.withDoc(board.id, (doc) => getCard(doc, jobId));
  return await view(svc, user, job, card);
}

/** A new job: validated by the one rule (`validateJob`), its request row, job row and card. */
export async function createJob(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  input: Record<string, unknown>,
): Promise<{ ok: true; card: CardView } | JobFailure> {
  if (user.role === "viewer") return fail.forbidden("Viewers cannot create jobs.");
  const categories = await svc.rooms.withDoc(board.id, (doc) => listCategories(doc).map((c) => c.id));
  const res = validateJob(input, categories);
  // A team's job: a team of the alliance that the creator acts for (a coordinator may pick any).
  const teamId = input.teamId === undefined || input.teamId === null || input.teamId === "" ? null : input.teamId;
  const teamOk =
    teamId === null ||
    (typeof teamId === "string" &&
      !!(await teamOfAlliance(svc.async, user.allianceId, teamId)) &&
      (user.role === "coordinator" || (await teamIdsFor(svc, user)).includes(teamId)));
  if (!res.ok || !teamOk) return fail.invalid({ ...(res.ok ? {} : (res.errors as Record<JobField, string>)), ...(teamOk ? {} : { teamId: "unknown" }) });
  const v = res.value;
  const pd = personalDataGate(svc, { title: v.title, description: v.description, area: v.area, asks: v.asks }, input[ACKNOWLEDGE_FIELD]);
  if (!pd.ok) return { ok: false, status: 422, error: "personal_data", message: "The text holds personal data.", found: pd.found };
  const quota = await quotaExceeded(svc, user);
  if (quota) return { ok: false, status: 429, error: "quota_exceeded", message: "Your organisation reached its hourly limit.", quota };
  const id = randomUUID();
  const at = svc.now();
  await createJobWithAudit(
    svc.async,
    { id, boardId: board.id, createdByUserId: user.id, createdByOrgId: user.organisationId, lastActivityAt: at, createdAt: at },
    { places: v.places, orgId: user.organisationId, teamId: teamId as string | null },
    {
      boardId: board.id,
      requestId: id,
      userId: user.id,
      orgId: user.organisationId,
      type: "created",
      data: { title: v.title, category: v.category, kind: "job", places: v.places },
      createdAt: at,
    },
  );
  await recordAcknowledged(svc, user, { boardId: board.id, requestId: id }, pd.found);
  const card = await svc.rooms.withDoc(board.id, (doc) =>
    addCard(doc, { ...v, id, kind: "job", createdAt: at, createdByOrg: user.organisationId }),
  );
  await publishLatest(svc, board.id, id);
  return { ok: true, card };
}

/** The job's SQL row, if it is on this board and the person may fill it; else why not. */
async function fillable(svc: AppServices, user: SessionUser, board: BoardRow, jobId: string): Promise<JobState | JobFailure> {
  const job = isRecordId(jobId) ? await getJob(svc.async, board.id, jobId) : null;
  if (!job) return fail.notFound();
  if (!mayFillPlaces(user, job, await teamIdsFor(svc, user))) {
    return fail.forbidden("Only a coordinator, the organisation that offers the job or (for a team's job) the team's organisations fill its places.");
  }
  return job;
}

/**
 * Fill places with several requests at once, all or none: 409
 * `not_enough_places` with `left` when there are too few, 409 `in_a_job` for
 * requests already in a job, 422 `not_eligible` for ids that are not open
 * requests on this board.
 */
export async function fillJob(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  jobId: string,
  input: unknown,
): Promise<{ ok: true; job: JobView } | JobFailure> {
  const found = await fillable(svc, user, board, jobId);
  if ("ok" in found) return found;
  if (found.doneAt !== null) return fail.done();
  if (!Array.isArray(input) || input.length === 0) return fail.invalid({ requestIds: input === undefined ? "required" : "type" });
  if (input.length > MAX_FILL || !input.every(isRecordId)) return fail.invalid({ requestIds: input.length > MAX_FILL ? "tooLong" : "pattern" });
  const requestIds = [...new Set(input as string[])];
  // Each must be a request card of this board, not archived and not finished.
  const problem = await svc.rooms.withDoc(board.id, (doc) => {
    const columns = listColumns(doc);
    const cards = cardsMap(doc);
    return requestIds.filter((id) => {
      const m = cards.get(id);
      if (!m) return true;
      const c = readCard(m);
      return c.kind !== "request" || c.archived || stageOfColumn(columns, c.column) === "done";
    });
  });
  if (problem.length) {
    return { ok: false, status: 422, error: "not_eligible", message: "These are not open requests on this board.", requestIds: problem };
  }
  // A request another organisation holds goes into a job only by a coordinator.
  if (user.role !== "coordinator") {
    const elsewhere = (await ownersOf(svc.async, requestIds))
      .filter((r) => r.ownerOrgId && r.ownerOrgId !== user.organisationId)
      .map((r) => r.id);
    if (elsewhere.length) {
      return { ok: false, status: 409, error: "held_elsewhere", message: "Another organisation holds these requests.", requestIds: elsewhere };
    }
  }
  const at = svc.now();
  const res = await fillPlaces(
    svc.async,
    { jobId, boardId: board.id, requestIds, orgId: user.organisationId, userId: user.id, at },
    { boardId: board.id, userId: user.id, orgId: user.organisationId },
  );
  if (!res.ok) {
    if (res.error === "job_done") return fail.done();
    if (res.error === "not_enough_places") {
      const message = res.left === 1 ? "Only 1 place is left." : `Only ${res.left} places are left.`;
      return { ok: false, status: 409, error: "not_enough_places", message, left: res.left };
    }
    if (res.error === "in_a_job") return { ok: false, status: 409, error: "in_a_job", message: "These requests are already in a job.", requestIds: res.requestIds };
    return fail.notFound();
  }
  await mirror(svc, board.id, res.job, requestIds, []);
  await publishLatest(svc, board.id, jobId);
  const card = await svc.rooms.withDoc(board.id, (doc) => getCard(doc, jobId));
  return { ok: true, job: await view(svc, user, res.job, card) };
}

/** Free one request's place. 404 when the request is not in the job. */
export async function freeJobPlace(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  jobId: string,
  requestId: string,
): Promise<{ ok: true; job: JobView } | JobFailure> {
  const found = await fillable(svc, user, board, jobId);
  if ("ok" in found) return found;
  if (found.doneAt !== null) return fail.done();
  const freed = await freePlace(
    svc.async,
    { jobId, boardId: board.id, requestId, at: svc.now() },
    { boardId: board.id, userId: user.id, orgId: user.organisationId },
  );
  if (!freed) return { ok: false, status: 404, error: "not_found", message: "This request has no place in this job." };
  const job = (await getJob(svc.async, board.id, jobId))!;
  await mirror(svc, board.id, job, [], [requestId]);
  await publishLatest(svc, board.id, jobId);
  const card = await svc.rooms.withDoc(board.id, (doc) => getCard(doc, jobId));
  return { ok: true, job: await view(svc, user, job, card) };
}

/**
 * The job is done (a weekly one: this week's occurrence): everyone who came
 * moves on together to the board's first done column; those left out of
 * `attended` (when given) stay where they are and leave the job. A one-off
 * job goes to the done column too; a weekly one stays with its places free.
 * One document transaction, so every browser sees it in one update.
 */
export async function markDone(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  jobId: string,
  input: { attended?: unknown },
): Promise<{ ok: true; job: JobView; moved: string[]; stayed: string[] } | JobFailure> {
  const found = await fillable(svc, user, board, jobId);
  if ("ok" in found) return found;
  if (found.doneAt !== null) return fail.done();
  let attended: Set<string>;
  if (input.attended === undefined) attended = new Set(found.filledIds);
  else if (Array.isArray(input.attended) && input.attended.every(isRecordId)) attended = new Set(input.attended as string[]);
  else return fail.invalid({ attended: "type" });
  const weekly = await svc.rooms.withDoc(board.id, (doc) => getCard(doc, jobId)?.recurrence === "weekly");
  const at = svc.now();
  const who = { boardId: board.id, userId: user.id, orgId: user.organisationId };
  const res = await markJobDone(svc.async, { jobId, boardId: board.id, attended, keepOpen: weekly, at }, who);
  if (!res.ok) return res.error === "not_found" ? fail.notFound() : fail.done();
  // The moves are made in the document's synchronous step and recorded right after it, in order.
  const moves: AuditInput[] = [];
  const moved = await svc.rooms.withDoc(board.id, (doc) => {
    const columns = listColumns(doc);
    const done = firstColumnOf(columns, "done");
    const out: string[] = [];
    const moveOn = (id: string) => {
      const c = getCard(doc, id);
      if (!done || !c || stageOfColumn(columns, c.column) === "done") return;
      const { from, to } = moveCard(doc, id, done.id, Number.MAX_SAFE_INTEGER, at);
      moves.push({ ...who, requestId: id, type: "moved", data: { from, to, fromStage: stageOfColumn(columns, from), toStage: "done" }, createdAt: at });
      out.push(id);
    };
    for (const id of res.attended) moveOn(id);
    if (!weekly) moveOn(jobId);
    mirrorJobPlaces(doc, jobId, { places: res.job.places, filled: res.job.filled, joined: [], left: res.absent }, at);
    return out;
  });
  for (const m of moves) await addAudit(svc.async, m);
  await publishLatest(svc, board.id, jobId);
  const card = await svc.rooms.withDoc(board.id, (doc) => getCard(doc, jobId));
  return { ok: true, job: await view(svc, user, res.job, card), moved, stayed: res.absent };
}

/** Suggestions for a job's free places, best first, with reasons (the fill dialog, GET …/suggestions). */
export async function jobSuggestions(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  jobId: string,
): Promise<{ ok: true; job: JobView; suggestions: Suggestion[] } | JobFailure> {
  const job = isRecordId(jobId) ? await getJob(svc.async, board.id, jobId) : null;
  if (!job) return fail.notFound();
  const { card, cards, columns } = await svc.rooms.withDoc(board.id, (doc) => ({
    card: getCard(doc, jobId),
    cards: [...cardsMap(doc).values()].map(readCard),
    columns: listColumns(doc),
  }));
  if (!card) return fail.notFound();
  const owners = new Map((await ownersOf(svc.async, cards.map((c) => c.id))).map((r) => [r.id, r.ownerOrgId]));
  const suggestions = suggestForJob(card, cards, { columns, holderOf: (id) => owners.get(id) ?? null, filler: user });
  return { ok: true, job: await view(svc, user, job, card), suggestions: suggestions.slice(0, 50) };
}
