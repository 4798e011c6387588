/**
 * The columns with drag and drop: one SortableContext per column, each column
 * also a droppable so an empty column accepts cards. While a card is dragged
 * the layout is kept in local state (so cards make room in other columns);
 * on drop the move is written to the document with the domain's moveCard.
 *
 * On a phone (narrow screen) one column shows at a time, chosen with tabs
 * above it; a card dragged onto a tab goes to the end of that column. Every
 * card also has "Verplaats naar…" (MoveToMenu), which writes the same move.
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  MeasuringStrategy,
  PointerSensor,
  TouchSensor,
  closestCenter,
  getFirstCollision,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
  type KeyboardCoordinateGetter,
  type Over,
  type UniqueIdentifier,
} from "@dnd-kit/core";
import { arrayMove, sortableKeyboardCoordinates } from "@dnd-kit/sortable";
import type { PointerEvent as ReactPointerEvent } from "react";
import type * as Y from "yjs";
import { cardsInColumn, getCard, moveCard } from "~/board/domain";
import type { CardView } from "~/board/types";
import { translator, type Locale } from "~/i18n";
import type { BoardView } from "~/hooks/board-store";
import { CardBody, type OrgInfo } from "./Card";
import { BoardColumn, COLUMN_PREFIX, columnDropId } from "./Column";
import { COLUMN_SELECTED_EVENT, ColumnTabs, TAB_PREFIX, type ColumnTabInfo } from "./ColumnTabs";
import { MoveToMenu, type MoveMenuState, type MoveTarget } from "./MoveToMenu";
import type { RequestRights } from "~/hooks/useRequestRights";
import { PHONE_QUERY, useMediaQuery } from "~/hooks/useMediaQuery";
import { columnLabel, safeColor } from "./labels";
import { SHOW_CARD_EVENT, type ShowCardDetail } from "./feedback/useNewRequestReveal";

/** Mouse and pen only: touch goes through the TouchSensor, with a delay so columns still scroll. */
class MousePenSensor extends PointerSensor {
  static activators = [
    {
      eventName: "onPointerDown" as const,
      handler: (event: ReactPointerEvent, options: Parameters<(typeof PointerSensor.activators)[0]["handler"]>[1]) => {
        if (event.nativeEvent.pointerType === "touch") return false;
        return PointerSensor.activators[0].handler(event, options);
      },
    },
  ];
}

type Items = Record<string, string[]>;

const POINTER_OPTIONS = { activationConstraint: { distance: 5 } };
const TOUCH_OPTIONS = { activationConstraint: { delay: 200, tolerance: 5 } };
const MEASURING = { droppable: { strategy: MeasuringStrategy.WhileDragging } };

function isColumnId(id: UniqueIdentifier | null | undefined): id is string {
  return typeof id === "string" && id.startsWith(COLUMN_PREFIX);
}

/** A phone's column tab: a drop there means "at the end of that column". */
function isTabId(id: UniqueIdentifier | null | undefined): id is string {
  return typeof id === "string" && id.startsWith(TAB_PREFIX);
}

/** A drop target that stands for a whole column (the column itself, or its tab): the card goes to the end. */
function isWholeColumn(id: UniqueIdentifier | null | undefined): id is string {
  return isColumnId(id) || isTabId(id);
}

function findContainer(items: Items, id: UniqueIdentifier): string | undefined {
  if (isWholeColumn(id)) {
    const col = id.slice(isColumnId(id) ? COLUMN_PREFIX.length : TAB_PREFIX.length);
    return col in items ? col : undefined;
  }
  const key = String(id);
  return Object.keys(items).find((col) => items[col].includes(key));
}

