/**
 * Erasing a staff account (AVG/GDPR art. 17 for the people who work on the
 * boards): the `users` row goes, with everything that cascades from it
 * (sessions, two-factor, recovery codes, login challenges and devices,
 * password resets, notifications and their settings, unsubscribe tokens);
 * every other link to the person becomes null (the comments, claims,
 * referrals, decisions, meeting actions and moments they made stay, by
 * nobody). Besides those links the person's name and address were copied
 * into three places, cleared here in the same transaction: a meeting's
 * attendees (their name, replaced by `label`), the invitations that named
 * them (deleted), and the mail outbox's rows addressed to them (deleted).
 * On the asynchronous layer (both engines).
 */
import { eq, or } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { escapeLike, likeEscaped } from "./dialect";

/**
 * Erase the account `userId`, only while its access is removed (decided in
 * the transaction: access restored meanwhile is "active", and nothing
 * happens); "missing" when there is no such account.
 */
export async function eraseStaffAccount(h: AsyncDb, userId: string, label: string): Promise<"erased" | "missing" | "active"> {
  return h.transaction(async (tx) => {
    const { users, meetingAttendees, invitations, mailOutbox } = tx.t;
    const [person] = await tx.q.select({ email: users.email, disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId));
    if (!person) return "missing";
    if (person.disabledAt === null) return "active";
    await tx.q.update(meetingAttendees).set({ name: label }).where(eq(meetingAttendees.userId, userId));
    await tx.q.delete(invitations).where(or(eq(invitations.acceptedUserId, userId), eq(invitations.email, person.email)));
    // Addressed to them now, or to the address they had before a change (the notice of the change goes there).
    await tx.q.delete(mailOutbox).where(or(eq(mailOutbox.to, person.email), likeEscaped(mailOutbox.key, `${escapeLike(`email-changed:${userId}:`)}%`)));
    await tx.q.delete(users).where(eq(users.id, userId));
    return "erased";
  });
}

/**
 * The tables an account's erasure deletes from or writes, for the VACUUM on
 * PostgreSQL after it (db/rebuild.ts vacuumErased: no row version keeps
 * the name or address).
 */
export const STAFF_ERASED_TABLES = [
  "users",
  "sessions",
  "userTwoFactor",
  "recoveryCodes",
  "loginChallenges",
  "loginDevices",
  "passwordResets",
  "notifications",
  "notificationSettings",
  "unsubscribeTokens",
  "meetingAttendees",
  "invitations",
  "mailOutbox",
] as const satisfies ReadonlyArray<keyof AsyncDb["t"]>;
