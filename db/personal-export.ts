/**
 * What the system holds about one person as a user (AVG art. 15, "Download
 * mijn gegevens"), read column by column: their own rows and what they did,
 * never secrets (password hash, TOTP secret, recovery code hashes, tokens,
 * session ids) and never other people's personal data (an invitation they
 * sent says its role and state, not whom it invited).
 */
import { asc, eq, or } from "drizzle-orm";
import type { DB } from "./client";
import {
  alliances,
  auditEvents,
  boardMoments,
  comments,
  duplicateDecisions,
  invitations,
  loginDevices,
  meetingActions,
  meetingAttendees,
  meetingDecisions,
  meetings,
  notificationSettings,
  notifications,
  organisations,
  passwordResets,
  recoveryCodes,
  referenceChecks,
  referrals,
  requests,
  sessions,
  userTwoFactor,
  users,
} from "./schema";

export function personalData(db: DB, userId: string) {
  const account =
    db
      .select({
        id: users.id,
        name: users.name,
        email: users.email,
        role: users.role,
        locale: users.locale,
        mustChangePassword: users.mustChangePassword,
        createdAt: users.createdAt,
        disabledAt: users.disabledAt,
        organisation: { id: organisations.id, name: organisations.name, shortName: organisations.shortName },
        alliance: { id: alliances.id, name: alliances.name, twoFactorPolicy: alliances.twoFactorPolicy },
      })
      .from(users)
      .innerJoin(organisations, eq(organisations.id, users.organisationId))
      .innerJoin(alliances, eq(alliances.id, organisations.allianceId))
      .where(eq(users.id, userId))
      .get() ?? null;
  if (!account) return null;
  const twoFactor = db
    .select({ enabledAt: userTwoFactor.enabledAt, disabledAt: userTwoFactor.disabledAt })
    .from(userTwoFactor)
    .where(eq(userTwoFactor.userId, userId))
    .get();
  const codes = db.select({ createdAt: recoveryCodes.createdAt, usedAt: recoveryCodes.usedAt }).from(recoveryCodes).where(eq(recoveryCodes.userId, userId)).all();
  return {
    account,
    twoFactor: {
      enabled: !!twoFactor?.enabledAt,
      enabledAt: twoFactor?.enabledAt ?? null,
      disabledAt: twoFactor?.disabledAt ?? null,
      recoveryCodes: { total: codes.length, used: codes.filter((c) => c.usedAt !== null).length, usedAt: codes.flatMap((c) => (c.usedAt ? [c.usedAt] : [])) },
    },
    sessions: db
      .select({ userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt })
      .from(sessions)
      .where(eq(sessions.userId, userId))
      .orderBy(asc(sessions.createdAt))
      .all(),
    loginDevices: db
      .select({ createdAt: loginDevices.createdAt, expiresAt: loginDevices.expiresAt })
      .from(loginDevices)
      .where(eq(loginDevices.userId, userId))
      .orderBy(asc(loginDevices.createdAt))
      .all(),
    passwordResets: db
      .select({ createdAt: passwordResets.createdAt, expiresAt: passwordResets.expiresAt, usedAt: passwordResets.usedAt })
      .from(passwordResets)
      .where(eq(passwordResets.userId, userId))
      .orderBy(asc(passwordResets.createdAt))
      .all(),
    notificationSettings: db
      .select({ kind: notificationSettings.kind, email: notificationSettings.email, updatedAt: notificationSettings.updatedAt })
      .from(notificationSettings)
      .where(eq(notificationSettings.userId, userId))
      .all(),
    notifications: db
      .select({
        id: notifications.id,
        kind: notifications.kind,
        boardId: notifications.boardId,
        requestId: notifications.requestId,
        data: notifications.data,
        createdAt: notifications.createdAt,
        readAt: notifications.readAt,
      })
      .from(notifications)
      .where(eq(notifications.userId, userId))
      .orderBy(asc(notifications.createdAt))
      .all(),
    invitationsSent: db
      .select({
        id: invitations.id,
        role: invitations.role,
        organisationId: invitations.organisationId,
        createdAt: invitations.createdAt,
        lastSentAt: invitations.lastSentAt,
        expiresAt: invitations.expiresAt,
        acceptedAt: invitations.acceptedAt,
        withdrawnAt: invitations.withdrawnAt,
      })
      .from(invitations)
      .where(eq(invitations.invitedByUserId, userId))
      .orderBy(asc(invitations.createdAt))
      .all(),
    /** What they did on the boards: the kind of event and when, the request it concerned (the event's own texts stay out). */
    activity: db
      .select({ type: auditEvents.type, boardId: auditEvents.boardId, requestId: auditEvents.requestId, createdAt: auditEvents.createdAt })
      .from(auditEvents)
      .where(eq(auditEvents.userId, userId))
      .orderBy(asc(auditEvents.id))
      .all(),
    requestsEntered: db
      .select({ id: requests.id, boardId: requests.boardId, createdAt: requests.createdAt })
      .from(requests)
      .where(eq(requests.createdByUserId, userId))
      .orderBy(asc(requests.createdAt))
      .all(),
    comments: db
      .select({ id: comments.id, requestId: comments.requestId, boardId: requests.boardId, body: comments.body, createdAt: comments.createdAt })
      .from(comments)
      .innerJoin(requests, eq(requests.id, comments.requestId))
      .where(eq(comments.userId, userId))
      .orderBy(asc(comments.createdAt))
      .all(),
    referrals: db
      .select({
        id: referrals.id,
        requestId: referrals.requestId,
        fromOrgId: referrals.fromOrgId,
        toOrgId: referrals.toOrgId,
        status: referrals.status,
        note: referrals.note,
        reason: referrals.reason,
        createdByUserId: referrals.createdByUserId,
        createdAt: referrals.createdAt,
        decidedAt: referrals.decidedAt,
      })
      .from(referrals)
      .where(or(eq(referrals.createdByUserId, userId), eq(referrals.decidedByUserId, userId)))
      .orderBy(asc(referrals.createdAt))
      .all()
      // Their own words only: the note of a referral they sent, the reason of one they declined.
      .map(({ createdByUserId, ...r }) => {
        const sent = createdByUserId === userId;
        return { ...r, sent, note: sent ? r.note : null, reason: sent ? null : r.reason };
      }),
    referenceChecks: db
      .select({ boardId: referenceChecks.boardId, outcome: referenceChecks.outcome, createdAt: referenceChecks.createdAt })
      .from(referenceChecks)
      .where(eq(referenceChecks.userId, userId))
      .orderBy(asc(referenceChecks.createdAt))
      .all(),
    duplicateDecisions: db
      .select({ boardId: duplicateDecisions.boardId, requestA: duplicateDecisions.requestA, requestB: duplicateDecisions.requestB, decision: duplicateDecisions.decision, decidedAt: duplicateDecisions.decidedAt })
      .from(duplicateDecisions)
      .where(eq(duplicateDecisions.decidedByUserId, userId))
      .all(),
    meetings: {
      planned: db
        .select({ id: meetings.id, boardId: meetings.boardId, title: meetings.title, scheduledAt: meetings.scheduledAt, createdAt: meetings.createdAt })
        .from(meetings)
        .where(eq(meetings.createdByUserId, userId))
        .all(),
      facilitated: db
        .select({ id: meetings.id, boardId: meetings.boardId, title: meetings.title, startedAt: meetings.startedAt, endedAt: meetings.endedAt })
        .from(meetings)
        .where(eq(meetings.facilitatorUserId, userId))
        .all(),
      attended: db
        .select({ meetingId: meetingAttendees.meetingId, source: meetingAttendees.source, createdAt: meetingAttendees.createdAt })
        .from(meetingAttendees)
        .where(eq(meetingAttendees.userId, userId))
        .all(),
      decisionsRecorded: db
        .select({ id: meetingDecisions.id, meetingId: meetingDecisions.meetingId, requestId: meetingDecisions.requestId, text: meetingDecisions.text, createdAt: meetingDecisions.createdAt })
        .from(meetingDecisions)
        .where(eq(meetingDecisions.createdByUserId, userId))
        .orderBy(asc(meetingDecisions.createdAt))
        .all(),
      actionsRecorded: db
        .select({
          id: meetingActions.id,
          meetingId: meetingActions.meetingId,
          requestId: meetingActions.requestId,
          orgId: meetingActions.orgId,
          text: meetingActions.text,
          due: meetingActions.due,
          doneAt: meetingActions.doneAt,
          createdAt: meetingActions.createdAt,
        })
        .from(meetingActions)
        .where(eq(meetingActions.createdByUserId, userId))
        .orderBy(asc(meetingActions.createdAt))
        .all(),
      actionsMarkedDone: db
        .select({ id: meetingActions.id, meetingId: meetingActions.meetingId, doneAt: meetingActions.doneAt })
        .from(meetingActions)
        .where(eq(meetingActions.doneByUserId, userId))
        .all(),
    },
    momentsStored: db
      .select({ id: boardMoments.id, boardId: boardMoments.boardId, reason: boardMoments.reason, at: boardMoments.at })
      .from(boardMoments)
      .where(eq(boardMoments.createdByUserId, userId))
      .all(),
  };
}

export type PersonalData = NonNullable<ReturnType<typeof personalData>>;
