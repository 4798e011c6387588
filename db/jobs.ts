/**
 * Volunteer jobs and their places (issue 15), decided here in SQL so that two
 * organisations filling the last place get exactly one winner, on SQLite and
 * on PostgreSQL (the asynchronous layer, docs/decisions/001-async-database-layer.md).
 * Filling is one conditional UPDATE of the job's `filled` count
 * (`filled + n <= places`) followed by the inserts, in one transaction: the
 * check and the write are a single statement, never a read in JS and a write
 * after it (on PostgreSQL the UPDATE takes the job's row lock and re-checks
 * its WHERE after a rival commits). The partial unique index keeps a request
 * in one job at a time; a clash rolls the whole fill back.
 */
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first, isUniqueViolation } from "./dialect";
import { addAudit, type AuditInput } from "./requests";
import type { jobs, requests } from "./schema";

export type JobRow = typeof jobs.$inferSelect;

export interface JobState extends JobRow {
  /** Requests in the job's places now (not ended), in the order they were filled. */
  filledIds: string[];
}

type Audit = Omit<AuditInput, "type" | "requestId" | "data">;

/** The request row of the job's card, the job and its audit entry: one transaction. */
export async function createJobWithAudit(
  h: AsyncDb,
  r: typeof requests.$inferInsert,
  job: { places: number; orgId: string; teamId?: string | null },
  audit: AuditInput,
): Promise<void> {
  await h.transaction(async (tx) => {
    await tx.q.insert(tx.t.requests).values(r);
    await tx.q
      .insert(tx.t.jobs)
      .values({ id: r.id, boardId: r.boardId, orgId: job.orgId, teamId: job.teamId ?? null, places: job.places, createdAt: r.createdAt });
    await addAudit(tx, audit);
  });
}

/** The requests in a job's places now, in the order they were filled. */
async function placesOf(h: AsyncDb, jobId: string): Promise<string[]> {
  const { jobPlaces } = h.t;
  const rows = await h.q
    .select({ requestId: jobPlaces.requestId })
    .from(jobPlaces)
    .where(and(eq(jobPlaces.jobId, jobId), isNull(jobPlaces.endedAt)))
    .orderBy(asc(jobPlaces.id));
  return rows.map((p) => p.requestId);
}

export async function getJob(h: AsyncDb, boardId: string, jobId: string): Promise<JobState | null> {
  const { jobs } = h.t;
  const row = await first(h.q.select().from(jobs).where(and(eq(jobs.boardId, boardId), eq(jobs.id, jobId))));
  if (!row) return null;
  return { ...row, filledIds: await placesOf(h, jobId) };
}

/** The job each request is in now (requests in none are absent). */
export async function activeJobsOf(h: AsyncDb, requestIds: readonly string[]): Promise<Map<string, string>> {
  if (requestIds.length === 0) return new Map();
  const { jobPlaces } = h.t;
  const rows = await h.q
    .select({ requestId: jobPlaces.requestId, jobId: jobPlaces.jobId })
    .from(jobPlaces)
    .where(and(inArray(jobPlaces.requestId, [...requestIds]), isNull(jobPlaces.endedAt)));
  return new Map(rows.map((r) => [r.requestId, r.jobId]));
}

export type FillResult =
  | { ok: true; job: JobState }
  | { ok: false; error: "not_found" | "job_done" }
  | { ok: false; error: "not_enough_places"; left: number }
  | { ok: false; error: "in_a_job"; requestIds: string[] };

/**
 * Put requests into a job's free places, all or none. The count is claimed
 * first by one conditional UPDATE; the inserts then meet the unique index,
 * and any clash (a request another fill put in a job meanwhile) throws and
 * rolls everything back.
 */
