/**
 * The board document: every operation on the shared Yjs state lives here.
 *
 * Pure: no React, no IO, no `process`. The browser, the server, the seed and
 * the tests all call these functions.
 *
 * Layout of the Y.Doc:
 *   meta:       Y.Map  { schema: number }
 *   columns:    Y.Map<id, Y.Map { id, name, order, stage }>
 *   categories: Y.Map<id, Y.Map { id, label, color, icon, order }>
 *   cards:      Y.Map<id, Y.Map { id, title, category, column, order, archived,
 *                                  description, area, urgency, createdAt,
 *                                  createdByOrg, updatedAt,
 *                                  kind?, places?, filled?, job?, at?, recurrence?,
 *                                  durationMinutes?, languageLevel?, physical?,
 *                                  asks?, availability?, origin?, language?,
 *                                  translation? }>
 *   (the optional keys are issue 15's: a card's kind, a job's places and what
 *   it asks, the job a request joined, the front door's marks; absent on older cards)
 *
 * A card is never deleted and re-inserted to move it: a move sets its
 * `column` and `order` fields, so two concurrent moves converge on one card.
 * Each field is its own map entry, so concurrent edits of different fields
 * (one person moves, another retitles) both survive.
 */
import * as Y from "yjs";
import { compareOrdered, compareStrings, keyBetween, keysBetween, placeAt, sortOrdered } from "./order";
import { carriesOver, firstColumnOf, holderFits, isStage, legacyStage, missingStages, newColumnIndex, stageOfColumn } from "./stages";
import type { BoardSnapshot, CardExtras, CardFields, CardKind, CardOrigin, CardView, CategoryView, ColumnView, IconName, Stage } from "./types";
import { isCardKind, isCardOrigin, isIcon, isLanguageLevel, isRecurrence, isUrgency } from "./validate";

/** 2: columns carry a stage. */
export const SCHEMA_VERSION = 2;
/** The only root types a board document may contain; the sync server refuses others. */
export const ROOT_NAMES = ["meta", "columns", "categories", "cards"] as const;

export const DEFAULT_COLUMNS: ReadonlyArray<{ id: string; name: string; stage: Stage }> = [
  { id: "nieuw", name: "Nieuw", stage: "intake" },
  { id: "open", name: "Open", stage: "open" },
  { id: "opgepakt", name: "Opgepakt", stage: "held" },
  { id: "in-uitvoering", name: "In uitvoering", stage: "held" },
  { id: "afgerond", name: "Afgerond", stage: "done" },
];

export const DEFAULT_CATEGORIES: ReadonlyArray<{ id: string; label: string; color: string; icon: IconName }> = [
  { id: "wonen", label: "Wonen", color: "#2f6690", icon: "home" },
  { id: "taal", label: "Taal", color: "#9a5b00", icon: "chat" },
  { id: "werk", label: "Werk", color: "#2d6a4f", icon: "briefcase" },
  { id: "maatje", label: "Maatje & ontmoeting", color: "#8e3b6b", icon: "people" },
];

type YRecord = Y.Map<unknown>;

export function columnsMap(doc: Y.Doc): Y.Map<YRecord> {
  return doc.getMap<YRecord>("columns");
}
export function categoriesMap(doc: Y.Doc): Y.Map<YRecord> {
  return doc.getMap<YRecord>("categories");
}
export function cardsMap(doc: Y.Doc): Y.Map<YRecord> {
  return doc.getMap<YRecord>("cards");
}
export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap("meta");
}

export class BoardError extends Error {
  constructor(
    public code: string,
    message?: string,
  ) {
    super(message ?? code);
    this.name = "BoardError";
  }
}

function record(entries: Record<string, unknown>): YRecord {
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  return m;
}

