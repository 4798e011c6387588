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

/** An address key's items created at or after `since`: all of them, the spam-marked ones, and the oldest one's time. */
export function addressItemsSince(db: DB, addressKey: string, since: number): { items: number; spam: number; oldest: number | null } {
  const r = db
    .select({
      items: sql<number>`count(*)`.mapWith(Number),
      spam: sql<number>`coalesce(sum(case when ${frontDoorItems.spamAt} is not null then 1 else 0 end), 0)`.mapWith(Number),
      oldest: sql<number | null>`min(${frontDoorItems.createdAt})`,
    })
    .from(frontDoorItems)
    .where(and(eq(frontDoorItems.addressKey, addressKey), gte(frontDoorItems.createdAt, since)))
    .get();
  return { items: r?.items ?? 0, spam: r?.spam ?? 0, oldest: r?.oldest ?? null };
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
