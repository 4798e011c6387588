/**
 * "Verplaats naar…": a small menu button beside every card that moves it to
 * the end of another column. The same move as a drag (the board's one move
 * function, so every rule for moves applies), for touch screens where a
 * long-press drag is awkward, and for keyboards and screen readers.
 *
 * Every card gets only the button (a sibling of the card, not inside it: the
 * card itself is a button); the board has one menu, opened beside the button
 * that was pressed, so a board of thousands of cards stays light.
 */
import { memo, useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { Translate } from "~/i18n";
import { useIsoLayoutEffect } from "~/hooks/useIsoLayoutEffect";

export interface MoveTarget {
  id: string;
  label: string;
}

export interface MoveMenuState {
  cardId: string;
  title: string;
  /** The card's column now: not offered. */
  column: string;
  /** The button that opened the menu: the menu opens beside it and focus returns to it. */
  anchor: HTMLElement;
}

/**
 * The button on a card. `onOpen` gets the card, its column and the button (to
 * place the menu beside it). Memoised, with props that stay the same while
 * the card does: a column renders again whenever one of its cards changes,
 * and with a new closure per button each remote move rendered every button
 * of the columns it touched again (1,300 a move on the 2,000-card board of
 * the repaint bench).
 */
export const MoveToButton = memo(function MoveToButton({
  cardId,
  columnId,
  title,
  expanded,
  onOpen,
  t,
}: {
  cardId: string;
  columnId: string;
  title: string;
  expanded: boolean;
  onOpen: (cardId: string, columnId: string, button: HTMLButtonElement) => void;
  t: Translate;
}) {
  return (
    <button
      type="button"
      className="card-move-button"
      aria-haspopup="menu"
      aria-expanded={expanded}
      aria-label={t("move.buttonLabel", { title })}
      title={t("move.button")}
      data-testid="move-to"
      onClick={(e) => onOpen(cardId, columnId, e.currentTarget)}
      onKeyDown={(e) => {
        if (e.key === "ArrowDown") {
          e.preventDefault();
          onOpen(cardId, columnId, e.currentTarget);
        }
      }}
    >
      <svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 24 24">
        <path
          d="M4 8h13m-4-4 4 4-4 4M20 16H7m4-4-4 4 4 4"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
    </button>
  );
});

/** The board's one "Verplaats naar…" menu. */
export function MoveToMenu({
  state,
  targets,
  onMoveTo,
  onClose,
  t,
}: {
  state: MoveMenuState;
  targets: readonly MoveTarget[];
  onMoveTo: (cardId: string, columnId: string) => void;
  /** `returnFocus`: put the focus back on the card's button (Escape, not a tap elsewhere). */
  onClose: (returnFocus: boolean) => void;
  t: Translate;
}) {
  const [place, setPlace] = useState<{ top: number; left: number } | null>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();
  const options = targets.filter((c) => c.id !== state.column);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const { anchor } = state;

  // Below the button, right-aligned with it; above it when there is no room below; always inside the window.
  const placeMenu = useCallback(() => {
    const menu = menuRef.current;
    if (!menu) return;
    const b = anchor.getBoundingClientRect();
    const m = menu.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const vh = window.innerHeight;
    let top = b.bottom + 4;
    if (top + m.height > vh - 8 && b.top - m.height - 4 >= 8) top = b.top - m.height - 4;
    const left = Math.max(8, Math.min(b.right - m.width, vw - m.width - 8));
    setPlace({ top, left });
  }, [anchor]);

  useIsoLayoutEffect(() => {
    placeMenu();
    anchor.setAttribute("aria-controls", menuId);
    return () => anchor.removeAttribute("aria-controls");
  }, [anchor, menuId, placeMenu]);
  // Focus on the first choice once the menu is placed (hidden until then, it cannot take focus).
  const placed = place !== null;
  useIsoLayoutEffect(() => {
    if (placed) menuRef.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus({ preventScroll: true });
  }, [placed, anchor]);

  // A tap or click elsewhere closes the menu; scrolling takes it along with its button, until the button is out of sight.
  useEffect(() => {
    const onPointer = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!menuRef.current?.contains(target) && !anchor.contains(target)) onCloseRef.current(false);
    };
    const onScroll = (e: Event) => {
      if (menuRef.current?.contains(e.target as Node)) return;
      const b = anchor.getBoundingClientRect();
      if (!anchor.isConnected || b.bottom < 0 || b.top > window.innerHeight || b.width === 0) onCloseRef.current(false);
      else placeMenu();
    };
    document.addEventListener("pointerdown", onPointer, true);
    window.addEventListener("scroll", onScroll, true);
    window.addEventListener("resize", placeMenu);
    return () => {
      document.removeEventListener("pointerdown", onPointer, true);
      window.removeEventListener("scroll", onScroll, true);
      window.removeEventListener("resize", placeMenu);
    };
  }, [anchor, placeMenu]);

  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = Array.from(menuRef.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? []);
    const index = items.indexOf(document.activeElement as HTMLElement);
    let next = -1;
    if (e.key === "ArrowDown") next = (index + 1) % items.length;
    else if (e.key === "ArrowUp") next = (index - 1 + items.length) % items.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = items.length - 1;
    else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose(true);
      return;
    } else if (e.key === "Tab") {
      e.preventDefault();
      onClose(true);
      return;
    }
    if (next < 0 || items.length === 0) return;
    e.preventDefault();
    items[next].focus();
  };

  return (
    <div
      ref={menuRef}
      id={menuId}
      role="menu"
      aria-label={t("move.menuLabel", { title: state.title })}
      className="move-menu"
      data-testid="move-menu"
      style={place ? { top: place.top, left: place.left } : { top: 0, left: 0, visibility: "hidden" }}
      onKeyDown={onMenuKey}
    >
      <p className="move-menu-title" aria-hidden="true">
        {t("move.button")}
      </p>
      {options.map((c) => (
        <button
          key={c.id}
          type="button"
          role="menuitem"
          tabIndex={-1}
          className="move-menu-item"
          data-column-id={c.id}
          onClick={() => onMoveTo(state.cardId, c.id)}
        >
          {c.label}
        </button>
      ))}
    </div>
  );
}