function str(m: YRecord, key: string, fallback = ""): string {
  const v = m.get(key);
  return typeof v === "string" ? v : fallback;
}
function num(m: YRecord, key: string, fallback = 0): number {
  const v = m.get(key);
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

// ---------------------------------------------------------------- reading

/** A column as stored. A column written before stages existed reads as `intake` here; `listColumns` places it properly. */
export function readColumn(m: YRecord): ColumnView {
  const stage = m.get("stage");
  return { id: str(m, "id"), name: str(m, "name"), order: str(m, "order"), stage: isStage(stage) ? stage : "intake" };
}

export function readCategory(m: YRecord): CategoryView {
  const icon = m.get("icon");
  return {
    id: str(m, "id"),
    label: str(m, "label"),
    color: str(m, "color", "#555555"),
    icon: isIcon(icon) ? icon : "star",
    order: str(m, "order"),
  };
}

export function readCard(m: YRecord): CardView {
  const urgency = m.get("urgency");
  const kind = m.get("kind");
  const recurrence = m.get("recurrence");
  const level = m.get("languageLevel");
  const origin = m.get("origin");
  return {
    id: str(m, "id"),
    kind: isCardKind(kind) ? kind : "request",
    title: str(m, "title"),
    category: str(m, "category"),
    column: str(m, "column"),
    order: str(m, "order"),
    archived: m.get("archived") === true,
    description: str(m, "description"),
    area: str(m, "area"),
    urgency: isUrgency(urgency) ? urgency : "normaal",
    createdAt: num(m, "createdAt"),
    createdByOrg: str(m, "createdByOrg"),
    updatedAt: num(m, "updatedAt"),
    places: num(m, "places"),
    filled: num(m, "filled"),
    job: str(m, "job"),
    at: num(m, "at"),
    recurrence: isRecurrence(recurrence) ? recurrence : "",
    durationMinutes: num(m, "durationMinutes"),
    languageLevel: isLanguageLevel(level) ? level : "",
    physical: m.get("physical") === true,
    asks: str(m, "asks"),
    availability: str(m, "availability"),
    origin: isCardOrigin(origin) ? origin : null,
    language: str(m, "language"),
    translation: str(m, "translation"),
  };
}

export function listColumns(doc: Y.Doc): ColumnView[] {
  const records = [...columnsMap(doc).values()];
  const list = sortOrdered(records.map(readColumn));
  if (records.every((m) => isStage(m.get("stage")))) return list;
  // A board from before stages: read its columns as the board used to count them.
  const raw = new Map(records.map((m) => [str(m, "id"), m.get("stage")]));
  return list.map((c, i) => (isStage(raw.get(c.id)) ? c : { ...c, stage: legacyStage(c.id, i, list.length) }));
}

export function listCategories(doc: Y.Doc): CategoryView[] {
  return sortOrdered([...categoriesMap(doc).values()].map(readCategory));
}

export function getCard(doc: Y.Doc, id: string): CardView | null {
  const m = cardsMap(doc).get(id);
  return m ? readCard(m) : null;
}

/** Cards of one column in display order (archived cards excluded unless asked). */
export function cardsInColumn(doc: Y.Doc, column: string, opts: { archived?: boolean } = {}): CardView[] {
  const columns = listColumns(doc);
  const out: CardView[] = [];
  for (const m of cardsMap(doc).values()) {
    const c = readCard(m);
    // Grouped as the board shows them: a card with an unknown column counts in the first.
    if (effectiveColumn(c, columns) === column && c.archived === (opts.archived ?? false)) out.push(c);
  }
  return out.sort(compareOrdered);
}

export function readBoard(doc: Y.Doc): BoardSnapshot {
  return {
    columns: listColumns(doc),
    categories: listCategories(doc),
    cards: [...cardsMap(doc).values()].map(readCard).sort(compareOrdered),
  };
}

/**
 * The column a card is shown in. A card whose column does not exist (for
 * example added by an older client) is shown in the first column, never lost.
 */
export function effectiveColumn(card: Pick<CardView, "column">, columns: ColumnView[]): string {
  if (columns.some((c) => c.id === card.column)) return card.column;
  return columns[0]?.id ?? card.column;
}

// ---------------------------------------------------------------- setup

/** Create the default columns and categories when the document has none. Idempotent. */
export function initBoard(doc: Y.Doc, origin?: unknown): void {
  doc.transact(() => {
    const meta = metaMap(doc);
    if (meta.get("schema") !== SCHEMA_VERSION) meta.set("schema", SCHEMA_VERSION);
    const cols = columnsMap(doc);
    if (cols.size === 0) {
      let prev: string | null = null;
      for (const c of DEFAULT_COLUMNS) {
        const order = keyBetween(prev, null);
        cols.set(c.id, record({ id: c.id, name: c.name, order, stage: c.stage }));
        prev = order;
      }
    } else {
      // Boards from before stages: write down the stage each column was read with.
      for (const c of listColumns(doc)) {
        const m = cols.get(c.id)!;
        if (!isStage(m.get("stage"))) m.set("stage", c.stage);
      }
    }
    const cats = categoriesMap(doc);
    if (cats.size === 0) {
      let prev: string | null = null;
      for (const c of DEFAULT_CATEGORIES) {
        const order = keyBetween(prev, null);
        cats.set(c.id, record({ ...c, order }));
        prev = order;
      }
    }
  }, origin);
}

/**
 * Start an empty document with the columns (names and stages, in their
 * order) and categories of another board: what a coordinator copies when
 * creating a board. Ids are kept, so a category means the same on both boards
 * (offers and matching go by category id); order keys are written afresh.
 * Falls back to the defaults for a part that is empty, and never copies cards.
 */
export function initBoardFrom(
  doc: Y.Doc,
  from: { columns: ReadonlyArray<Pick<ColumnView, "id" | "name" | "stage">>; categories: ReadonlyArray<Omit<CategoryView, "order">> },
  origin?: unknown,
): void {
  doc.transact(() => {
    metaMap(doc).set("schema", SCHEMA_VERSION);
    const cols = columnsMap(doc);
    const cats = categoriesMap(doc);
    if (cols.size === 0 && from.columns.length > 0) {
      const keys = keysBetween(null, null, from.columns.length);
      from.columns.forEach((c, i) => cols.set(c.id, record({ id: c.id, name: c.name, order: keys[i], stage: c.stage })));
    }
    if (cats.size === 0 && from.categories.length > 0) {
      const keys = keysBetween(null, null, from.categories.length);
      from.categories.forEach((c, i) =>
        cats.set(c.id, record({ id: c.id, label: c.label, color: c.color, icon: c.icon, order: keys[i] })),
      );
    }
  }, origin);
  initBoard(doc, origin);
}

// ---------------------------------------------------------------- cards

export interface NewCard extends CardFields, Partial<CardExtras> {
  id: string;
  createdAt: number;
  createdByOrg: string;
  column?: string;
  /** Absent: a request, written without the key as before issue 15. */
  kind?: CardKind;
  /** Jobs only: the number of places (filled starts at 0). */
  places?: number;
  /** Front-door cards: where they came from and the language the person wrote in. */
  origin?: CardOrigin;
  language?: string;
}

const EXTRA_KEYS = ["at", "recurrence", "durationMinutes", "languageLevel", "physical", "asks", "availability"] as const;

/** The keys a new card is written with beyond the base fields: its kind, a job's places, the extras given. */
function newCardExtras(card: NewCard): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (card.kind && card.kind !== "request") out.kind = card.kind;
  if (card.kind === "job") {
    out.places = card.places ?? 1;
    out.filled = 0;
  }
  for (const k of EXTRA_KEYS) if (card[k] !== undefined) out[k] = card[k];
  if (card.origin) {
    out.origin = card.origin;
    out.language = card.language ?? "";
  }
  return out;
}

