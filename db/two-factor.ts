/**
 * Two-factor login's rows (issue 14): each person's sealed TOTP secret, the
 * recovery code hashes, the half-done logins and the alliance's policy. The
 * rules (what a code is, sealing, the throttle) are in
 * app/services/two-factor.server.ts; here only SQL, on the asynchronous
 * layer (SQLite and PostgreSQL, docs/decisions/001-async-database-layer.md).
 * What is used once (a time step, a recovery code, a challenge) is spent by
 * one conditional statement, so of two requests at once exactly one passes.
 */
import { and, eq, isNotNull, isNull, lt, lte, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { count, first } from "./dialect";
import type { TwoFactorPolicy, userTwoFactor, loginChallenges } from "./schema";

export type TwoFactorRow = typeof userTwoFactor.$inferSelect;

/** One confirmed sealed TOTP secret and its person, for the start check (does DATA_KEY open it?), or null. */
export async function oneSealedSecret(h: AsyncDb): Promise<{ userId: string; sealed: Buffer } | null> {
  const { userTwoFactor } = h.t;
  const row = await first(h.q.select({ userId: userTwoFactor.userId, sealed: userTwoFactor.secret }).from(userTwoFactor).where(isNotNull(userTwoFactor.secret)));
  return row?.sealed ? { userId: row.userId, sealed: row.sealed } : null;
}

export async function getTwoFactor(h: AsyncDb, userId: string): Promise<TwoFactorRow | null> {
  const { userTwoFactor } = h.t;
  return (await first(h.q.select().from(userTwoFactor).where(eq(userTwoFactor.userId, userId)))) ?? null;
}

/** Keep a new secret, not yet confirmed (replaces an earlier unconfirmed one; an enabled secret stays as it is). */
export async function setPendingSecret(h: AsyncDb, userId: string, sealed: Buffer, at: number): Promise<void> {
  const { userTwoFactor } = h.t;
  await h.q
    .insert(userTwoFactor)
    .values({ userId, pendingSecret: sealed, pendingAt: at })
    .onConflictDoUpdate({ target: userTwoFactor.userId, set: { pendingSecret: sealed, pendingAt: at } });
}

/**
 * The confirmed secret becomes the login's second step, with fresh recovery
 * codes (any older ones go), in one transaction. `step` is the time step of
 * the confirming code: that code cannot log in afterwards.
 */
export async function enableTwoFactor(h: AsyncDb, userId: string, sealedSecret: Buffer, step: number, codeHashes: readonly string[], at: number): Promise<void> {
  await h.transaction(async (tx) => {
    const { userTwoFactor, recoveryCodes } = tx.t;
    await tx.q
      .update(userTwoFactor)
      .set({ secret: sealedSecret, pendingSecret: null, pendingAt: null, enabledAt: at, disabledAt: null, lastStep: step })
      .where(eq(userTwoFactor.userId, userId));
    await tx.q.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    if (codeHashes.length) await tx.q.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ codeHash, userId, createdAt: at })));
  });
}

/** Turned off: the secret and the recovery codes are gone; when stays known. */
export async function disableTwoFactor(h: AsyncDb, userId: string, at: number): Promise<void> {
  await h.transaction(async (tx) => {
    const { userTwoFactor, recoveryCodes, loginChallenges } = tx.t;
    await tx.q
      .update(userTwoFactor)
      .set({ secret: null, pendingSecret: null, pendingAt: null, enabledAt: null, disabledAt: at, lastStep: 0 })
      .where(eq(userTwoFactor.userId, userId));
    await tx.q.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.q.delete(loginChallenges).where(eq(loginChallenges.userId, userId));
  });
}

/**
 * Spend a time step: true only when `step` is later than every step used
 * before (one UPDATE checks and records it, so two requests with the same
 * code cannot both pass).
 */
export async function spendTimeStep(h: AsyncDb, userId: string, step: number): Promise<boolean> {
  const { userTwoFactor } = h.t;
  const spent = await h.q
    .update(userTwoFactor)
    .set({ lastStep: step })
    .where(and(eq(userTwoFactor.userId, userId), isNotNull(userTwoFactor.enabledAt), lt(userTwoFactor.lastStep, step)))
    .returning({ userId: userTwoFactor.userId });
  return spent.length > 0;
}

