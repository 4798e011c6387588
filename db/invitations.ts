/**
 * Invitations: a coordinator's link for a new person (app/services/invitations.server.ts
 * holds the rules). On the asynchronous layer (SQLite and PostgreSQL,
 * docs/decisions/001-async-database-layer.md).
 */
import { and, asc, desc, eq, gt, isNull } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first, forUpdate, isUniqueViolation } from "./dialect";
import type { invitations, Role } from "./schema";

export type InvitationRow = typeof invitations.$inferSelect;

export async function insertInvitation(h: AsyncDb, row: typeof invitations.$inferInsert): Promise<void> {
  await h.q.insert(h.t.invitations).values({ ...row, email: row.email.trim().toLowerCase() });
}

/** The invitation a link's token hash points at, with its alliance and organisation names (for the page). */
export async function invitationByTokenHash(h: AsyncDb, tokenHash: string) {
  const { invitations, organisations, alliances } = h.t;
  return (
    (await first(
      h.q
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
        .where(eq(invitations.tokenHash, tokenHash)),
    )) ?? null
  );
}

export async function invitationById(h: AsyncDb, id: string): Promise<InvitationRow | null> {
  const { invitations } = h.t;
  return (await first(h.q.select().from(invitations).where(eq(invitations.id, id)))) ?? null;
}

/** A pending invitation (not accepted, not withdrawn, not expired) for this address, in any alliance. */
export async function pendingInvitationFor(h: AsyncDb, email: string, at: number): Promise<{ id: string } | null> {
  const { invitations } = h.t;
  return (
    (await first(
      h.q
        .select({ id: invitations.id })
        .from(invitations)
        .where(
          and(eq(invitations.email, email.trim().toLowerCase()), isNull(invitations.acceptedAt), isNull(invitations.withdrawnAt), gt(invitations.expiresAt, at)),
        ),
    )) ?? null
  );
}

/** The alliance's invitations that are not accepted or withdrawn (expired ones too, so they can be sent again), newest first. */
export async function openInvitations(h: AsyncDb, allianceId: string) {
  const { invitations, organisations, users } = h.t;
  return h.q
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
    .orderBy(desc(invitations.lastSentAt), asc(invitations.email));
}

/** A new token for an open invitation (the old link stops working), valid from `at` until `expiresAt`. */
export async function renewInvitationToken(h: AsyncDb, id: string, tokenHash: string, at: number, expiresAt: number): Promise<boolean> {
  const { invitations } = h.t;
  const renewed = await h.q
    .update(invitations)
    .set({ tokenHash, lastSentAt: at, expiresAt })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.withdrawnAt)))
    .returning({ id: invitations.id });
  return renewed.length === 1;
}

export async function withdrawInvitation(h: AsyncDb, id: string, at: number): Promise<boolean> {
  const { invitations } = h.t;
  const withdrawn = await h.q
    .update(invitations)
    .set({ withdrawnAt: at })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.withdrawnAt)))
    .returning({ id: invitations.id });
  return withdrawn.length === 1;
}

export type AcceptInvitationResult = { ok: true; userId: string } | { ok: false; reason: "unknown" | "used" | "withdrawn" | "expired" | "email_taken" };

/**
 * Accept: create the account and mark the invitation used, in one
 * transaction. The invitation's row is read locked (`forUpdate` on
 * PostgreSQL; SQLite's BEGIN IMMEDIATE holds the only write lock), so of
 * two accepts of the same link at once, in this process or another, the
 * second reads it accepted: exactly one creates the account. Only an
 * invitation still open and unexpired at `at` is used. An account made
 * meanwhile with the same address (another invitation) meets the unique
 * index on users.email: `email_taken`, nothing written.
 */
export async function acceptInvitation(
  h: AsyncDb,
  tokenHash: string,
  account: { id: string; passwordHash: string },
  at: number,
): Promise<AcceptInvitationResult> {
  try {
    return await h.transaction(async (tx): Promise<AcceptInvitationResult> => {
      const { invitations, users } = tx.t;
      const inv = await first(forUpdate(tx, tx.q.select().from(invitations).where(eq(invitations.tokenHash, tokenHash))));
      if (!inv) return { ok: false, reason: "unknown" };
      if (inv.acceptedAt !== null) return { ok: false, reason: "used" };
      if (inv.withdrawnAt !== null) return { ok: false, reason: "withdrawn" };
      if (inv.expiresAt <= at) return { ok: false, reason: "expired" };
      if (await first(tx.q.select({ id: users.id }).from(users).where(eq(users.email, inv.email)))) return { ok: false, reason: "email_taken" };
      await tx.q.insert(users).values({
        id: account.id,
        email: inv.email,
        name: inv.name,
        passwordHash: account.passwordHash,
        organisationId: inv.organisationId,
        role: inv.role as Role,
        locale: inv.locale,
        mustChangePassword: false,
      });
      await tx.q.update(invitations).set({ acceptedAt: at, acceptedUserId: account.id }).where(eq(invitations.id, inv.id));
      return { ok: true, userId: account.id };
    });
  } catch (e) {
    if (isUniqueViolation(e)) return { ok: false, reason: "email_taken" };
    throw e;
  }
}

/** A person's language (nl/en), for what is written on their behalf. */
export async function userLocale(h: AsyncDb, userId: string): Promise<string | null> {
  const { users } = h.t;
  return (await first(h.q.select({ locale: users.locale }).from(users).where(eq(users.id, userId))))?.locale ?? null;
}