/** Add a card at the end of its column (the first column unless given). */
export function addCard(doc: Y.Doc, card: NewCard, origin?: unknown): CardView {
  addCards(doc, [card], origin);
  return getCard(doc, card.id)!;
}

/**
 * Add several cards at once (an import, a seed), each at the end of its
 * column in the order given. One transaction; the end of each column is
 * found once, so adding n cards to a board of m costs O(n + m), not O(n·m).
 */
export function addCards(doc: Y.Doc, list: readonly NewCard[], origin?: unknown): void {
  const cards = cardsMap(doc);
  const columns = listColumns(doc);
  const categories = categoriesMap(doc);
  const byColumn = new Map<string, NewCard[]>();
  const ids = new Set<string>();
  for (const card of list) {
    if (!card.id) throw new BoardError("card.id");
    if (cards.has(card.id) || ids.has(card.id)) throw new BoardError("card.exists");
    ids.add(card.id);
    const column = card.column ?? columns[0]?.id;
    if (!column || !columns.some((c) => c.id === column)) throw new BoardError("column.unknown");
    if (!categories.has(card.category)) throw new BoardError("category.unknown");
    const bucket = byColumn.get(column);
    if (bucket) bucket.push(card);
    else byColumn.set(column, [card]);
  }
  doc.transact(() => {
    for (const [column, added] of byColumn) {
      const keys = keysAtEnd(doc, column, columns, added.length);
      added.forEach((card, i) =>
        cards.set(
          card.id,
          record({
            id: card.id,
            title: card.title,
            category: card.category,
            column,
            order: keys[i],
            archived: false,
            description: card.description,
            area: card.area,
            urgency: card.urgency,
            createdAt: card.createdAt,
            createdByOrg: card.createdByOrg,
            updatedAt: card.createdAt,
            ...newCardExtras(card),
          }),
        ),
      );
    }
  }, origin);
}

