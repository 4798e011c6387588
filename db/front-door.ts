/**
 * The public front door's rows (issue 15): the alliance's settings, its
 * system organisation (the creator of what comes in through the door), and
 * the items with their receipt code hashes. (The daily cap and the
 * per-address counts are the guard's: db/front-door-guard.ts.)
 */
import { and, eq, isNull } from "drizzle-orm";
import type { DB } from "./client";
import { alliances, boards, frontDoorItems, organisations } from "./schema";
import { FRONT_DOOR_ORG_KIND } from "../app/board/front-door";

export interface FrontDoorSettingsRow {
  allianceId: string;
  allianceName: string;
  slug: string;
  enabled: boolean;
  boardId: string | null;
  sites: string[];
}

function parseSites(raw: string): string[] {
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
  } catch {
    return [];
  }
}

const settingsColumns = {
  allianceId: alliances.id,
  allianceName: alliances.name,
  slug: alliances.slug,
  enabled: alliances.frontDoorEnabled,
  boardId: alliances.frontDoorBoardId,
  sites: alliances.frontDoorSites,
};

export function frontDoorBySlug(db: DB, slug: string): FrontDoorSettingsRow | null {
  const row = db.select(settingsColumns).from(alliances).where(eq(alliances.slug, slug)).get();
  return row ? { ...row, sites: parseSites(row.sites) } : null;
}

export function frontDoorOf(db: DB, allianceId: string): FrontDoorSettingsRow | null {
  const row = db.select(settingsColumns).from(alliances).where(eq(alliances.id, allianceId)).get();
  return row ? { ...row, sites: parseSites(row.sites) } : null;
}

export function setFrontDoor(
  db: DB,
  allianceId: string,
  s: { enabled: boolean; boardId: string | null; sites: readonly string[] },
): void {
  db.update(alliances)
    .set({ frontDoorEnabled: s.enabled, frontDoorBoardId: s.boardId, frontDoorSites: JSON.stringify(s.sites) })
    .where(eq(alliances.id, allianceId))
    .run();
}

/** The alliance's front-door organisation, made on first use (one per alliance). */
export function frontDoorOrganisation(db: DB, allianceId: string, make: () => { id: string; name: string; shortName: string; color: string }): string {
  return db.transaction((tx) => {
    const found = tx
      .select({ id: organisations.id })
      .from(organisations)
      .where(and(eq(organisations.allianceId, allianceId), eq(organisations.kind, FRONT_DOOR_ORG_KIND)))
      .get();
    if (found) return found.id;
    const o = make();
    tx.insert(organisations).values({ ...o, allianceId, kind: FRONT_DOOR_ORG_KIND }).run();
    return o.id;
  });
}

/** Whether a board of the alliance is live (not archived): the door can feed it. */
export function liveBoardOf(db: DB, allianceId: string, boardId: string): boolean {
  return !!db
    .select({ id: boards.id })
    .from(boards)
    .where(and(eq(boards.id, boardId), eq(boards.allianceId, allianceId), isNull(boards.archivedAt)))
    .get();
}

export type FrontDoorItemRow = typeof frontDoorItems.$inferSelect;

export function insertFrontDoorItem(db: DB, item: typeof frontDoorItems.$inferInsert): void {
  db.insert(frontDoorItems).values(item).run();
}

/** The item a receipt code's hash names, with its request's board (for the status page). */
export function frontDoorItemByCode(db: DB, allianceId: string, codeHash: string): FrontDoorItemRow | null {
  return (
    db
      .select()
      .from(frontDoorItems)
      .where(and(eq(frontDoorItems.allianceId, allianceId), eq(frontDoorItems.codeHash, codeHash)))
      .get() ?? null
  );
}

/** The front-door item behind a request, if it came in that way. */
export function frontDoorItemOfRequest(db: DB, requestId: string): FrontDoorItemRow | null {
  return db.select().from(frontDoorItems).where(eq(frontDoorItems.requestId, requestId)).get() ?? null;
}

