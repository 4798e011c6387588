/**
 * A board document as plain data, and a fresh document built from it.
 *
 * Erasing a person (or anonymising old requests) cannot be done by editing
 * the live document: Yjs keeps every deleted or overwritten string in its
 * history until garbage collection, and every peer that holds a copy keeps
 * it too. So the board is read into plain data, changed by a transform, and
 * written into a NEW Y.Doc (a new client id, no history, no deletions): the
 * encoded result holds exactly the plain data and nothing else.
 *
 * Pure: no IO. The server (app/services/rebuild.server.ts) stores the result
 * under a new document generation.
 */
import * as Y from "yjs";
import { ROOT_NAMES } from "./domain";

/** One column, category or card: its fields as the document holds them (JSON values). */
export type PlainRecord = Record<string, unknown>;

export interface PlainBoard {
  meta: Record<string, unknown>;
  columns: Record<string, PlainRecord>;
  categories: Record<string, PlainRecord>;
  cards: Record<string, PlainRecord>;
}

export type BoardTransform = (board: PlainBoard) => PlainBoard;

type RecordRoot = Exclude<(typeof ROOT_NAMES)[number], "meta">;
const RECORD_ROOTS: readonly RecordRoot[] = ROOT_NAMES.filter((n): n is RecordRoot => n !== "meta");

function copy(value: unknown): unknown {
  // Field values are JSON (Y.ContentAny); copied so the plain data shares nothing with the document.
  return value !== null && typeof value === "object" ? JSON.parse(JSON.stringify(value)) : value;
}

/**
 * Everything the document holds, as plain data: every root the board schema
 * knows (meta, columns, categories, cards), every record with every field,
 * also fields this code does not read. An entry of a record root that is not
 * a map (the sync server never lets one in) is left out.
 */
export function boardToPlain(doc: Y.Doc): PlainBoard {
  const meta: Record<string, unknown> = {};
  for (const [k, v] of doc.getMap("meta").entries()) if (!(v instanceof Y.AbstractType)) meta[k] = copy(v);
  const out: PlainBoard = { meta, columns: {}, categories: {}, cards: {} };
  for (const root of RECORD_ROOTS) {
    for (const [id, rec] of doc.getMap<unknown>(root).entries()) {
      if (!(rec instanceof Y.Map)) continue;
      const fields: PlainRecord = {};
      for (const [k, v] of (rec as Y.Map<unknown>).entries()) if (!(v instanceof Y.AbstractType)) fields[k] = copy(v);
      out[root][id] = fields;
    }
  }
  return out;
}

/** A new document holding exactly `board`: a fresh client id, one transaction, no history. */
export function plainToDoc(board: PlainBoard): Y.Doc {
  const doc = new Y.Doc({ gc: true });
  doc.transact(() => {
    const meta = doc.getMap("meta");
    for (const [k, v] of Object.entries(board.meta)) meta.set(k, copy(v));
    for (const root of RECORD_ROOTS) {
      const map = doc.getMap<Y.Map<unknown>>(root);
      for (const [id, fields] of Object.entries(board[root])) {
        const rec = new Y.Map<unknown>();
        for (const [k, v] of Object.entries(fields)) if (v !== undefined) rec.set(k, copy(v));
        map.set(id, rec);
      }
    }
  });
  return doc;
}

/** The encoded state (`Y.encodeStateAsUpdate`) of a fresh document holding `board`. */
export function encodePlainBoard(board: PlainBoard): Uint8Array {
  const doc = plainToDoc(board);
  try {
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/** Read an encoded document (a snapshot, a stored moment) as plain data. */
export function decodePlainBoard(state: Uint8Array): PlainBoard {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return boardToPlain(doc);
  } finally {
    doc.destroy();
  }
}

/**
 * A transform over the cards: each card (its id and fields) becomes the
 * returned fields, or goes when `fn` returns null. Columns, categories and
 * meta stay as they are.
 */
export function mapCards(fn: (id: string, card: PlainRecord) => PlainRecord | null): BoardTransform {
  return (board) => {
    const cards: Record<string, PlainRecord> = {};
    for (const [id, card] of Object.entries(board.cards)) {
      const next = fn(id, card);
      if (next) cards[id] = next;
    }
    return { ...board, cards };
  };
}

/** Remove these cards entirely. */
export function dropCards(ids: Iterable<string>): BoardTransform {
  const set = new Set(ids);
  return mapCards((id, card) => (set.has(id) ? null : card));
}

/** Which of `ids` the board holds as cards. */
export function cardIdsIn(board: PlainBoard, ids: Iterable<string>): string[] {
  return [...ids].filter((id) => Object.hasOwn(board.cards, id));
}
