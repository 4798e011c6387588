/**
 * "Meer": the board toolbar's rarer links (overview, since the last
 * meeting, look back, import/export; a coordinator's "add column") behind one button, so the everyday
 * controls fit on one row at 1440 px. A disclosure of links (the pattern for
 * navigation, not an application menu): the button says whether it is open
 * (aria-expanded), Tab walks the links, the arrow keys too; Escape closes it
 * and puts the focus back on the button; a click or the focus going
 * elsewhere closes it.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import type { Translate } from "~/i18n";

export function MoreMenu({ label, t, children }: { label?: string; t: Translate; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const wrapRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (!wrapRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer, true);
    return () => document.removeEventListener("pointerdown", onPointer, true);
  }, [open]);

  const links = () => Array.from(wrapRef.current?.querySelectorAll<HTMLElement>(".more-menu-panel a, .more-menu-panel button") ?? []);

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!open) return;
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      buttonRef.current?.focus();
      return;
    }
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const items = links();
    if (items.length === 0) return;
    e.preventDefault();
    const index = items.indexOf(document.activeElement as HTMLElement);
    const next = e.key === "ArrowDown" ? (index + 1) % items.length : index <= 0 ? items.length - 1 : index - 1;
    items[next].focus();
  };

  return (
    <div
      ref={wrapRef}
      className="more-menu"
      onKeyDown={onKey}
      onBlur={(e) => {
        // Tab past the last link (or away otherwise): the panel closes behind the focus.
        if (open && e.relatedTarget && !wrapRef.current?.contains(e.relatedTarget as Node)) setOpen(false);
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        className="button secondary"
        aria-expanded={open}
        aria-controls={panelId}
        data-testid="more-menu"
        onClick={() => setOpen((v) => !v)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && !open) {
            e.preventDefault();
            e.stopPropagation();
            setOpen(true);
            requestAnimationFrame(() => links()[0]?.focus());
          }
        }}
      >
        {label ?? t("mtg.more")}
        <svg aria-hidden="true" focusable="false" width="12" height="12" viewBox="0 0 24 24" className="more-menu-chevron">
          <path d="m6 9 6 6 6-6" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </button>
      <div id={panelId} className="more-menu-panel" hidden={!open} data-testid="more-menu-panel" onClick={(e) => {
        // Following a link closes the panel (the page may stay, e.g. a download). A button
        // (it opens a dialog) first puts the focus on "Meer", so the dialog gives it back there.
        const target = e.target as HTMLElement;
        if (target.closest("button")) buttonRef.current?.focus();
        if (target.closest("a, button")) setOpen(false);
      }}>
        {children}
      </div>
    </div>
  );
}
