/**
 * Importing the list an organisation works from (CSV or XLSX) into a board.
 *
 * Reading: CSV with papaparse (separator `;`, `,` or tab detected), text as
 * UTF-8 when it is valid UTF-8 (with or without BOM), otherwise
 * Windows-1252 (what Excel writes on Dutch Windows); XLSX with exceljs (the
 * first sheet; numbers, dates, rich text and formula results become text).
 * No parser of our own.
 *
 * Mapping and validation are the pure app/board/import-map.ts, with the
 * rules of the card form and the API. Duplicates: the reference check of the
 * request form (keyed hash per alliance, duplicates.server.ts), against the
 * board's open requests of the same category and within the file.
 *
 * Creating: all good rows at once, with the rules of createRequest (viewers
 * refused, the entering organisation stamped, the reference only in SQL, a
 * "created" audit row per request), in one SQL transaction (the limits
 * judged inside it, the organisation's row locked) and then one Yjs
 * transaction (domain addCards); see importList for the order and what
 * undoes the rows when the cards do not land. The hourly request quota
 * counts an import as one operation (db/limits.ts); imported rows have their
 * own caps below.
 */
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { constants as zlibConstants, inflateRaw } from "node:zlib";
import type ExcelJS from "exceljs";
import Papa from "papaparse";
import { activityFeed } from "../../db/activity";
import { allianceSecret, boardRequestKeys } from "../../db/duplicates";
import { deleteImportedRequests, insertImportedRequests, organisationNames, type ImportedAudit, type ImportedRequest } from "../../db/imports";
import { importedRowsSince, recordReferenceCheck, type ReferenceCheckOutcome } from "../../db/limits";
import { addCards, getCard, listCategories, listColumns, readBoard, type NewCard } from "../board/domain";
import {
  duplicatesWithinFile,
  guessMapping,
  IMPORT_FIELDS,
  isImportField,
  mapRows,
  mappingFromNames,
  normaliseLabel,
  unknownCategoryValues,
  unneutralise,
  type ImportField,
  type ImportMapping,
  type ImportRow,
} from "../board/import-map";
import { holderRule, isActiveStage, stageOfColumn } from "../board/stages";
import { ACTIVITY_EVENT } from "./activity.server";
import { BOARD_ARCHIVED, type BoardRow, type SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { DUPLICATES_EVENT, referenceKey } from "./duplicates.server";
import { appLimits, Limiter } from "./limits.server";
import { PERSONAL_DATA_ACKNOWLEDGED, recordableFindings, rowsWithPersonalData, type RowFinding } from "./personal-data.server";
import { quotaExceeded } from "./requests.server";
import { logFailure } from "./log.server";

export const CSV_TYPE = "text/csv";
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
export const IMPORT_TYPES = [CSV_TYPE, XLSX_TYPE] as const;
/** The largest file accepted (server/http/guard.ts refuses larger ones from the headers, before reading). */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
/** Data rows in one file. */
export const IMPORT_MAX_ROWS = 10_000;
/** Columns in one file. */
export const IMPORT_MAX_COLUMNS = 100;
/** Rows an organisation may import per hour, over all its imports (counted in SQL). */
export const IMPORTED_ROWS_PER_ORG_PER_HOUR = 20_000;
/** Uploads (previews and imports) per person per hour: each one is a reference check of every row. */
export const IMPORT_UPLOADS_PER_PERSON_PER_HOUR = 60;
/** What an XLSX may unpack to: a small zip can inflate to gigabytes (a zip bomb). */
export const XLSX_MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

const HOUR_MS = 3600_000;

// ------------------------------------------------------------------ reading the file

export class ImportFileError extends Error {
  constructor(
    public code: "empty" | "unreadable" | "too_many_rows" | "too_many_columns" | "too_large_unpacked" | "quotes",
    message: string,
    public row?: number,
  ) {
    super(message);
  }
}

/** UTF-8 when the bytes are valid UTF-8 (a BOM is dropped), else Windows-1252. */
export function decodeText(bytes: Uint8Array): { text: string; encoding: "utf-8" | "windows-1252" } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "utf-8" };
  } catch {
    return { text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" };
  }
}

