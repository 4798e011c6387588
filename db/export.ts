/**
 * What the export of an alliance reads: every row of the alliance, column by
 * column chosen here so that secrets never leave (no password hashes, session
 * or invitation tokens, no match secret). Whether a reference may be shown is
 * decided by the service (app/services/export.server.ts), not here. On the
 * asynchronous layer (both engines, docs/decisions/001-async-database-layer.md).
 */
import { asc, eq, inArray } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first, storedOrder } from "./dialect";
import type { requests } from "./schema";

export async function exportAlliance(h: AsyncDb, allianceId: string) {
  const { alliances } = h.t;
  return (
    (await first(
      h.q
        .select({
          id: alliances.id,
          name: alliances.name,
          slug: alliances.slug,
          requestQuotaPerHour: alliances.requestQuotaPerHour,
          createdAt: alliances.createdAt,
        })
        .from(alliances)
        .where(eq(alliances.id, allianceId)),
    )) ?? null
  );
}

export async function exportOrganisations(h: AsyncDb, allianceId: string) {
  const { organisations } = h.t;
  return h.q
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
    .orderBy(asc(organisations.name));
}

/** People without their password hash (and nothing of sessions, devices or tokens). */
export async function exportPeople(h: AsyncDb, allianceId: string) {
  const { organisations, users } = h.t;
  return h.q
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
    .orderBy(asc(users.name));
}

export async function exportBoards(h: AsyncDb, allianceId: string) {
  const { boards } = h.t;
  return h.q.select().from(boards).where(eq(boards.allianceId, allianceId)).orderBy(asc(boards.createdAt));
}

export type ExportRequestRow = typeof requests.$inferSelect;

export async function exportRequests(h: AsyncDb, boardIds: string[]): Promise<ExportRequestRow[]> {
  const { requests } = h.t;
  if (boardIds.length === 0) return [];
  return h.q.select().from(requests).where(inArray(requests.boardId, boardIds)).orderBy(asc(requests.createdAt), asc(requests.id));
}

export async function exportReferrals(h: AsyncDb, boardIds: string[]) {
  const { referrals, requests } = h.t;
  if (boardIds.length === 0) return [];
  return h.q
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
    .orderBy(asc(referrals.createdAt));
}

export async function exportComments(h: AsyncDb, boardIds: string[]) {
  const { comments, requests } = h.t;
  if (boardIds.length === 0) return [];
  return h.q
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
    .orderBy(asc(comments.createdAt));
}

export async function exportAudit(h: AsyncDb, boardIds: string[]) {
  const { auditEvents } = h.t;
  if (boardIds.length === 0) return [];
  return h.q.select().from(auditEvents).where(inArray(auditEvents.boardId, boardIds)).orderBy(asc(auditEvents.id));
}

export async function exportOffers(h: AsyncDb, allianceId: string) {
  const { offers, organisations } = h.t;
  return h.q
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
    .where(eq(organisations.allianceId, allianceId));
}

export async function exportDuplicateDecisions(h: AsyncDb, boardIds: string[]) {
  const { duplicateDecisions } = h.t;
  if (boardIds.length === 0) return [];
  return h.q.select().from(duplicateDecisions).where(inArray(duplicateDecisions.boardId, boardIds));
}

/** The reference check log (who checked, when, the outcome; never a reference). */
export async function exportReferenceChecks(h: AsyncDb, boardIds: string[]) {
  const { referenceChecks } = h.t;
  if (boardIds.length === 0) return [];
  return h.q
    .select({
      boardId: referenceChecks.boardId,
      userId: referenceChecks.userId,
      orgId: referenceChecks.orgId,
      outcome: referenceChecks.outcome,
      createdAt: referenceChecks.createdAt,
    })
    .from(referenceChecks)
    .where(inArray(referenceChecks.boardId, boardIds))
    .orderBy(asc(referenceChecks.createdAt));
}

/** The meetings of these boards, planned first to last (their parts are read by meeting id below). */
export async function exportMeetings(h: AsyncDb, boardIds: string[]) {
  const { meetings } = h.t;
  if (boardIds.length === 0) return [];
  return h.q.select().from(meetings).where(inArray(meetings.boardId, boardIds)).orderBy(asc(meetings.scheduledAt), asc(meetings.id));
}

/** Agenda items in their agenda order. */
export async function exportMeetingItems(h: AsyncDb, boardIds: string[]) {
  const { meetingItems, meetings } = h.t;
  if (boardIds.length === 0) return [];
  return h.q
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
    .orderBy(asc(meetingItems.meetingId), asc(meetingItems.order), asc(meetingItems.id));
}

export async function exportMeetingDecisions(h: AsyncDb, boardIds: string[]) {
  const { meetingDecisions, meetings } = h.t;
  if (boardIds.length === 0) return [];
  return h.q
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
    .orderBy(asc(meetingDecisions.createdAt), asc(meetingDecisions.id));
}

export async function exportMeetingActions(h: AsyncDb, boardIds: string[]) {
  const { meetingActions } = h.t;
  if (boardIds.length === 0) return [];
  return h.q.select().from(meetingActions).where(inArray(meetingActions.boardId, boardIds)).orderBy(asc(meetingActions.createdAt), asc(meetingActions.id));
}

export async function exportMeetingAttendees(h: AsyncDb, boardIds: string[]) {
  const { meetingAttendees, meetings } = h.t;
  if (boardIds.length === 0) return [];
  return h.q
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
    .orderBy(asc(meetingAttendees.meetingId), asc(meetingAttendees.createdAt), asc(storedOrder(h, meetingAttendees)));
}

/** The list of a board's stored moments, without their documents (see the service for why). */
export async function exportMoments(h: AsyncDb, boardIds: string[]) {
  const { boardMoments } = h.t;
  if (boardIds.length === 0) return [];
  return h.q
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
    .orderBy(asc(boardMoments.at), asc(storedOrder(h, boardMoments)));
}

/** The request rows of one board, for its CSV export. */
export async function requestsForBoard(h: AsyncDb, boardId: string) {
  const { requests } = h.t;
  return h.q
    .select({
      id: requests.id,
      reference: requests.reference,
      createdByOrgId: requests.createdByOrgId,
      ownerOrgId: requests.ownerOrgId,
      mergedInto: requests.mergedInto,
    })
    .from(requests)
    .where(eq(requests.boardId, boardId));
}
