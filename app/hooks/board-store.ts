/**
 * The live board document as a render-friendly view (app/board/view.ts),
 * for useSyncExternalStore.
 *
 * A Yjs transaction on the cards re-reads only the cards it touched (the
 * changed keys of the `cards` map, or the card a nested change belongs to)
 * and hands them to `applyCardChanges`, which replaces only those cards'
 * objects and the arrays of the columns concerned. Unchanged cards and
 * columns keep their identity, so React.memo skips them; the whole board is
 * read again only when columns or categories change.
 *
 * Reading only: every write goes through app/board/domain.ts.
 */
import type * as Y from "yjs";
import { cardsMap, categoriesMap, columnsMap, listCategories, listColumns, readCard } from "~/board/domain";
import { applyCardChanges, deriveView, sameView, type BoardView, type CardChange } from "~/board/view";

export { deriveView, viewFromSnapshot, type BoardView } from "~/board/view";

/** The ids of the cards a transaction's events on the `cards` map touched. */
export function touchedCards(cards: Y.AbstractType<any>, events: ReadonlyArray<Y.YEvent<any>>): Set<string> {
  const touched = new Set<string>();
  for (const e of events) {
    if (e.target === cards) {
      for (const key of e.changes.keys.keys()) touched.add(key);
    } else {
      const first = e.path[0];
      if (typeof first === "string") touched.add(first);
    }
  }
  return touched;
}

export class BoardStore {
  private view: BoardView;
  private readonly listeners = new Set<() => void>();
  private readonly unobserve: Array<() => void> = [];

  constructor(doc: Y.Doc) {
    const cards = cardsMap(doc);
    this.view = deriveView(null, listColumns(doc), listCategories(doc), [...cards.values()].map(readCard));

    const onCards = (events: Array<Y.YEvent<any>>) => {
      const changes: CardChange[] = [];
      for (const id of touchedCards(cards, events)) {
        const m = cards.get(id);
        changes.push([id, m ? readCard(m) : null]);
      }
      // A new object only when a card really changed.
      this.publish(applyCardChanges(this.view, changes));
    };
    cards.observeDeep(onCards);
    this.unobserve.push(() => cards.unobserveDeep(onCards));

    // Columns and categories change rarely: read them again, regroup the cards.
    const onStructure = () => {
      const next = deriveView(this.view, listColumns(doc), listCategories(doc), this.view.cardById.values());
      if (!sameView(this.view, next)) this.publish(next);
    };
    for (const map of [columnsMap(doc), categoriesMap(doc)]) {
      map.observeDeep(onStructure);
      this.unobserve.push(() => map.unobserveDeep(onStructure));
    }
  }

  private publish(next: BoardView) {
    if (next === this.view) return;
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
    return this.view.columns.length > 0;
  }

  destroy() {
    this.unobserve.forEach((u) => u());
    this.unobserve.length = 0;
    this.listeners.clear();
  }
}