export interface Table {
  headers: string[];
  /** Data rows (after the header), each as long as the header. */
  rows: string[][];
  format: "csv" | "xlsx";
  encoding?: "utf-8" | "windows-1252";
  delimiter?: string;
}

function tidy(cells: string[], width: number): string[] {
  const out = cells.slice(0, width).map((c) => unneutralise(c ?? ""));
  while (out.length < width) out.push("");
  return out;
}

function finishTable(all: string[][], format: Table["format"], extra: Partial<Table> = {}): Table {
  // Leading blank rows (a title block left empty) are skipped: the header is the first row with text.
  const start = all.findIndex((r) => r.some((c) => (c ?? "").trim() !== ""));
  if (start < 0) throw new ImportFileError("empty", "The file has no rows.");
  let end = all.length;
  while (end > start + 1 && all[end - 1].every((c) => (c ?? "").trim() === "")) end--;
  const header = all[start].map((c) => (c ?? "").trim());
  let width = header.length;
  while (width > 0 && header[width - 1] === "") width--;
  if (width === 0) throw new ImportFileError("empty", "The first row has no column names.");
  if (width > IMPORT_MAX_COLUMNS) throw new ImportFileError("too_many_columns", `At most ${IMPORT_MAX_COLUMNS} columns.`);
  if (end - start - 1 > IMPORT_MAX_ROWS) throw new ImportFileError("too_many_rows", `At most ${IMPORT_MAX_ROWS} rows per file.`);
  const rows: string[][] = [];
  // Row numbers in the answers are the file's: keep the skipped leading rows as blanks so the count stays right.
  for (let i = 0; i < start; i++) rows.push([]);
  for (let i = start + 1; i < end; i++) rows.push(tidy(all[i], width));
  return { headers: header.slice(0, width), rows: rows.map((r) => (r.length ? r : tidy([], width))), format, ...extra };
}

const DELIMITERS = [";", ",", "\t", "|"];

export function parseCsv(bytes: Uint8Array): Table {
  const { text, encoding } = decodeText(bytes);
  if (text.trim() === "") throw new ImportFileError("empty", "The file is empty.");
  // papaparse's guess counts blank lines (and the empty one after a final line break) as rows of one field, so
  // Excel's two-column ';' file of a few rows, or one with blank lines near the top, was read as one ','
  // column. Guess with blank lines skipped, then read every row (their numbers are the file's).
  const delimiter = Papa.parse<string[]>(text, { delimitersToGuess: DELIMITERS, skipEmptyLines: "greedy", preview: 10 }).meta.delimiter;
  const res = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: false });
  const bad = res.errors.find((e) => e.type === "Quotes");
  if (bad) throw new ImportFileError("quotes", "A quoted value is not closed.", (bad.row ?? 0) + 1);
  return finishTable(res.data, "csv", { encoding, delimiter: res.meta.delimiter });
}

/**
 * The entries of a zip's central directory, as offsets of their records
 * (read before exceljs unpacks anything); null when the zip cannot be read
 * that way (exceljs then refuses it too).
 */
function centralDirectory(bytes: Uint8Array): { view: DataView; entries: number[] } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const entries: number[] = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== 0x02014b50) return null;
    entries.push(p);
    p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  return { view, entries };
}

/** The sizes a zip says its files unpack to. Null when its directory cannot be read. */
export function zipUnpackedSize(bytes: Uint8Array): number | null {
  const dir = centralDirectory(bytes);
  if (!dir) return null;
  let total = 0;
  for (const p of dir.entries) {
    const size = dir.view.getUint32(p + 24, true);
    // 0xffffffff means the real size is in a zip64 field: treat as too large.
    total += size === 0xffffffff ? Number.MAX_SAFE_INTEGER : size;
  }
  return total;
}

const inflateRawAsync = promisify(inflateRaw);