export interface BoardColumnsProps {
  view: BoardView;
  doc: Y.Doc | null;
  editable: boolean;
  draggable: boolean;
  locale: Locale;
  orgById: ReadonlyMap<string, OrgInfo>;
  onOpenCard: (id: string) => void;
  onRenameColumn: (columnId: string) => void;
  onMoveColumn: (columnId: string, delta: -1 | 1) => void;
  onError: (error: unknown) => void;
  /** The drag-and-drop context's id (one per swimlane); "board-dnd" by default. */
  dndId?: string;
  /** Told which card this person is dragging (null when the drag ends), for presence. */
  onDragActivity?: (cardId: string | null) => void;
  /** Told about a move this person made (a drag or "Verplaats naar…"), after it was written. */
  onMoved?: (move: CardMove) => void;
  /** In a swimlane: the id of the lane's name (the columns' region names then differ per lane). */
  laneLabelId?: string;
  /** Which requests this person may move, and where (useRequestRights); every move when absent. */
  rights?: Pick<RequestRights, "mayMoveAny" | "mayMoveTo" | "needsHolderChoice">;
  /** Told about a move the rules do not allow (the card stays where it was). */
  onRefusedMove?: (cardId: string, toColumn: string) => void;
  /** A move that needs a choice first (a coordinator choosing who takes the request on); the card stays until then. */
  onChooseHolder?: (cardId: string, toColumn: string, index: number) => void;
}

/**
 * A move this person made. It was at `fromIndex` among the cards of `from`
 * (-1 when unknown), so Undo can put it back where it was.
 */
export interface CardMove {
  cardId: string;
  from: string;
  fromIndex: number;
  to: string;
  how: "drag" | "menu";
}

