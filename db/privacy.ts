/** What the privacy page and the processing register read about an alliance (app/services/privacy.server.ts). */
import { asc, eq, sql } from "drizzle-orm";
import type { DB } from "./client";
import { alliances, boards, type TwoFactorPolicy } from "./schema";

/** The alliance's boards (archived ones too) with their retention, by name. */
export function boardRetentions(db: DB, allianceId: string): Array<{ name: string; retentionMonths: number; archived: boolean }> {
  return db
    .select({ name: boards.name, retentionMonths: boards.retentionMonths, archived: sql<number>`${boards.archivedAt} is not null` })
    .from(boards)
    .where(eq(boards.allianceId, allianceId))
    .orderBy(asc(sql`${boards.name} collate nocase`), asc(boards.id))
    .all()
    .map((b) => ({ ...b, archived: !!b.archived }));
}

/** Who must log in with a second step in this alliance. */
export function twoFactorPolicyOf(db: DB, allianceId: string): TwoFactorPolicy {
  return db.select({ p: alliances.twoFactorPolicy }).from(alliances).where(eq(alliances.id, allianceId)).get()?.p ?? "off";
}