/**
 * What the zip's files really unpack to, up to `limit` (then more than
 * `limit` is returned): each file's data inflated with a ceiling, as the
 * central directory places it. The sizes a zip declares may lie (a 1 MB file
 * that says 205 bytes and inflates to 1 GB), and exceljs (JSZip) inflates
 * whatever is there into memory. Null when an entry cannot be read (exceljs
 * would refuse it too).
 */
export async function zipInflatedSize(bytes: Uint8Array, limit: number): Promise<number | null> {
  const dir = centralDirectory(bytes);
  if (!dir) return null;
  const { view } = dir;
  let total = 0;
  for (const p of dir.entries) {
    const method = view.getUint16(p + 10, true);
    const compressed = view.getUint32(p + 20, true);
    const local = view.getUint32(p + 42, true);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) return null;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + compressed > bytes.length) return null;
    const data = bytes.subarray(start, start + compressed);
    if (method === 0) total += compressed;
    else if (method === 8) {
      try {
        const out = await inflateRawAsync(data, { maxOutputLength: limit - total + 1, finishFlush: zlibConstants.Z_SYNC_FLUSH });
        total += out.length;
      } catch (e) {
        // The ceiling was reached: this file alone unpacks to more than is left.
        if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) return limit + 1;
        return null;
      }
    } else return null;
    if (total > limit) return total;
  }
  return total;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** A cell of exceljs as the text a person sees: dates as 2026-03-01 (with the time when it has one), numbers plainly. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "ja" : "nee";
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return "";
    const d = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
    const hasTime = value.getUTCHours() || value.getUTCMinutes() || value.getUTCSeconds();
    return hasTime ? `${d} ${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}` : d;
  }
  if (typeof value === "object") {
    const v = value as unknown as Record<string, unknown>;
    if (Array.isArray(v.richText)) return (v.richText as { text?: string }[]).map((r) => r.text ?? "").join("");
    if ("result" in v) return cellText(v.result as ExcelJS.CellValue);
    if ("formula" in v || "sharedFormula" in v) return "";
    if (typeof v.text === "string") return v.text;
    if (Array.isArray((v.text as { richText?: unknown })?.richText)) return cellText(v.text as ExcelJS.CellValue);
    if ("error" in v) return "";
  }
  return String(value);
}

