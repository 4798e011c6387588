import { useEffect, useRef, useState, type ReactNode } from "react";

/**
 * A modal dialog on the native <dialog> element: focus moves into it (to the
 * element marked `data-autofocus`, else the first field), Escape closes it,
 * the rest of the page is inert, and focus returns to where it was on close.
 *
 * `open` on the first render is also written as the `open` attribute, so a
 * dialog that the server renders open (a form with errors, without JS) is
 * visible before scripts run.
 */
export function Modal({
  open,
  onClose,
  labelledBy,
  className,
  testId,
  children,
}: {
  open: boolean;
  onClose: () => void;
  labelledBy: string;
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const returnTo = useRef<HTMLElement | null>(null);
  // Constant after the first render: React must never toggle the attribute itself.
  const [openAttr] = useState(open);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open) {
      let modal = false;
      try {
        modal = d.matches(":modal");
      } catch {
        modal = false;
      }
      if (!modal) {
        const active = document.activeElement;
        if (active instanceof HTMLElement && !d.contains(active)) returnTo.current = active;
        if (d.open) d.close();
        try {
          d.showModal();
        } catch {
          d.setAttribute("open", "");
        }
        const target =
          d.querySelector<HTMLElement>("[data-autofocus]") ??
          d.querySelector<HTMLElement>("input:not([type=hidden]), select, textarea, button");
        target?.focus();
      }
    } else if (d.open) {
      d.close();
    }
  }, [open]);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const handleClose = () => {
      onCloseRef.current();
      const back = returnTo.current;
      returnTo.current = null;
      if (back && back.isConnected) back.focus();
    };
    d.addEventListener("close", handleClose);
    return () => d.removeEventListener("close", handleClose);
  }, []);

  return (
    <dialog
      ref={ref}
      open={openAttr || undefined}
      aria-labelledby={labelledBy}
      className={className ? `modal ${className}` : "modal"}
      data-testid={testId}
    >
      {open ? children : null}
    </dialog>
  );
}
