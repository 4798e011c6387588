/**
 * Volunteer jobs and their places (issue 15), decided here in SQL so that two
 * organisations filling the last place get exactly one winner. Filling is
 * one conditional UPDATE of the job's `filled` count (`filled + n <= places`)
 * followed by the inserts, in one transaction: the check and the write are a
 * single statement, never a read in JS and a write after it (on PostgreSQL
 * the UPDATE takes the job's row lock, so the same statement stays correct).
 * The partial unique index keeps a request in one job at a time; a clash
 * rolls the whole fill back.
 */
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { DB } from "./client";
import { appendAudit, type AuditInput } from "./requests";
import { jobPlaces, jobs, requests } from "./schema";

export type JobRow = typeof jobs.$inferSelect;

export interface JobState extends JobRow {
  /** Requests in the job's places now (not ended), in the order they were filled. */
  filledIds: string[];
}

type Audit = Omit<AuditInput, "type" | "requestId" | "data">;

/** The request row of the job's card, the job and its audit entry: one transaction. */
export function createJobWithAudit(
  db: DB,
  r: typeof requests.$inferInsert,
  job: { places: number; orgId: string; teamId?: string | null },
  audit: AuditInput,
): void {
  db.transaction((tx) => {
    tx.insert(requests).values(r).run();
    tx.insert(jobs).values({ id: r.id, boardId: r.boardId, orgId: job.orgId, teamId: job.teamId ?? null, places: job.places, createdAt: r.createdAt }).run();
    appendAudit(tx as unknown as DB, audit);
  });
}

export function getJob(db: DB, boardId: string, jobId: string): JobState | null {
  const row = db
    .select()
    .from(jobs)
    .where(and(eq(jobs.boardId, boardId), eq(jobs.id, jobId)))
    .get();
  if (!row) return null;
  const filledIds = db
    .select({ requestId: jobPlaces.requestId })
    .from(jobPlaces)
    .where(and(eq(jobPlaces.jobId, jobId), isNull(jobPlaces.endedAt)))
    .orderBy(asc(jobPlaces.id))
    .all()
    .map((p) => p.requestId);
  return { ...row, filledIds };
}

/** The job each request is in now (requests in none are absent). */
export function activeJobsOf(db: DB, requestIds: readonly string[]): Map<string, string> {
  if (requestIds.length === 0) return new Map();
  const rows = db
    .select({ requestId: jobPlaces.requestId, jobId: jobPlaces.jobId })
    .from(jobPlaces)
    .where(and(inArray(jobPlaces.requestId, [...requestIds]), isNull(jobPlaces.endedAt)))
    .all();
  return new Map(rows.map((r) => [r.requestId, r.jobId]));
}

/** Every job of a board with its places now (for the board's first paint and the seed's checks). */
export function boardJobs(db: DB, boardId: string): JobRow[] {
  return db.select().from(jobs).where(eq(jobs.boardId, boardId)).all();
}

export type FillResult =
  | { ok: true; job: JobState }
  | { ok: false; error: "not_found" | "job_done" }
  | { ok: false; error: "not_enough_places"; left: number }
  | { ok: false; error: "in_a_job"; requestIds: string[] };

class InAJob extends Error {}

/**
 * Put requests into a job's free places, all or none. The count is claimed
 * first by one conditional UPDATE; the inserts then meet the unique index,
 * and any clash (a request another fill put in a job meanwhile) throws and
 * rolls everything back.
 */