export async function parseXlsx(bytes: Uint8Array): Promise<Table> {
  const unpacked = zipUnpackedSize(bytes);
  if (unpacked === null) throw new ImportFileError("unreadable", "This is not an XLSX file.");
  if (unpacked > XLSX_MAX_UNPACKED_BYTES) throw new ImportFileError("too_large_unpacked", "The XLSX file unpacks to more than 64 MB.");
  // The declared sizes may lie: inflate each file with a ceiling before exceljs inflates it without one.
  const inflated = await zipInflatedSize(bytes, XLSX_MAX_UNPACKED_BYTES);
  if (inflated === null) throw new ImportFileError("unreadable", "This XLSX file cannot be read.");
  if (inflated > XLSX_MAX_UNPACKED_BYTES) throw new ImportFileError("too_large_unpacked", "The XLSX file unpacks to more than 64 MB.");
  // Loaded on the first XLSX (a quarter of a second of every server start otherwise, for a rare import).
  const { default: Excel } = await import("exceljs");
  const wb = new Excel.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch {
    throw new ImportFileError("unreadable", "This XLSX file cannot be read.");
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new ImportFileError("empty", "The workbook has no sheet.");
  if (ws.rowCount > IMPORT_MAX_ROWS + 50) throw new ImportFileError("too_many_rows", `At most ${IMPORT_MAX_ROWS} rows per file.`);
  const width = Math.min(ws.columnCount, IMPORT_MAX_COLUMNS + 1);
  const all: string[][] = [];
  for (let r = 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(cellText(row.getCell(c).value));
    all.push(cells);
  }
  return finishTable(all, "xlsx");
}

const startsWith = (bytes: Uint8Array, sig: readonly number[]) => sig.every((b, i) => bytes[i] === b);
/** A zip (XLSX), and the old binary Excel format (.xls, an OLE compound file). */
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/**
 * The file as a table. What the bytes are decides over the declared type
 * where they disagree: an XLSX sent as text/csv is read as XLSX; an old
 * .xls, or binary bytes sent as CSV, are refused instead of read as text.
 */
export async function readTable(type: string, bytes: Uint8Array): Promise<Table> {
  if (type === XLSX_TYPE || startsWith(bytes, ZIP)) return parseXlsx(bytes);
  if (startsWith(bytes, OLE)) throw new ImportFileError("unreadable", "An old .xls file: save it as .xlsx or CSV.");
  if (bytes.subarray(0, 8192).includes(0)) throw new ImportFileError("unreadable", "This is not a text file.");
  return parseCsv(bytes);
}

// ------------------------------------------------------------------ options from the request

export interface ImportOptions {
  dryRun: boolean;
  /** Header names per field (`map.title=Hulpvraag`); fields not given are guessed from the header. */
  names: Partial<Record<ImportField, string>>;
  /** For category values the board does not know: the category chosen (`category.Huisvesting=wonen`). */
  categoryChoices: Record<string, string>;
  /** Import rows that look like duplicates too (`duplicates=include`). */
  includeDuplicates: boolean;
  /** Import rows holding personal data too, recorded (`acknowledgePersonalData=1`). */
  acknowledgePersonalData: boolean;
}

/**
 * Options from the URL: `dryRun=1`, `map.<field>=<header name or #n>` (field
 * one of title, category, description, area, urgency, reference, column; an
 * empty value leaves the field out), `category.<value in the file>=<category
 * id>`, `duplicates=include`, `acknowledgePersonalData=1` (rows holding
 * personal data are imported too, and that is recorded).
 */
export function importOptions(url: URL): ImportOptions {
  const names: Partial<Record<ImportField, string>> = {};
  const categoryChoices: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k.startsWith("map.")) {
      const f = k.slice(4);
      if (isImportField(f)) names[f] = v;
    } else if (k.startsWith("category.")) {
      const key = normaliseLabel(k.slice(9));
      if (key && v) categoryChoices[key] = v;
    }
  }
  const dry = url.searchParams.get("dryRun");
  return {
    dryRun: dry !== null && dry !== "0" && dry !== "false",
    names,
    categoryChoices,
    includeDuplicates: url.searchParams.get("duplicates") === "include",
    acknowledgePersonalData: ["1", "true"].includes(url.searchParams.get("acknowledgePersonalData") ?? ""),
  };
}

// ------------------------------------------------------------------ the import

const MESSAGES: Record<string, string> = {
  required: "This field is required.",
  tooShort: "This is too short.",
  tooLong: "This is too long.",
  type: "This must be text.",
  unknown: "Not a value this board knows.",
  pattern: "Use only letters, digits, spaces and - _ . / #.",
  held: "Requests in this column are held by an organisation: import into an intake, open or done column and claim them on the board.",
};

export interface RowError {
  row: number;
  field: ImportField | "row";
  code: string;
  message: string;
  value?: string;
}

export type Duplicate =
  | { row: number; kind: "file"; ofRow: number }
  | { row: number; kind: "board"; organisation: string; category: string; categoryLabel: string; requestId?: string };

export interface PreviewRow {
  row: number;
  values: Partial<Record<ImportField, string>>;
  ok: boolean;
  duplicate: boolean;
}

export interface ImportPreview {
  format: "csv" | "xlsx";
  encoding?: string;
  delimiter?: string;
  headers: string[];
  /** The mapping used: field → header name (fields left out are absent). */
  mapping: Partial<Record<ImportField, string>>;
  /** Fields whose given header name is not in the file. */
  unknownColumns: ImportField[];
  rows: PreviewRow[];
  errors: RowError[];
  duplicates: Duplicate[];
  /** Category values the board does not know, with how many rows carry each. */
  unknownCategories: Array<{ value: string; rows: number }>;
  /** Personal data in the rows' text: which row's field holds which kind (never the text). */
  personalData: RowFinding[];
  counts: { rows: number; valid: number; invalid: number; duplicates: number; toImport: number; personalData: number };
}

