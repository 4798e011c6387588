/**
 * Creating what an installation starts from: alliances, organisations,
 * people and boards. The command line (`npm run alliance -- create`), the
 * demo seed and the tests' factories all create through these, so each
 * alliance, account and board is made the one way the product makes it
 * (a unique slug and a match secret per alliance, lower-case e-mail
 * addresses, a board whose document has the default columns and categories).
 */
import { randomBytes, randomUUID } from "node:crypto";
import * as Y from "yjs";
import { insertAlliance, insertOrganisation, insertUser } from "../../db/accounts";
import { findAllianceByNameOrSlug } from "../../db/alliances";
import { insertBoardWithDocument } from "../../db/boards";
import type { AsyncDb } from "../../db/client";
import type { Role } from "../../db/schema";
import { initBoard } from "../board/domain";
import { BOARD_NAME_MAX, checkBoardName, checkOrganisation, cleanText } from "../board/validate";

/** Why a creation was refused: a code for the caller to word, and the field it concerns. */
export class SetupError extends Error {
  constructor(
    readonly field: string,
    readonly code: "required" | "tooShort" | "tooLong" | "exists" | "pending" | "pattern" | "unknown",
    message: string,
  ) {
    super(message);
    this.name = "SetupError";
  }
}

/** "Laarne-Kalken" → "laarne-kalken", "Café Ühlenbrock" → "cafe-uhlenbrock". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
}

export interface NewAlliance {
  name: string;
  slug?: string;
  id?: string;
  /** The demo alliance (`npm run demo -- remove` erases it). */
  demo?: boolean;
}

/**
 * An alliance with its own slug (unique, from the name unless given) and its
 * own match secret. `h`: the asynchronous handle (a transaction's when the
 * caller holds one).
 */
export async function createAlliance(h: AsyncDb, a: NewAlliance): Promise<{ id: string; name: string; slug: string }> {
  const name = cleanText(a.name);
  if (name.length < 2) throw new SetupError("name", name ? "tooShort" : "required", "The alliance needs a name of at least 2 characters.");
  if (name.length > 80) throw new SetupError("name", "tooLong", "The alliance's name is longer than 80 characters.");
  const slug = a.slug ?? slugify(name);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug)) throw new SetupError("slug", "pattern", `"${slug}" is no slug (lower-case letters, digits and dashes).`);
  const taken = await findAllianceByNameOrSlug(h, name, slug);
  if (taken) {
    throw new SetupError(
      taken.slug === slug ? "slug" : "name",
      "exists",
      taken.slug === slug ? `An alliance with the slug "${slug}" exists already (${taken.name}).` : `An alliance named "${taken.name}" exists already.`,
    );
  }
  const id = a.id ?? randomUUID();
  await insertAlliance(h, { id, name, slug, matchSecret: randomBytes(32).toString("base64url"), demo: a.demo ?? false });
  return { id, name, slug };
}

export interface NewOrganisation {
  allianceId: string;
  name: string;
  shortName?: string;
  kind?: string;
  color?: string;
  id?: string;
}

export async function createOrganisation(h: AsyncDb, o: NewOrganisation) {
  // The same rule as /beheer's form (app/board/validate.ts).
  const { value, errors } = checkOrganisation(o);
  const [field, code] = Object.entries(errors)[0] ?? [];
  if (field && code) throw new SetupError(field === "name" ? "organisation" : field, code, `The organisation's ${field} is not usable (${code}).`);
  const row = {
    id: o.id ?? randomUUID(),
    allianceId: o.allianceId,
    ...value,
    kind: o.kind ?? "overig",
  };
  await insertOrganisation(h, row);
  return row;
}

export interface NewPerson {
  organisationId: string;
  email: string;
  name: string;
  role?: Role;
  /** Made with hashPassword (password.server.ts); the password itself never reaches here. */
  passwordHash: string;
  mustChangePassword?: boolean;
  locale?: "nl" | "en";
  id?: string;
}

export async function createPerson(h: AsyncDb, p: NewPerson) {
  const id = p.id ?? randomUUID();
  const role = p.role ?? "member";
  await insertUser(h, {
    id,
    email: p.email,
    name: p.name,
    passwordHash: p.passwordHash,
    organisationId: p.organisationId,
    role,
    mustChangePassword: p.mustChangePassword ?? false,
    locale: p.locale ?? "nl",
  });
  return { id, email: p.email.trim().toLowerCase(), name: p.name, organisationId: p.organisationId, role };
}

/**
 * A board with its shared document: the default columns (with their stages)
 * and categories, stored as the board's first snapshot. `fill` may add to
 * the document before it is stored (the demo and the tests put cards on it).
 */
export async function createBoard(
  h: AsyncDb,
  b: { allianceId: string; name: string; id?: string; fill?: (doc: Y.Doc) => void },
): Promise<{ id: string; name: string }> {
  // The same rule as a coordinator's new board (app/board/validate.ts).
  const { name, error } = checkBoardName(b.name);
  if (error) throw new SetupError("board", error === "type" ? "required" : error, `The board's name is not usable (${error}): 2 to ${BOARD_NAME_MAX} characters.`);
  const id = b.id ?? randomUUID();
  const doc = new Y.Doc();
  initBoard(doc);
  b.fill?.(doc);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  // The same insert as a coordinator's new board (app/services/boards.server.ts): row and document at once.
  if (!(await insertBoardWithDocument(h, { id, allianceId: b.allianceId, name }, state, Date.now()))) {
    throw new SetupError("board", "exists", `The alliance has a board named "${name}" already.`);
  }
  return { id, name };
}

/** The name of the first board of a new alliance. */
export const FIRST_BOARD_NAME = "Hulpvragen";
