/**
 * What the front door's guard counts in SQL (issue 15): accepted items per
 * address key and per alliance, counted from `front_door_items` itself so
 * the budgets are exact and survive a restart; the alliance's daily cap;
 * the spam mark.
 */
import { and, eq, gte, sql } from "drizzle-orm";
import type { DB } from "./client";
import { alliances, frontDoorItems } from "./schema";

type Tx = Parameters<Parameters<DB["transaction"]>[0]>[0];

/**
 * The guard's two reads, prepared once per connection: every submission,
 * refused or not, runs them, so building the SQL each time would cost more
 * than the indexed counts themselves.
 */
const prepared = new WeakMap<DB, ReturnType<typeof prepare>>();

function prepare(db: DB) {
  const recentSince = sql.placeholder("recentSince");
  const daySince = sql.placeholder("daySince");
  return {
    // The alliance's items in the flood window and today, and its cap, in one read.
    load: db
      .select({
        recent: sql<number>`coalesce(sum(case when ${frontDoorItems.createdAt} >= ${recentSince} then 1 else 0 end), 0)`.mapWith(Number),
        today: sql<number>`coalesce(sum(case when ${frontDoorItems.createdAt} >= ${daySince} then 1 else 0 end), 0)`.mapWith(Number),
        cap: sql<number | null>`(select ${alliances.frontDoorDailyCap} from ${alliances} where ${alliances.id} = ${sql.placeholder("allianceId")})`,
      })
      .from(frontDoorItems)
      .where(and(eq(frontDoorItems.allianceId, sql.placeholder("allianceId")), gte(frontDoorItems.createdAt, sql`min(${recentSince}, ${daySince})`)))
      .prepare(),
    // An address key's items in the last hour and today (spam-marked ones apart), and the oldest of the hour.
    address: db
      .select({
        hour: sql<number>`coalesce(sum(case when ${frontDoorItems.createdAt} >= ${sql.placeholder("hourSince")} then 1 else 0 end), 0)`.mapWith(Number),
        hourSpam: sql<number>`coalesce(sum(case when ${frontDoorItems.createdAt} >= ${sql.placeholder("hourSince")} and ${frontDoorItems.spamAt} is not null then 1 else 0 end), 0)`.mapWith(Number),
        day: sql<number>`count(*)`.mapWith(Number),
        daySpam: sql<number>`coalesce(sum(case when ${frontDoorItems.spamAt} is not null then 1 else 0 end), 0)`.mapWith(Number),
        hourOldest: sql<number | null>`min(case when ${frontDoorItems.createdAt} >= ${sql.placeholder("hourSince")} then ${frontDoorItems.createdAt} end)`,
      })
      .from(frontDoorItems)
      .where(and(eq(frontDoorItems.addressKey, sql.placeholder("addressKey")), gte(frontDoorItems.createdAt, sql.placeholder("daySince"))))
      .prepare(),
  };
}

function statements(db: DB) {
  let s = prepared.get(db);
  if (!s) prepared.set(db, (s = prepare(db)));
  return s;
}

/** The alliance's items since `recentSince` and since `daySince`, and its daily cap (null: no such alliance). */
export function allianceLoad(db: DB, allianceId: string, recentSince: number, daySince: number): { recent: number; today: number; cap: number | null } {
  const r = statements(db).load.get({ allianceId, recentSince, daySince });
  return { recent: r?.recent ?? 0, today: r?.today ?? 0, cap: r?.cap ?? null };
}

/** An address key's items today (since `daySince`) and in the last hour (since `hourSince`, not before `daySince`). */
export function addressUse(
  db: DB,
  addressKey: string,
  hourSince: number,
  daySince: number,
): { hour: number; hourSpam: number; day: number; daySpam: number; hourOldest: number | null } {
  const r = statements(db).address.get({ addressKey, hourSince, daySince });
  return { hour: r?.hour ?? 0, hourSpam: r?.hourSpam ?? 0, day: r?.day ?? 0, daySpam: r?.daySpam ?? 0, hourOldest: r?.hourOldest ?? null };
}

/** The alliance's front-door items created at or after `since` (spam included: it took its place in the day). */
export function allianceItemsSince(db: DB, allianceId: string, since: number): number {
  return (
    db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(frontDoorItems)
      .where(and(eq(frontDoorItems.allianceId, allianceId), gte(frontDoorItems.createdAt, since)))
      .get()?.n ?? 0
  );
}

export function frontDoorDailyCap(db: DB, allianceId: string): number | null {
  return db.select({ cap: alliances.frontDoorDailyCap }).from(alliances).where(eq(alliances.id, allianceId)).get()?.cap ?? null;
}

export function setFrontDoorDailyCap(db: DB, allianceId: string, cap: number): void {
  db.update(alliances).set({ frontDoorDailyCap: cap }).where(eq(alliances.id, allianceId)).run();
}

/** The front-door item a request came from (its board's), or null when the request was not made by the front door. */
export function frontDoorItemOf(db: DB | Tx, boardId: string, requestId: string): { id: string; addressKey: string; spamAt: number | null } | null {
  return (
    db
      .select({ id: frontDoorItems.id, addressKey: frontDoorItems.addressKey, spamAt: frontDoorItems.spamAt })
      .from(frontDoorItems)
      .where(and(eq(frontDoorItems.boardId, boardId), eq(frontDoorItems.requestId, requestId)))
      .get() ?? null
  );
}

/** Mark an item as spam (its request is being erased; the row stays for the budget). */
export function markFrontDoorSpam(db: DB | Tx, itemId: string, at: number): void {
  db.update(frontDoorItems).set({ spamAt: at }).where(eq(frontDoorItems.id, itemId)).run();
}
