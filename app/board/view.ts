/**
 * The board as the UI shows it: cards grouped per column in display order,
 * archived cards apart, lookups by id. Built once from a snapshot, then kept
 * up to date incrementally: `applyCardChanges` touches only the cards and
 * columns a change concerns, so
 *
 *   - an unchanged card keeps its object (React.memo skips it),
 *   - an unchanged column keeps its array (its column component skips),
 *   - a change that changes nothing returns the same view object.
 *
 * Pure: no React, no IO, no Yjs. The browser's store (app/hooks/board-store.ts)
 * feeds it the cards a Yjs transaction touched.
 */
import { effectiveColumn } from "./domain";
import { compareOrdered } from "./order";
import type { BoardSnapshot, CardView, CategoryView, ColumnView } from "./types";

export interface BoardView {
  columns: ColumnView[];
  categories: CategoryView[];
  categoryById: ReadonlyMap<string, CategoryView>;
  cardById: ReadonlyMap<string, CardView>;
  /** Visible (non-archived) cards per column id, in display order (`order`, then `id`). */
  cardsByColumn: Readonly<Record<string, CardView[]>>;
  /** Archived cards, most recently changed first. */
  archived: CardView[];
}

/** A card that changed: its new contents, or null when it is gone from the document. */
export type CardChange = readonly [id: string, card: CardView | null];

/**
 * More changes than this in one go (a column renumbered, a first sync) and
 * the view is rebuilt in one pass instead: one sort beats many insertions.
 */
const REBUILD_ABOVE = 64;

function shallowEqual<T extends object>(a: T, b: T): boolean {
  const ka = Object.keys(a) as Array<keyof T>;
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

export function sameCard(a: CardView, b: CardView): boolean {
  return a === b || shallowEqual(a, b);
}

function sameItems<T>(a: readonly T[] | undefined, b: readonly T[]): a is T[] {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Keep the previous object for every entry whose fields did not change. */
function reuseById<T extends { id: string }>(prev: readonly T[] | undefined, next: T[]): T[] {
  if (!prev) return next;
  const old = new Map(prev.map((x) => [x.id, x]));
  const out = next.map((x) => {
    const p = old.get(x.id);
    return p && shallowEqual(p, x) ? p : x;
  });
  return sameItems(prev, out) ? (prev as T[]) : out;
}

/** Archived cards: most recently changed first, then in board order. */
export function compareArchived(a: CardView, b: CardView): number {
  return b.updatedAt - a.updatedAt || compareOrdered(a, b);
}

/**
 * Build a view from columns, categories and cards in one pass, sharing every
 * unchanged array (and the card map, when no card changed) with `prev`.
 */
export function deriveView(
  prev: BoardView | null,
  columnsIn: ColumnView[],
  categoriesIn: CategoryView[],
  cards: Iterable<CardView>,
): BoardView {
  const columns = reuseById(prev?.columns, columnsIn);
  const categories = reuseById(prev?.categories, categoriesIn);
  const categoryById =
    prev && prev.categories === categories ? prev.categoryById : new Map(categories.map((c) => [c.id, c]));

  const cardMap = new Map<string, CardView>();
  const groups: Record<string, CardView[]> = {};
  for (const c of columns) groups[c.id] = [];
  const archivedList: CardView[] = [];
  for (const card of cards) {
    cardMap.set(card.id, card);
    if (card.archived) {
      archivedList.push(card);
      continue;
    }
    const col = effectiveColumn(card, columns);
    (groups[col] ??= []).push(card);
  }
  const cardsByColumn: Record<string, CardView[]> = {};
  for (const [col, list] of Object.entries(groups)) {
    list.sort(compareOrdered);
    const before = prev?.cardsByColumn[col];
    cardsByColumn[col] = sameItems(before, list) ? before : list;
  }
  archivedList.sort(compareArchived);
  const archived = sameItems(prev?.archived, archivedList) ? prev!.archived : archivedList;
  const cardById = prev && sameEntries(prev.cardById, cardMap) ? prev.cardById : cardMap;
  return { columns, categories, categoryById, cardById, cardsByColumn, archived };
}

function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of b) if (a.get(k) !== v) return false;
  return true;
}

