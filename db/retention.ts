/**
 * What the retention sweep (app/services/retention.server.ts) reads and
 * erases in SQL: the boards with their retention, each board's requests not
 * yet anonymised with when they were finished, and the anonymisation of a
 * set of requests' rows (run inside the board's rebuild transaction).
 */
import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { auditHoldsText, scrubAuditData } from "../app/board/erase";
import type { AsyncDb } from "./client";
import { deleteContactsForRequests } from "./contacts";
import { affected, first, jsonText } from "./dialect";

export interface RetentionBoard {
  id: string;
  allianceId: string;
  retentionMonths: number;
}

/** Every board (archived ones too: their requests are kept as long as any other's). */
export async function boardsForRetention(h: AsyncDb): Promise<RetentionBoard[]> {
  const { boards } = h.t;
  return h.q.select({ id: boards.id, allianceId: boards.allianceId, retentionMonths: boards.retentionMonths }).from(boards);
}

/**
 * Whether the board has a request not anonymised yet that was created at or
 * before `cutoff`: none can be due otherwise (a request is finished after it
 * was created), and the sweep need not load the board's document.
 */
export async function mayHaveDueRequests(h: AsyncDb, boardId: string, cutoff: number): Promise<boolean> {
  const { requests } = h.t;
  return !!(await first(
    h.q
      .select({ id: requests.id })
      .from(requests)
      .where(and(eq(requests.boardId, boardId), isNull(requests.anonymisedAt), lte(requests.createdAt, cutoff))),
  ));
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
export async function retentionCandidates(h: AsyncDb, boardId: string, doneColumns: readonly string[]): Promise<RetentionCandidate[]> {
  const { requests } = h.t;
  // Named in full: inside a select's own fields the builder leaves columns unqualified, and the
  // subquery's "id" and "board_id" would then be the audit row's own (PostgreSQL refused it;
  // SQLite silently compared audit_events.request_id with audit_events.id and never matched).
  const ae = (column: string) => sql.raw(`"ae"."${column}"`);
  const data = sql.raw(`"ae"."data"`);
  const toStageDone = sql`${jsonText(h, data, "toStage")} = 'done'`;
  const intoDone = doneColumns.length ? or(toStageDone, inArray(jsonText(h, data, "to"), [...doneColumns]))! : toStageDone;
  const closedAt = sql<number | null>`(
    select max(${ae("created_at")}) from "audit_events" "ae"
    where ${ae("request_id")} = "requests"."id" and ${ae("board_id")} = "requests"."board_id"
      and (${ae("type")} = 'archived' or (${ae("type")} = 'moved' and ${intoDone}))
  )`.mapWith((v: unknown) => (v === null ? null : Number(v)));
  return h.q
    .select({ id: requests.id, lastActivityAt: requests.lastActivityAt, closedAt })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), isNull(requests.anonymisedAt)));
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
 * board's rebuild transaction (pass its `tx`), so the document and these
 * rows change together.
 */
export async function anonymiseRequestRows(tx: AsyncDb, boardId: string, ids: readonly string[], at: number): Promise<AnonymisedCounts> {
  const { requests, comments, referrals, meetingActions, meetingDecisions, auditEvents } = tx.t;
  const out: AnonymisedCounts = { requests: 0, comments: 0, referrals: 0, contacts: 0, meetingTexts: 0, auditTexts: 0 };
  // SQLite takes up to 32766 parameters; a board's sweep is cut into slices well below that.
  for (let i = 0; i < ids.length; i += 500) {
    const slice = ids.slice(i, i + 500);
    out.requests += affected(
      await tx.q
        .update(requests)
        .set({ reference: null, referenceKey: null, anonymisedAt: at })
        .where(and(eq(requests.boardId, boardId), inArray(requests.id, slice), isNull(requests.anonymisedAt))),
    );
    out.comments += affected(await tx.q.delete(comments).where(inArray(comments.requestId, slice)));
    out.contacts += (await deleteContactsForRequests(tx, slice)).contacts;
    out.referrals += affected(
      await tx.q
        .update(referrals)
        .set({ note: "", reason: null })
        .where(and(inArray(referrals.requestId, slice), sql`(${referrals.note} <> '' or ${referrals.reason} is not null)`)),
    );
    for (const table of [meetingActions, meetingDecisions] as const) {
      out.meetingTexts += affected(
        await tx.q
          .update(table)
          .set({ text: "" })
          .where(and(inArray(table.requestId, slice), sql`${table.text} <> ''`)),
      );
    }
    const audit = await tx.q
      .select({ id: auditEvents.id, type: auditEvents.type, data: auditEvents.data })
      .from(auditEvents)
      .where(and(eq(auditEvents.boardId, boardId), inArray(auditEvents.requestId, slice)));
    for (const row of audit) {
      if (!auditHoldsText(row.type, row.data)) continue;
      await tx.q.update(auditEvents).set({ data: scrubAuditData(row.type, row.data) }).where(eq(auditEvents.id, row.id));
      out.auditTexts++;
    }
  }
  return out;
}

/** The sweep's own line in the board's activity log: counts only. */
export async function recordRetentionSweep(tx: AsyncDb, boardId: string, data: Record<string, number>, at: number): Promise<void> {
  await tx.q.insert(tx.t.auditEvents).values({ boardId, requestId: null, userId: null, orgId: null, type: "retention_sweep", data, createdAt: at });
}
