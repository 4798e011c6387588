/** What the privacy page and the processing register read about an alliance (app/services/privacy.server.ts). */
import { asc, eq } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { caseless, first } from "./dialect";
import type { TwoFactorPolicy } from "./schema";

/** The alliance's boards (archived ones too) with their retention, by name (case ignored). */
export async function boardRetentions(h: AsyncDb, allianceId: string): Promise<Array<{ name: string; retentionMonths: number; archived: boolean }>> {
  const { boards } = h.t;
  const rows = await h.q
    .select({ name: boards.name, retentionMonths: boards.retentionMonths, archivedAt: boards.archivedAt })
    .from(boards)
    .where(eq(boards.allianceId, allianceId))
    .orderBy(asc(caseless(h, boards.name)), asc(boards.id));
  return rows.map((b) => ({ name: b.name, retentionMonths: b.retentionMonths, archived: b.archivedAt !== null }));
}

/** Who must log in with a second step in this alliance. */
export async function twoFactorPolicyOf(h: AsyncDb, allianceId: string): Promise<TwoFactorPolicy> {
  const { alliances } = h.t;
  return (await first(h.q.select({ p: alliances.twoFactorPolicy }).from(alliances).where(eq(alliances.id, allianceId))))?.p ?? "off";
}
