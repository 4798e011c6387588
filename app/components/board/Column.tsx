import { memo, useId } from "react";
import { useDroppable } from "@dnd-kit/core";
import { SortableContext, verticalListSortingStrategy } from "@dnd-kit/sortable";
import type { CardView, CategoryView, ColumnView } from "~/board/types";
import { translator, type Locale } from "~/i18n";
import { useHydrated } from "~/hooks/useHydrated";
import { useSortableIds } from "~/hooks/useStableIds";
import { SortableCard, type OrgInfo } from "./Card";
import { MoveToButton } from "./MoveToMenu";
import { stageHelp, stageLabel } from "./stageLabels";

export const COLUMN_PREFIX = "column:";

/**
 * Cards per column in the server-rendered page (and the hydration render);
 * the rest follow right after hydration. On a 10,000-card board rendering
 * every card on the server took seconds and 10 MB of HTML.
 */
export const FIRST_PAINT_CARDS = 60;

export function columnDropId(columnId: string): string {
  return `${COLUMN_PREFIX}${columnId}`;
}

export interface ColumnProps {
  column: ColumnView;
  label: string;
  cards: CardView[];
  categoryById: ReadonlyMap<string, CategoryView>;
  orgById: ReadonlyMap<string, OrgInfo>;
  locale: Locale;
  /** Show the column's edit buttons (rename, move). */
  editable: boolean;
  /** Cards may be dragged (editor and live document). */
  draggable: boolean;
  /** Whether this person may move a card (the request rules); every card when absent. */
  canMove?: (cardId: string) => boolean;
  /** A card of this drag-and-drop context is being dragged now. */
  sorting: boolean;
  isFirst: boolean;
  isLast: boolean;
  onOpenCard: (id: string) => void;
  onRename: (columnId: string) => void;
  onMove: (columnId: string, delta: -1 | 1) => void;
  /** The element id, so a phone's column tab can point at it. */
  panelId?: string;
  /** The column a phone shows (the style sheet hides the others on narrow screens). */
  active?: boolean;
  /** On a phone the column is the panel of its tab: the id of that tab. */
  tabId?: string;
  /** Opens the board's "Verplaats naar…" menu for a card (when cards may be moved and there is another column). */
  onOpenMoveMenu?: (cardId: string, columnId: string, button: HTMLButtonElement) => void;
  /** The card whose "Verplaats naar…" menu is open. */
  moveMenuCard?: string | null;
  /** In a swimlane: the id of the lane's name, so each column region has a name of its own ("Taal Nieuw"). */
  laneLabelId?: string;
}

export const BoardColumn = memo(function BoardColumn({
  column,
  label,
  cards,
  categoryById,
  orgById,
  locale,
  editable,
  draggable,
  canMove,
  sorting,
  isFirst,
  isLast,
  onOpenCard,
  onRename,
  onMove,
  panelId,
  active = false,
  tabId,
  onOpenMoveMenu,
  moveMenuCard = null,
  laneLabelId,
}: ColumnProps) {
  const t = translator(locale);
  const headingId = useId();
  const ids = useSortableIds(cards, sorting);
  const hydrated = useHydrated();
  const shown = hydrated || cards.length <= FIRST_PAINT_CARDS ? cards : cards.slice(0, FIRST_PAINT_CARDS);
  const canMoveTo = draggable && !!onOpenMoveMenu;
  const { setNodeRef, isOver } = useDroppable({
    id: columnDropId(column.id),
    data: { type: "column", columnId: column.id },
    disabled: !draggable,
  });
  return (
    <section
      id={panelId}
      className={`board-column${active ? " is-active" : ""}`}
      role={tabId ? "tabpanel" : undefined}
      aria-labelledby={laneLabelId ? `${laneLabelId} ${headingId}` : headingId}
      data-testid={`column-${column.id}`}
      data-column-id={column.id}
    >
      <div className="column-head">
        <div className="column-heading">
          <h2 id={headingId} className="column-title">
            <span className="column-name">{label}</span>{" "}
            <span className="column-count">
              <span aria-hidden="true">{cards.length}</span>
              <span className="visually-hidden">{t("column.count", { count: cards.length })}</span>
            </span>
          </h2>
          <span className="column-stage" data-stage={column.stage} title={stageHelp(t, column.stage)} data-testid="column-stage-label">
            <span className="visually-hidden">{t("stage.columnLabel", { stage: "" })}</span>
            {stageLabel(t, column.stage)}
          </span>
        </div>
        {editable ? (
          <div className="column-tools">
            <button
              type="button"
              className="icon-button"
              data-move="left"
              onClick={() => onMove(column.id, -1)}
              disabled={isFirst}
              aria-label={t("column.moveLeft", { name: label })}
              title={t("column.moveLeft", { name: label })}
            >
              <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 24 24">
                <path d="M15 5l-7 7 7 7" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
              </svg>
            </button>
            <button
              type="button"
              className="icon-button"
              data-move="right"
              onClick={() => onMove(column.id, 1)}
              disabled={isLast}
              aria-label={t("column.moveRight", { name: label })}
              title={t("column.moveRight", { name: label })}
            >
              <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 24 24">
                <path d="M9 5l7 7-7 7" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
              </svg>
            </button>
            <button
              type="button"
              className="icon-button"
              onClick={() => onRename(column.id)}
              aria-label={t("column.rename", { name: label })}
              title={t("column.rename", { name: label })}
            >
              <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 24 24">
                <path
                  d="M4 20h4L19 9l-4-4L4 16z M13.5 6.5l4 4"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="2"
                  strokeLinejoin="round"
                />
              </svg>
            </button>
          </div>
        ) : null}
      </div>
      <SortableContext id={column.id} items={ids} strategy={verticalListSortingStrategy}>
        <div ref={setNodeRef} className={`column-body${isOver ? " is-over" : ""}`}>
          {cards.length ? (
            <ul className="card-list">
              {shown.map((card) => {
                const movable = draggable && (canMove?.(card.id) ?? true);
                const menu = canMoveTo && movable;
                return (
                <li key={card.id} className={`card-item${menu ? " has-move" : ""}`}>
                  <SortableCard
                    card={card}
                    category={categoryById.get(card.category)}
                    org={orgById.get(card.createdByOrg)}
                    locale={locale}
                    draggable={movable}
                    onOpen={onOpenCard}
                  />
                  {menu ? (
                    <MoveToButton
                      cardId={card.id}
                      columnId={column.id}
                      title={card.title}
                      expanded={moveMenuCard === card.id}
                      onOpen={onOpenMoveMenu!}
                      t={t}
                    />
                  ) : null}
                </li>
              );
              })}
              {shown.length < cards.length ? (
                <li className="card-more" role="status">
                  {t("column.more", { count: cards.length - shown.length })}
                </li>
              ) : null}
            </ul>
          ) : (
            <p className="column-empty">{t("column.empty")}</p>
          )}
        </div>
      </SortableContext>
    </section>
  );
});
