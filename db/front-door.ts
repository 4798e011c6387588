/**
 * The public front door's rows (issue 15): the alliance's settings, its
 * system organisation (the creator of what comes in through the door), and
 * the items with their receipt code hashes. (The daily cap and the
 * per-address counts are the guard's: db/front-door-guard.ts.) On the
 * asynchronous layer (decision 001), both engines.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { AsyncDb } from "./client";
import { first, forUpdate } from "./dialect";
import type { frontDoorItems } from "./schema";
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

function settingsColumns(h: AsyncDb) {
  const { alliances } = h.t;
  return {
    allianceId: alliances.id,
    allianceName: alliances.name,
    slug: alliances.slug,
    enabled: alliances.frontDoorEnabled,
    boardId: alliances.frontDoorBoardId,
    sites: alliances.frontDoorSites,
  };
}

export async function frontDoorBySlug(h: AsyncDb, slug: string): Promise<FrontDoorSettingsRow | null> {
  const { alliances } = h.t;
  const row = await first(h.q.select(settingsColumns(h)).from(alliances).where(eq(alliances.slug, slug)));
  return row ? { ...row, sites: parseSites(row.sites) } : null;
}

export async function frontDoorOf(h: AsyncDb, allianceId: string): Promise<FrontDoorSettingsRow | null> {
  const { alliances } = h.t;
  const row = await first(h.q.select(settingsColumns(h)).from(alliances).where(eq(alliances.id, allianceId)));
  return row ? { ...row, sites: parseSites(row.sites) } : null;
}

export async function setFrontDoor(h: AsyncDb, allianceId: string, s: { enabled: boolean; boardId: string | null; sites: readonly string[] }): Promise<void> {
  const { alliances } = h.t;
  await h.q
    .update(alliances)
    .set({ frontDoorEnabled: s.enabled, frontDoorBoardId: s.boardId, frontDoorSites: JSON.stringify(s.sites) })
    .where(eq(alliances.id, allianceId));
}

/**
 * The alliance's front-door organisation, made on first use (one per
 * alliance). Nothing unique in the table says "one": the alliance's row is
 * locked first (`forUpdate`; SQLite's transaction holds the only write
 * lock), so of two first submissions at once the second waits, then finds
 * the first one's organisation.
 */
export async function frontDoorOrganisation(
  h: AsyncDb,
  allianceId: string,
  make: () => { id: string; name: string; shortName: string; color: string },
): Promise<string> {
  const { organisations } = h.t;
  const lookup = (q: AsyncDb["q"]) =>
    first(q.select({ id: organisations.id }).from(organisations).where(and(eq(organisations.allianceId, allianceId), eq(organisations.kind, FRONT_DOOR_ORG_KIND))));
  // Every submission after the first: no transaction, no lock.
  const found = await lookup(h.q);
  if (found) return found.id;
  return h.transaction(async (tx) => {
    await first(forUpdate(tx, tx.q.select({ id: tx.t.alliances.id }).from(tx.t.alliances).where(eq(tx.t.alliances.id, allianceId))));
    const made = await lookup(tx.q);
    if (made) return made.id;
    const o = make();
    await tx.q.insert(tx.t.organisations).values({ ...o, allianceId, kind: FRONT_DOOR_ORG_KIND });
    return o.id;
  });
}

/** Whether a board of the alliance is live (not archived): the door can feed it. */
export async function liveBoardOf(h: AsyncDb, allianceId: string, boardId: string): Promise<boolean> {
  const { boards } = h.t;
  return !!(await first(h.q.select({ id: boards.id }).from(boards).where(and(eq(boards.id, boardId), eq(boards.allianceId, allianceId), isNull(boards.archivedAt)))));
}

export type FrontDoorItemRow = typeof frontDoorItems.$inferSelect;

export async function insertFrontDoorItem(h: AsyncDb, item: typeof frontDoorItems.$inferInsert): Promise<void> {
  await h.q.insert(h.t.frontDoorItems).values(item);
}

/** The item a receipt code's hash names, with its request's board (for the status page). */
export async function frontDoorItemByCode(h: AsyncDb, allianceId: string, codeHash: string): Promise<FrontDoorItemRow | null> {
  const { frontDoorItems } = h.t;
  return (await first(h.q.select().from(frontDoorItems).where(and(eq(frontDoorItems.allianceId, allianceId), eq(frontDoorItems.codeHash, codeHash))))) ?? null;
}

/** The front-door item behind a request, if it came in that way. */
export async function frontDoorItemOfRequest(h: AsyncDb, requestId: string): Promise<FrontDoorItemRow | null> {
  const { frontDoorItems } = h.t;
  return (await first(h.q.select().from(frontDoorItems).where(eq(frontDoorItems.requestId, requestId)))) ?? null;
}
