/**
 * What a person sends through the public front door (issue 15), checked the
 * same way for the page's form and the JSON endpoint; and what the person's
 * status page may say about it. Pure.
 */
import { validateContact, type ContactDetails, type ContactErrors } from "./contact";
import { cleanText, isLanguageTag, LIMITS } from "./validate";
import type { Stage } from "./types";

/**
 * organisations.kind of the one organisation per alliance that stands for
 * "the front door" as the creator of what the public sends. It is no place
 * for people or work: nobody belongs to it, and nothing is referred or
 * handed to it, or shared with it as a team's partner.
 */
export const FRONT_DOOR_ORG_KIND = "front-door";

/** Whether people can belong to this organisation and requests can go to it (every kind but the front door's). */
export function isWorkingOrganisation(o: { kind?: string | null }): boolean {
  return o.kind !== FRONT_DOOR_ORG_KIND;
}

/** What the form offers; an organisation's activity is an offer with the organisation's name. */
export const PUBLIC_KINDS = ["request", "offer", "activity"] as const;
export type PublicKind = (typeof PUBLIC_KINDS)[number];

export const PUBLIC_TEXT_MIN = 10;
export const PUBLIC_TEXT_MAX = LIMITS.descriptionMax;
export const PUBLIC_ORGANISATION_MAX = 80;
/** How the person wants to be reached (the contact's note). */
export const REACH_BY = ["phone", "whatsapp", "email"] as const;
export type ReachBy = (typeof REACH_BY)[number];

export interface PublicSubmission {
  kind: "request" | "offer";
  /** Set when an organisation offers an activity. */
  organisation: string;
  category: string;
  text: string;
  area: string;
  language: string;
  /** Null when the person left every contact field empty. */
  contact: ContactDetails | null;
  reachBy: ReachBy | null;
}

export type PublicField = "kind" | "organisation" | "category" | "text" | "area" | "language" | "reachBy" | `contact.${keyof ContactErrors}`;
export type PublicErrors = Partial<Record<PublicField, string>>;

function textOf(v: unknown): string | null {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : null;
}

/**
 * Check a submission. `categories` are the board's category ids. The contact
 * (name, phone, email) is optional; when any is given, the person must agree
 * to be contacted (`consent`), which is also what lets the organisation that
 * takes the request up read them (app/services/contacts.server.ts).
 */
export function validatePublicSubmission(
  input: Record<string, unknown>,
  categories: readonly string[],
): { ok: true; value: PublicSubmission } | { ok: false; errors: PublicErrors } {
  const errors: PublicErrors = {};
  const kind = input.kind;
  if (kind === undefined || kind === null || kind === "") errors.kind = "required";
  else if (!(PUBLIC_KINDS as readonly unknown[]).includes(kind)) errors.kind = "unknown";

  const organisationRaw = textOf(input.organisation);
  const organisation = organisationRaw === null ? "" : cleanText(organisationRaw);
  if (organisationRaw === null) errors.organisation = "type";
  else if (organisation.length > PUBLIC_ORGANISATION_MAX) errors.organisation = "tooLong";
  else if (kind === "activity" && organisation.length < 2) errors.organisation = organisation ? "tooShort" : "required";

  const categoryRaw = textOf(input.category);
  const category = categoryRaw === null ? "" : cleanText(categoryRaw);
  if (categoryRaw === null) errors.category = "type";
  else if (!category) errors.category = "required";
  else if (!categories.includes(category)) errors.category = "unknown";

  const textRaw = textOf(input.text);
  // Far beyond the limit: refused before a megabyte is cleaned.
  const text = textRaw === null || textRaw.length > PUBLIC_TEXT_MAX * 4 ? "" : cleanText(textRaw, true);
  if (textRaw === null) errors.text = "type";
  else if (textRaw.length > PUBLIC_TEXT_MAX * 4 || text.length > PUBLIC_TEXT_MAX) errors.text = "tooLong";
  else if (!text) errors.text = "required";
  else if (text.length < PUBLIC_TEXT_MIN) errors.text = "tooShort";

  const areaRaw = textOf(input.area);
  const area = areaRaw === null ? "" : cleanText(areaRaw);
  if (areaRaw === null) errors.area = "type";
  else if (area.length > LIMITS.areaMax) errors.area = "tooLong";

  const language = typeof input.language === "string" ? input.language.trim() : input.language;
  if (language === undefined || language === null || language === "") errors.language = "required";
  else if (!isLanguageTag(language)) errors.language = "pattern";

  const reachRaw = input.reachBy;
  let reachBy: ReachBy | null = null;
  if (reachRaw !== undefined && reachRaw !== null && reachRaw !== "") {
    if ((REACH_BY as readonly unknown[]).includes(reachRaw)) reachBy = reachRaw as ReachBy;
    else errors.reachBy = "unknown";
  }

  let contact: ContactDetails | null = null;
  const contactInput = input.contact;
  if (contactInput !== undefined && contactInput !== null) {
    if (typeof contactInput !== "object" || Array.isArray(contactInput)) errors["contact.name"] = "type";
    else {
      const c = contactInput as Record<string, unknown>;
      // Only these three from the public: an address or a note is the staff's to add.
      const checked = validateContact({ name: c.name, phone: c.phone, email: c.email, consent: c.consent });
      if (!checked.ok) for (const [f, code] of Object.entries(checked.errors)) errors[`contact.${f as keyof ContactErrors}`] = code;
      else if (checked.value.name || checked.value.phone || checked.value.email) {
        if (!checked.value.consent) errors["contact.consent"] = "consent";
        contact = checked.value;
      }
    }
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      kind: kind === "request" ? "request" : "offer",
      organisation: kind === "activity" ? organisation : "",
      category,
      text,
      area,
      language: language as string,
      contact,
      reachBy,
    },
  };
}

/** The card's title: the organisation (for an activity) and the start of the person's own words. */
export function publicTitle(s: Pick<PublicSubmission, "organisation" | "text">): string {
  const firstLine = s.text.split("\n")[0].trim();
  const head = s.organisation ? `${s.organisation}: ${firstLine}` : firstLine;
  const max = 80;
  if (head.length <= max) return head;
  const cut = head.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > 40 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The three stages the person may see, and nothing else. */
export const PUBLIC_STAGES = ["received", "held", "done"] as const;
export type PublicStage = (typeof PUBLIC_STAGES)[number];

/**
 * The person's stage from the card's: new and open are "received"; held is
 * "held" (someone takes it up); done, archived or gone (erased, marked as
 * spam) are "done".
 */
export function publicStage(card: { stage: Stage; archived: boolean } | null): PublicStage {
  if (!card || card.archived || card.stage === "done") return "done";
  return card.stage === "held" ? "held" : "received";
}

/** Receipt codes: 12 characters of Crockford's base 32 (60 bits), shown in groups of four. */
export const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const CODE_LENGTH = 12;

/** The code as the person may type it (lower case, spaces, dashes, O for 0, I/L for 1), or null when it cannot be one. */
export function normaliseCode(raw: unknown): string | null {
  if (typeof raw !== "string" || raw.length > 40) return null;
  const c = raw
    .toUpperCase()
    .replace(/[\s-]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  if (c.length !== CODE_LENGTH) return null;
  for (const ch of c) if (!CODE_ALPHABET.includes(ch)) return null;
  return c;
}

export function formatCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, "$1-");
}
