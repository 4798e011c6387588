/**
 * Factories for alliances, organisations, people, boards and requests. The
 * demo seed and the tests build their data with these, so both exercise the
 * same paths as the product (real password hashes, real board documents).
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { addCards, setArchived } from "../../app/board/domain";
import type { CardFields } from "../../app/board/types";
import { hashPassword } from "../../app/services/password.server";
import { createAlliance, createBoard, createOrganisation, createPerson } from "../../app/services/setup.server";
import { referenceKey } from "../../app/services/duplicates.server";
import { insertSession } from "../../db/accounts";
import { asyncOf, type AsyncDb, type DB } from "../../db/client";
import { DEMO_PASSWORD } from "../../db/demo-data";
import { allianceSecret } from "../../db/duplicates";
import { insertRequest } from "../../db/requests";
import type { Role } from "../../db/schema";

export { DEMO_PASSWORD };

/** A SQLite connection (opened by openDatabase) or the asynchronous layer of either engine. */
export type AnyDb = DB | AsyncDb;
const handleOf = (db: AnyDb): AsyncDb => ("q" in db ? db : asyncOf(db));

export async function makeAlliance(db: AnyDb, a: { name: string; slug?: string; id?: string; demo?: boolean }) {
  return createAlliance(handleOf(db), a);
}

export async function makeOrganisation(
  db: AnyDb,
  o: { allianceId: string; name: string; shortName?: string; kind?: string; color?: string; id?: string },
) {
  return createOrganisation(handleOf(db), o);
}

const hashCache = new Map<string, Promise<string>>();
/** Hashing is deliberately slow; the same password is hashed once per process (fresh salt per call still holds for real accounts). */
function cachedHash(password: string): Promise<string> {
  if (!hashCache.has(password)) hashCache.set(password, hashPassword(password));
  return hashCache.get(password)!;
}

export async function makeUser(
  db: AnyDb,
  u: { organisationId: string; email: string; name: string; role?: Role; password?: string; id?: string },
) {
  const passwordHash = await cachedHash(u.password ?? DEMO_PASSWORD);
  return createPerson(handleOf(db), { ...u, passwordHash });
}

/** A session for a user, as a Cookie header value (tests skip the login form). */
export async function makeSessionCookie(db: AnyDb, userId: string, days = 1): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await insertSession(handleOf(db), {
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
export async function makeBoard(db: AnyDb, b: { allianceId: string; name: string; id?: string; cards?: SeedCard[] }) {
  const h = handleOf(db);
  const secret = await allianceSecret(h, b.allianceId);
  const seeded = (b.cards ?? []).map((c) => ({ c, cardId: randomUUID(), createdAt: c.createdAt ?? Date.now() }));
  const board = await createBoard(h, {
    ...b,
    fill: (doc) => {
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
      for (const { c, cardId, createdAt } of seeded) if (c.archived) setArchived(doc, cardId, true, createdAt);
    },
  });
  // The rows in one transaction (a bench board has thousands).
  await h.transaction(async (tx) => {
    for (const { c, cardId, createdAt } of seeded) await insertRequest(tx, {
      id: cardId,
      boardId: board.id,
      createdByUserId: c.createdByUser ?? null,
      createdByOrgId: c.createdByOrg,
      reference: c.reference ?? null,
      referenceKey: referenceKey(secret, c.reference),
      ownerOrgId: c.ownerOrg ?? null,
      claimedAt: c.ownerOrg ? (c.claimedAt ?? createdAt) : null,
      lastActivityAt: c.lastActivityAt ?? createdAt,
      createdAt,
    });
  });
  return { id: board.id, name: board.name, cardIds: seeded.map((s) => s.cardId) };
}