export type ImportResult =
  | { ok: true; dryRun: true; preview: ImportPreview }
  | { ok: true; dryRun: false; preview: ImportPreview; importId: string; created: number; ids: string[] }
  | { ok: false; status: 403; error: "forbidden"; message: string }
  | { ok: false; status: 409; error: "board_archived" | "board_changed"; message: string }
  | { ok: false; status: 422; error: string; message: string; row?: number; preview?: ImportPreview; found?: RowFinding[] }
  | { ok: false; status: 429; error: "quota_exceeded" | "import_limit" | "rate_limited"; message: string; retryAfterMs: number };

function uploadLimiter(svc: AppServices): Limiter {
  return new Limiter({ limit: IMPORT_UPLOADS_PER_PERSON_PER_HOUR, windowMs: HOUR_MS }, appLimits(svc).store("import-uploads"), svc.now);
}

function mappingNames(headers: readonly string[], mapping: ImportMapping): Partial<Record<ImportField, string>> {
  const out: Partial<Record<ImportField, string>> = {};
  for (const f of IMPORT_FIELDS) if (mapping[f] !== undefined) out[f] = headers[mapping[f]!];
  return out;
}

/** What the board has, read at once: the rows are judged against it and, when importing, added in the same step. */
function boardFacts(doc: import("yjs").Doc) {
  const snapshot = readBoard(doc);
  return { snapshot, columns: listColumns(doc), categories: listCategories(doc) };
}

function preview(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  table: Table,
  opts: ImportOptions,
  facts: ReturnType<typeof boardFacts>,
  known: { secret: string; keyed: Awaited<ReturnType<typeof boardRequestKeys>>; orgNames: Map<string, string> },
): { preview: ImportPreview; rows: ImportRow[]; importable: Array<ImportRow & { key: string | null }>; keys: (string | null)[] } {
  const { mapping, unknown } = mappingFromNames(table.headers, opts.names, guessMapping(table.headers));
  const rows = mapRows(table.rows, mapping, {
    categories: facts.categories.map((c) => ({ id: c.id, label: c.label })),
    columns: facts.columns,
    categoryChoices: opts.categoryChoices,
  });
  const { secret } = known;
  const keys = rows.map((r) => (r.card ? referenceKey(secret, r.card.reference) : null));

  // Against the board: open requests (not archived, not done) with the same key and category.
  const { snapshot } = facts;
  const cards = new Map(snapshot.cards.map((c) => [c.id, c]));
  const onBoard = new Map<string, { id: string; org: string; mine: boolean }>();
  for (const r of known.keyed) {
    const card = cards.get(r.id);
    if (!r.referenceKey || !card || card.archived || !isActiveStage(stageOfColumn(snapshot.columns, card.column))) continue;
    const k = `${r.referenceKey}\u0000${card.category}`;
    if (onBoard.has(k)) continue;
    const org = r.ownerOrgId ?? r.createdByOrgId;
    onBoard.set(k, { id: r.id, org, mine: r.createdByOrgId === user.organisationId || r.ownerOrgId === user.organisationId });
  }
  const { orgNames } = known;
  const labels = new Map(facts.categories.map((c) => [c.id, c.label]));
  const inFile = duplicatesWithinFile(keys, rows.map((r) => r.card?.category ?? null));

  const duplicates: Duplicate[] = [];
  const duplicateRows = new Set<number>();
  rows.forEach((r, i) => {
    if (!r.card || !keys[i]) return;
    const hit = onBoard.get(`${keys[i]}\u0000${r.card.category}`);
    if (hit) {
      duplicateRows.add(i);
      // The other request is named by organisation and category, as the request form's check does; its id only to those who may see its reference.
      duplicates.push({
        row: r.row,
        kind: "board",
        organisation: orgNames.get(hit.org) ?? "?",
        category: r.card.category,
        categoryLabel: labels.get(r.card.category) ?? r.card.category,
        ...(hit.mine ? { requestId: hit.id } : {}),
      });
    }
    const first = inFile.get(i);
    if (first !== undefined) {
      duplicateRows.add(i);
      duplicates.push({ row: r.row, kind: "file", ofRow: rows[first].row });
    }
  });

  const errors: RowError[] = rows.flatMap((r) =>
    r.problems.map((p) => ({ row: r.row, field: p.field, code: p.code, message: MESSAGES[p.code] ?? p.code, ...(p.value ? { value: p.value } : {}) })),
  );
  const importable: Array<ImportRow & { key: string | null }> = [];
  rows.forEach((r, i) => {
    if (r.card && (opts.includeDuplicates || !duplicateRows.has(i))) importable.push({ ...r, key: keys[i] });
  });
  const valid = rows.filter((r) => r.card).length;
  const personalData = rowsWithPersonalData(svc, rows);
  return {
    rows,
    keys,
    importable,
    preview: {
      format: table.format,
      ...(table.encoding ? { encoding: table.encoding } : {}),
      ...(table.delimiter ? { delimiter: table.delimiter } : {}),
      headers: table.headers,
      mapping: mappingNames(table.headers, mapping),
      unknownColumns: unknown,
      rows: rows.map((r, i) => ({ row: r.row, values: r.values, ok: !!r.card, duplicate: duplicateRows.has(i) })),
      errors,
      duplicates,
      unknownCategories: unknownCategoryValues(rows).map(({ value, rows: n }) => ({ value, rows: n })),
      personalData,
      counts: {
        rows: rows.length,
        valid,
        invalid: rows.length - valid,
        duplicates: duplicateRows.size,
        toImport: importable.length,
        personalData: new Set(personalData.map((f) => f.row)).size,
      },
    },
  };
}

