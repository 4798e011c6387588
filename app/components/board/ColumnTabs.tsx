/**
 * On a phone the board shows one column at a time: these tabs name the
 * columns with their (filtered) number of cards. Each tab is also a drop
 * target while a card is dragged: a card dropped on a tab goes to the end of
 * that column. Hidden by the style sheet on wider screens, where the columns
 * stand side by side.
 */
import { memo, useRef, type KeyboardEvent } from "react";
import { useDroppable } from "@dnd-kit/core";
import type { Translate } from "~/i18n";

export const TAB_PREFIX = "tab:";

/** Dispatched on window when the person picks a column tab (detail `{ columnId }`): a meeting's facilitator sends it to followers. */
export const COLUMN_SELECTED_EVENT = "board:column-selected";

export function tabDropId(columnId: string): string {
  return `${TAB_PREFIX}${columnId}`;
}

export interface ColumnTabInfo {
  id: string;
  label: string;
  count: number;
  tabId: string;
  panelId: string;
}

const ColumnTab = memo(function ColumnTab({
  tab,
  selected,
  droppable,
  onSelect,
  t,
}: {
  tab: ColumnTabInfo;
  selected: boolean;
  droppable: boolean;
  onSelect: (columnId: string) => void;
  t: Translate;
}) {
  const { setNodeRef, isOver } = useDroppable({
    id: tabDropId(tab.id),
    data: { type: "tab", columnId: tab.id },
    disabled: !droppable,
  });
  return (
    <button
      ref={setNodeRef}
      type="button"
      role="tab"
      id={tab.tabId}
      aria-selected={selected}
      aria-controls={tab.panelId}
      tabIndex={selected ? 0 : -1}
      className={`column-tab${selected ? " is-selected" : ""}${isOver ? " is-over" : ""}`}
      data-testid={`column-tab-${tab.id}`}
      data-column-id={tab.id}
      onClick={() => onSelect(tab.id)}
    >
      <span className="column-tab-name">{tab.label}</span>
      <span className="column-tab-count" aria-hidden="true" data-testid="column-tab-count">
        {tab.count}
      </span>
      <span className="visually-hidden">{t("column.count", { count: tab.count })}</span>
    </button>
  );
});

export function ColumnTabs({
  tabs,
  selected,
  onSelect,
  droppable,
  listRef,
  t,
}: {
  tabs: ColumnTabInfo[];
  selected: string | undefined;
  onSelect: (columnId: string) => void;
  /** Cards may be dropped on the tabs (a drag can start, and the tabs are shown). */
  droppable: boolean;
  listRef?: React.Ref<HTMLDivElement>;
  t: Translate;
}) {
  const own = useRef<HTMLDivElement | null>(null);
  // Arrow keys move between the tabs and select them (the tabs pattern with automatic activation).
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const index = tabs.findIndex((tab) => tab.id === selected);
    let next = -1;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") next = (index + 1) % tabs.length;
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") next = (index - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    onSelect(tabs[next].id);
    own.current?.querySelector<HTMLElement>(`[data-column-id="${CSS.escape(tabs[next].id)}"]`)?.focus();
  };
  return (
    <div
      ref={(el) => {
        own.current = el;
        if (typeof listRef === "function") listRef(el);
        else if (listRef) (listRef as React.MutableRefObject<HTMLDivElement | null>).current = el;
      }}
      role="tablist"
      aria-label={t("tabs.label")}
      className="column-tabs"
      data-testid="column-tabs"
      onKeyDown={onKeyDown}
    >
      {tabs.map((tab) => (
        <ColumnTab key={tab.id} tab={tab} selected={tab.id === selected} droppable={droppable} onSelect={onSelect} t={t} />
      ))}
    </div>
  );
}
