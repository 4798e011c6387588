/**
 * Importing a list (CSV or XLSX) into a board: which column of the file is
 * which request field, and what each row becomes. Pure: the server parses the
 * file (papaparse, exceljs) and computes reference keys; this module maps,
 * resolves and validates with the same rules as the card form and the API
 * (`validateCardFields`, `validateReference` in validate.ts).
 */
import { holderRule } from "./stages";
import type { CardFields, ColumnView, Urgency } from "./types";
import { cleanText, slugify, validateCardFields, validateReference } from "./validate";

export const IMPORT_FIELDS = ["title", "category", "description", "area", "urgency", "reference", "column"] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export function isImportField(v: unknown): v is ImportField {
  return typeof v === "string" && (IMPORT_FIELDS as readonly string[]).includes(v);
}

/** Which column of the file (0-based index into the header) feeds each field; a field left out stays empty. */
export type ImportMapping = Partial<Record<ImportField, number>>;

/** Lower case, accents off, every run of other characters one space: "Cliënt-nummer " → "client nummer". */
export function normaliseLabel(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** Header names (normalised) that mean a field, Dutch and English, most certain first. */
export const HEADER_ALIASES: Readonly<Record<ImportField, readonly string[]>> = {
  title: ["titel", "title", "hulpvraag", "vraag", "onderwerp", "request", "subject", "korte omschrijving", "naam"],
  category: ["categorie", "category", "soort", "type", "thema", "leefgebied", "domein", "soort hulp", "kind"],
  description: ["omschrijving", "beschrijving", "toelichting", "description", "details", "opmerking", "opmerkingen", "notes", "notities", "uitleg"],
  area: ["wijk", "buurt", "area", "district", "neighbourhood", "neighborhood", "dorp", "kern", "woonplaats", "plaats", "locatie", "location"],
  urgency: ["urgentie", "urgency", "prioriteit", "priority", "spoed", "belang"],
  reference: ["referentie", "reference", "verwijzing", "kenmerk", "dossiernummer", "dossier", "clientnummer", "client nummer", "registratienummer", "code", "ref", "case", "case number"],
  column: ["kolom", "column", "status", "fase", "stage", "stadium", "stand"],
};

/**
 * A first guess of the mapping from the header: exact names first (over all
 * fields), then headers that contain a name as a word ("Titel hulpvraag").
 * Each column of the file feeds at most one field.
 */
export function guessMapping(headers: readonly string[]): ImportMapping {
  const norm = headers.map(normaliseLabel);
  const used = new Set<number>();
  const out: ImportMapping = {};
  const take = (field: ImportField, match: (h: string, alias: string) => boolean) => {
    if (out[field] !== undefined) return;
    for (const alias of HEADER_ALIASES[field]) {
      const i = norm.findIndex((h, j) => !used.has(j) && h !== "" && match(h, alias));
      if (i >= 0) {
        out[field] = i;
        used.add(i);
        return;
      }
    }
  };
  for (const f of IMPORT_FIELDS) take(f, (h, a) => h === a);
  for (const f of IMPORT_FIELDS) take(f, (h, a) => ` ${h} `.includes(` ${a} `));
  return out;
}

/**
 * A mapping given by header names (the API's `?map.title=Hulpvraag`): each
 * name must be a header of the file (compared without case, accents and
 * punctuation) or a column number (`#3`, 1-based). An empty name leaves the
 * field out. Returns the fields whose name matched no column.
 */
export function mappingFromNames(
  headers: readonly string[],
  names: Partial<Record<ImportField, string>>,
  base: ImportMapping = {},
): { mapping: ImportMapping; unknown: ImportField[] } {
  const norm = headers.map(normaliseLabel);
  const mapping: ImportMapping = { ...base };
  const unknown: ImportField[] = [];
  for (const f of IMPORT_FIELDS) {
    const name = names[f];
    if (name === undefined) continue;
    const trimmed = name.trim();
    if (trimmed === "") {
      delete mapping[f];
      continue;
    }
    const num = /^#(\d{1,4})$/.exec(trimmed);
    const i = num ? Number(num[1]) - 1 : norm.indexOf(normaliseLabel(trimmed));
    if (i >= 0 && i < headers.length) mapping[f] = i;
    else unknown.push(f);
  }
  return { mapping, unknown };
}

// ------------------------------------------------------------------ values

const URGENCY_WORDS: Readonly<Record<string, Urgency>> = {
  laag: "laag",
  low: "laag",
  normaal: "normaal",
  normal: "normaal",
  gemiddeld: "normaal",
  medium: "normaal",
  middel: "normaal",
  hoog: "hoog",
  high: "hoog",
  spoed: "spoed",
  urgent: "spoed",
  "zeer hoog": "spoed",
  "very high": "spoed",
};

/** An urgency as people write it ("Hoog", "high", "Spoed"); empty is normaal; anything else is returned as is (and refused by validation). */
export function resolveUrgency(value: string): string {
  const n = normaliseLabel(value);
  if (n === "") return "normaal";
  return URGENCY_WORDS[n] ?? value;
}

export interface CategoryChoice {
  id: string;
  label: string;
}

/**
 * The board's category a value of the file means: its id, its label or the
 * label's slug (without case or accents), or what the person chose for that
 * value in the preview (`chosen`, keyed by the normalised value). Null when
 * none fits.
 */
export function resolveCategory(value: string, categories: readonly CategoryChoice[], chosen: Readonly<Record<string, string>> = {}): string | null {
  const n = normaliseLabel(value);
  if (n === "") return null;
  const pick = chosen[n];
  if (pick && categories.some((c) => c.id === pick)) return pick;
  const slug = slugify(value);
  const hit = categories.find((c) => c.id === value.trim() || normaliseLabel(c.label) === n || c.id === slug || slugify(c.label) === slug);
  return hit?.id ?? null;
}

/** The column a value means (id or name); empty means `fallback`. */
export function resolveColumn(value: string, columns: readonly ColumnView[], fallback: string): { id: string } | { error: "unknown" | "held" } {
  const n = normaliseLabel(value);
  const col = n === "" ? columns.find((c) => c.id === fallback) : columns.find((c) => c.id === value.trim() || normaliseLabel(c.name) === n);
  if (!col) return { error: "unknown" };
  // A held column needs an organisation that holds the request: that is a claim, made on the board.
  if (holderRule(col.stage) === "required") return { error: "held" };
  return { id: col.id };
}

/** Where imported requests go when the file says nothing: the first intake column, else the first open one. */
export function defaultImportColumn(columns: readonly ColumnView[]): string | null {
  return (columns.find((c) => c.stage === "intake") ?? columns.find((c) => c.stage === "open"))?.id ?? null;
}

// ------------------------------------------------------------------ rows

export interface RowProblem {
  field: ImportField | "row";
  /** A code as validate.ts gives them (`required`, `tooLong`, `unknown`, `pattern`...) or `held`. */
  code: string;
  /** The value of the file the problem is about (an unknown category, an unknown column). */
  value?: string;
}

export interface ImportRow {
  /** The row number as a spreadsheet shows it: the header is row 1. */
  row: number;
  /** What the card will be; present only when the row has no problems. */
  card: (CardFields & { column: string; reference: string }) | null;
  /** The values of the mapped columns as the file has them (for the preview). */
  values: Partial<Record<ImportField, string>>;
  problems: RowProblem[];
}

export interface ImportContext {
  categories: readonly CategoryChoice[];
  columns: readonly ColumnView[];
  /** The person's choices for category values the board does not know, keyed by normaliseLabel(value). */
  categoryChoices?: Readonly<Record<string, string>>;
}

/** Whether every cell of a row is empty (such rows are left out, as spreadsheets end in them). */
export function isBlankRow(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === "");
}

