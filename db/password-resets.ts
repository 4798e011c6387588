/**
 * Password reset links ("Wachtwoord vergeten?"). Only the SHA-256 of a
 * token is stored; a token is used by one UPDATE that checks and marks it at
 * once, so two uses (or two racing ones) give exactly one success.
 */
import { and, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import type { DB } from "./client";
import { passwordResets, sessions, users } from "./schema";

export function insertPasswordReset(db: DB, r: { tokenHash: string; userId: string; createdAt: number; expiresAt: number }): void {
  db.transaction((tx) => {
    // Old links are of no use to anyone: forget those that expired a day ago.
    tx.delete(passwordResets).where(lt(passwordResets.expiresAt, r.createdAt - 86_400_000)).run();
    tx.insert(passwordResets).values(r).run();
  });
}

export type ResetState = "valid" | "used" | "expired" | "unknown";

/** What a link is worth right now (the page shows a clear message for each). */
export function passwordResetState(db: DB, tokenHash: string, at: number): ResetState {
  const row = db
    .select({ expiresAt: passwordResets.expiresAt, usedAt: passwordResets.usedAt, disabledAt: users.disabledAt })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(eq(passwordResets.tokenHash, tokenHash))
    .get();
  if (!row || row.disabledAt !== null) return "unknown";
  if (row.usedAt !== null) return "used";
  return row.expiresAt > at ? "valid" : "expired";
}

/**
 * Use a link: in one transaction, mark it used (only if unused, unexpired and
 * the account is not disabled), set the new password, end every session of
 * the account and every other open link of it. Returns the account, or null
 * when the link could not be used (then nothing changed).
 */
export function usePasswordReset(db: DB, tokenHash: string, passwordHash: string, at: number): { userId: string; endedSessions: string[] } | null {
  return db.transaction((tx) => {
    const used = tx
      .update(passwordResets)
      .set({ usedAt: at })
      .where(
        and(
          eq(passwordResets.tokenHash, tokenHash),
          isNull(passwordResets.usedAt),
          gt(passwordResets.expiresAt, at),
          inArray(passwordResets.userId, tx.select({ id: users.id }).from(users).where(isNull(users.disabledAt))),
        ),
      )
      .returning({ userId: passwordResets.userId })
      .get();
    if (!used) return null;
    tx.update(users).set({ passwordHash, mustChangePassword: false }).where(eq(users.id, used.userId)).run();
    const endedSessions = tx.delete(sessions).where(eq(sessions.userId, used.userId)).returning({ id: sessions.id }).all().map((s) => s.id);
    tx.delete(passwordResets).where(and(eq(passwordResets.userId, used.userId), isNull(passwordResets.usedAt))).run();
    return { userId: used.userId, endedSessions };
  });
}
