/**
 * Password reset links ("Wachtwoord vergeten?"). Only the SHA-256 of a
 * token is stored; a token is used by one UPDATE that checks and marks it at
 * once (`WHERE used_at IS NULL … RETURNING`), so two uses (or two racing
 * ones) give exactly one success, on SQLite and on PostgreSQL (the
 * asynchronous layer, docs/decisions/001-async-database-layer.md).
 */
import { and, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first } from "./dialect";

export async function insertPasswordReset(h: AsyncDb, r: { tokenHash: string; userId: string; createdAt: number; expiresAt: number }): Promise<void> {
  await h.transaction(async (tx) => {
    const { passwordResets } = tx.t;
    // Old links are of no use to anyone: forget those that expired a day ago.
    await tx.q.delete(passwordResets).where(lt(passwordResets.expiresAt, r.createdAt - 86_400_000));
    await tx.q.insert(passwordResets).values(r);
  });
}

export type ResetState = "valid" | "used" | "expired" | "unknown";

/** What a link is worth right now (the page shows a clear message for each). */
export async function passwordResetState(h: AsyncDb, tokenHash: string, at: number): Promise<ResetState> {
  const { passwordResets, users } = h.t;
  const row = await first(
    h.q
      .select({ expiresAt: passwordResets.expiresAt, usedAt: passwordResets.usedAt, disabledAt: users.disabledAt })
      .from(passwordResets)
      .innerJoin(users, eq(users.id, passwordResets.userId))
      .where(eq(passwordResets.tokenHash, tokenHash)),
  );
  if (!row || row.disabledAt !== null) return "unknown";
  if (row.usedAt !== null) return "used";
  return row.expiresAt > at ? "valid" : "expired";
}

/**
 * Use a link: in one transaction, mark it used (only if unused, unexpired and
 * the account is not disabled: one conditional UPDATE … RETURNING decides),
 * set the new password, end every session of the account and every other
 * open link of it. Returns the account, or null when the link could not be
 * used (then nothing changed).
 */
export async function usePasswordReset(
  h: AsyncDb,
  tokenHash: string,
  passwordHash: string,
  at: number,
): Promise<{ userId: string; endedSessions: string[] } | null> {
  return h.transaction(async (tx) => {
    const { passwordResets, sessions, users } = tx.t;
    const [used] = await tx.q
      .update(passwordResets)
      .set({ usedAt: at })
      .where(
        and(
          eq(passwordResets.tokenHash, tokenHash),
          isNull(passwordResets.usedAt),
          gt(passwordResets.expiresAt, at),
          inArray(passwordResets.userId, tx.q.select({ id: users.id }).from(users).where(isNull(users.disabledAt))),
        ),
      )
      .returning({ userId: passwordResets.userId });
    if (!used) return null;
    await tx.q.update(users).set({ passwordHash, mustChangePassword: false }).where(eq(users.id, used.userId));
    const endedSessions = (await tx.q.delete(sessions).where(eq(sessions.userId, used.userId)).returning({ id: sessions.id })).map((s) => s.id);
    await tx.q.delete(passwordResets).where(and(eq(passwordResets.userId, used.userId), isNull(passwordResets.usedAt)));
    return { userId: used.userId, endedSessions };
  });
}