/**
 * `n` order keys after the last visible card of a column. Reads three fields
 * per card and sorts nothing; when the column's keys are damaged (two equal
 * keys at the end, a malformed key from a foreign peer) it falls back to
 * placing and renumbering the whole column.
 */
function keysAtEnd(doc: Y.Doc, column: string, columns: ColumnView[], n: number): string[] {
  const known = new Set(columns.map((c) => c.id));
  let last: string | null = null;
  for (const m of cardsMap(doc).values()) {
    if (m.get("archived") === true) continue;
    const col = m.get("column");
    const shown = typeof col === "string" && known.has(col) ? col : columns[0]?.id;
    if (shown !== column) continue;
    const order = m.get("order");
    if (typeof order === "string" && (last === null || compareStrings(order, last) > 0)) last = order;
  }
  try {
    return keysBetween(last, null, n);
  } catch {
    const siblings = cardsInColumn(doc, column);
    const placed = placeAt(siblings, siblings.length);
    applyRekey(doc, column, placed.rekey);
    return [placed.key, ...keysBetween(placed.key, null, n - 1)];
  }
}

function cardRecord(doc: Y.Doc, id: string): YRecord {
  const m = cardsMap(doc).get(id);
  if (!m) throw new BoardError("card.unknown");
  return m;
}

/** Column and order are always written together, so concurrent moves resolve to one move's position. */
function setPosition(m: YRecord, column: string, order: string): void {
  m.set("column", column);
  m.set("order", order);
}

function applyRekey(doc: Y.Doc, column: string, rekey: Map<string, string> | undefined): void {
  if (!rekey) return;
  const cards = cardsMap(doc);
  for (const [id, order] of rekey) {
    const m = cards.get(id);
    if (m) setPosition(m, column, order);
  }
}

/**
 * Change some of a card's fields. Only fields whose value differs are written,
 * so a concurrent edit of another field is never overwritten. Returns the
 * list of changed fields with their old and new values.
 */
export function updateCard(
  doc: Y.Doc,
  id: string,
  patch: Partial<CardFields & CardExtras>,
  now: number,
  origin?: unknown,
): Array<{ field: keyof (CardFields & CardExtras); from: string; to: string }> {
  const m = cardRecord(doc, id);
  if (patch.category !== undefined && !categoriesMap(doc).has(patch.category)) {
    throw new BoardError("category.unknown");
  }
  if (patch.urgency !== undefined && !isUrgency(patch.urgency)) throw new BoardError("urgency.unknown");
  const changes: Array<{ field: keyof (CardFields & CardExtras); from: string; to: string }> = [];
  doc.transact(() => {
    for (const field of ["title", "category", "description", "area", "urgency"] as const) {
      const next = patch[field];
      if (next === undefined) continue;
      const prev = str(m, field);
      if (prev !== next) {
        m.set(field, next);
        changes.push({ field, from: prev, to: next });
      }
    }
    for (const field of EXTRA_KEYS) {
      const next = patch[field];
      if (next === undefined) continue;
      const prev = m.get(field);
      if (prev !== next) {
        m.set(field, next);
        changes.push({ field, from: prev === undefined ? "" : String(prev), to: String(next) });
      }
    }
    if (changes.length) m.set("updatedAt", now);
  }, origin);
  return changes;
}

