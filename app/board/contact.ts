/**
 * The contact details of the person behind a request (issue 14): the one
 * validation for the card dialog's form and the API. Pure: the sealing and
 * who may read them are on the server (app/services/contacts.server.ts).
 */
import { cleanText } from "./validate";

export const CONTACT_FIELDS = ["name", "phone", "email", "address", "note"] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

export interface ContactDetails {
  name: string;
  phone: string;
  email: string;
  address: string;
  note: string;
  /** The person agreed that these details go along when the request is referred to another organisation. */
  consent: boolean;
}

export const CONTACT_LIMITS: Record<ContactField, number> = { name: 120, phone: 40, email: 254, address: 300, note: 1000 };

export const EMPTY_CONTACT: ContactDetails = { name: "", phone: "", email: "", address: "", note: "", consent: false };

/** Something like a@b.nl: one @, no spaces, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Digits, spaces and + ( ) - . / with at least six digits. */
const PHONE = /^[+()\d\s./-]+$/;

export type ContactErrors = Partial<Record<ContactField | "consent", string>>;

export type ContactValidation = { ok: true; value: ContactDetails } | { ok: false; errors: ContactErrors };

/** Clean and check the details; every field optional, `consent` a boolean (false when left out). */
export function validateContact(input: Record<string, unknown>): ContactValidation {
  const errors: ContactErrors = {};
  const value: ContactDetails = { ...EMPTY_CONTACT };
  for (const field of CONTACT_FIELDS) {
    const raw = input[field];
    if (raw !== undefined && raw !== null && typeof raw !== "string") {
      errors[field] = "type";
      continue;
    }
    const text = cleanText(raw, field === "note" || field === "address");
    if (text.length > CONTACT_LIMITS[field]) errors[field] = "tooLong";
    value[field] = text;
  }
  if (!errors.email && value.email && !EMAIL.test(value.email)) errors.email = "email";
  if (!errors.phone && value.phone && (!PHONE.test(value.phone) || value.phone.replace(/\D/g, "").length < 6)) errors.phone = "phone";
  const consent = input.consent;
  if (consent !== undefined && consent !== null && typeof consent !== "boolean") errors.consent = "type";
  else value.consent = consent === true;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value };
}

/** Whether nothing is filled in (consent alone is no contact). */
export function isEmptyContact(c: ContactDetails): boolean {
  return CONTACT_FIELDS.every((f) => c[f] === "");
}