export function viewFromSnapshot(snapshot: BoardSnapshot): BoardView {
  return deriveView(null, snapshot.columns, snapshot.categories, snapshot.cards);
}

/** Whether two views show the same thing (every part compared by identity). */
export function sameView(a: BoardView, b: BoardView): boolean {
  if (a === b) return true;
  if (a.columns !== b.columns || a.categories !== b.categories || a.archived !== b.archived) return false;
  if (a.cardById !== b.cardById && !sameEntries(a.cardById, b.cardById)) return false;
  const ka = Object.keys(a.cardsByColumn);
  if (ka.length !== Object.keys(b.cardsByColumn).length) return false;
  return ka.every((k) => a.cardsByColumn[k] === b.cardsByColumn[k]);
}

/** The first index in sorted `list` whose item does not sort before `card`. */
function lowerBound(list: readonly CardView[], card: CardView, cmp: (a: CardView, b: CardView) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(list[mid], card) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The view after some cards changed. Only the columns (and the archived
 * list) that lose or gain a card, or hold a card whose contents changed, get
 * a new array; every other part is the previous view's. Returns `view`
 * itself when nothing changed.
 */
export function applyCardChanges(view: BoardView, changes: Iterable<CardChange>): BoardView {
  const pending: CardChange[] = [];
  for (const change of changes) {
    const [id, next] = change;
    const before = view.cardById.get(id);
    if (!before && !next) continue;
    if (before && next && sameCard(before, next)) continue;
    pending.push(change);
  }
  if (pending.length === 0) return view;

  const cardById = new Map(view.cardById);
  if (pending.length > REBUILD_ABOVE) {
    for (const [id, next] of pending) {
      if (next) cardById.set(id, next);
      else cardById.delete(id);
    }
    return deriveView(view, view.columns, view.categories, cardById.values());
  }

  const { columns } = view;
  const lists = new Map<string, CardView[]>();
  let archived: CardView[] | null = null;
  const listOf = (card: CardView): [CardView[], (a: CardView, b: CardView) => number] => {
    if (card.archived) return [(archived ??= view.archived.slice()), compareArchived];
    const col = effectiveColumn(card, columns);
    let list = lists.get(col);
    if (!list) {
      list = (view.cardsByColumn[col] ?? []).slice();
      lists.set(col, list);
    }
    return [list, compareOrdered];
  };

  for (const [id, next] of pending) {
    const before = cardById.get(id);
    if (before) {
      const [list, cmp] = listOf(before);
      let i = lowerBound(list, before, cmp);
      if (list[i] !== before) i = list.indexOf(before);
      if (i >= 0) list.splice(i, 1);
    }
    if (next) {
      cardById.set(id, next);
      const [list, cmp] = listOf(next);
      list.splice(lowerBound(list, next, cmp), 0, next);
    } else {
      cardById.delete(id);
    }
  }

  // A list can end as it began (a card added and removed again in one batch): keep it then.
  let cardsByColumn = view.cardsByColumn;
  for (const [col, list] of lists) {
    const before = view.cardsByColumn[col];
    if (sameItems(before, list)) continue;
    if (cardsByColumn === view.cardsByColumn) cardsByColumn = { ...view.cardsByColumn };
    (cardsByColumn as Record<string, CardView[]>)[col] = list;
  }
  const archivedOut: CardView[] = archived && !sameItems(view.archived, archived) ? archived : view.archived;
  if (cardsByColumn === view.cardsByColumn && archivedOut === view.archived && sameEntries(view.cardById, cardById)) return view;
  return { ...view, cardById, cardsByColumn, archived: archivedOut };
}