/**
 * Preview (dry run) or import an uploaded list. The person must be able to
 * create requests (members and coordinators); the board is the caller's
 * (already checked to be of the person's alliance).
 */
export async function importList(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  upload: { type: string; bytes: Uint8Array },
  opts: ImportOptions,
): Promise<ImportResult> {
  if (user.role === "viewer") return { ok: false, status: 403, error: "forbidden", message: "Viewers cannot import requests." };
  if (board.archivedAt !== null) return { ok: false, status: 409, ...BOARD_ARCHIVED };
  const budget = await uploadLimiter(svc).takeShared(user.id);
  if (!budget.ok) {
    return { ok: false, status: 429, error: "rate_limited", message: "Too many uploads in the past hour.", retryAfterMs: budget.retryAfterMs };
  }
  let table: Table;
  try {
    table = await readTable(upload.type, upload.bytes);
  } catch (e) {
    if (e instanceof ImportFileError) return { ok: false, status: 422, error: e.code, message: e.message, ...(e.row ? { row: e.row } : {}) };
    throw e;
  }

  // What the judgement needs from SQL, read just before it (a request entered in between may be missed by the
  // duplicate check): the alliance's secret, the board's reference keys, the organisations' names.
  const known = {
    secret: await allianceSecret(svc.async, user.allianceId),
    keyed: await boardRequestKeys(svc.async, board.id),
    orgNames: await organisationNames(svc.async, user.allianceId),
  };
  // Every upload is a reference check of its rows: logged like the request form's check (never the references), once judged.
  let checked: { outcome: ReferenceCheckOutcome; at: number } | null = null;
  let judged: Judged;
  try {
    judged = await svc.rooms.withDoc(board.id, (doc) => {
      const j = judge(svc, user, board, table, opts, boardFacts(doc), known);
      checked = j.checked;
      return j;
    });
  } finally {
    const c = checked as { outcome: ReferenceCheckOutcome; at: number } | null;
    if (c) await recordReferenceCheck(svc.async, { boardId: board.id, userId: user.id, orgId: user.organisationId, outcome: c.outcome, createdAt: c.at });
  }
  if ("result" in judged) return judged.result;
  const { plan } = judged;

  /*
   * The write, in this order (decision 001: a document step cannot await, so
   * the SQL decisions cannot sit inside it as they did on SQLite alone):
   * 1. The rows, in ONE transaction with the organisation's row locked, in
   *    which the quota and the hourly import cap are counted: two imports at
   *    once (through two servers too) are judged one after the other, so
   *    exactly the limit stands. Refused: nothing written.
   * 2. The cards, in one document step that checks again what the
   *    judgement relied on (each card's column and category still there and
   *    the column not held); the file's rows were judged against the board
   *    a moment before, in the step above.
   * 3. Whether the cards were stored: a room whose commit fails drops its
   *    copy without failing the step (server/sync/rooms.ts), so the board is
   *    read again; none of the cards there means none was stored.
   * If 2 or 3 fails, the rows are removed again (one transaction). Rows
   * first, because a card without its row has nobody to check it against
   * (claims, references, the quota) and a reader of the board keeps it; a
   * row without its card, for the moment between 1 and 2 (or when the
   * removal itself fails), is seen by no board and only counts against the
   * organisation's own quota. An import has no key of its own to repeat it
   * by (each upload is a new import id), so there is no idempotency to keep.
   */
  const n = plan.rows.length;
  const refused = await insertImportedRequests<ImportResult>(svc.async, plan.rows, plan.audits, async (tx) => {
    const quota = await quotaExceeded(svc, user, tx);
    if (quota) {
      return {
        ok: false,
        status: 429,
        error: "quota_exceeded",
        message: `Your organisation created ${quota.limit} requests (or imports) in the past hour, the most this alliance allows.`,
        retryAfterMs: quota.retryAfterMs,
      };
    }
    const already = await importedRowsSince(tx, user.organisationId, plan.at - HOUR_MS);
    if (already + n > IMPORTED_ROWS_PER_ORG_PER_HOUR) {
      return {
        ok: false,
        status: 429,
        error: "import_limit",
        message: `Your organisation may import ${IMPORTED_ROWS_PER_ORG_PER_HOUR} rows per hour; ${Math.max(0, IMPORTED_ROWS_PER_ORG_PER_HOUR - already)} are left.`,
        retryAfterMs: HOUR_MS,
      };
    }
    return null;
  });
  if (refused) return refused;

  let placed: boolean;
  try {
    placed = await svc.rooms.withDoc(board.id, (doc) => {
      if (!stillFits(doc, plan.cards)) return false;
      addCards(doc, plan.cards);
      return true;
    });
    if (placed) {
      const stored = await svc.rooms.withDoc(board.id, (doc) => plan.cards.some((c) => getCard(doc, c.id) !== null));
      if (!stored) throw new Error("import: the board's document did not store the cards");
    }
  } catch (e) {
    await undoImport(svc, board.id, plan.importId);
    throw e;
  }
  if (!placed) {
    await undoImport(svc, board.id, plan.importId);
    return { ok: false, status: 409, error: "board_changed", message: "The board's columns or categories changed meanwhile; check the preview and import again." };
  }

  // The activity panel shows the newest entries: those of this import, at most a page of them.
  const rows = await activityFeed(svc.async, { boardId: board.id, limit: 50 });
  if (rows.length) svc.realtime.toBoard(board.id, ACTIVITY_EVENT, rows);
  if (plan.newKeys) svc.realtime.toBoard(board.id, DUPLICATES_EVENT, { boardId: board.id });
  return { ok: true, dryRun: false, preview: plan.preview, importId: plan.importId, created: n, ids: plan.cards.map((c) => c.id) };
}