/** Spend a recovery code: true only the first time (one UPDATE checks and marks it used). */
export async function spendRecoveryCode(h: AsyncDb, userId: string, codeHash: string, at: number): Promise<boolean> {
  const { recoveryCodes } = h.t;
  const spent = await h.q
    .update(recoveryCodes)
    .set({ usedAt: at })
    .where(and(eq(recoveryCodes.codeHash, codeHash), eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .returning({ codeHash: recoveryCodes.codeHash });
  return spent.length > 0;
}

/** New recovery codes instead of the old ones (used or not). */
export async function replaceRecoveryCodes(h: AsyncDb, userId: string, codeHashes: readonly string[], at: number): Promise<void> {
  await h.transaction(async (tx) => {
    const { recoveryCodes } = tx.t;
    await tx.q.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    if (codeHashes.length) await tx.q.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ codeHash, userId, createdAt: at })));
  });
}

export async function unusedRecoveryCodes(h: AsyncDb, userId: string): Promise<number> {
  const { recoveryCodes } = h.t;
  return (await first(h.q.select({ n: count() }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))))?.n ?? 0;
}

// ------------------------------------------------------------------ half-done logins

export type LoginChallengeRow = typeof loginChallenges.$inferSelect;

export async function insertLoginChallenge(
  h: AsyncDb,
  c: { tokenHash: string; userId: string; redirectTo: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await h.transaction(async (tx) => {
    const { loginChallenges } = tx.t;
    await tx.q.delete(loginChallenges).where(lte(loginChallenges.expiresAt, c.createdAt));
    await tx.q.insert(loginChallenges).values(c);
  });
}

/** A live challenge (not expired), or null. */
export async function getLoginChallenge(h: AsyncDb, tokenHash: string, at: number): Promise<LoginChallengeRow | null> {
  const { loginChallenges } = h.t;
  const row = await first(h.q.select().from(loginChallenges).where(eq(loginChallenges.tokenHash, tokenHash)));
  return row && row.expiresAt > at ? row : null;
}

/** Count a wrong code against the challenge; returns the failures so far. */
export async function failLoginChallenge(h: AsyncDb, tokenHash: string): Promise<number> {
  const { loginChallenges } = h.t;
  const [row] = await h.q
    .update(loginChallenges)
    .set({ failures: sql`${loginChallenges.failures} + 1` })
    .where(eq(loginChallenges.tokenHash, tokenHash))
    .returning({ failures: loginChallenges.failures });
  return row?.failures ?? Number.MAX_SAFE_INTEGER;
}

/** Spend a challenge: true only for the request that deleted it. */
export async function deleteLoginChallenge(h: AsyncDb, tokenHash: string): Promise<boolean> {
  const { loginChallenges } = h.t;
  const gone = await h.q.delete(loginChallenges).where(eq(loginChallenges.tokenHash, tokenHash)).returning({ tokenHash: loginChallenges.tokenHash });
  return gone.length > 0;
}

// ------------------------------------------------------------------ the alliance's policy

export async function getTwoFactorPolicy(h: AsyncDb, allianceId: string): Promise<TwoFactorPolicy> {
  const { alliances } = h.t;
  return (await first(h.q.select({ p: alliances.twoFactorPolicy }).from(alliances).where(eq(alliances.id, allianceId))))?.p ?? "off";
}

export async function setTwoFactorPolicy(h: AsyncDb, allianceId: string, policy: TwoFactorPolicy): Promise<void> {
  const { alliances } = h.t;
  await h.q.update(alliances).set({ twoFactorPolicy: policy }).where(eq(alliances.id, allianceId));
}

/** The alliance's people (not removed) with whether each has two-factor login on: for the policy's figures and for who must set it up. */
export async function twoFactorStatusOfPeople(h: AsyncDb, allianceId: string): Promise<{ id: string; role: string; enabled: boolean }[]> {
  const { users, organisations, userTwoFactor } = h.t;
  const rows = await h.q
    .select({ id: users.id, role: users.role, enabledAt: userTwoFactor.enabledAt })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .leftJoin(userTwoFactor, eq(userTwoFactor.userId, users.id))
    .where(and(eq(organisations.allianceId, allianceId), isNull(users.disabledAt)));
  return rows.map((r) => ({ id: r.id, role: r.role, enabled: r.enabledAt !== null }));
}
