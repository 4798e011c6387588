/**
 * What the retention sweep (app/services/retention.server.ts) reads and
 * erases in SQL: the boards with their retention, each board's requests not
 * yet anonymised with when they were finished, and the anonymisation of a
 * set of requests' rows (run inside the board's rebuild transaction).
 */
import { and, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import { auditHoldsText, scrubAuditData } from "../app/board/erase";
import type { DB } from "./client";
import { deleteContactsForRequestsNow } from "./contacts";
import type { Tx } from "./rebuild";
import { auditEvents, boards, comments, meetingActions, meetingDecisions, referrals, requests } from "./schema";

export interface RetentionBoard {
  id: string;
  allianceId: string;
  retentionMonths: number;
}

/** Every board (archived ones too: their requests are kept as long as any other's). */
export function boardsForRetention(db: DB): RetentionBoard[] {
  return db.select({ id: boards.id, allianceId: boards.allianceId, retentionMonths: boards.retentionMonths }).from(boards).all();
}

/**
 * Whether the board has a request not anonymised yet that was created at or
 * before `cutoff`: none can be due otherwise (a request is finished after it
 * was created), and the sweep need not load the board's document.
 */
export function mayHaveDueRequests(db: DB, boardId: string, cutoff: number): boolean {
  return !!db
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), isNull(requests.anonymisedAt), lte(requests.createdAt, cutoff)))
    .limit(1)
    .get();
}

export interface RetentionCandidate {
  id: string;
  lastActivityAt: number;
  /** The newest audit event that made the request done or archived: a move into a done column, or an archiving. */
  closedAt: number | null;
}

/**
 * A board's requests not anonymised yet, with when each was last finished:
 * the newest `archived` event, or `moved` event into a column that was done
 * then (`toStage`, recorded by the sync server) or is done now (`doneColumns`;
 * older moves carry no stage).
 */
export function retentionCandidates(db: DB, boardId: string, doneColumns: readonly string[]): RetentionCandidate[] {
  const intoDone = doneColumns.length
    ? sql`(json_extract(${auditEvents.data}, '$.toStage') = 'done' or json_extract(${auditEvents.data}, '$.to') in ${doneColumns})`
    : sql`json_extract(${auditEvents.data}, '$.toStage') = 'done'`;
  const closedAt = sql<number | null>`(
    select max(${auditEvents.createdAt}) from ${auditEvents}
    where ${auditEvents.requestId} = ${requests.id} and ${auditEvents.boardId} = ${requests.boardId}
      and (${auditEvents.type} = 'archived' or (${auditEvents.type} = 'moved' and ${intoDone}))
  )`;
  return db
    .select({ id: requests.id, lastActivityAt: requests.lastActivityAt, closedAt })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), isNull(requests.anonymisedAt)))
    .all();
}

export interface AnonymisedCounts {
  requests: number;
  comments: number;
  /** Referral notes and reasons emptied. */
  referrals: number;
  /** Sealed contact details deleted (with their view log). */
  contacts: number;
  /** Meeting actions and decisions about them whose text went (they stay, linked to the card). */
  meetingTexts: number;
  /** Audit rows whose words went (the events stay). */
  auditTexts: number;
}

/**
 * Anonymise the rows of `ids` (requests of one board): the reference and its
 * keyed hash go and the request is marked anonymised; its comments and its
 * sealed contact details (and who looked at them) are deleted; its referrals
 * keep who referred to whom, not the note or the reason; meeting actions and
 * decisions about it lose their text; its audit events stay and lose their
 * words (app/board/erase.ts, as "Vergeet deze persoon" does). Run inside the
 * board's rebuild transaction, so the document and these rows change
 * together.
 */
export function anonymiseRequestRows(tx: Tx, boardId: string, ids: readonly string[], at: number): AnonymisedCounts {
  const out: AnonymisedCounts = { requests: 0, comments: 0, referrals: 0, contacts: 0, meetingTexts: 0, auditTexts: 0 };
  // SQLite takes up to 32766 parameters; a board's sweep is cut into slices well below that.
  for (let i = 0; i < ids.length; i += 500) {
    const slice = ids.slice(i, i + 500);
    out.requests += tx
      .update(requests)
      .set({ reference: null, referenceKey: null, anonymisedAt: at })
      .where(and(eq(requests.boardId, boardId), inArray(requests.id, slice), isNull(requests.anonymisedAt)))
      .run().changes;
    out.comments += tx.delete(comments).where(inArray(comments.requestId, slice)).run().changes;
    out.contacts += deleteContactsForRequestsNow(tx as unknown as DB, slice).contacts;
    out.referrals += tx
      .update(referrals)
      .set({ note: "", reason: null })
      .where(and(inArray(referrals.requestId, slice), sql`(${referrals.note} <> '' or ${referrals.reason} is not null)`))
      .run().changes;
    for (const table of [meetingActions, meetingDecisions]) {
      out.meetingTexts += tx
        .update(table)
        .set({ text: "" })
        .where(and(inArray(table.requestId, slice), sql`${table.text} <> ''`))
        .run().changes;
    }
    const audit = tx
      .select({ id: auditEvents.id, type: auditEvents.type, data: auditEvents.data })
      .from(auditEvents)
      .where(and(eq(auditEvents.boardId, boardId), inArray(auditEvents.requestId, slice)))
      .all();
    for (const row of audit) {
      if (!auditHoldsText(row.type, row.data)) continue;
      tx.update(auditEvents).set({ data: scrubAuditData(row.type, row.data) }).where(eq(auditEvents.id, row.id)).run();
      out.auditTexts++;
    }
  }
  return out;
}

/** The sweep's own line in the board's activity log: counts only. */
export function recordRetentionSweep(tx: Tx, boardId: string, data: Record<string, number>, at: number): void {
  tx.insert(auditEvents).values({ boardId, requestId: null, userId: null, orgId: null, type: "retention_sweep", data, createdAt: at }).run();
}
