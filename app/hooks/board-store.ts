/**
 * A read-only, render-friendly view of a board document.
 *
 * The store keeps one plain `CardView` object per card and replaces only the
 * objects of cards that a Yjs transaction touched, so unchanged cards keep
 * their identity and `React.memo` can skip them. Per-column card arrays,
 * the column list and the category list are shared with the previous view
 * whenever their contents did not change.
 *
 * Reading only: every write goes through app/board/domain.ts.
 */
import type * as Y from "yjs";
import { cardsMap, categoriesMap, columnsMap, effectiveColumn, listCategories, listColumns, readCard } from "~/board/domain";
import { compareOrdered } from "~/board/order";
import type { BoardSnapshot, CardView, CategoryView, ColumnView } from "~/board/types";

export interface BoardView {
  columns: ColumnView[];
  categories: CategoryView[];
  categoryById: ReadonlyMap<string, CategoryView>;
  cardById: ReadonlyMap<string, CardView>;
  /** Visible (non-archived) cards per column id, in display order. */
  cardsByColumn: Readonly<Record<string, CardView[]>>;
  /** Archived cards, most recently changed first. */
  archived: CardView[];
}

function shallowEqual<T extends object>(a: T, b: T): boolean {
  const ka = Object.keys(a) as Array<keyof T>;
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
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

/**
 * Build a view from columns, categories and cards, sharing every unchanged
 * array with `prev`.
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

  const cardById = new Map<string, CardView>();
  const groups: Record<string, CardView[]> = {};
  for (const c of columns) groups[c.id] = [];
  const archivedList: CardView[] = [];
  for (const card of cards) {
    cardById.set(card.id, card);
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
  archivedList.sort((a, b) => b.updatedAt - a.updatedAt || compareOrdered(a, b));
  const archived = sameItems(prev?.archived, archivedList) ? prev!.archived : archivedList;
  return { columns, categories, categoryById, cardById, cardsByColumn, archived };
}

export function viewFromSnapshot(snapshot: BoardSnapshot): BoardView {
  return deriveView(null, snapshot.columns, snapshot.categories, snapshot.cards);
}

function viewChanged(a: BoardView, b: BoardView): boolean {
  if (a.columns !== b.columns || a.categories !== b.categories || a.archived !== b.archived) return true;
  if (a.cardById.size !== b.cardById.size) return true;
  for (const [id, c] of b.cardById) if (a.cardById.get(id) !== c) return true;
  const ka = Object.keys(a.cardsByColumn);
  if (ka.length !== Object.keys(b.cardsByColumn).length) return true;
  return ka.some((k) => a.cardsByColumn[k] !== b.cardsByColumn[k]);
}

function sameCard(a: CardView, b: CardView): boolean {
  return shallowEqual(a, b);
}

export class BoardStore {
  private readonly cards = new Map<string, CardView>();
  private columns: ColumnView[] = [];
  private categories: CategoryView[] = [];
  private view: BoardView;
  private readonly listeners = new Set<() => void>();
  private readonly unobserve: Array<() => void> = [];

  constructor(doc: Y.Doc) {
    for (const [id, m] of cardsMap(doc)) this.cards.set(id, readCard(m));
    this.columns = listColumns(doc);
    this.categories = listCategories(doc);
    this.view = deriveView(null, this.columns, this.categories, this.cards.values());

    const cards = cardsMap(doc);
    const onCards = (events: Array<Y.YEvent<any>>) => {
      const touched = new Set<string>();
      for (const e of events) {
        if (e.target === cards) {
          for (const key of e.changes.keys.keys()) touched.add(key);
        } else {
          const first = e.path[0];
          if (typeof first === "string") touched.add(first);
        }
      }
      let changed = false;
      for (const id of touched) {
        const m = cards.get(id);
        const before = this.cards.get(id);
        if (!m) {
          if (before) {
            this.cards.delete(id);
            changed = true;
          }
          continue;
        }
        const next = readCard(m);
        if (!before || !sameCard(before, next)) {
          this.cards.set(id, next);
          changed = true;
        }
      }
      if (changed) this.rebuild();
    };
    cards.observeDeep(onCards);
    this.unobserve.push(() => cards.unobserveDeep(onCards));

    const columns = columnsMap(doc);
    const onColumns = () => {
      this.columns = listColumns(doc);
      this.rebuild();
    };
    columns.observeDeep(onColumns);
    this.unobserve.push(() => columns.unobserveDeep(onColumns));

    const categories = categoriesMap(doc);
    const onCategories = () => {
      this.categories = listCategories(doc);
      this.rebuild();
    };
    categories.observeDeep(onCategories);
    this.unobserve.push(() => categories.unobserveDeep(onCategories));
  }

  private rebuild() {
    const next = deriveView(this.view, this.columns, this.categories, this.cards.values());
    if (!viewChanged(this.view, next)) return;
    this.view = next;
    this.listeners.forEach((l) => l());
  }

  getView = (): BoardView => this.view;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Whether the document holds a board at all (an empty local copy does not). */
  hasBoard(): boolean {
    return this.columns.length > 0;
  }

  destroy() {
    this.unobserve.forEach((u) => u());
    this.unobserve.length = 0;
    this.listeners.clear();
  }
}
