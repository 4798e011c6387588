/**
 * After "Nieuwe aanvraag": the new card is scrolled into view and
 * highlighted for a moment (`data-new-request`, styled in feedback.css),
 * with a toast that names it and its column.
 *
 * The card arrives through the live document shortly after the server's
 * answer, so this waits for it (up to 5 s, then a toast that it is saved and
 * will show once connected). When the card is not on screen (the filters
 * hide it, or the layout shows another column, as on a phone), the toast
 * says so and offers "Toon": it clears the filters, asks the layout to show
 * the card's column (the `board:show-card` event on window, detail
 * `{ cardId, columnId }`) and then scrolls to it.
 */
import { useCallback, useEffect, useState } from "react";
import type { CardView, ColumnView } from "~/board/types";
import type { Translate } from "~/i18n";
import { useToast } from "~/components/toast/ToastProvider";
import { columnLabel } from "../labels";

/** The event a board layout may listen to, to bring a card's column on screen (tabs on a phone). */
export const SHOW_CARD_EVENT = "board:show-card";
export interface ShowCardDetail {
  cardId: string;
  columnId: string;
}

const WAIT_FOR_CARD_MS = 5000;
const HIGHLIGHT_MS = 2600;
const SHOW_RETRY_MS = 2000;

/** The card's element on the board (not the drag overlay, not the dialog's form). */
export function cardElement(id: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`.board-card[data-card-id="${CSS.escape(id)}"]:not(.is-overlay)`);
}

function isRendered(el: HTMLElement): boolean {
  return el.getClientRects().length > 0;
}

/** Scroll the card into the middle of the screen and mark it for a moment. */
export function highlightCard(el: HTMLElement) {
  const still = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
  el.scrollIntoView({ block: "center", inline: "center", behavior: still ? "auto" : "smooth" });
  el.setAttribute("data-new-request", "");
  window.setTimeout(() => el.removeAttribute("data-new-request"), HIGHLIGHT_MS);
}

interface Pending {
  id: string;
  since: number;
  /** "Toon" was pressed: reveal without another toast. */
  shown?: boolean;
}

/** Returns `reveal(id)`, to call with the new request's id once the server saved it. */
export function useNewRequestReveal({
  cardById,
  columns,
  clearFilters,
  t,
}: {
  cardById: ReadonlyMap<string, CardView>;
  columns: readonly ColumnView[];
  clearFilters: () => void;
  t: Translate;
}) {
  const toast = useToast();
  const [pending, setPending] = useState<Pending | null>(null);

  useEffect(() => {
    if (!pending) return;
    const card = cardById.get(pending.id);
    if (!card) {
      const timer = window.setTimeout(() => {
        setPending(null);
        if (!pending.shown) toast.success(t("toast.createdPending"));
      }, Math.max(0, pending.since + WAIT_FOR_CARD_MS - Date.now()));
      return () => window.clearTimeout(timer);
    }
    // Let the card render first.
    let retry = 0;
    const frame = requestAnimationFrame(() => {
      const column = columns.find((c) => c.id === card.column);
      const vars = { title: card.title, column: column ? columnLabel(t, column) : "" };
      const el = cardElement(card.id);
      if (el && isRendered(el)) {
        setPending(null);
        highlightCard(el);
        if (!pending.shown) toast.success(t("toast.created", vars));
        return;
      }
      if (pending.shown) {
        // The filters (in the URL) and the layout take a moment to follow "Toon".
        if (Date.now() - pending.since < SHOW_RETRY_MS) retry = window.setTimeout(() => setPending({ ...pending }), 100);
        else setPending(null);
        return;
      }
      setPending(null);
      toast.success(t(el ? "toast.createdElsewhere" : "toast.createdHidden", vars), {
        action: {
          label: t("toast.show"),
          onAction: () => {
            if (!el) clearFilters();
            window.dispatchEvent(
              new CustomEvent<ShowCardDetail>(SHOW_CARD_EVENT, { detail: { cardId: card.id, columnId: card.column } }),
            );
            setPending({ id: card.id, since: Date.now(), shown: true });
          },
        },
      });
    });
    return () => {
      cancelAnimationFrame(frame);
      window.clearTimeout(retry);
    };
  }, [pending, cardById, columns, clearFilters, t, toast]);

  return useCallback((id: string) => setPending({ id, since: Date.now() }), []);
}
