/**
 * What the export of an alliance reads: every row of the alliance, column by
 * column chosen here so that secrets never leave (no password hashes, session
 * or invitation tokens, no match secret). Whether a reference may be shown is
 * decided by the service (app/services/export.server.ts), not here.
 */
import { asc, eq, inArray, sql } from "drizzle-orm";
import type { DB } from "./client";
import {
  alliances,
  auditEvents,
  boardMoments,
  boards,
  comments,
  duplicateDecisions,
  meetingActions,
  meetingAttendees,
  meetingDecisions,
  meetingItems,
  meetings,
  offers,
  organisations,
  referenceChecks,
  referrals,
  requests,
  users,
} from "./schema";

export function exportAlliance(db: DB, allianceId: string) {
  return (
    db
      .select({
        id: alliances.id,
        name: alliances.name,
        slug: alliances.slug,
        requestQuotaPerHour: alliances.requestQuotaPerHour,
        createdAt: alliances.createdAt,
      })
      .from(alliances)
      .where(eq(alliances.id, allianceId))
      .get() ?? null
  );
}

export function exportOrganisations(db: DB, allianceId: string) {
  return db
    .select({
      id: organisations.id,
      name: organisations.name,
      shortName: organisations.shortName,
      kind: organisations.kind,
      color: organisations.color,
      createdAt: organisations.createdAt,
    })
    .from(organisations)
    .where(eq(organisations.allianceId, allianceId))
    .orderBy(asc(organisations.name))
    .all();
}

/** People without their password hash (and nothing of sessions, devices or tokens). */
export function exportPeople(db: DB, allianceId: string) {
  return db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      organisationId: users.organisationId,
      role: users.role,
      locale: users.locale,
      mustChangePassword: users.mustChangePassword,
      createdAt: users.createdAt,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(eq(organisations.allianceId, allianceId))
    .orderBy(asc(users.name))
    .all();
}

export function exportBoards(db: DB, allianceId: string) {
  return db.select().from(boards).where(eq(boards.allianceId, allianceId)).orderBy(asc(boards.createdAt)).all();
}

export type ExportRequestRow = typeof requests.$inferSelect;

export function exportRequests(db: DB, boardIds: string[]): ExportRequestRow[] {
  if (boardIds.length === 0) return [];
  return db.select().from(requests).where(inArray(requests.boardId, boardIds)).orderBy(asc(requests.createdAt), asc(requests.id)).all();
}

export function exportReferrals(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db
    .select({
      id: referrals.id,
      requestId: referrals.requestId,
      fromOrgId: referrals.fromOrgId,
      toOrgId: referrals.toOrgId,
      note: referrals.note,
      status: referrals.status,
      reason: referrals.reason,
      createdByUserId: referrals.createdByUserId,
      decidedByUserId: referrals.decidedByUserId,
      createdAt: referrals.createdAt,
      decidedAt: referrals.decidedAt,
    })
    .from(referrals)
    .innerJoin(requests, eq(requests.id, referrals.requestId))
    .where(inArray(requests.boardId, boardIds))
    .orderBy(asc(referrals.createdAt))
    .all();
}

export function exportComments(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db
    .select({
      id: comments.id,
      requestId: comments.requestId,
      userId: comments.userId,
      orgId: comments.orgId,
      body: comments.body,
      createdAt: comments.createdAt,
    })
    .from(comments)
    .innerJoin(requests, eq(requests.id, comments.requestId))
    .where(inArray(requests.boardId, boardIds))
    .orderBy(asc(comments.createdAt))
    .all();
}

export function exportAudit(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db.select().from(auditEvents).where(inArray(auditEvents.boardId, boardIds)).orderBy(asc(auditEvents.id)).all();
}

export function exportOffers(db: DB, allianceId: string) {
  return db
    .select({
      id: offers.id,
      organisationId: offers.organisationId,
      category: offers.category,
      label: offers.label,
      capacity: offers.capacity,
      area: offers.area,
      updatedAt: offers.updatedAt,
    })
    .from(offers)
    .innerJoin(organisations, eq(organisations.id, offers.organisationId))
    .where(eq(organisations.allianceId, allianceId))
    .all();
}

