/**
 * Two-factor login's rows (issue 14): each person's sealed TOTP secret, the
 * recovery code hashes, the half-done logins and the alliance's policy. The
 * rules (what a code is, sealing, the throttle) are in
 * app/services/two-factor.server.ts; here only SQL.
 */
import { and, count, eq, isNotNull, isNull, lt, lte, sql } from "drizzle-orm";
import type { DB } from "./client";
import { alliances, loginChallenges, organisations, recoveryCodes, userTwoFactor, users, type TwoFactorPolicy } from "./schema";

export type TwoFactorRow = typeof userTwoFactor.$inferSelect;

/** One confirmed sealed TOTP secret and its person, for the start check (does DATA_KEY open it?), or null. */
export function oneSealedSecret(db: DB): { userId: string; sealed: Buffer } | null {
  const row = db
    .select({ userId: userTwoFactor.userId, sealed: userTwoFactor.secret })
    .from(userTwoFactor)
    .where(isNotNull(userTwoFactor.secret))
    .limit(1)
    .get();
  return row?.sealed ? { userId: row.userId, sealed: row.sealed } : null;
}

export function getTwoFactor(db: DB, userId: string): TwoFactorRow | null {
  return db.select().from(userTwoFactor).where(eq(userTwoFactor.userId, userId)).get() ?? null;
}

/** Keep a new secret, not yet confirmed (replaces an earlier unconfirmed one; an enabled secret stays as it is). */
export function setPendingSecret(db: DB, userId: string, sealed: Buffer, at: number): void {
  db.insert(userTwoFactor)
    .values({ userId, pendingSecret: sealed, pendingAt: at })
    .onConflictDoUpdate({ target: userTwoFactor.userId, set: { pendingSecret: sealed, pendingAt: at } })
    .run();
}

/**
 * The confirmed secret becomes the login's second step, with fresh recovery
 * codes (any older ones go), in one transaction. `step` is the time step of
 * the confirming code: that code cannot log in afterwards.
 */
export function enableTwoFactor(db: DB, userId: string, sealedSecret: Buffer, step: number, codeHashes: readonly string[], at: number): void {
  db.transaction((tx) => {
    tx.update(userTwoFactor)
      .set({ secret: sealedSecret, pendingSecret: null, pendingAt: null, enabledAt: at, disabledAt: null, lastStep: step })
      .where(eq(userTwoFactor.userId, userId))
      .run();
    tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
    if (codeHashes.length) tx.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ codeHash, userId, createdAt: at }))).run();
  });
}

/** Turned off: the secret and the recovery codes are gone; when stays known. */
export function disableTwoFactor(db: DB, userId: string, at: number): void {
  db.transaction((tx) => {
    tx.update(userTwoFactor)
      .set({ secret: null, pendingSecret: null, pendingAt: null, enabledAt: null, disabledAt: at, lastStep: 0 })
      .where(eq(userTwoFactor.userId, userId))
      .run();
    tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
    tx.delete(loginChallenges).where(eq(loginChallenges.userId, userId)).run();
  });
}

/**
 * Spend a time step: true only when `step` is later than every step used
 * before (one UPDATE checks and records it, so two requests with the same
 * code cannot both pass).
 */
export function spendTimeStep(db: DB, userId: string, step: number): boolean {
  return (
    db
      .update(userTwoFactor)
      .set({ lastStep: step })
      .where(and(eq(userTwoFactor.userId, userId), isNotNull(userTwoFactor.enabledAt), lt(userTwoFactor.lastStep, step)))
      .run().changes > 0
  );
}

/** Spend a recovery code: true only the first time (one UPDATE checks and marks it used). */
export function spendRecoveryCode(db: DB, userId: string, codeHash: string, at: number): boolean {
  return (
    db
      .update(recoveryCodes)
      .set({ usedAt: at })
      .where(and(eq(recoveryCodes.codeHash, codeHash), eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
      .run().changes > 0
  );
}

/** New recovery codes instead of the old ones (used or not). */
export function replaceRecoveryCodes(db: DB, userId: string, codeHashes: readonly string[], at: number): void {
  db.transaction((tx) => {
    tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
    if (codeHashes.length) tx.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ codeHash, userId, createdAt: at }))).run();
  });
}

export function unusedRecoveryCodes(db: DB, userId: string): number {
  return db.select({ n: count() }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt))).get()?.n ?? 0;
}

// ------------------------------------------------------------------ half-done logins

export type LoginChallengeRow = typeof loginChallenges.$inferSelect;

export function insertLoginChallenge(db: DB, c: { tokenHash: string; userId: string; redirectTo: string; createdAt: number; expiresAt: number }): void {
  db.transaction((tx) => {
    tx.delete(loginChallenges).where(lte(loginChallenges.expiresAt, c.createdAt)).run();
    tx.insert(loginChallenges).values(c).run();
  });
}

/** A live challenge (not expired), or null. */
export function getLoginChallenge(db: DB, tokenHash: string, at: number): LoginChallengeRow | null {
  const row = db.select().from(loginChallenges).where(eq(loginChallenges.tokenHash, tokenHash)).get();
  return row && row.expiresAt > at ? row : null;
}

/** Count a wrong code against the challenge; returns the failures so far. */
export function failLoginChallenge(db: DB, tokenHash: string): number {
  return (
    db
      .update(loginChallenges)
      .set({ failures: sql`${loginChallenges.failures} + 1` })
      .where(eq(loginChallenges.tokenHash, tokenHash))
      .returning({ failures: loginChallenges.failures })
      .get()?.failures ?? Number.MAX_SAFE_INTEGER
  );
}

/** Spend a challenge: true only for the request that deleted it. */
export function deleteLoginChallenge(db: DB, tokenHash: string): boolean {
  return db.delete(loginChallenges).where(eq(loginChallenges.tokenHash, tokenHash)).run().changes > 0;
}

// ------------------------------------------------------------------ the alliance's policy

export function getTwoFactorPolicy(db: DB, allianceId: string): TwoFactorPolicy {
  return db.select({ p: alliances.twoFactorPolicy }).from(alliances).where(eq(alliances.id, allianceId)).get()?.p ?? "off";
}

export function setTwoFactorPolicy(db: DB, allianceId: string, policy: TwoFactorPolicy): void {
  db.update(alliances).set({ twoFactorPolicy: policy }).where(eq(alliances.id, allianceId)).run();
}

/** The alliance's people (not removed) with whether each has two-factor login on: for the policy's figures and for who must set it up. */
export function twoFactorStatusOfPeople(db: DB, allianceId: string): { id: string; role: string; enabled: boolean }[] {
  return db
    .select({ id: users.id, role: users.role, enabledAt: userTwoFactor.enabledAt })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .leftJoin(userTwoFactor, eq(userTwoFactor.userId, users.id))
    .where(and(eq(organisations.allianceId, allianceId), isNull(users.disabledAt)))
    .all()
    .map((r) => ({ id: r.id, role: r.role, enabled: r.enabledAt !== null }));
}
