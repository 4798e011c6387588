/** Notifications, each person's settings for them, and the unsubscribe tokens of the mails. */
import { randomBytes, randomUUID } from "node:crypto";
import { and, desc, eq, gte, inArray, isNotNull, isNull, lt, ne, sql } from "drizzle-orm";
import type { DB } from "./client";
import {
  alliances,
  boards,
  notifications,
  notificationSettings,
  offers,
  organisations,
  requests,
  unsubscribeTokens,
  users,
  type NotificationKind,
} from "./schema";

export type NotificationRow = typeof notifications.$inferSelect;

/** Store a notification unless its key exists (INSERT OR IGNORE). Returns its id when stored now. */
export function insertNotification(
  db: DB,
  n: { key: string; userId: string; kind: NotificationKind; boardId: string | null; requestId: string | null; data: Record<string, unknown>; at: number },
): string | null {
  const id = randomUUID();
  const r = db
    .insert(notifications)
    .values({ id, key: n.key, userId: n.userId, kind: n.kind, boardId: n.boardId, requestId: n.requestId, data: n.data, createdAt: n.at })
    .onConflictDoNothing({ target: notifications.key })
    .run();
  return r.changes > 0 ? id : null;
}

/** Forget notifications made before `before`. */
export function purgeNotifications(db: DB, before: number): number {
  return db.delete(notifications).where(lt(notifications.createdAt, before)).run().changes;
}

/** A person's notifications, latest first. */
export function listNotifications(db: DB, userId: string, limit = 50): NotificationRow[] {
  return db
    .select()
    .from(notifications)
    .where(eq(notifications.userId, userId))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit)
    .all();
}

export function unreadCount(db: DB, userId: string): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(notifications)
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
      .get()?.n ?? 0
  );
}

/** Mark some (ids) or all of a person's unread notifications read. Only the person's own: others' ids are ignored. */
export function markNotificationsRead(db: DB, userId: string, ids: string[] | null, at: number): number {
  const own = and(eq(notifications.userId, userId), isNull(notifications.readAt));
  const where = ids ? and(own, inArray(notifications.id, ids.length ? ids : [""])) : own;
  return db.update(notifications).set({ readAt: at }).where(where).run().changes;
}

/** The kinds a person changed from the default, with their choice. */
export function storedSettings(db: DB, userId: string): Partial<Record<NotificationKind, boolean>> {
  const out: Partial<Record<NotificationKind, boolean>> = {};
  for (const r of db.select().from(notificationSettings).where(eq(notificationSettings.userId, userId)).all()) out[r.kind] = r.email;
  return out;
}

export function storeSetting(db: DB, userId: string, kind: NotificationKind, email: boolean, at: number): void {
  db.insert(notificationSettings)
    .values({ userId, kind, email, updatedAt: at })
    .onConflictDoUpdate({ target: [notificationSettings.userId, notificationSettings.kind], set: { email, updatedAt: at } })
    .run();
}

/** The person's unsubscribe token for a kind, made on first use (32 random bytes). */
export function unsubscribeToken(db: DB, userId: string, kind: NotificationKind, at: number): string {
  const found = db
    .select({ token: unsubscribeTokens.token })
    .from(unsubscribeTokens)
    .where(and(eq(unsubscribeTokens.userId, userId), eq(unsubscribeTokens.kind, kind)))
    .get();
  if (found) return found.token;
  const token = randomBytes(32).toString("base64url");
  db.insert(unsubscribeTokens).values({ token, userId, kind, createdAt: at }).onConflictDoNothing().run();
  return unsubscribeToken(db, userId, kind, at);
}

export function unsubscribeTarget(db: DB, token: string): { userId: string; kind: NotificationKind; email: string; locale: string } | null {
  return (
    db
      .select({ userId: unsubscribeTokens.userId, kind: unsubscribeTokens.kind, email: users.email, locale: users.locale })
      .from(unsubscribeTokens)
      .innerJoin(users, eq(users.id, unsubscribeTokens.userId))
      .where(eq(unsubscribeTokens.token, token))
      .get() ?? null
  );
}

export interface Recipient {
  id: string;
  email: string;
  locale: string;
  organisationId: string;
  organisationName: string;
  allianceName: string;
}

const recipientColumns = {
  id: users.id,
  email: users.email,
  locale: users.locale,
  organisationId: users.organisationId,
  organisationName: organisations.shortName,
  allianceName: alliances.name,
};

/** Who hears about what concerns an organisation: its members and coordinators with access (not viewers, not removed). */
export function organisationRecipients(db: DB, orgId: string): Recipient[] {
  return db
    .select(recipientColumns)
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .innerJoin(alliances, eq(alliances.id, organisations.allianceId))
    .where(and(eq(users.organisationId, orgId), ne(users.role, "viewer"), isNull(users.disabledAt)))
    .all();
}

/** Organisations with what they offer: organisation id → the categories, for every organisation that offers something. */
export function offeredCategories(db: DB): Map<string, { allianceId: string; categories: Set<string> }> {
  const out = new Map<string, { allianceId: string; categories: Set<string> }>();
  for (const r of db
    .select({ orgId: offers.organisationId, allianceId: organisations.allianceId, category: offers.category })
    .from(offers)
    .innerJoin(organisations, eq(organisations.id, offers.organisationId))
    .all()) {
    let e = out.get(r.orgId);
    if (!e) out.set(r.orgId, (e = { allianceId: r.allianceId, categories: new Set() }));
    e.categories.add(r.category);
  }
  return out;
}

/** Requests created in [from, to) that nobody holds, per board, with the board's alliance. */
export function unheldRequestsCreated(db: DB, from: number, to: number) {
  return db
    .select({ id: requests.id, boardId: requests.boardId, allianceId: boards.allianceId, createdByOrgId: requests.createdByOrgId, createdAt: requests.createdAt })
    .from(requests)
    .innerJoin(boards, eq(boards.id, requests.boardId))
    .where(and(gte(requests.createdAt, from), lt(requests.createdAt, to), isNull(requests.ownerOrgId), isNull(requests.mergedInto)))
    .all();
}

/** Held requests of a board whose last activity lies in [from, to). */
export function claimsIdleBetween(db: DB, boardId: string, from: number, to: number) {
  return db
    .select({ id: requests.id, boardId: requests.boardId, ownerOrgId: requests.ownerOrgId, claimedAt: requests.claimedAt, lastActivityAt: requests.lastActivityAt })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), isNotNull(requests.ownerOrgId), gte(requests.lastActivityAt, from), lt(requests.lastActivityAt, to)))
    .all()
    .map((r) => ({ ...r, ownerOrgId: r.ownerOrgId! }));
}

/** Held requests on a board with the same reference key as a request, other than it. */
export function heldWithKey(db: DB, boardId: string, key: string, except: string) {
  return db
    .select({ id: requests.id, ownerOrgId: requests.ownerOrgId })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), eq(requests.referenceKey, key), isNotNull(requests.ownerOrgId), ne(requests.id, except), isNull(requests.mergedInto)))
    .all()
    .map((r) => ({ id: r.id, ownerOrgId: r.ownerOrgId! }));
}