/**
 * Each data row of the file (after the header) mapped and validated. Blank
 * rows are left out; row numbers stay those of the file.
 */
export function mapRows(dataRows: readonly (readonly string[])[], mapping: ImportMapping, ctx: ImportContext): ImportRow[] {
  const fallback = defaultImportColumn(ctx.columns) ?? ctx.columns[0]?.id ?? "";
  const categoryIds = ctx.categories.map((c) => c.id);
  // A list repeats the same few categories, columns and urgencies: each distinct value is resolved once.
  const memo = <T>(fn: (v: string) => T) => {
    const seen = new Map<string, T>();
    return (v: string) => {
      let hit = seen.get(v);
      if (hit === undefined && !seen.has(v)) seen.set(v, (hit = fn(v)));
      return hit as T;
    };
  };
  const categoryOf = memo((v) => resolveCategory(v, ctx.categories, ctx.categoryChoices));
  const columnOf = memo((v) => resolveColumn(v, ctx.columns, fallback));
  const urgencyOf = memo(resolveUrgency);
  const out: ImportRow[] = [];
  dataRows.forEach((cells, i) => {
    if (isBlankRow(cells)) return;
    const values: Partial<Record<ImportField, string>> = {};
    for (const f of IMPORT_FIELDS) {
      const idx = mapping[f];
      if (idx !== undefined) values[f] = cells[idx] ?? "";
    }
    const problems: RowProblem[] = [];
    const rawCategory = values.category ?? "";
    const category = categoryOf(rawCategory);
    const fields = validateCardFields(
      {
        title: values.title ?? "",
        category: category ?? rawCategory,
        description: values.description ?? "",
        area: values.area ?? "",
        urgency: urgencyOf(values.urgency ?? ""),
      },
      categoryIds,
    );
    if (!fields.ok) {
      for (const [field, code] of Object.entries(fields.errors)) {
        problems.push({ field: field as ImportField, code: code!, ...(field === "category" && code === "unknown" ? { value: cleanText(rawCategory) } : {}) });
      }
    }
    const ref = validateReference(values.reference ?? "");
    if (!ref.ok) problems.push({ field: "reference", code: ref.errors.reference! });
    const column = columnOf(values.column ?? "");
    if ("error" in column) problems.push({ field: "column", code: column.error, value: cleanText(values.column ?? "") });
    out.push({
      row: i + 2,
      values,
      problems,
      card: fields.ok && ref.ok && "id" in column ? { ...fields.value, column: column.id, reference: ref.value } : null,
    });
  });
  return out;
}

