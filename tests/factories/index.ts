/**
 * Factories for alliances, organisations, people, boards and requests. The
 * demo seed and the tests build their data with these, so both exercise the
 * same paths as the product (real password hashes, real board documents).
 */
import { randomBytes, randomUUID } from "node:crypto";
import * as Y from "yjs";
import { addCards, initBoard, setArchived } from "../../app/board/domain";
import type { CardFields } from "../../app/board/types";
import { hashPassword } from "../../app/services/password.server";
import {
  insertAlliance,
  insertBoard,
  insertOrganisation,
  insertSession,
  insertUser,
} from "../../db/accounts";
import { compactBoard } from "../../db/board-store";
import type { DB } from "../../db/client";
import { insertRequest } from "../../db/requests";
import { allianceSecret } from "../../db/duplicates";
import { referenceKey } from "../../app/services/duplicates.server";
import type { Role } from "../../db/schema";
import { createHash } from "node:crypto";

export const DEMO_PASSWORD = "alliantie-demo";

export function makeAlliance(db: DB, a: { name: string; slug?: string; id?: string }) {
  const id = a.id ?? randomUUID();
  const slug = a.slug ?? a.name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  insertAlliance(db, { id, name: a.name, slug, matchSecret: randomBytes(32).toString("base64url") });
  return { id, name: a.name, slug };
}

export function makeOrganisation(
  db: DB,
  o: { allianceId: string; name: string; shortName?: string; kind?: string; color?: string; id?: string },
) {
  const id = o.id ?? randomUUID();
  const row = {
    id,
    allianceId: o.allianceId,
    name: o.name,
    shortName: o.shortName ?? o.name,
    kind: o.kind ?? "overig",
    color: o.color ?? "#4a5568",
  };
  insertOrganisation(db, row);
  return row;
}

const hashCache = new Map<string, Promise<string>>();
/** Hashing is deliberately slow; the same password is hashed once per process (fresh salt per call still holds for real accounts). */
function cachedHash(password: string): Promise<string> {
  if (!hashCache.has(password)) hashCache.set(password, hashPassword(password));
  return hashCache.get(password)!;
}

export async function makeUser(
  db: DB,
  u: { organisationId: string; email: string; name: string; role?: Role; password?: string; id?: string },
) {
  const id = u.id ?? randomUUID();
  const passwordHash = await cachedHash(u.password ?? DEMO_PASSWORD);
  insertUser(db, {
    id,
    email: u.email,
    name: u.name,
    passwordHash,
    organisationId: u.organisationId,
    role: u.role ?? "member",
  });
  return { id, email: u.email.toLowerCase(), name: u.name, organisationId: u.organisationId, role: u.role ?? "member" };
}

/** A session for a user, as a Cookie header value (tests skip the login form). */
export function makeSessionCookie(db: DB, userId: string, days = 1): string {
  const token = randomBytes(32).toString("base64url");
  insertSession(db, {
    id: createHash("sha256").update(token).digest("hex"),
    userId,
    expiresAt: Date.now() + days * 86400_000,
  });
  return `ab_session=${token}`;
}

export interface SeedCard extends CardFields {
  column?: string;
  archived?: boolean;
  createdByOrg: string;
  createdByUser?: string;
  reference?: string | null;
  createdAt?: number;
  /** The organisation that holds the request (claimed), if any, and since when. */
  ownerOrg?: string;
  claimedAt?: number;
  lastActivityAt?: number;
}

/**
 * A board with its document: default columns and categories, and the given
 * cards. Stores the document as a snapshot and a row per request.
 */
export function makeBoard(db: DB, b: { allianceId: string; name: string; id?: string; cards?: SeedCard[] }) {
  const id = b.id ?? randomUUID();
  insertBoard(db, { id, allianceId: b.allianceId, name: b.name });
  const doc = new Y.Doc();
  initBoard(doc);
  const cardIds: string[] = [];
  const secret = allianceSecret(db, b.allianceId);
  const seeded = (b.cards ?? []).map((c) => ({ c, cardId: randomUUID(), createdAt: c.createdAt ?? Date.now() }));
  addCards(
    doc,
    seeded.map(({ c, cardId, createdAt }) => ({
      id: cardId,
      title: c.title,
      category: c.category,
      description: c.description,
      area: c.area,
      urgency: c.urgency,
      createdAt,
      createdByOrg: c.createdByOrg,
      column: c.column,
    })),
  );
  for (const { c, cardId, createdAt } of seeded) {
    if (c.archived) setArchived(doc, cardId, true, createdAt);
    insertRequest(db, {
      id: cardId,
      boardId: id,
      createdByUserId: c.createdByUser ?? null,
      createdByOrgId: c.createdByOrg,
      reference: c.reference ?? null,
      referenceKey: referenceKey(secret, c.reference),
      ownerOrgId: c.ownerOrg ?? null,
      claimedAt: c.ownerOrg ? (c.claimedAt ?? createdAt) : null,
      lastActivityAt: c.lastActivityAt ?? createdAt,
      createdAt,
    });
    cardIds.push(cardId);
  }
  compactBoard(db, id, Y.encodeStateAsUpdate(doc), 0);
  doc.destroy();
  return { id, name: b.name, cardIds };
}

