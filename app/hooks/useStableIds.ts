import { useRef } from "react";

/**
 * The ids of a list of items, as an array that keeps its identity while the
 * ids (and their order) stay the same, even when the items themselves are new
 * objects. Keeps dnd-kit's SortableContext from re-rendering every card of a
 * column when only one card's text changed.
 */
export function useStableIds(items: ReadonlyArray<{ id: string }>): string[] {
  const ref = useRef<string[]>([]);
  const prev = ref.current;
  if (prev.length === items.length && items.every((item, i) => item.id === prev[i])) return prev;
  const next = items.map((i) => i.id);
  ref.current = next;
  return next;
}