/**
 * Set the staff's rendering of a front-door card's text (issue 15): Dutch or
 * English for those who cannot read the original. Returns whether it changed.
 */
export function setTranslation(doc: Y.Doc, id: string, text: string, now: number, origin?: unknown): boolean {
  const m = cardRecord(doc, id);
  if (str(m, "translation") === text) return false;
  doc.transact(() => {
    m.set("translation", text);
    m.set("updatedAt", now);
  }, origin);
  return true;
}

/**
 * Move a card to `index` within `toColumn` (index counted among the visible,
 * non-archived cards of that column, without the card itself).
 */
export function moveCard(
  doc: Y.Doc,
  id: string,
  toColumn: string,
  index: number,
  now: number,
  origin?: unknown,
): { from: string; to: string; order: string } {
  const m = cardRecord(doc, id);
  if (!columnsMap(doc).has(toColumn)) throw new BoardError("column.unknown");
  const from = str(m, "column");
  let order = "";
  doc.transact(() => {
    const siblings = cardsInColumn(doc, toColumn).filter((c) => c.id !== id);
    const placed = placeAt(siblings, index);
    applyRekey(doc, toColumn, placed.rekey);
    order = placed.key;
    setPosition(m, toColumn, order);
    m.set("updatedAt", now);
  }, origin);
  return { from, to: toColumn, order };
}

/**
 * Keep a request's column true to who holds it (server side, after a claim,
 * an unclaim, a referral or an expiry): a held request that stands in an
 * intake or open column goes to the end of the first held column; one that
 * nobody holds any more leaves its held column for the end of the first open
 * column. A request in a done column stays. Returns the column it went to,
 * or null when it stayed.
 */
export function alignCardWithHolder(doc: Y.Doc, id: string, holder: string | null, now: number, origin?: unknown): string | null {
  const m = cardsMap(doc).get(id);
  if (!m) return null;
  const columns = listColumns(doc);
  const card = readCard(m);
  const stage = stageOfColumn(columns, effectiveColumn(card, columns));
  if (holderFits(stage, holder)) return null;
  const target = firstColumnOf(columns, holder ? "held" : "open") ?? firstColumnOf(columns, "intake");
  if (!target) return null;
  moveCard(doc, id, target.id, Number.MAX_SAFE_INTEGER, now, origin);
  return target.id;
}

/**
 * Mirror a job's places as SQL decided them (server side, after places are
 * filled, freed or the job is done): the job card's `filled` count and each
 * request's `job` key (the job it joined, "" once it left). One transaction,
 * so every browser sees the count and the badges change together.
 */
export function mirrorJobPlaces(
  doc: Y.Doc,
  jobId: string,
  state: { places: number; filled: number; joined: readonly string[]; left: readonly string[] },
  now: number,
  origin?: unknown,
): void {
  const cards = cardsMap(doc);
  const job = cards.get(jobId);
  if (!job) return;
  doc.transact(() => {
    if (job.get("places") !== state.places) job.set("places", state.places);
    if (job.get("filled") !== state.filled) {
      job.set("filled", state.filled);
      job.set("updatedAt", now);
    }
    for (const id of state.joined) {
      const m = cards.get(id);
      if (m && m.get("job") !== jobId) m.set("job", jobId);
    }
    for (const id of state.left) {
      const m = cards.get(id);
      if (m && m.get("job") === jobId) m.set("job", "");
    }
  }, origin);
}

