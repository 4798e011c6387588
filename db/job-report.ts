/**
 * What the report's volunteer places read from SQL (issue 15): a board's jobs
 * (places, when done) and every place they had (who filled it, when, when it
 * ended, whether the person came). Freed places are gone (db/jobs.ts deletes
 * them), so every row here was a place taken. On the asynchronous layer
 * (both engines, docs/decisions/001-async-database-layer.md).
 */
import { eq } from "drizzle-orm";
import type { AsyncDb } from "./client";

export async function jobsOfBoardForReport(h: AsyncDb, boardId: string) {
  const { jobs } = h.t;
  return h.q
    .select({ id: jobs.id, places: jobs.places, doneAt: jobs.doneAt, createdAt: jobs.createdAt })
    .from(jobs)
    .where(eq(jobs.boardId, boardId));
}

export async function placesOfBoardForReport(h: AsyncDb, boardId: string) {
  const { jobs, jobPlaces } = h.t;
  return h.q
    .select({
      jobId: jobPlaces.jobId,
      filledByOrgId: jobPlaces.filledByOrgId,
      filledAt: jobPlaces.filledAt,
      endedAt: jobPlaces.endedAt,
      attended: jobPlaces.attended,
    })
    .from(jobPlaces)
    .innerJoin(jobs, eq(jobs.id, jobPlaces.jobId))
    .where(eq(jobs.boardId, boardId));
}
