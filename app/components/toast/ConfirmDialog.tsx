/**
 * "Weet u het zeker?" before an action that is hard or impossible to undo:
 * a modal <dialog> that names what will happen, with the cancel button
 * focused first (Enter on a reflex does nothing harmful) and Escape as
 * cancel. Styled by feedback.css, so it works on pages without board.css.
 */
import { useEffect, useId, useRef } from "react";

export function ConfirmDialog({
  open,
  title,
  body,
  confirmLabel,
  cancelLabel,
  onConfirm,
  onCancel,
  testId = "confirm-dialog",
}: {
  open: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  const returnTo = useRef<HTMLElement | null>(null);
  const confirmed = useRef(false);
  const onCancelRef = useRef(onCancel);
  onCancelRef.current = onCancel;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      confirmed.current = false;
      returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      d.showModal();
      d.querySelector<HTMLElement>("[data-cancel]")?.focus();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open]);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const onClose = () => {
      if (!confirmed.current) onCancelRef.current();
      const back = returnTo.current;
      returnTo.current = null;
      if (back?.isConnected) back.focus();
    };
    d.addEventListener("close", onClose);
    return () => d.removeEventListener("close", onClose);
  }, []);

  return (
    <dialog ref={ref} className="confirm-dialog" aria-labelledby={titleId} aria-describedby={bodyId} data-testid={testId}>
      {open ? (
        <>
          <div className="confirm-body">
            <h2 id={titleId}>{title}</h2>
            <p id={bodyId}>{body}</p>
          </div>
          <div className="confirm-actions">
            <button type="button" className="button secondary" data-cancel onClick={() => ref.current?.close()}>
              {cancelLabel}
            </button>
            <button
              type="button"
              className="button danger"
              data-testid="confirm-yes"
              onClick={() => {
                confirmed.current = true;
                onConfirm();
                ref.current?.close();
              }}
            >
              {confirmLabel}
            </button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}
