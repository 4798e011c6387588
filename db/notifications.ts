/**
 * Notifications, each person's settings for them, and the unsubscribe tokens
 * of the mails. On the asynchronous layer (both engines,
 * docs/decisions/001-async-database-layer.md): a key is stored once and a
 * token made once per person and kind (ON CONFLICT DO NOTHING), a setting is
 * one upsert.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { and, desc, eq, gte, inArray, isNotNull, isNull, lt, ne } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { affected, count, first } from "./dialect";
import type { notifications, NotificationKind } from "./schema";

export type NotificationRow = typeof notifications.$inferSelect;

/** Store a notification unless its key exists (ON CONFLICT DO NOTHING). Returns its id when stored now. */
export async function insertNotification(
  h: AsyncDb,
  n: { key: string; userId: string; kind: NotificationKind; boardId: string | null; requestId: string | null; data: Record<string, unknown>; at: number },
): Promise<string | null> {
  const { notifications } = h.t;
  const id = randomUUID();
  const r = await h.q
    .insert(notifications)
    .values({ id, key: n.key, userId: n.userId, kind: n.kind, boardId: n.boardId, requestId: n.requestId, data: n.data, createdAt: n.at })
    .onConflictDoNothing({ target: notifications.key });
  return affected(r) > 0 ? id : null;
}

/** Forget notifications made before `before`. */
export async function purgeNotifications(h: AsyncDb, before: number): Promise<number> {
  const { notifications } = h.t;
  return affected(await h.q.delete(notifications).where(lt(notifications.createdAt, before)));
}

/** A person's notifications, latest first. */
export async function listNotifications(h: AsyncDb, userId: string, limit = 50): Promise<NotificationRow[]> {
  const { notifications } = h.t;
  return h.q.select().from(notifications).where(eq(notifications.userId, userId)).orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(limit);
}

export async function unreadCount(h: AsyncDb, userId: string): Promise<number> {
  const { notifications } = h.t;
  const row = await first(
    h.q
      .select({ n: count() })
      .from(notifications)
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt))),
  );
  return row?.n ?? 0;
}

/** Mark some (ids) or all of a person's unread notifications read. Only the person's own: others' ids are ignored. */
export async function markNotificationsRead(h: AsyncDb, userId: string, ids: string[] | null, at: number): Promise<number> {
  const { notifications } = h.t;
  const own = and(eq(notifications.userId, userId), isNull(notifications.readAt));
  const where = ids ? and(own, inArray(notifications.id, ids.length ? ids : [""])) : own;
  return affected(await h.q.update(notifications).set({ readAt: at }).where(where));
}

/** The kinds a person changed from the default, with their choice. */
export async function storedSettings(h: AsyncDb, userId: string): Promise<Partial<Record<NotificationKind, boolean>>> {
  const { notificationSettings } = h.t;
  const out: Partial<Record<NotificationKind, boolean>> = {};
  for (const r of await h.q.select().from(notificationSettings).where(eq(notificationSettings.userId, userId))) out[r.kind] = r.email;
  return out;
}

export async function storeSetting(h: AsyncDb, userId: string, kind: NotificationKind, email: boolean, at: number): Promise<void> {
  const { notificationSettings } = h.t;
  await h.q
    .insert(notificationSettings)
    .values({ userId, kind, email, updatedAt: at })
    .onConflictDoUpdate({ target: [notificationSettings.userId, notificationSettings.kind], set: { email, updatedAt: at } });
}

/** The person's unsubscribe token for a kind, made on first use (32 random bytes); of two first uses at once, one token stands. */
export async function unsubscribeToken(h: AsyncDb, userId: string, kind: NotificationKind, at: number): Promise<string> {
  const { unsubscribeTokens } = h.t;
  const read = () =>
    first(
      h.q
        .select({ token: unsubscribeTokens.token })
        .from(unsubscribeTokens)
        .where(and(eq(unsubscribeTokens.userId, userId), eq(unsubscribeTokens.kind, kind))),
    );
  const found = await read();
  if (found) return found.token;
  const token = randomBytes(32).toString("base64url");
  await h.q.insert(unsubscribeTokens).values({ token, userId, kind, createdAt: at }).onConflictDoNothing();
  return (await read())!.token;
}

