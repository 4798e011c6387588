/**
 * Seed the demo alliance (AVE Emmen) when the database has none. Running it
 * again keeps the data: it never overwrites or duplicates.
 */
import { randomUUID } from "node:crypto";
import { countAlliances } from "./accounts";
import type { DB } from "./client";
import { DEMO_ALLIANCE, DEMO_BOARD_NAME, DEMO_OFFERS, DEMO_ORGS, DEMO_PEOPLE, demoRequests } from "./demo-data";
import { replaceOffers } from "./offers";
import { makeAlliance, makeBoard, makeOrganisation, makeUser } from "../tests/factories";

const HELD_COLUMNS = new Set(["opgepakt", "in-uitvoering", "afgerond"]);

export async function seedDemo(db: DB, now = Date.now()): Promise<{ seeded: boolean; boardId?: string }> {
  if (countAlliances(db) > 0) return { seeded: false };
  const alliance = makeAlliance(db, DEMO_ALLIANCE);
  const orgIds = new Map<string, string>();
  for (const o of DEMO_ORGS) {
    const org = makeOrganisation(db, { allianceId: alliance.id, ...o });
    orgIds.set(o.key, org.id);
  }
  const userByOrg = new Map<string, string>();
  for (const p of DEMO_PEOPLE) {
    const u = await makeUser(db, { organisationId: orgIds.get(p.org)!, email: p.email, name: p.name, role: p.role });
    if (p.role === "member" && !userByOrg.has(p.org)) userByOrg.set(p.org, u.id);
  }
  const board = makeBoard(db, {
    allianceId: alliance.id,
    name: DEMO_BOARD_NAME,
    cards: demoRequests(now)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((r) => ({
        title: r.title,
        category: r.category,
        description: r.description,
        area: r.area,
        urgency: r.urgency,
        column: r.column,
        createdByOrg: orgIds.get(r.org)!,
        createdByUser: userByOrg.get(r.org),
        reference: r.reference,
        createdAt: r.createdAt,
        // Requests past "Open" are held by the organisation that entered them.
        ...(HELD_COLUMNS.has(r.column) ? {
              ownerOrg: orgIds.get(r.org)!,
              claimedAt: Math.min(now, r.createdAt + r.claimDelayDays * 86400_000),
              // Worked on this week, so the claims do not expire at the first start.
              lastActivityAt: now - (r.claimDelayDays % 6) * 86400_000,
            } : {}),
      })),
  });
  for (const key of new Set(DEMO_OFFERS.map((o) => o.org))) {
    replaceOffers(
      db,
      orgIds.get(key)!,
      DEMO_OFFERS.filter((o) => o.org === key).map((o) => ({
        id: randomUUID(),
        category: o.category,
        label: o.label,
        capacity: o.capacity,
        area: o.area ?? "",
      })),
      now,
    );
  }
  return { seeded: true, boardId: board.id };
}