export function setArchived(doc: Y.Doc, id: string, archived: boolean, now: number, origin?: unknown): boolean {
  const m = cardRecord(doc, id);
  if ((m.get("archived") === true) === archived) return false;
  doc.transact(() => {
    if (!archived) {
      // A restored card goes to the end of its column, so it is easy to find.
      const column = effectiveColumn(readCard(m), listColumns(doc));
      const siblings = cardsInColumn(doc, column);
      const placed = placeAt(siblings, siblings.length);
      applyRekey(doc, column, placed.rekey);
      setPosition(m, column, placed.key);
    }
    m.set("archived", archived);
    m.set("updatedAt", now);
  }, origin);
  return true;
}

// ---------------------------------------------------------------- columns

/**
 * Add a column of a stage. It goes before the first `done` column unless
 * `index` says where (counted among the existing columns).
 */
export function addColumn(
  doc: Y.Doc,
  col: { id: string; name: string; stage?: Stage; index?: number },
  origin?: unknown,
): ColumnView {
  const cols = columnsMap(doc);
  if (cols.has(col.id)) throw new BoardError("column.exists");
  const stage = col.stage ?? "open";
  if (!isStage(stage)) throw new BoardError("column.stage");
  const list = listColumns(doc);
  const index = Math.max(0, Math.min(list.length, col.index ?? newColumnIndex(list)));
  const { key, rekey } = placeAt(list, index);
  doc.transact(() => {
    if (rekey) for (const [cid, order] of rekey) cols.get(cid)?.set("order", order);
    cols.set(col.id, record({ id: col.id, name: col.name, order: key, stage }));
  }, origin);
  return listColumns(doc).find((c) => c.id === col.id)!;
}

export function renameColumn(doc: Y.Doc, id: string, name: string, origin?: unknown): void {
  const m = columnsMap(doc).get(id);
  if (!m) throw new BoardError("column.unknown");
  if (str(m, "name") !== name) doc.transact(() => m.set("name", name), origin);
}

/**
 * Why a column may not take a stage, or null when it may: the board keeps
 * one column of each stage, and a column that holds requests changes only
 * to a stage they fit without anyone's claim changing (`carriesOver`).
 */
export function stageChangeProblem(doc: Y.Doc, id: string, stage: Stage): string | null {
  const list = listColumns(doc);
  const col = list.find((c) => c.id === id);
  if (!col) return "column.unknown";
  if (!isStage(stage)) return "column.stage";
  if (col.stage === stage) return null;
  const after = list.map((c) => (c.id === id ? { ...c, stage } : c));
  if (missingStages(after).length) return "column.lastOfStage";
  if (requestsInColumn(doc, id) > 0 && !carriesOver(col.stage, stage)) return "column.stageHolds";
  return null;
}

export function setColumnStage(doc: Y.Doc, id: string, stage: Stage, origin?: unknown): void {
  const problem = stageChangeProblem(doc, id, stage);
  if (problem) throw new BoardError(problem);
  const m = columnsMap(doc).get(id)!;
  if (m.get("stage") !== stage) doc.transact(() => m.set("stage", stage), origin);
}

export function moveColumn(doc: Y.Doc, id: string, index: number, origin?: unknown): void {
  const cols = columnsMap(doc);
  const m = cols.get(id);
  if (!m) throw new BoardError("column.unknown");
  const siblings = listColumns(doc).filter((c) => c.id !== id);
  const { key, rekey } = placeAt(siblings, index);
  doc.transact(() => {
    if (rekey) for (const [cid, order] of rekey) cols.get(cid)?.set("order", order);
    m.set("order", key);
  }, origin);
}

/** How many requests a column holds (archived ones too: restoring one puts it back in its column). */
export function requestsInColumn(doc: Y.Doc, id: string): number {
  let n = 0;
  for (const m of cardsMap(doc).values()) if (m.get("column") === id) n++;
  return n;
}

/**
 * Remove a column. Never the last one, and never one that still shows
 * requests: with `moveTo` they go to the end of that column first, in the
 * same transaction (the dialog offers it); without, `column.notEmpty`.
 */