export async function unsubscribeTarget(h: AsyncDb, token: string): Promise<{ userId: string; kind: NotificationKind; email: string; locale: string } | null> {
  const { unsubscribeTokens, users } = h.t;
  return (
    (await first(
      h.q
        .select({ userId: unsubscribeTokens.userId, kind: unsubscribeTokens.kind, email: users.email, locale: users.locale })
        .from(unsubscribeTokens)
        .innerJoin(users, eq(users.id, unsubscribeTokens.userId))
        .where(eq(unsubscribeTokens.token, token)),
    )) ?? null
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

/** Who hears about what concerns an organisation: its members and coordinators with access (not viewers, not removed). */
export async function organisationRecipients(h: AsyncDb, orgId: string): Promise<Recipient[]> {
  const { users, organisations, alliances } = h.t;
  return h.q
    .select({
      id: users.id,
      email: users.email,
      locale: users.locale,
      organisationId: users.organisationId,
      organisationName: organisations.shortName,
      allianceName: alliances.name,
    })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .innerJoin(alliances, eq(alliances.id, organisations.allianceId))
    .where(and(eq(users.organisationId, orgId), ne(users.role, "viewer"), isNull(users.disabledAt)));
}

/** Organisations with what they offer: organisation id → the categories, for every organisation that offers something. */
export async function offeredCategories(h: AsyncDb): Promise<Map<string, { allianceId: string; categories: Set<string> }>> {
  const { offers, organisations } = h.t;
  const out = new Map<string, { allianceId: string; categories: Set<string> }>();
  for (const r of await h.q
    .select({ orgId: offers.organisationId, allianceId: organisations.allianceId, category: offers.category })
    .from(offers)
    .innerJoin(organisations, eq(organisations.id, offers.organisationId))) {
    let e = out.get(r.orgId);
    if (!e) out.set(r.orgId, (e = { allianceId: r.allianceId, categories: new Set() }));
    e.categories.add(r.category);
  }
  return out;
}

/** Requests created in [from, to) that nobody holds, per board, with the board's alliance. */
export async function unheldRequestsCreated(h: AsyncDb, from: number, to: number) {
  const { requests, boards } = h.t;
  return h.q
    .select({ id: requests.id, boardId: requests.boardId, allianceId: boards.allianceId, createdByOrgId: requests.createdByOrgId, createdAt: requests.createdAt })
    .from(requests)
    .innerJoin(boards, eq(boards.id, requests.boardId))
    .where(and(gte(requests.createdAt, from), lt(requests.createdAt, to), isNull(requests.ownerOrgId), isNull(requests.mergedInto)));
}

/** Held requests of a board whose last activity lies in [from, to). */
export async function claimsIdleBetween(h: AsyncDb, boardId: string, from: number, to: number) {
  const { requests } = h.t;
  const rows = await h.q
    .select({ id: requests.id, boardId: requests.boardId, ownerOrgId: requests.ownerOrgId, claimedAt: requests.claimedAt, lastActivityAt: requests.lastActivityAt })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), isNotNull(requests.ownerOrgId), gte(requests.lastActivityAt, from), lt(requests.lastActivityAt, to)));
  return rows.map((r) => ({ ...r, ownerOrgId: r.ownerOrgId! }));
}

/** Held requests on a board with the same reference key as a request, other than it. */
export async function heldWithKey(h: AsyncDb, boardId: string, key: string, except: string) {
  const { requests } = h.t;
  const rows = await h.q
    .select({ id: requests.id, ownerOrgId: requests.ownerOrgId })
    .from(requests)
    .where(and(eq(requests.boardId, boardId), eq(requests.referenceKey, key), isNotNull(requests.ownerOrgId), ne(requests.id, except), isNull(requests.mergedInto)));
  return rows.map((r) => ({ id: r.id, ownerOrgId: r.ownerOrgId! }));
}