export function fillPlaces(
  db: DB,
  f: { jobId: string; boardId: string; requestIds: readonly string[]; orgId: string; userId: string; at: number },
  audit: Audit,
): FillResult {
  const n = f.requestIds.length;
  try {
    return db.transaction((tx) => {
      const claimed = tx
        .update(jobs)
        .set({ filled: sql`${jobs.filled} + ${n}` })
        .where(and(eq(jobs.id, f.jobId), eq(jobs.boardId, f.boardId), isNull(jobs.doneAt), sql`${jobs.filled} + ${n} <= ${jobs.places}`))
        .returning({ id: jobs.id })
        .get();
      if (!claimed) {
        const row = tx.select().from(jobs).where(and(eq(jobs.id, f.jobId), eq(jobs.boardId, f.boardId))).get();
        if (!row) return { ok: false as const, error: "not_found" as const };
        if (row.doneAt !== null) return { ok: false as const, error: "job_done" as const };
        return { ok: false as const, error: "not_enough_places" as const, left: Math.max(0, row.places - row.filled) };
      }
      for (const requestId of f.requestIds) {
        try {
          tx.insert(jobPlaces)
            .values({ jobId: f.jobId, requestId, filledByOrgId: f.orgId, filledByUserId: f.userId, filledAt: f.at })
            .run();
        } catch (e) {
          if (String((e as { code?: string }).code ?? e).includes("CONSTRAINT_UNIQUE")) throw new InAJob();
          throw e;
        }
        appendAudit(tx as unknown as DB, { ...audit, requestId, type: "job_joined", data: { job: f.jobId, org: f.orgId }, createdAt: f.at });
      }
      appendAudit(tx as unknown as DB, {
        ...audit,
        requestId: f.jobId,
        type: "job_places_filled",
        data: { requests: [...f.requestIds], org: f.orgId },
        createdAt: f.at,
      });
      return { ok: true as const, job: getJob(tx as unknown as DB, f.boardId, f.jobId)! };
    });
  } catch (e) {
    if (!(e instanceof InAJob)) throw e;
    const taken = activeJobsOf(db, f.requestIds);
    return { ok: false, error: "in_a_job", requestIds: f.requestIds.filter((id) => taken.has(id)) };
  }
}

/** Free one request's place in a job. False when it was not in the job. */
export function freePlace(db: DB, f: { jobId: string; boardId: string; requestId: string; at: number }, audit: Audit): boolean {
  return db.transaction((tx) => {
    const gone = tx
      .delete(jobPlaces)
      .where(and(eq(jobPlaces.jobId, f.jobId), eq(jobPlaces.requestId, f.requestId), isNull(jobPlaces.endedAt)))
      .run();
    if (gone.changes !== 1) return false;
    tx.update(jobs)
      .set({ filled: sql`${jobs.filled} - 1` })
      .where(and(eq(jobs.id, f.jobId), eq(jobs.boardId, f.boardId)))
      .run();
    appendAudit(tx as unknown as DB, { ...audit, requestId: f.requestId, type: "job_left", data: { job: f.jobId }, createdAt: f.at });
    appendAudit(tx as unknown as DB, { ...audit, requestId: f.jobId, type: "job_place_freed", data: { request: f.requestId }, createdAt: f.at });
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
export function markJobDone(
  db: DB,
  d: { jobId: string; boardId: string; attended: ReadonlySet<string>; keepOpen: boolean; at: number },
  audit: Audit,
): DoneResult {
  return db.transaction((tx) => {
    const row = tx
      .update(jobs)
      .set(d.keepOpen ? { filled: 0 } : { filled: 0, doneAt: d.at })
      .where(and(eq(jobs.id, d.jobId), eq(jobs.boardId, d.boardId), isNull(jobs.doneAt)))
      .returning({ id: jobs.id })
      .get();
    if (!row) {
      const exists = tx.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.id, d.jobId), eq(jobs.boardId, d.boardId))).get();
      return { ok: false as const, error: exists ? ("job_done" as const) : ("not_found" as const) };
    }
    const places = tx
      .select({ requestId: jobPlaces.requestId })
      .from(jobPlaces)
      .where(and(eq(jobPlaces.jobId, d.jobId), isNull(jobPlaces.endedAt)))
      .orderBy(asc(jobPlaces.id))
      .all()
      .map((p) => p.requestId);
    const attended = places.filter((id) => d.attended.has(id));
    const absent = places.filter((id) => !d.attended.has(id));
    for (const [list, came] of [
      [attended, true],
      [absent, false],
    ] as const) {
      if (list.length === 0) continue;
      tx.update(jobPlaces)
        .set({ endedAt: d.at, attended: came })
        .where(and(eq(jobPlaces.jobId, d.jobId), isNull(jobPlaces.endedAt), inArray(jobPlaces.requestId, list)))
        .run();
      for (const requestId of list) {
        appendAudit(tx as unknown as DB, { ...audit, requestId, type: came ? "job_attended" : "job_absent", data: { job: d.jobId }, createdAt: d.at });
      }
    }
    appendAudit(tx as unknown as DB, {
      ...audit,
      requestId: d.jobId,
      type: "job_done",
      data: { attended: attended.length, absent: absent.length, keepOpen: d.keepOpen },
      createdAt: d.at,
    });
    return { ok: true as const, attended, absent, job: getJob(tx as unknown as DB, d.boardId, d.jobId)! };
  });
}
