/**
 * Validation of everything a person can type into the board. Pure: returns
 * error codes (for example `title.tooShort`) that the UI translates.
 */
import { isStage } from "./stages";
import {
  CARD_KINDS,
  CARD_ORIGINS,
  ICONS,
  LANGUAGE_LEVELS,
  RECURRENCES,
  URGENCIES,
  type CardFields,
  type CardKind,
  type CardOrigin,
  type IconName,
  type LanguageLevel,
  type Recurrence,
  type Result,
  type Urgency,
} from "./types";

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
  placesMax: 100,
  asksMax: 200,
  durationMax: 720,
} as const;

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Trim, drop control characters, fold runs of spaces (not newlines). */
export function cleanText(value: unknown, multiline = false): string {
  if (typeof value !== "string") return "";
  let s = value.normalize("NFC").replace(CONTROL, "");
  s = multiline ? s.replace(/\r\n?/g, "\n").replace(/[ \t]+/g, " ") : s.replace(/\s+/g, " ");
  return s.trim();
}

export const BOARD_NAME_MAX = 80;

/**
 * A board's name, the one rule for the /boards forms, the API, the command
 * line and the seed: text, 2 to BOARD_NAME_MAX characters after cleaning.
 */
export function checkBoardName(input: unknown): { name: string; error?: "type" | "required" | "tooShort" | "tooLong" } {
  if (input !== undefined && input !== null && typeof input !== "string") return { name: "", error: "type" };
  const name = cleanText(input);
  if (!name) return { name, error: "required" };
  if (name.length < 2) return { name, error: "tooShort" };
  if (name.length > BOARD_NAME_MAX) return { name, error: "tooLong" };
  return { name };
}

export const ORGANISATION_NAME_MAX = 80;
export const ORGANISATION_SHORT_MAX = 24;

/**
 * An organisation's name, short name (on cards) and colour: the one rule for
 * /beheer, the command line and the seed. A missing short name is the name,
 * cut to what fits on a card.
 */
