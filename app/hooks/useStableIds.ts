import { useRef } from "react";

/**
 * The ids for a column's dnd-kit SortableContext.
 *
 * SortableContext hands its items to every sortable card of the column
 * through one React context: a new array re-renders every card in the
 * column, and a second time once SortableContext has noted the change. The
 * items only matter while a card is being dragged (positions, the sorting
 * transforms, the keyboard moves), and dnd-kit registers each card by its
 * own id whatever the list says. So:
 *
 *   - while `sorting`, the current ids (an array that keeps its identity
 *     while the ids and their order stay the same);
 *   - otherwise the array of the last render, even when cards came, went or
 *     moved since (a move by someone else then re-renders only the cards
 *     that changed). The next drag start renders with the current ids before
 *     dnd-kit measures anything.
 */
export function useSortableIds(items: ReadonlyArray<{ id: string }>, sorting: boolean): string[] {
  const ref = useRef<string[] | null>(null);
  const prev = ref.current;
  if (prev && (!sorting || (prev.length === items.length && items.every((item, i) => item.id === prev[i])))) return prev;
  const next = items.map((i) => i.id);
  ref.current = next;
  return next;
}
