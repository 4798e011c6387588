/**
 * What the front door's guard counts in SQL (issue 15): accepted items per
 * address key and per alliance, counted from `front_door_items` itself so
 * the budgets are exact and survive a restart; the alliance's daily cap;
 * the spam mark (inside the board's rebuild transaction,
 * app/services/front-door-spam.server.ts). On the asynchronous layer
 * (decision 001), both engines.
 */
import { and, eq, gte, sql } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { count, first } from "./dialect";

/** `sum(case when <cond> then 1 else 0 end)`, 0 over no rows, as a number (PostgreSQL's sum is a bigint, sent as text). */
const countIf = (cond: ReturnType<typeof sql>) => sql<number>`coalesce(sum(case when ${cond} then 1 else 0 end), 0)`.mapWith(Number);

/** The alliance's items since `recentSince` and since `daySince`, and its daily cap (null: no such alliance), in one read. */
export async function allianceLoad(
  h: AsyncDb,
  allianceId: string,
  recentSince: number,
  daySince: number,
): Promise<{ recent: number; today: number; cap: number | null }> {
  const { frontDoorItems, alliances } = h.t;
  const r = await first(
    h.q
      .select({
        recent: countIf(sql`${frontDoorItems.createdAt} >= ${recentSince}`),
        today: countIf(sql`${frontDoorItems.createdAt} >= ${daySince}`),
        cap: sql<number | null>`(select ${alliances.frontDoorDailyCap} from ${alliances} where ${alliances.id} = ${allianceId})`.mapWith(Number),
      })
      .from(frontDoorItems)
      .where(and(eq(frontDoorItems.allianceId, allianceId), gte(frontDoorItems.createdAt, Math.min(recentSince, daySince)))),
  );
  return { recent: r?.recent ?? 0, today: r?.today ?? 0, cap: r?.cap ?? null };
}

/** An address key's items today (since `daySince`) and in the last hour (since `hourSince`, not before `daySince`). */
export async function addressUse(
  h: AsyncDb,
  addressKey: string,
  hourSince: number,
  daySince: number,
): Promise<{ hour: number; hourSpam: number; day: number; daySpam: number; hourOldest: number | null }> {
  const { frontDoorItems } = h.t;
  const r = await first(
    h.q
      .select({
        hour: countIf(sql`${frontDoorItems.createdAt} >= ${hourSince}`),
        hourSpam: countIf(sql`${frontDoorItems.createdAt} >= ${hourSince} and ${frontDoorItems.spamAt} is not null`),
        day: count(),
        daySpam: countIf(sql`${frontDoorItems.spamAt} is not null`),
        hourOldest: sql<number | null>`min(case when ${frontDoorItems.createdAt} >= ${hourSince} then ${frontDoorItems.createdAt} end)`.mapWith(Number),
      })
      .from(frontDoorItems)
      .where(and(eq(frontDoorItems.addressKey, addressKey), gte(frontDoorItems.createdAt, daySince))),
  );
  return { hour: r?.hour ?? 0, hourSpam: r?.hourSpam ?? 0, day: r?.day ?? 0, daySpam: r?.daySpam ?? 0, hourOldest: r?.hourOldest ?? null };
}

/** The alliance's front-door items created at or after `since` (spam included: it took its place in the day). */
export async function allianceItemsSince(h: AsyncDb, allianceId: string, since: number): Promise<number> {
  const { frontDoorItems } = h.t;
  return (await first(h.q.select({ n: count() }).from(frontDoorItems).where(and(eq(frontDoorItems.allianceId, allianceId), gte(frontDoorItems.createdAt, since)))))?.n ?? 0;
}

export async function frontDoorDailyCap(h: AsyncDb, allianceId: string): Promise<number | null> {
  const { alliances } = h.t;
  return (await first(h.q.select({ cap: alliances.frontDoorDailyCap }).from(alliances).where(eq(alliances.id, allianceId))))?.cap ?? null;
}

export async function setFrontDoorDailyCap(h: AsyncDb, allianceId: string, cap: number): Promise<void> {
  const { alliances } = h.t;
  await h.q.update(alliances).set({ frontDoorDailyCap: cap }).where(eq(alliances.id, allianceId));
}

/** The front-door item a request came from (its board's), or null when the request was not made by the front door. */
export async function frontDoorItemOf(h: AsyncDb, boardId: string, requestId: string): Promise<{ id: string; addressKey: string; spamAt: number | null } | null> {
  const { frontDoorItems } = h.t;
  return (
    (await first(
      h.q
        .select({ id: frontDoorItems.id, addressKey: frontDoorItems.addressKey, spamAt: frontDoorItems.spamAt })
        .from(frontDoorItems)
        .where(and(eq(frontDoorItems.boardId, boardId), eq(frontDoorItems.requestId, requestId))),
    )) ?? null
  );
}

/** Mark an item as spam (its request is being erased; the row stays for the budget). */
export async function markFrontDoorSpam(h: AsyncDb, itemId: string, at: number): Promise<void> {
  const { frontDoorItems } = h.t;
  await h.q.update(frontDoorItems).set({ spamAt: at }).where(eq(frontDoorItems.id, itemId));
}