export function BoardColumns({
  view,
  doc,
  editable,
  draggable,
  locale,
  orgById,
  onOpenCard,
  onRenameColumn,
  onMoveColumn,
  onError,
  dndId = "board-dnd",
  onDragActivity,
  onMoved,
  laneLabelId,
  rights,
  onRefusedMove,
  onChooseHolder,
}: BoardColumnsProps) {
  const onChooseHolderRef = useRef(onChooseHolder);
  onChooseHolderRef.current = onChooseHolder;
  const rightsRef = useRef(rights);
  rightsRef.current = rights;
  const onRefusedMoveRef = useRef(onRefusedMove);
  onRefusedMoveRef.current = onRefusedMove;
  const t = translator(locale);
  const onDragActivityRef = useRef(onDragActivity);
  onDragActivityRef.current = onDragActivity;
  const onMovedRef = useRef(onMoved);
  onMovedRef.current = onMoved;
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;
  const idBase = useId();
  const phone = useMediaQuery(PHONE_QUERY);
  const tabsRef = useRef<HTMLDivElement | null>(null);
  /** Where the pointer was at the last collision check (to keep a drag over the tabs from scrolling the page). */
  const pointerRef = useRef<{ x: number; y: number } | null>(null);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [dragItems, setDragItemsState] = useState<Items | null>(null);
  const dragItemsRef = useRef<Items | null>(null);
  /** The last drag layout, kept after the drop for the screen-reader announcement. */
  const lastItemsRef = useRef<Items | null>(null);
  const startItemsRef = useRef<Items | null>(null);
  const lastOverId = useRef<UniqueIdentifier | null>(null);
  const recentlyMovedToNewContainer = useRef(false);

  const setDragItems = useCallback((items: Items | null) => {
    dragItemsRef.current = items;
    if (items) lastItemsRef.current = items;
    setDragItemsState(items);
  }, []);

  // Latest view for event handlers and announcements.
  const viewRef = useRef(view);
  viewRef.current = view;

  const baseItems = useCallback((): Items => {
    const v = viewRef.current;
    const out: Items = {};
    for (const c of v.columns) out[c.id] = (v.cardsByColumn[c.id] ?? []).map((card) => card.id);
    return out;
  }, []);

  /**
   * Keyboard moves: up and down step through the cards of the current column,
   * left and right go to the neighbouring column (next to the card at about
   * the same height, or into the empty column).
   */
  const coordinateGetter: KeyboardCoordinateGetter = useCallback((event, args) => {
    const { active, collisionRect, droppableRects, over } = args.context;
    const items = dragItemsRef.current;
    const code = event.code;
    if (!["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(code)) {
      return sortableKeyboardCoordinates(event, args);
    }
    event.preventDefault();
    if (!active || !collisionRect || !items) return undefined;
    const activeKey = String(active.id);
    const from = findContainer(items, activeKey);
    if (!from) return undefined;

    if (code === "ArrowUp" || code === "ArrowDown") {
      const list = items[from];
      const overKey = over ? String(over.id) : null;
      const pos = overKey && list.includes(overKey) ? list.indexOf(overKey) : list.indexOf(activeKey);
      const target = pos + (code === "ArrowDown" ? 1 : -1);
      if (target < 0 || target >= list.length) return undefined;
      const rect = droppableRects.get(list[target]);
      if (!rect) return undefined;
      // Moving down: line up the bottom edges, as dnd-kit's sortable does.
      const after = target > list.indexOf(activeKey);
      return { x: rect.left, y: after ? rect.top + rect.height - collisionRect.height : rect.top };
    }

    const columns = viewRef.current.columns.map((c) => c.id).filter((id) => id in items);
    const next = columns[columns.indexOf(from) + (code === "ArrowRight" ? 1 : -1)];
    if (!next) return undefined;
    const middle = collisionRect.top + collisionRect.height / 2;
    let best: { top: number; left: number; distance: number } | null = null;
    for (const id of items[next]) {
      const rect = droppableRects.get(id);
      if (!rect) continue;
      const distance = Math.abs(rect.top + rect.height / 2 - middle);
      if (!best || distance < best.distance) best = { top: rect.top, left: rect.left, distance };
    }
    if (best) return { x: best.left, y: best.top };
    const rect = droppableRects.get(columnDropId(next));
    return rect ? { x: rect.left + 8, y: rect.top + 8 } : undefined;
  }, []);

  const keyboardOptions = useMemo(
    () => ({
      coordinateGetter,
      // Enter opens a card; Space picks it up and drops it.
      keyboardCodes: { start: ["Space"], cancel: ["Escape"], end: ["Space", "Enter"] },
    }),
    [coordinateGetter],
  );
  // Stable options: a new options object would re-render every draggable card.
  const sensors = useSensors(
    useSensor(MousePenSensor, POINTER_OPTIONS),
    useSensor(TouchSensor, TOUCH_OPTIONS),
    useSensor(KeyboardSensor, keyboardOptions),
  );

  const collisionDetection: CollisionDetection = useCallback(
    (args) => {
      pointerRef.current = args.pointerCoordinates;
      const pointerHits = pointerWithin(args);
      const hits = pointerHits.length > 0 ? pointerHits : rectIntersection(args);
      let overId = getFirstCollision(hits, "id");
      if (overId != null) {
        if (isColumnId(overId)) {
          // Over a column that has cards: aim at the nearest card in it.
          const ids = dragItemsRef.current?.[overId.slice(COLUMN_PREFIX.length)] ?? [];
          if (ids.length > 0) {
            const inner = closestCenter({
              ...args,
              droppableContainers: args.droppableContainers.filter(
                (c) => c.id !== overId && ids.includes(String(c.id)),
              ),
            });
            overId = inner[0]?.id ?? overId;
          }
        }
        lastOverId.current = overId;
        return [{ id: overId }];
      }
      // The layout just changed under the pointer: stay where we were for a frame.
      if (recentlyMovedToNewContainer.current) lastOverId.current = activeId;
      return lastOverId.current != null ? [{ id: lastOverId.current }] : [];
    },
    [activeId],
  );

  const onDragStart = useCallback(
    ({ active }: DragStartEvent) => {
      const items = baseItems();
      startItemsRef.current = items;
      setActiveId(String(active.id));
      setDragItems(items);
      onDragActivityRef.current?.(String(active.id));
    },
    [baseItems, setDragItems],
  );

  const onDragOver = useCallback(
    ({ active, over }: DragOverEvent) => {
      const items = dragItemsRef.current;
      if (!items || !over) return;
      const activeContainer = findContainer(items, active.id);
      const overContainer = findContainer(items, over.id);
      if (!activeContainer || !overContainer || activeContainer === overContainer) return;
      const activeKey = String(active.id);
      const overItems = items[overContainer];
      let newIndex = overItems.length;
      if (!isWholeColumn(over.id)) {
        const overIndex = overItems.indexOf(String(over.id));
        const translated = active.rect.current.translated;
        const below = !!translated && translated.top > over.rect.top + over.rect.height / 2;
        if (overIndex >= 0) newIndex = overIndex + (below ? 1 : 0);
      }
      recentlyMovedToNewContainer.current = true;
      requestAnimationFrame(() => {
        recentlyMovedToNewContainer.current = false;
      });
      setDragItems({
        ...items,
        [activeContainer]: items[activeContainer].filter((id) => id !== activeKey),
        [overContainer]: [...overItems.slice(0, newIndex), activeKey, ...overItems.slice(newIndex)],
      });
    },
    [setDragItems],
  );

  /**
   * Every move this person makes on the board, by drag or by "Verplaats naar…",
   * is written here, through the domain's moveCard: one place for the rules of a move.
   */
  const writeMove = useCallback(
    (id: string, toColumn: string, index: number, how: "drag" | "menu"): boolean => {
      if (!doc) return false;
      // The same rule the sync server applies: a move it would refuse is not made.
      const current = cardsInColumn(doc, toColumn).some((c) => c.id === id);
      if (!current && rightsRef.current && !rightsRef.current.mayMoveTo(id, toColumn)) {
        onRefusedMoveRef.current?.(id, toColumn);
        return false;
      }
      if (!current && onChooseHolderRef.current && rightsRef.current?.needsHolderChoice(id, toColumn)) {
        onChooseHolderRef.current(id, toColumn, index);
        return false;
      }
      try {
        const was = getCard(doc, id)?.column;
        const fromIndex = was ? cardsInColumn(doc, was).findIndex((c) => c.id === id) : -1;
        const { from, to } = moveCard(doc, id, toColumn, index, Date.now());
        onMovedRef.current?.({ cardId: id, from, fromIndex, to, how });
        return true;
      } catch (e) {
        onErrorRef.current(e);
        return false;
      }
    },
    [doc],
  );

  const finish = useCallback(() => {
    setActiveId(null);
    setDragItems(null);
    lastOverId.current = null;
    onDragActivityRef.current?.(null);
  }, [setDragItems]);

  const onDragEnd = useCallback(
    ({ active, over }: DragEndEvent) => {
      const items = dragItemsRef.current;
      const start = startItemsRef.current;
      const id = String(active.id);
      const fromContainer = items ? findContainer(items, id) : undefined;
      if (!items || !start || !over || !fromContainer || !doc) {
        finish();
        return;
      }
      const overContainer = findContainer(items, over.id) ?? fromContainer;
      let list = items[overContainer].filter((x) => x !== id);
      if (isWholeColumn(over.id)) {
        list = [...list, id];
      } else if (overContainer === fromContainer) {
        const current = items[fromContainer];
        const a = current.indexOf(id);
        const o = current.indexOf(String(over.id));
        list = a >= 0 && o >= 0 ? arrayMove(current, a, o) : current;
      } else {
        const o = list.indexOf(String(over.id));
        list = [...list.slice(0, o < 0 ? list.length : o), id, ...list.slice(o < 0 ? list.length : o)];
      }
      const startContainer = findContainer(start, id);
      const unchanged =
        startContainer === overContainer &&
        start[overContainer].length === list.length &&
        start[overContainer].every((x, i) => x === list[i]);
      if (!unchanged) {
        // Translate "after this neighbour" into an index among the document's
        // current cards of that column (another person may have moved cards meanwhile).
        const pos = list.indexOf(id);
        const siblings = cardsInColumn(doc, overContainer).filter((c) => c.id !== id);
        let index = pos;
        const prevId = pos > 0 ? list[pos - 1] : null;
        const nextId = pos < list.length - 1 ? list[pos + 1] : null;
        // The neighbours' places in the whole column: a filter may hide cards between them.
        const p = prevId === null ? -1 : siblings.findIndex((c) => c.id === prevId);
        const n = nextId === null ? -1 : siblings.findIndex((c) => c.id === nextId);
        if (prevId === null) index = n >= 0 ? n : 0;
        else if (p >= 0) index = p + 1;
        else if (n >= 0) index = n;
        writeMove(id, overContainer, Math.min(index, siblings.length), "drag");
      }
      finish();
    },
    [doc, finish, writeMove],
  );

  // ---------------------------------------------------------------- announcements

  const describe = useCallback(
    (over: Over | null): { column: string; position: number; total: number } | null => {
      if (!over) return null;
      const v = viewRef.current;
      const items = dragItemsRef.current ?? lastItemsRef.current ?? baseItems();
      const colId = findContainer(items, over.id);
      if (!colId) return null;
      const col = v.columns.find((c) => c.id === colId);
      const list = items[colId] ?? [];
      const position = isWholeColumn(over.id) ? list.length : list.indexOf(String(over.id)) + 1;
      return { column: col ? columnLabel(t, col) : colId, position: Math.max(1, position), total: list.length };
    },
    // `t` depends only on the locale
    [locale, baseItems],
  );

  const titleOf = useCallback((id: UniqueIdentifier) => viewRef.current.cardById.get(String(id))?.title ?? "", []);

  const announcements: Announcements = useMemo(
    () => ({
      onDragStart({ active }) {
        const items = baseItems();
        const colId = findContainer(items, active.id);
        const col = viewRef.current.columns.find((c) => c.id === colId);
        return t("dnd.start", { title: titleOf(active.id), column: col ? columnLabel(t, col) : "" });
      },
      onDragOver({ active, over }) {
        const where = describe(over);
        if (!where) return t("dnd.overNothing", { title: titleOf(active.id) });
        return t("dnd.over", { title: titleOf(active.id), ...where });
      },
      onDragEnd({ active, over }) {
        const where = describe(over);
        if (!where) return t("dnd.endNothing", { title: titleOf(active.id) });
        return t("dnd.end", { title: titleOf(active.id), ...where });
      },
      onDragCancel({ active }) {
        const start = startItemsRef.current ?? baseItems();
        const colId = findContainer(start, active.id);
        const col = viewRef.current.columns.find((c) => c.id === colId);
        return t("dnd.cancel", { title: titleOf(active.id), column: col ? columnLabel(t, col) : "" });
      },
    }),
    [locale, describe, titleOf, baseItems],
  );

  const accessibility = useMemo(
    () => ({ announcements, screenReaderInstructions: { draggable: t("dnd.instructions") } }),
    [announcements, locale],
  );

  // ---------------------------------------------------------------- render

  // While dragging, columns show the drag layout; otherwise the view's own arrays.
  const dragCards = useMemo(() => {
    if (!dragItems) return null;
    const out: Record<string, CardView[]> = {};
    for (const [col, ids] of Object.entries(dragItems)) {
      out[col] = ids.map((id) => view.cardById.get(id)).filter((c): c is CardView => !!c && !c.archived);
    }
    return out;
  }, [dragItems, view]);

  const activeCard = activeId ? view.cardById.get(activeId) : undefined;
  const columns = view.columns;
  const cardsOf = (columnId: string) => dragCards?.[columnId] ?? view.cardsByColumn[columnId] ?? EMPTY;

  // ---------------------------------------------------------------- phone: one column at a time

  const [selected, setSelected] = useState<string | null>(null);
  const shownColumn = columns.some((c) => c.id === selected) ? selected! : columns[0]?.id;
  // "Toon" on a toast about a card in another column (a new request): that column's tab.
  useEffect(() => {
    const show = (e: Event) => {
      const columnId = (e as CustomEvent<ShowCardDetail>).detail?.columnId;
      if (columnId && viewRef.current.columns.some((c) => c.id === columnId)) setSelected(columnId);
    };
    window.addEventListener(SHOW_CARD_EVENT, show);
    return () => window.removeEventListener(SHOW_CARD_EVENT, show);
  }, []);
  const selectTab = useCallback((columnId: string) => {
    setSelected(columnId);
    window.dispatchEvent(new CustomEvent(COLUMN_SELECTED_EVENT, { detail: { columnId } }));
  }, []);
  const tabs: ColumnTabInfo[] = columns.map((c) => ({
    id: c.id,
    label: columnLabel(t, c),
    count: cardsOf(c.id).length,
    tabId: `${idBase}-tab-${c.id}`,
    panelId: `${idBase}-column-${c.id}`,
  }));
  // While a card is dragged over the tabs at the top of a phone's screen, the page must not scroll away under it.
  const autoScroll = useMemo(
    () =>
      phone
        ? {
            canScroll: () => {
              const p = pointerRef.current;
              const r = tabsRef.current?.getBoundingClientRect();
              return !(p && r && p.y <= r.bottom + 8);
            },
          }
        : true,
    [phone],
  );

  // ---------------------------------------------------------------- "Verplaats naar…"

  const [moveMenu, setMoveMenu] = useState<MoveMenuState | null>(null);
  const stripRef = useRef<HTMLDivElement>(null);
  const moveTargets: MoveTarget[] = useMemo(
    () =>
      columns
        .filter((c) => !moveMenu || c.id === moveMenu.column || !rights || rights.mayMoveTo(moveMenu.cardId, c.id))
        .map((c) => ({ id: c.id, label: columnLabel(t, c) })),
    // `t` depends only on the locale
    [columns, locale, moveMenu, rights],
  );
  const onOpenMoveMenu = useCallback((cardId: string, columnId: string, anchor: HTMLButtonElement) => {
    const title = viewRef.current.cardById.get(cardId)?.title ?? "";
    setMoveMenu((m) => (m?.cardId === cardId ? null : { cardId, title, column: columnId, anchor }));
  }, []);
  const closeMoveMenu = useCallback((returnFocus: boolean) => {
    setMoveMenu((m) => {
      if (m && returnFocus) requestAnimationFrame(() => m.anchor.isConnected && m.anchor.focus());
      return null;
    });
  }, []);
  const onMoveTo = useCallback(
    (cardId: string, toColumn: string) => {
      setMoveMenu(null);
      if (!doc) return;
      const before = baseItems();
      const from = findContainer(before, cardId);
      const siblings = cardsInColumn(doc, toColumn).filter((c) => c.id !== cardId);
      if (!writeMove(cardId, toColumn, siblings.length, "menu")) return;
      // Focus stays near the card: on its button where it landed when that column is in view,
      // else on the card that took its place (a phone shows one column), else on the tabs.
      requestAnimationFrame(() => {
        const strip = stripRef.current;
        if (!strip) return;
        const visible = (el: Element | null): el is HTMLElement => !!el && el instanceof HTMLElement && el.getClientRects().length > 0;
        const buttonOf = (id: string) => strip.querySelector(`[data-card-id="${CSS.escape(id)}"] ~ .card-move-button`);
        const own = buttonOf(cardId);
        if (visible(own)) return own.focus();
        const list = from ? before[from] : [];
        const at = list.indexOf(cardId);
        for (const id of [list[at + 1], list[at - 1]]) {
          const el = id ? buttonOf(id) : null;
          if (visible(el)) return el.focus();
        }
        const tab = tabsRef.current?.querySelector("[aria-selected=true]") ?? null;
        if (visible(tab)) tab.focus();
      });
    },
    [doc, baseItems, writeMove],
  );

  return (
    <DndContext
      id={dndId}
      sensors={sensors}
      collisionDetection={collisionDetection}
      measuring={MEASURING}
      accessibility={accessibility}
      onDragStart={onDragStart}
      onDragOver={onDragOver}
      onDragEnd={onDragEnd}
      onDragCancel={finish}
      autoScroll={autoScroll}
    >
      <ColumnTabs
        tabs={tabs}
        selected={shownColumn}
        onSelect={selectTab}
        droppable={draggable && phone}
        listRef={tabsRef}
        t={t}
      />
      <div className={`board-columns${dragItems ? " is-sorting" : ""}`} ref={stripRef}>
        {columns.map((column, i) => (
          <BoardColumn
            key={column.id}
            column={column}
            label={columnLabel(t, column)}
            cards={cardsOf(column.id)}
            categoryById={view.categoryById}
            orgById={orgById}
            locale={locale}
            editable={editable}
            draggable={draggable}
            canMove={rights?.mayMoveAny}
            // The columns' dnd-kit item lists are brought up to date when a drag starts (useSortableIds).
            sorting={dragItems !== null}
            isFirst={i === 0}
            isLast={i === columns.length - 1}
            onOpenCard={onOpenCard}
            onRename={onRenameColumn}
            onMove={onMoveColumn}
            panelId={`${idBase}-column-${column.id}`}
            active={column.id === shownColumn}
            tabId={phone ? `${idBase}-tab-${column.id}` : undefined}
            onOpenMoveMenu={draggable && columns.length > 1 ? onOpenMoveMenu : undefined}
            moveMenuCard={moveMenu?.column === column.id ? moveMenu.cardId : null}
            laneLabelId={laneLabelId}
          />
        ))}
      </div>
      {moveMenu ? <MoveToMenu state={moveMenu} targets={moveTargets} onMoveTo={onMoveTo} onClose={closeMoveMenu} t={t} /> : null}
      <DragOverlay>
        {activeCard ? (
          <div
            className="board-card is-overlay"
            style={{ borderLeftColor: safeColor(view.categoryById.get(activeCard.category)?.color) }}
          >
            <CardBody
              card={activeCard}
              category={view.categoryById.get(activeCard.category)}
              org={orgById.get(activeCard.createdByOrg)}
              locale={locale}
            />
          </div>
        ) : null}
      </DragOverlay>
    </DndContext>
  );
}

const EMPTY: CardView[] = [];
