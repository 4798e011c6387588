/**
 * What the report's volunteer places read from SQL (issue 15): a board's jobs
 * (places, when done) and every place they had (who filled it, when, when it
 * ended, whether the person came). Freed places are gone (db/jobs.ts deletes
 * them), so every row here was a place taken.
 */
import { eq } from "drizzle-orm";
import type { DB } from "./client";
import { jobPlaces, jobs } from "./schema";

export function jobsOfBoardForReport(db: DB, boardId: string) {
  return db
    .select({ id: jobs.id, places: jobs.places, doneAt: jobs.doneAt, createdAt: jobs.createdAt })
    .from(jobs)
    .where(eq(jobs.boardId, boardId))
    .all();
}

export function placesOfBoardForReport(db: DB, boardId: string) {
  return db
    .select({
      jobId: jobPlaces.jobId,
      filledByOrgId: jobPlaces.filledByOrgId,
      filledAt: jobPlaces.filledAt,
      endedAt: jobPlaces.endedAt,
      attended: jobPlaces.attended,
    })
    .from(jobPlaces)
    .innerJoin(jobs, eq(jobs.id, jobPlaces.jobId))
    .where(eq(jobs.boardId, boardId))
    .all();
}
