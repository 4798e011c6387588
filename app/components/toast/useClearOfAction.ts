/**
 * Keeps the toasts off the control the person just used. On wide screens
 * the toasts sit in the bottom left corner and on narrow ones below the top
 * bar; a form's button can be right there, and a toast saying "not saved,
 * try again" over the very button to try again with hides it for as long as
 * the toast stays (a pointer resting on it even pauses the toast). While the
 * list would cover that control (the focused element, else the button that
 * sent the last form: Safari does not focus a pressed button), it moves to
 * its other place (`data-side="other"`: the bottom right corner on wide
 * screens, the bottom of the screen on narrow ones), if that one is clear.
 * While the focus is in the list or the pointer on it, the list stays put.
 * "On it" is told by pointer events on the document, not `:hover`: after
 * a tap a touch screen keeps `:hover` on what was tapped until the next tap
 * elsewhere, where the pointer events end with the touch. (On the document:
 * the list is only in the page while there are toasts.)
 */
import { useEffect, useRef, type RefObject } from "react";
import { useIsoLayoutEffect } from "~/hooks/useIsoLayoutEffect";

function overlaps(a: DOMRect, b: DOMRect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

export function useClearOfAction(list: RefObject<HTMLElement>, count: number) {
  /** The button (or form) that sent the last form. */
  const submitter = useRef<Element | null>(null);
  /** What a pointer (mouse, pen, or a finger while it touches) is on; null when none is on the page. */
  const pointerAt = useRef<Node | null>(null);
  useEffect(() => {
    const over = (e: PointerEvent) => void (pointerAt.current = e.target instanceof Node ? e.target : null);
    // Out of the page: the mouse left the window, or a finger lifted (its pointer ends with the touch).
    const out = (e: PointerEvent) => void (e.relatedTarget === null && (pointerAt.current = null));
    const cancel = () => void (pointerAt.current = null);
    document.addEventListener("pointerover", over, true);
    document.addEventListener("pointerout", out, true);
    document.addEventListener("pointercancel", cancel, true);
    return () => {
      document.removeEventListener("pointerover", over, true);
      document.removeEventListener("pointerout", out, true);
      document.removeEventListener("pointercancel", cancel, true);
    };
  }, []);
  useEffect(() => {
    const onSubmit = (e: SubmitEvent) => {
      submitter.current = e.submitter ?? (e.target as Element | null);
    };
    document.addEventListener("submit", onSubmit, true);
    return () => document.removeEventListener("submit", onSubmit, true);
  }, []);

  useIsoLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const place = () => {
      const active = document.activeElement;
      // The person is reaching for a toast (its button has the focus, or the pointer is on the list): it stays
      // where it is. Moving it back now would take the button from under the pointer between press and release.
      const pointer = pointerAt.current;
      if ((active && el.contains(active)) || (pointer && el.contains(pointer))) return;
      const used = active && active !== document.body ? active : submitter.current;
      el.removeAttribute("data-side");
      if (!used || !used.isConnected || el.contains(used)) return;
      const target = used.getBoundingClientRect();
      if (target.width === 0 && target.height === 0) return;
      if (!overlaps(el.getBoundingClientRect(), target)) return;
      el.setAttribute("data-side", "other");
      // Both places cover it: the usual one.
      if (overlaps(el.getBoundingClientRect(), target)) el.removeAttribute("data-side");
    };
    place();
    window.addEventListener("resize", place);
    document.addEventListener("focusin", place);
    return () => {
      window.removeEventListener("resize", place);
      document.removeEventListener("focusin", place);
    };
  }, [list, count]);
}
