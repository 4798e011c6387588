/** Invitations: a coordinator's link for a new person (app/services/invitations.server.ts holds the rules). */
import { and, asc, desc, eq, gt, isNull } from "drizzle-orm";
import type { DB } from "./client";
import { alliances, invitations, organisations, users, type Role } from "./schema";

export type InvitationRow = typeof invitations.$inferSelect;

export function insertInvitation(db: DB, row: typeof invitations.$inferInsert): void {
  db.insert(invitations).values({ ...row, email: row.email.trim().toLowerCase() }).run();
}

/** The invitation a link's token hash points at, with its alliance and organisation names (for the page). */
export function invitationByTokenHash(db: DB, tokenHash: string) {
  return (
    db
      .select({
        id: invitations.id,
        allianceId: invitations.allianceId,
        allianceName: alliances.name,
        organisationId: invitations.organisationId,
        organisationName: organisations.name,
        email: invitations.email,
        name: invitations.name,
        role: invitations.role,
        locale: invitations.locale,
        expiresAt: invitations.expiresAt,
        acceptedAt: invitations.acceptedAt,
        withdrawnAt: invitations.withdrawnAt,
      })
      .from(invitations)
      .innerJoin(organisations, eq(organisations.id, invitations.organisationId))
      .innerJoin(alliances, eq(alliances.id, invitations.allianceId))
      .where(eq(invitations.tokenHash, tokenHash))
      .get() ?? null
  );
}

export function invitationById(db: DB, id: string): InvitationRow | null {
  return db.select().from(invitations).where(eq(invitations.id, id)).get() ?? null;
}

/** A pending invitation (not accepted, not withdrawn, not expired) for this address, in any alliance. */
export function pendingInvitationFor(db: DB, email: string, at: number) {
  return (
    db
      .select({ id: invitations.id })
      .from(invitations)
      .where(
        and(eq(invitations.email, email.trim().toLowerCase()), isNull(invitations.acceptedAt), isNull(invitations.withdrawnAt), gt(invitations.expiresAt, at)),
      )
      .get() ?? null
  );
}

/** The alliance's invitations that are not accepted or withdrawn (expired ones too, so they can be sent again), newest first. */
export function openInvitations(db: DB, allianceId: string) {
  return db
    .select({
      id: invitations.id,
      email: invitations.email,
      name: invitations.name,
      role: invitations.role,
      organisationId: invitations.organisationId,
      organisationName: organisations.shortName,
      invitedBy: users.name,
      createdAt: invitations.createdAt,
      lastSentAt: invitations.lastSentAt,
      expiresAt: invitations.expiresAt,
    })
    .from(invitations)
    .innerJoin(organisations, eq(organisations.id, invitations.organisationId))
    .leftJoin(users, eq(users.id, invitations.invitedByUserId))
    .where(and(eq(invitations.allianceId, allianceId), isNull(invitations.acceptedAt), isNull(invitations.withdrawnAt)))
    .orderBy(desc(invitations.lastSentAt), asc(invitations.email))
    .all();
}

/** A new token for an open invitation (the old link stops working), valid from `at` until `expiresAt`. */
export function renewInvitationToken(db: DB, id: string, tokenHash: string, at: number, expiresAt: number): boolean {
  return (
    db
      .update(invitations)
      .set({ tokenHash, lastSentAt: at, expiresAt })
      .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.withdrawnAt)))
      .run().changes === 1
  );
}

export function withdrawInvitation(db: DB, id: string, at: number): boolean {
  return (
    db
      .update(invitations)
      .set({ withdrawnAt: at })
      .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.withdrawnAt)))
      .run().changes === 1
  );
}

/**
 * Accept: create the account and mark the invitation used, in one
 * transaction that takes the write lock first (BEGIN IMMEDIATE). Only an
 * invitation that is still open and unexpired at `at` is used, and only once:
 * of two accepts at the same moment, in this process or another, exactly one
 * creates the account. Returns the new user's id, or why not.
 */
export function acceptInvitation(
  db: DB,
  tokenHash: string,
  account: { id: string; passwordHash: string },
  at: number,
): { ok: true; userId: string } | { ok: false; reason: "unknown" | "used" | "withdrawn" | "expired" | "email_taken" } {
  return db.transaction(
    (tx) => {
      const inv = tx.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).get();
      if (!inv) return { ok: false as const, reason: "unknown" as const };
      if (inv.acceptedAt !== null) return { ok: false as const, reason: "used" as const };
      if (inv.withdrawnAt !== null) return { ok: false as const, reason: "withdrawn" as const };
      if (inv.expiresAt <= at) return { ok: false as const, reason: "expired" as const };
      if (tx.select({ id: users.id }).from(users).where(eq(users.email, inv.email)).get()) return { ok: false as const, reason: "email_taken" as const };
      tx.insert(users)
        .values({
          id: account.id,
          email: inv.email,
          name: inv.name,
          passwordHash: account.passwordHash,
          organisationId: inv.organisationId,
          role: inv.role as Role,
          locale: inv.locale,
          mustChangePassword: false,
        })
        .run();
      tx.update(invitations).set({ acceptedAt: at, acceptedUserId: account.id }).where(eq(invitations.id, inv.id)).run();
      return { ok: true as const, userId: account.id };
    },
    { behavior: "immediate" },
  );
}

/** A person's language (nl/en), for what is written on their behalf. */
export function userLocale(db: DB, userId: string): string | null {
  return db.select({ locale: users.locale }).from(users).where(eq(users.id, userId)).get()?.locale ?? null;
}