/** An import's rows and cards, made by the judgement and written after it. */
interface ImportPlan {
  preview: ImportPreview;
  importId: string;
  at: number;
  rows: ImportedRequest[];
  audits: ImportedAudit[];
  cards: Array<NewCard & { column: string }>;
  newKeys: boolean;
}

type Judged = { result: ImportResult; checked: { outcome: ReferenceCheckOutcome; at: number } | null } | { plan: ImportPlan; checked: { outcome: ReferenceCheckOutcome; at: number } | null };

/** The file judged against the board (one read of its document): an answer, or what to write. */
function judge(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  table: Table,
  opts: ImportOptions,
  facts: ReturnType<typeof boardFacts>,
  known: Parameters<typeof preview>[6],
): Judged {
  const p = preview(svc, user, board, table, opts, facts, known);
  const checked = p.keys.some(Boolean) ? { outcome: p.preview.duplicates.some((d) => d.kind === "board") ? ("match" as const) : ("no_match" as const), at: svc.now() } : null;
  if (opts.dryRun) return { result: { ok: true, dryRun: true, preview: p.preview }, checked };
  if (p.importable.length === 0) {
    return { result: { ok: false, status: 422, error: "nothing_to_import", message: "No row can be imported; see errors and duplicates.", preview: p.preview }, checked };
  }
  // Rows to import that hold personal data need the same deliberate step as a form's "Toch opslaan".
  const importableRows = new Set(p.importable.map((r) => r.row));
  const flagged = p.preview.personalData.filter((f) => importableRows.has(f.row));
  if (flagged.length && !opts.acknowledgePersonalData) {
    return {
      result: {
        ok: false,
        status: 422,
        error: "personal_data",
        message: "Some rows hold personal data (see found). Remove it from the file, or import with acknowledgePersonalData=1; that is recorded.",
        found: flagged,
        preview: p.preview,
      },
      checked,
    };
  }
  const at = svc.now();
  const importId = randomUUID();
  const rows: ImportedRequest[] = [];
  const audits: ImportedAudit[] = [];
  let newKeys = false;
  const cards = p.importable.map((r) => {
    const c = r.card!;
    const id = randomUUID();
    const reference = c.reference || null;
    const referenceKey = r.key;
    if (referenceKey) newKeys = true;
    rows.push({ id, boardId: board.id, createdByUserId: user.id, createdByOrgId: user.organisationId, reference, referenceKey, importId, lastActivityAt: at, createdAt: at });
    audits.push({
      boardId: board.id,
      requestId: id,
      userId: user.id,
      orgId: user.organisationId,
      type: "created",
      data: { title: c.title, category: c.category, import: importId, row: r.row },
      createdAt: at,
    });
    const found = recordableFindings(flagged, r.row);
    if (found.length) {
      // Imported after the warning: recorded per request, fields and kinds only.
      audits.push({ boardId: board.id, requestId: id, userId: user.id, orgId: user.organisationId, type: PERSONAL_DATA_ACKNOWLEDGED, data: { found, import: importId, row: r.row }, createdAt: at });
    }
    return {
      id,
      title: c.title,
      category: c.category,
      description: c.description,
      area: c.area,
      urgency: c.urgency,
      column: c.column,
      createdAt: at,
      createdByOrg: user.organisationId,
    };
  });
  return { plan: { preview: p.preview, importId, at, rows, audits, cards, newKeys }, checked };
}

/** Whether the board still has every card's column (not held) and category: what the judgement relied on. */
function stillFits(doc: import("yjs").Doc, cards: ReadonlyArray<{ column: string; category: string }>): boolean {
  const columns = new Map(listColumns(doc).map((c) => [c.id, c]));
  const categories = new Set(listCategories(doc).map((c) => c.id));
  return cards.every((c) => {
    const col = columns.get(c.column);
    return !!col && holderRule(col.stage) !== "required" && categories.has(c.category);
  });
}

/** The compensation: the import's rows removed again. Should that fail too, they stay (seen by no board) and it is logged. */
async function undoImport(svc: AppServices, boardId: string, importId: string): Promise<void> {
  try {
    await deleteImportedRequests(svc.async, boardId, importId);
  } catch (e) {
    logFailure(svc, "import: could not remove the rows of an import whose cards were not stored", e, { board: boardId, importId });
  }
}
