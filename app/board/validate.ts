/**
 * Validation of everything a person can type into the board. Pure: returns
 * error codes (for example `title.tooShort`) that the UI translates.
 */
import { ICONS, URGENCIES, type CardFields, type IconName, type Result, type Urgency } from "./types";

export const LIMITS = {
  titleMin: 3,
  titleMax: 120,
  descriptionMax: 2000,
  areaMax: 60,
  referenceMin: 2,
  referenceMax: 40,
  columnNameMax: 40,
  categoryLabelMax: 30,
  maxColumns: 12,
  maxCategories: 24,
} as const;

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Trim, drop control characters, fold runs of spaces (not newlines). */
export function cleanText(value: unknown, multiline = false): string {
  if (typeof value !== "string") return "";
  let s = value.normalize("NFC").replace(CONTROL, "");
  s = multiline ? s.replace(/\r\n?/g, "\n").replace(/[ \t]+/g, " ") : s.replace(/\s+/g, " ");
  return s.trim();
}

export function isUrgency(v: unknown): v is Urgency {
  return typeof v === "string" && (URGENCIES as readonly string[]).includes(v);
}

export function isIcon(v: unknown): v is IconName {
  return typeof v === "string" && (ICONS as readonly string[]).includes(v);
}

export type CardField = keyof CardFields | "reference";

/**
 * Validate a full set of card fields. `categories` is the list of category ids
 * that exist on the board.
 */
export function validateCardFields(
  input: Record<string, unknown>,
  categories: readonly string[],
): Result<CardFields, keyof CardFields> {
  const errors: Partial<Record<keyof CardFields, string>> = {};
  const title = cleanText(input.title);
  if (title.length < LIMITS.titleMin) errors.title = title.length === 0 ? "required" : "tooShort";
  else if (title.length > LIMITS.titleMax) errors.title = "tooLong";
  const category = cleanText(input.category);
  if (!category) errors.category = "required";
  else if (!categories.includes(category)) errors.category = "unknown";
  const description = cleanText(input.description, true);
  if (description.length > LIMITS.descriptionMax) errors.description = "tooLong";
  const area = cleanText(input.area);
  if (area.length > LIMITS.areaMax) errors.area = "tooLong";
  const urgencyRaw = cleanText(input.urgency) || "normaal";
  if (!isUrgency(urgencyRaw)) errors.urgency = "unknown";
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, value: { title, category, description, area, urgency: urgencyRaw as Urgency } };
}

/**
 * A pseudonymous client reference: the organisation's own case number or a
 * code such as initials + birth year + wijk. Never a full name; we cannot
 * detect names reliably, so we restrict the alphabet and the length and say
 * so in the form. Empty is allowed (the reference is optional).
 */
export function validateReference(value: unknown): Result<string, "reference"> {
  const ref = cleanText(value).toUpperCase();
  if (ref === "") return { ok: true, value: "" };
  if (ref.length < LIMITS.referenceMin) return { ok: false, errors: { reference: "tooShort" } };
  if (ref.length > LIMITS.referenceMax) return { ok: false, errors: { reference: "tooLong" } };
  if (!/^[A-Z0-9][A-Z0-9 ._\/#-]*$/.test(ref)) return { ok: false, errors: { reference: "pattern" } };
  return { ok: true, value: ref };
}

export function validateColumnName(value: unknown): Result<string, "name"> {
  const name = cleanText(value);
  if (!name) return { ok: false, errors: { name: "required" } };
  if (name.length > LIMITS.columnNameMax) return { ok: false, errors: { name: "tooLong" } };
  return { ok: true, value: name };
}

export function validateCategory(input: {
  label: unknown;
  color: unknown;
  icon: unknown;
}): Result<{ label: string; color: string; icon: IconName }, "label" | "color" | "icon"> {
  const errors: Partial<Record<"label" | "color" | "icon", string>> = {};
  const label = cleanText(input.label);
  if (!label) errors.label = "required";
  else if (label.length > LIMITS.categoryLabelMax) errors.label = "tooLong";
  const color = cleanText(input.color).toLowerCase();
  if (!/^#[0-9a-f]{6}$/.test(color)) errors.color = "pattern";
  if (!isIcon(input.icon)) errors.icon = "unknown";
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, value: { label, color, icon: input.icon as IconName } };
}

/** A short, URL-safe id derived from a label, e.g. "Gezondheid & zorg" -> "gezondheid-zorg". */
export function slugify(label: string): string {
  return (
    label
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 32)
      .replace(/-+$/g, "") || "categorie"
  );
}