export function removeColumn(doc: Y.Doc, id: string, opts: { moveTo?: string; now: number }, origin?: unknown): void {
  const cols = columnsMap(doc);
  if (!cols.has(id)) throw new BoardError("column.unknown");
  if (cols.size <= 1) throw new BoardError("column.last");
  const list = listColumns(doc);
  if (missingStages(list.filter((c) => c.id !== id)).length) throw new BoardError("column.lastOfStage");
  const held = requestsInColumn(doc, id);
  if (held > 0 && !opts.moveTo) throw new BoardError("column.notEmpty");
  if (held > 0 && (opts.moveTo === id || !cols.has(opts.moveTo!))) throw new BoardError("column.unknown");
  const stageOf = (cid: string) => list.find((c) => c.id === cid)!.stage;
  if (held > 0 && !carriesOver(stageOf(id), stageOf(opts.moveTo!))) throw new BoardError("column.stageHolds");
  doc.transact(() => {
    if (held > 0) {
      // Archived ones too, after the shown ones, so a restore finds them in their new column.
      const moving = [...cardsInColumn(doc, id), ...cardsInColumn(doc, id, { archived: true })].filter((c) => c.column === id);
      const target = opts.moveTo!;
      const siblings = cardsInColumn(doc, target).filter((c) => c.column !== id);
      const placed = placeAt(siblings, siblings.length);
      applyRekey(doc, target, placed.rekey);
      const keys = keysBetween(placed.key, null, moving.length);
      const cards = cardsMap(doc);
      moving.forEach((c, i) => {
        const m = cards.get(c.id)!;
        setPosition(m, target, keys[i]);
        m.set("updatedAt", opts.now);
      });
    }
    cols.delete(id);
  }, origin);
}

// ---------------------------------------------------------------- categories

export function addCategory(
  doc: Y.Doc,
  cat: { id: string; label: string; color: string; icon: IconName },
  origin?: unknown,
): CategoryView {
  const cats = categoriesMap(doc);
  if (cats.has(cat.id)) throw new BoardError("category.exists");
  const list = listCategories(doc);
  const { key } = placeAt(list, list.length);
  doc.transact(() => cats.set(cat.id, record({ ...cat, order: key })), origin);
  return readCategory(cats.get(cat.id)!);
}

export function updateCategory(
  doc: Y.Doc,
  id: string,
  patch: Partial<{ label: string; color: string; icon: IconName }>,
  origin?: unknown,
): void {
  const m = categoriesMap(doc).get(id);
  if (!m) throw new BoardError("category.unknown");
  doc.transact(() => {
    for (const [k, v] of Object.entries(patch)) if (v !== undefined && m.get(k) !== v) m.set(k, v);
  }, origin);
}

/** A category id that is not yet used on this board, derived from its label. */
export function freeCategoryId(doc: Y.Doc, base: string): string {
  const cats = categoriesMap(doc);
  let id = base;
  for (let i = 2; cats.has(id); i++) id = `${base}-${i}`;
  return id;
}

/** How many requests carry a category (archived ones too: the archive shows it). */
export function requestsInCategory(doc: Y.Doc, id: string): number {
  let n = 0;
  for (const m of cardsMap(doc).values()) if (m.get("category") === id) n++;
  return n;
}

/**
 * Remove a category. Never the last one, and never one that requests still
 * carry: with `moveTo` they get that category first, in the same transaction.
 */
export function removeCategory(doc: Y.Doc, id: string, opts: { moveTo?: string; now: number }, origin?: unknown): void {
  const cats = categoriesMap(doc);
  if (!cats.has(id)) throw new BoardError("category.unknown");
  if (cats.size <= 1) throw new BoardError("category.last");
  const held = requestsInCategory(doc, id);
  if (held > 0 && !opts.moveTo) throw new BoardError("category.notEmpty");
  if (held > 0 && (opts.moveTo === id || !cats.has(opts.moveTo!))) throw new BoardError("category.unknown");
  doc.transact(() => {
    if (held > 0) {
      for (const m of cardsMap(doc).values()) {
        if (m.get("category") !== id) continue;
        m.set("category", opts.moveTo!);
        m.set("updatedAt", opts.now);
      }
    }
    cats.delete(id);
  }, origin);
}