/**
 * Rows of the file that are the same person and category as an earlier row
 * of the file: `keys[i]` is row i's reference key (null without reference).
 * Returns, per duplicate row index, the index of the first such row.
 */
export function duplicatesWithinFile(keys: readonly (string | null)[], categories: readonly (string | null)[]): Map<number, number> {
  const first = new Map<string, number>();
  const out = new Map<number, number>();
  keys.forEach((key, i) => {
    const cat = categories[i];
    if (!key || !cat) return;
    const k = `${key}\u0000${cat}`;
    const seen = first.get(k);
    if (seen === undefined) first.set(k, i);
    else out.set(i, seen);
  });
  return out;
}

/** Category values of the file the board does not know (normalised value → as written, first seen), for the preview's choices. */
export function unknownCategoryValues(rows: readonly ImportRow[]): Array<{ key: string; value: string; rows: number }> {
  const seen = new Map<string, { key: string; value: string; rows: number }>();
  for (const r of rows) {
    for (const p of r.problems) {
      if (p.field !== "category" || p.code !== "unknown" || !p.value) continue;
      const key = normaliseLabel(p.value);
      const hit = seen.get(key);
      if (hit) hit.rows++;
      else seen.set(key, { key, value: p.value, rows: 1 });
    }
  }
  return [...seen.values()];
}

// ------------------------------------------------------------------ CSV out

/**
 * One CSV cell as the export writes it: a value starting with = + - @ (or a
 * tab or carriage return) gets a leading ' so a spreadsheet shows it as text
 * instead of running it as a formula (CSV injection); then quoted when it
 * holds the separator, a quote or a line break.
 */
export function csvCell(value: string, separator = ";"): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  if (v.includes(separator) || /["\r\n]/.test(v)) v = `"${v.replace(/"/g, '""')}"`;
  return v;
}

/** The ' the export put before a formula-like value, taken off again when such a file is read back. */
export function unneutralise(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}