export function exportDuplicateDecisions(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db.select().from(duplicateDecisions).where(inArray(duplicateDecisions.boardId, boardIds)).all();
}

/** The reference check log (who checked, when, the outcome; never a reference). */
export function exportReferenceChecks(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db
    .select({
      boardId: referenceChecks.boardId,
      userId: referenceChecks.userId,
      orgId: referenceChecks.orgId,
      outcome: referenceChecks.outcome,
      createdAt: referenceChecks.createdAt,
    })
    .from(referenceChecks)
    .where(inArray(referenceChecks.boardId, boardIds))
    .orderBy(asc(referenceChecks.createdAt))
    .all();
}

/** The meetings of these boards, planned first to last (their parts are read by meeting id below). */
export function exportMeetings(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db.select().from(meetings).where(inArray(meetings.boardId, boardIds)).orderBy(asc(meetings.scheduledAt), asc(meetings.id)).all();
}

/** Agenda items in their agenda order. */
export function exportMeetingItems(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db
    .select({
      id: meetingItems.id,
      meetingId: meetingItems.meetingId,
      order: meetingItems.order,
      kind: meetingItems.kind,
      title: meetingItems.title,
      view: meetingItems.view,
      notes: meetingItems.notes,
      spentMs: meetingItems.spentMs,
      createdAt: meetingItems.createdAt,
    })
    .from(meetingItems)
    .innerJoin(meetings, eq(meetings.id, meetingItems.meetingId))
    .where(inArray(meetings.boardId, boardIds))
    .orderBy(asc(meetingItems.meetingId), asc(meetingItems.order), asc(meetingItems.id))
    .all();
}

export function exportMeetingDecisions(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db
    .select({
      id: meetingDecisions.id,
      meetingId: meetingDecisions.meetingId,
      itemId: meetingDecisions.itemId,
      requestId: meetingDecisions.requestId,
      text: meetingDecisions.text,
      createdByUserId: meetingDecisions.createdByUserId,
      createdAt: meetingDecisions.createdAt,
    })
    .from(meetingDecisions)
    .innerJoin(meetings, eq(meetings.id, meetingDecisions.meetingId))
    .where(inArray(meetings.boardId, boardIds))
    .orderBy(asc(meetingDecisions.createdAt), asc(meetingDecisions.id))
    .all();
}

export function exportMeetingActions(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db.select().from(meetingActions).where(inArray(meetingActions.boardId, boardIds)).orderBy(asc(meetingActions.createdAt), asc(meetingActions.id)).all();
}

export function exportMeetingAttendees(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db
    .select({
      meetingId: meetingAttendees.meetingId,
      userId: meetingAttendees.userId,
      name: meetingAttendees.name,
      orgId: meetingAttendees.orgId,
      source: meetingAttendees.source,
    })
    .from(meetingAttendees)
    .innerJoin(meetings, eq(meetings.id, meetingAttendees.meetingId))
    .where(inArray(meetings.boardId, boardIds))
    .orderBy(asc(meetingAttendees.meetingId), asc(meetingAttendees.createdAt), asc(sql`${meetingAttendees}.rowid`))
    .all();
}

/** The list of a board's stored moments, without their documents (see the service for why). */
export function exportMoments(db: DB, boardIds: string[]) {
  if (boardIds.length === 0) return [];
  return db
    .select({
      id: boardMoments.id,
      boardId: boardMoments.boardId,
      at: boardMoments.at,
      reason: boardMoments.reason,
      meetingId: boardMoments.meetingId,
      createdByUserId: boardMoments.createdByUserId,
    })
    .from(boardMoments)
    .where(inArray(boardMoments.boardId, boardIds))
    .orderBy(asc(boardMoments.at), asc(sql`rowid`))
    .all();
}

/** The request rows of one board, for its CSV export. */
export function requestsForBoard(db: DB, boardId: string) {
  return db
    .select({
      id: requests.id,
      reference: requests.reference,
      createdByOrgId: requests.createdByOrgId,
      ownerOrgId: requests.ownerOrgId,
      mergedInto: requests.mergedInto,
    })
    .from(requests)
    .where(eq(requests.boardId, boardId))
    .all();
}