export function checkOrganisation(input: { name?: unknown; shortName?: unknown; color?: unknown }): {
  value: { name: string; shortName: string; color: string };
  errors: Partial<Record<"name" | "shortName" | "color", "required" | "tooShort" | "tooLong" | "pattern">>;
} {
  const name = cleanText(input.name);
  const shortName = cleanText(input.shortName) || (name.length > ORGANISATION_SHORT_MAX ? name.slice(0, ORGANISATION_SHORT_MAX).trim() : name);
  const color = cleanText(input.color).toLowerCase() || "#4a5568";
  const errors: ReturnType<typeof checkOrganisation>["errors"] = {};
  if (name.length < 2) errors.name = name ? "tooShort" : "required";
  else if (name.length > ORGANISATION_NAME_MAX) errors.name = "tooLong";
  if (shortName.length > ORGANISATION_SHORT_MAX) errors.shortName = "tooLong";
  if (!/^#[0-9a-f]{6}$/.test(color)) errors.color = "pattern";
  return { value: { name, shortName, color }, errors };
}

export function isUrgency(v: unknown): v is Urgency {
  return typeof v === "string" && (URGENCIES as readonly string[]).includes(v);
}

export function isIcon(v: unknown): v is IconName {
  return typeof v === "string" && (ICONS as readonly string[]).includes(v);
}

export type CardField = keyof CardFields | "reference";

/**
 * The rule of one text field: its length once cleaned. Returns an error code
 * (`required`, `tooShort`, `tooLong`, `type`) or null. The forms and the API
 * check what a person typed with it; the sync server checks the value a
 * client wrote into the shared document with the same function.
 */
function textRule(min: number, max: number, multiline = false) {
  return (value: unknown): string | null => {
    if (typeof value !== "string") return "type";
    // Far beyond the limit: refuse before cleaning a megabyte of text.
    if (value.length > max * 4 + 64) return "tooLong";
    const n = cleanText(value, multiline).length;
    if (n < min) return n === 0 ? "required" : "tooShort";
    return n > max ? "tooLong" : null;
  };
}

const title = textRule(LIMITS.titleMin, LIMITS.titleMax);
const description = textRule(0, LIMITS.descriptionMax, true);
const area = textRule(0, LIMITS.areaMax);
const columnName = textRule(1, LIMITS.columnNameMax);
const categoryLabel = textRule(1, LIMITS.categoryLabelMax);
const translation = textRule(0, LIMITS.descriptionMax, true);

export function isCardOrigin(v: unknown): v is CardOrigin {
  return typeof v === "string" && (CARD_ORIGINS as readonly string[]).includes(v);
}

/** A language tag as a person's text is marked with: "ar", "ti", "uk", "nl", "pt-BR" (BCP 47's common shape, at most 35 characters). */
export function isLanguageTag(v: unknown): v is string {
  return typeof v === "string" && v.length <= 35 && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/.test(v);
}

/** Record ids (columns, categories, cards): short and URL-safe. */
export function isRecordId(v: unknown): v is string {
  return typeof v === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(v);
}

/** An order key as fractional-indexing makes them: base-62 digits, bounded. */
export function isOrderKey(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= 256 && /^[A-Za-z][0-9A-Za-z]*$/.test(v);
}

const idRule = (v: unknown) => (isRecordId(v) ? null : "pattern");
const orderRule = (v: unknown) => (isOrderKey(v) ? null : "pattern");
const colorRule = (v: unknown) => (typeof v === "string" && /^#[0-9a-f]{6}$/.test(v) ? null : "pattern");
const boolRule = (v: unknown) => (typeof v === "boolean" ? null : "type");
/** A time stamp in ms since the epoch, from 2000 until well after this code is gone. */
const timeRule = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 946684800000 && v < 4102444800000 ? null : "type");

export function isCardKind(v: unknown): v is CardKind {
  return typeof v === "string" && (CARD_KINDS as readonly string[]).includes(v);
}
export function isLanguageLevel(v: unknown): v is LanguageLevel {
  return typeof v === "string" && (LANGUAGE_LEVELS as readonly string[]).includes(v);
}
export function isRecurrence(v: unknown): v is Recurrence {
  return typeof v === "string" && (RECURRENCES as readonly string[]).includes(v);
}

/** Days and day parts a person can be free on (codes, translated by the UI): "ma-ochtend" … "zo-avond". */
export const DAYS = ["ma", "di", "wo", "do", "vr", "za", "zo"] as const;
export const DAY_PARTS = ["ochtend", "middag", "avond"] as const;
export const AVAILABILITY_SLOTS: readonly string[] = DAYS.flatMap((d) => DAY_PARTS.map((p) => `${d}-${p}`));

/** Availability as stored: known slots, once each, in week order, one space apart ("" = not said). */
export function normaliseAvailability(input: unknown): { value: string; error?: "type" | "unknown" } {
  const list = Array.isArray(input) ? input : typeof input === "string" ? input.split(/[\s,]+/) : input == null ? [] : null;
  if (!list || list.some((x) => typeof x !== "string")) return { value: "", error: "type" };
  const picked = new Set((list as string[]).map((x) => x.trim()).filter(Boolean));
  for (const slot of picked) if (!AVAILABILITY_SLOTS.includes(slot)) return { value: "", error: "unknown" };
  return { value: AVAILABILITY_SLOTS.filter((s) => picked.has(s)).join(" ") };
}

/** What a reference to another record must be; whether it exists is the caller's (the board's) question. */
export type FieldRule = (value: unknown) => string | null;

/** A field that cards before issue 15 lack: absent is fine, present must keep `rule`. */
const optional = (rule: FieldRule): FieldRule => (v) => (v === undefined ? null : rule(v));
const intRule = (min: number, max: number) => (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? null : "range");
const asks = textRule(0, LIMITS.asksMax);
const availabilityRule = (v: unknown) => {
  if (typeof v !== "string") return "type";
  const n = normaliseAvailability(v);
  return n.error ?? (n.value === v ? null : "pattern");
};

/**
 * The fields of each kind of record in the board document, and the rule of
 * each value. One definition: the card form, the API and the sync server's
 * check of every client update use these.
 *
 * `ref` marks a field that names another record (it must exist on the board).
 */
export const RECORD_FIELDS = {
  columns: {
    id: { rule: idRule },
    name: { rule: columnName },
    order: { rule: orderRule },
    stage: { rule: (v: unknown) => (isStage(v) ? null : "unknown") },
  },
  categories: {
    id: { rule: idRule },
    label: { rule: categoryLabel },
    color: { rule: colorRule },
    icon: { rule: (v: unknown) => (isIcon(v) ? null : "unknown") },
    order: { rule: orderRule },
  },
  cards: {
    // Set by the server when the request is made; never by a client.
    id: { rule: idRule, server: true },
    createdAt: { rule: timeRule, server: true },
    createdByOrg: { rule: idRule, server: true },
    // What a participant edits, moves and archives.
    title: { rule: title },
    description: { rule: description },
    area: { rule: area },
    urgency: { rule: (v: unknown) => (isUrgency(v) ? null : "unknown") },
    category: { rule: idRule, ref: "categories" },
    column: { rule: idRule, ref: "columns" },
    order: { rule: orderRule },
    archived: { rule: boolRule },
    updatedAt: { rule: timeRule },
    // Issue 15. What a card is, a job's places and how many are filled, and the job a
    // request joined: decided by the server (SQL job_places), never by a client.
    kind: { rule: optional((v) => (isCardKind(v) ? null : "unknown")), server: true },
    places: { rule: optional(intRule(0, LIMITS.placesMax)), server: true },
    filled: { rule: optional(intRule(0, LIMITS.placesMax)), server: true },
    job: { rule: optional((v) => (v === "" || isRecordId(v) ? null : "pattern")), server: true },
    // A job's when and what it asks; a request's language level and availability.
    at: { rule: optional((v) => (v === 0 ? null : timeRule(v))) },
    recurrence: { rule: optional((v) => (v === "" || isRecurrence(v) ? null : "unknown")) },
    durationMinutes: { rule: optional(intRule(0, LIMITS.durationMax)) },
    languageLevel: { rule: optional((v) => (v === "" || isLanguageLevel(v) ? null : "unknown")) },
    physical: { rule: optional(boolRule) },
    asks: { rule: optional(asks) },
    availability: { rule: optional(availabilityRule) },
    // The front door's marks: where it came in and the language the person wrote in (server),
    // and the staff's rendering of the original text (edited like the description).
    origin: { rule: optional((v) => (isCardOrigin(v) ? null : "unknown")), server: true },
    language: { rule: optional((v) => (isLanguageTag(v) ? null : "pattern")), server: true },
    translation: { rule: optional(translation) },
  },
} as const satisfies Record<string, Record<string, { rule: FieldRule; server?: true; ref?: "columns" | "categories" }>>;

export type RecordKind = keyof typeof RECORD_FIELDS;

/**
 * Validate a full set of card fields. `categories` is the list of category ids
 * that exist on the board.
 */
export function validateCardFields(
  input: Record<string, unknown>,
  categories: readonly string[],
): Result<CardFields, keyof CardFields> {
  const errors: Partial<Record<keyof CardFields, string>> = {};
  const text = (v: unknown) => (v === undefined || v === null ? "" : v);
  const titleError = title(text(input.title));
  if (titleError) errors.title = titleError;
  const category = cleanText(input.category);
  if (!category) errors.category = "required";
  else if (!categories.includes(category)) errors.category = "unknown";
  const descriptionError = description(text(input.description));
  if (descriptionError) errors.description = descriptionError;
  const areaError = area(text(input.area));
  if (areaError) errors.area = areaError;
  const urgencyRaw = cleanText(input.urgency) || "normaal";
  if (!isUrgency(urgencyRaw)) errors.urgency = "unknown";
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      title: cleanText(input.title),
      category,
      description: cleanText(input.description, true),
      area: cleanText(input.area),
      urgency: urgencyRaw as Urgency,
    },
  };
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
  const error = columnName(value ?? "");
  if (error) return { ok: false, errors: { name: error === "type" ? "required" : error } };
  return { ok: true, value: cleanText(value) };
}

export function validateCategory(input: {
  label: unknown;
  color: unknown;
  icon: unknown;
}): Result<{ label: string; color: string; icon: IconName }, "label" | "color" | "icon"> {
  const errors: Partial<Record<"label" | "color" | "icon", string>> = {};
  const labelError = categoryLabel(input.label ?? "");
  if (labelError) errors.label = labelError === "type" ? "required" : labelError;
  const label = cleanText(input.label);
  const color = cleanText(input.color).toLowerCase();
  if (colorRule(color)) errors.color = "pattern";
  if (RECORD_FIELDS.categories.icon.rule(input.icon)) errors.icon = "unknown";
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