export async function fillPlaces(
  h: AsyncDb,
  f: { jobId: string; boardId: string; requestIds: readonly string[]; orgId: string; userId: string; at: number },
  audit: Audit,
): Promise<FillResult> {
  const n = f.requestIds.length;
  try {
    return await h.transaction(async (tx): Promise<FillResult> => {
      const { jobs, jobPlaces } = tx.t;
      const claimed = await tx.q
        .update(jobs)
        .set({ filled: sql`${jobs.filled} + ${n}` })
        .where(and(eq(jobs.id, f.jobId), eq(jobs.boardId, f.boardId), isNull(jobs.doneAt), sql`${jobs.filled} + ${n} <= ${jobs.places}`))
        .returning({ id: jobs.id });
      if (claimed.length === 0) {
        const row = await first(tx.q.select().from(jobs).where(and(eq(jobs.id, f.jobId), eq(jobs.boardId, f.boardId))));
        if (!row) return { ok: false, error: "not_found" };
        if (row.doneAt !== null) return { ok: false, error: "job_done" };
        return { ok: false, error: "not_enough_places", left: Math.max(0, row.places - row.filled) };
      }
      for (const requestId of f.requestIds) {
        await tx.q.insert(jobPlaces).values({ jobId: f.jobId, requestId, filledByOrgId: f.orgId, filledByUserId: f.userId, filledAt: f.at });
        await addAudit(tx, { ...audit, requestId, type: "job_joined", data: { job: f.jobId, org: f.orgId }, createdAt: f.at });
      }
      await addAudit(tx, { ...audit, requestId: f.jobId, type: "job_places_filled", data: { requests: [...f.requestIds], org: f.orgId }, createdAt: f.at });
      return { ok: true, job: (await getJob(tx, f.boardId, f.jobId))! };
    });
  } catch (e) {
    // A request another fill put in a job meanwhile: the whole fill rolled back.
    if (!isUniqueViolation(e)) throw e;
    const taken = await activeJobsOf(h, f.requestIds);
    return { ok: false, error: "in_a_job", requestIds: f.requestIds.filter((id) => taken.has(id)) };
  }
}

/** Free one request's place in a job. False when it was not in the job. */
export async function freePlace(h: AsyncDb, f: { jobId: string; boardId: string; requestId: string; at: number }, audit: Audit): Promise<boolean> {
  return h.transaction(async (tx) => {
    const { jobs, jobPlaces } = tx.t;
    const gone = await tx.q
      .delete(jobPlaces)
      .where(and(eq(jobPlaces.jobId, f.jobId), eq(jobPlaces.requestId, f.requestId), isNull(jobPlaces.endedAt)))
      .returning({ id: jobPlaces.id });
    if (gone.length !== 1) return false;
    await tx.q
      .update(jobs)
      .set({ filled: sql`${jobs.filled} - 1` })
      .where(and(eq(jobs.id, f.jobId), eq(jobs.boardId, f.boardId)));
    await addAudit(tx, { ...audit, requestId: f.requestId, type: "job_left", data: { job: f.jobId }, createdAt: f.at });
    await addAudit(tx, { ...audit, requestId: f.jobId, type: "job_place_freed", data: { request: f.requestId }, createdAt: f.at });
    return true;
  });
}

export type DoneResult =
  | { ok: true; attended: string[]; absent: string[]; job: JobState }
  | { ok: false; error: "not_found" | "job_done" };

/**
 * The job (or, for a recurring job, this occurrence) is done: its places end,
 * each marked attended or not. A one-off job is closed (`done_at`); a
 * recurring one stays open with its places free for the next group. Only the
 * first of two "done"s at once does anything (the conditional UPDATE).
 */
export async function markJobDone(
  h: AsyncDb,
  d: { jobId: string; boardId: string; attended: ReadonlySet<string>; keepOpen: boolean; at: number },
  audit: Audit,
): Promise<DoneResult> {
  return h.transaction(async (tx): Promise<DoneResult> => {
    const { jobs, jobPlaces } = tx.t;
    const closed = await tx.q
      .update(jobs)
      .set(d.keepOpen ? { filled: 0 } : { filled: 0, doneAt: d.at })
      .where(and(eq(jobs.id, d.jobId), eq(jobs.boardId, d.boardId), isNull(jobs.doneAt)))
      .returning({ id: jobs.id });
    if (closed.length === 0) {
      const exists = await first(tx.q.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.id, d.jobId), eq(jobs.boardId, d.boardId))));
      return { ok: false, error: exists ? "job_done" : "not_found" };
    }
    const places = await placesOf(tx, d.jobId);
    const attended = places.filter((id) => d.attended.has(id));
    const absent = places.filter((id) => !d.attended.has(id));
    for (const [list, came] of [
      [attended, true],
      [absent, false],
    ] as const) {
      if (list.length === 0) continue;
      await tx.q
        .update(jobPlaces)
        .set({ endedAt: d.at, attended: came })
        .where(and(eq(jobPlaces.jobId, d.jobId), isNull(jobPlaces.endedAt), inArray(jobPlaces.requestId, list)));
      for (const requestId of list) {
        await addAudit(tx, { ...audit, requestId, type: came ? "job_attended" : "job_absent", data: { job: d.jobId }, createdAt: d.at });
      }
    }
    await addAudit(tx, {
      ...audit,
      requestId: d.jobId,
      type: "job_done",
      data: { attended: attended.length, absent: absent.length, keepOpen: d.keepOpen },
      createdAt: d.at,
    });
    return { ok: true, attended, absent, job: (await getJob(tx, d.boardId, d.jobId))! };
  });
}
