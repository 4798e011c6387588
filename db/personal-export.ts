/**
 * What the system holds about one person as a user (AVG art. 15, "Download
 * mijn gegevens"), read column by column: their own rows and what they did,
 * never secrets (password hash, TOTP secret, recovery code hashes, tokens,
 * session ids) and never other people's personal data (an invitation they
 * sent says its role and state, not whom it invited).
 */
import { asc, eq, or } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first } from "./dialect";

export async function personalData(h: AsyncDb, userId: string) {
  const { alliances, auditEvents, boardMoments, comments, duplicateDecisions, invitations, loginDevices, meetingActions, meetingAttendees } = h.t;
  const { meetingDecisions, meetings, notificationSettings, notifications, organisations, passwordResets, recoveryCodes, referenceChecks } = h.t;
  const { referrals, requests, sessions, userTwoFactor, users } = h.t;
  const db = h.q;
  const account =
    (await first(
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
        .where(eq(users.id, userId)),
    )) ?? null;
  if (!account) return null;
  const twoFactor = await first(
    db.select({ enabledAt: userTwoFactor.enabledAt, disabledAt: userTwoFactor.disabledAt }).from(userTwoFactor).where(eq(userTwoFactor.userId, userId)),
  );
  const codes = await db.select({ createdAt: recoveryCodes.createdAt, usedAt: recoveryCodes.usedAt }).from(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  return {
    account,
    twoFactor: {
      enabled: !!twoFactor?.enabledAt,
      enabledAt: twoFactor?.enabledAt ?? null,
      disabledAt: twoFactor?.disabledAt ?? null,
      recoveryCodes: { total: codes.length, used: codes.filter((c) => c.usedAt !== null).length, usedAt: codes.flatMap((c) => (c.usedAt ? [c.usedAt] : [])) },
    },
    sessions: await db
      .select({ userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt })
      .from(sessions)
      .where(eq(sessions.userId, userId))
      .orderBy(asc(sessions.createdAt)),
    loginDevices: await db
      .select({ createdAt: loginDevices.createdAt, expiresAt: loginDevices.expiresAt })
      .from(loginDevices)
      .where(eq(loginDevices.userId, userId))
      .orderBy(asc(loginDevices.createdAt)),
    passwordResets: await db
      .select({ createdAt: passwordResets.createdAt, expiresAt: passwordResets.expiresAt, usedAt: passwordResets.usedAt })
      .from(passwordResets)
      .where(eq(passwordResets.userId, userId))
      .orderBy(asc(passwordResets.createdAt)),
    notificationSettings: await db
      .select({ kind: notificationSettings.kind, email: notificationSettings.email, updatedAt: notificationSettings.updatedAt })
      .from(notificationSettings)
      .where(eq(notificationSettings.userId, userId)),
    notifications: await db
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
      .orderBy(asc(notifications.createdAt)),
    invitationsSent: await db
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
      .orderBy(asc(invitations.createdAt)),
    /** What they did on the boards: the kind of event and when, the request it concerned (the event's own texts stay out). */
    activity: await db
      .select({ type: auditEvents.type, boardId: auditEvents.boardId, requestId: auditEvents.requestId, createdAt: auditEvents.createdAt })
      .from(auditEvents)
      .where(eq(auditEvents.userId, userId))
      .orderBy(asc(auditEvents.id)),
    requestsEntered: await db
      .select({ id: requests.id, boardId: requests.boardId, createdAt: requests.createdAt })
      .from(requests)
      .where(eq(requests.createdByUserId, userId))
      .orderBy(asc(requests.createdAt)),
    comments: await db
      .select({ id: comments.id, requestId: comments.requestId, boardId: requests.boardId, body: comments.body, createdAt: comments.createdAt })
      .from(comments)
      .innerJoin(requests, eq(requests.id, comments.requestId))
      .where(eq(comments.userId, userId))
      .orderBy(asc(comments.createdAt)),
    referrals: (
      await db
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
    )
      // Their own words only: the note of a referral they sent, the reason of one they declined.
      .map(({ createdByUserId, ...r }) => {
        const sent = createdByUserId === userId;
        return { ...r, sent, note: sent ? r.note : null, reason: sent ? null : r.reason };
      }),
    referenceChecks: await db
      .select({ boardId: referenceChecks.boardId, outcome: referenceChecks.outcome, createdAt: referenceChecks.createdAt })
      .from(referenceChecks)
      .where(eq(referenceChecks.userId, userId))
      .orderBy(asc(referenceChecks.createdAt)),
    duplicateDecisions: await db
      .select({ boardId: duplicateDecisions.boardId, requestA: duplicateDecisions.requestA, requestB: duplicateDecisions.requestB, decision: duplicateDecisions.decision, decidedAt: duplicateDecisions.decidedAt })
      .from(duplicateDecisions)
      .where(eq(duplicateDecisions.decidedByUserId, userId)),
    meetings: {
      planned: await db
        .select({ id: meetings.id, boardId: meetings.boardId, title: meetings.title, scheduledAt: meetings.scheduledAt, createdAt: meetings.createdAt })
        .from(meetings)
        .where(eq(meetings.createdByUserId, userId)),
      facilitated: await db
        .select({ id: meetings.id, boardId: meetings.boardId, title: meetings.title, startedAt: meetings.startedAt, endedAt: meetings.endedAt })
        .from(meetings)
        .where(eq(meetings.facilitatorUserId, userId)),
      attended: await db
        .select({ meetingId: meetingAttendees.meetingId, source: meetingAttendees.source, createdAt: meetingAttendees.createdAt })
        .from(meetingAttendees)
        .where(eq(meetingAttendees.userId, userId)),
      decisionsRecorded: await db
        .select({ id: meetingDecisions.id, meetingId: meetingDecisions.meetingId, requestId: meetingDecisions.requestId, text: meetingDecisions.text, createdAt: meetingDecisions.createdAt })
        .from(meetingDecisions)
        .where(eq(meetingDecisions.createdByUserId, userId))
        .orderBy(asc(meetingDecisions.createdAt)),
      actionsRecorded: await db
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
        .orderBy(asc(meetingActions.createdAt)),
      actionsMarkedDone: await db
        .select({ id: meetingActions.id, meetingId: meetingActions.meetingId, doneAt: meetingActions.doneAt })
        .from(meetingActions)
        .where(eq(meetingActions.doneByUserId, userId)),
    },
    momentsStored: await db
      .select({ id: boardMoments.id, boardId: boardMoments.boardId, reason: boardMoments.reason, at: boardMoments.at })
      .from(boardMoments)
      .where(eq(boardMoments.createdByUserId, userId)),
  };
}

export type PersonalData = NonNullable<Awaited<ReturnType<typeof personalData>>>;
