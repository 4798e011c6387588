/**
 * Toasts: a short visible message after every action that succeeded or
 * failed, with at most one button (Undo, Show) and a close button.
 *
 * - Success toasts are spoken by a polite live region, failures by an
 *   assertive one (`silent` when the same words are already announced in
 *   place, say by a form's role="alert").
 * - A toast stays long enough to read (queue.ts), and while the pointer is
 *   over it or the focus is in it; Escape or × closes it; at most 3 at once.
 * - While a modal <dialog> is open the rest of the page is inert (neither
 *   clickable nor heard by screen readers), so the toasts and the live
 *   regions move into the topmost open dialog and come back when it closes.
 *
 * `<ToastProvider>` sits in root.tsx around the whole page; `<ToastViewport>`
 * right after the top bar (so the toasts come early in the tab order).
 * Components call `useToast()`; outside a provider it does nothing.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import { createPortal } from "react-dom";
import { useT } from "~/i18n";
import {
  addToast,
  expireToasts,
  nextDeadline,
  pauseToast,
  removeToast,
  resumeToast,
  toastDuration,
  type ToastItem,
  type ToastKind,
} from "./queue";
import { useClearOfAction } from "./useClearOfAction";
import { useTopbarBottom } from "./useTopbarBottom";

export interface ToastOptions {
  /** One button in the toast; the toast closes when it is pressed. */
  action?: { label: string; onAction: () => void };
  /** Not spoken: the same words are already announced where they appear (role="alert" in a form). */
  silent?: boolean;
}

export interface ToastApi {
  success(message: string, options?: ToastOptions): number;
  error(message: string, options?: ToastOptions): number;
  dismiss(id: number): void;
}

/** What a live region says; `host` is the dialog it was said in (null: the page). */
interface Spoken {
  id: number;
  text: string;
  assertive: boolean;
  host: HTMLElement | null;
}

/** A live region needs a moment between appearing and being filled, and a dialog that just closed a moment to go. */
const SPEAK_DELAY_MS = 150;
/** Spoken words leave the live region after this (they have been read; the region stays small). */
const SPOKEN_MS = 10_000;

interface ToastContextValue {
  api: ToastApi;
  toasts: ToastItem[];
  spoken: Spoken[];
  host: HTMLElement | null;
  runAction(id: number): void;
  dismiss(id: number): void;
  pause(id: number): void;
  resume(id: number): void;
}

const ToastContext = createContext<ToastContextValue | null>(null);

const NOOP_API: ToastApi = { success: () => 0, error: () => 0, dismiss: () => {} };

/** The toast functions; harmless no-ops outside a <ToastProvider>. */
export function useToast(): ToastApi {
  return useContext(ToastContext)?.api ?? NOOP_API;
}

function isModal(d: HTMLDialogElement): boolean {
  if (!d.open) return false;
  try {
    return d.matches(":modal");
  } catch {
    return false;
  }
}

/**
 * A container inside the topmost open modal dialog (the last one opened), or
 * null when none is open. Followed through the dialogs' `open` attribute and
 * their `close` events.
 */
function useModalHost(): HTMLElement | null {
  const [host, setHost] = useState<HTMLElement | null>(null);
  useEffect(() => {
    const stack: HTMLDialogElement[] = [];
    const containers = new Map<HTMLDialogElement, HTMLElement>();
    const update = () => {
      const open = new Set(Array.from(document.querySelectorAll("dialog")).filter(isModal));
      for (let i = stack.length - 1; i >= 0; i--) {
        if (open.has(stack[i])) continue;
        containers.get(stack[i])?.remove();
        containers.delete(stack[i]);
        stack.splice(i, 1);
      }
      for (const d of open) if (!stack.includes(d)) stack.push(d);
      const top = stack[stack.length - 1];
      if (!top) {
        setHost(null);
        return;
      }
      let container = containers.get(top);
      if (!container || container.parentNode !== top) {
        container = document.createElement("div");
        container.className = "toast-host";
        top.appendChild(container);
        containers.set(top, container);
      }
      setHost(container);
    };
    const observer = new MutationObserver(update);
    observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ["open"] });
    document.addEventListener("close", update, true);
    update();
    return () => {
      observer.disconnect();
      document.removeEventListener("close", update, true);
      containers.forEach((c) => c.remove());
    };
  }, []);
  return host;
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const [spoken, setSpoken] = useState<Spoken[]>([]);
  const host = useModalHost();
  const hostRef = useRef(host);
  hostRef.current = host;
  const actions = useRef(new Map<number, () => void>());
  const nextId = useRef(1);
  const timers = useRef(new Set<number>());

  useEffect(() => {
    const set = timers.current;
    return () => set.forEach((t) => window.clearTimeout(t));
  }, []);

  const later = useCallback((fn: () => void, ms: number) => {
    const handle = window.setTimeout(() => {
      timers.current.delete(handle);
      fn();
    }, ms);
    timers.current.add(handle);
  }, []);

  const speak = useCallback(
    (id: number, text: string, assertive: boolean) => {
      later(() => {
        setSpoken((list) => [...list.slice(-5), { id, text, assertive, host: hostRef.current }]);
        later(() => setSpoken((list) => list.filter((s) => s.id !== id)), SPOKEN_MS);
      }, SPEAK_DELAY_MS);
    },
    [later],
  );

  const show = useCallback(
    (kind: ToastKind, message: string, options: ToastOptions = {}) => {
      const id = nextId.current++;
      const item: ToastItem = {
        id,
        kind,
        message,
        actionLabel: options.action?.label,
        deadline: Date.now() + toastDuration(kind, message, !!options.action),
        pausedRemaining: null,
        announce: !options.silent,
      };
      if (options.action) actions.current.set(id, options.action.onAction);
      setToasts((list) => {
        const next = addToast(list, item);
        for (const key of actions.current.keys()) if (!next.some((t) => t.id === key)) actions.current.delete(key);
        return next;
      });
      if (item.announce) speak(id, message, kind === "error");
      return id;
    },
    [speak],
  );

  const dismiss = useCallback((id: number) => {
    actions.current.delete(id);
    setToasts((list) => removeToast(list, id));
  }, []);

  const runAction = useCallback(
    (id: number) => {
      const action = actions.current.get(id);
      dismiss(id);
      action?.();
    },
    [dismiss],
  );

  const pause = useCallback((id: number) => setToasts((list) => pauseToast(list, id, Date.now())), []);
  const resume = useCallback((id: number) => setToasts((list) => resumeToast(list, id, Date.now())), []);

  // One timer, for the toast that goes first.
  const deadline = nextDeadline(toasts);
  useEffect(() => {
    if (deadline === null) return;
    const handle = window.setTimeout(() => {
      setToasts((list) => {
        const next = expireToasts(list, Date.now());
        for (const t of list) if (!next.includes(t)) actions.current.delete(t.id);
        return next;
      });
    }, Math.max(0, deadline - Date.now()) + 20);
    return () => window.clearTimeout(handle);
  }, [deadline]);

  const api = useMemo<ToastApi>(
    () => ({
      success: (message, options) => show("success", message, options),
      error: (message, options) => show("error", message, options),
      dismiss,
    }),
    [show, dismiss],
  );

  const value = useMemo<ToastContextValue>(
    () => ({ api, toasts, spoken, host, runAction, dismiss, pause, resume }),
    [api, toasts, spoken, host, runAction, dismiss, pause, resume],
  );
  return <ToastContext.Provider value={value}>{children}</ToastContext.Provider>;
}

/** The two live regions of one place (the page, or a dialog). */
function LiveRegions({ spoken, testPrefix }: { spoken: Spoken[]; testPrefix: string }) {
  return (
    <>
      <div className="visually-hidden" aria-live="polite" data-testid={`${testPrefix}-polite`}>
        {spoken.filter((s) => !s.assertive).map((s) => (
          <p key={s.id}>{s.text}</p>
        ))}
      </div>
      <div className="visually-hidden" aria-live="assertive" data-testid={`${testPrefix}-assertive`}>
        {spoken.filter((s) => s.assertive).map((s) => (
          <p key={s.id}>{s.text}</p>
        ))}
      </div>
    </>
  );
}

/**
 * The toasts and the page's live regions. Place once, right after the top
 * bar. On narrow screens the toasts sit just below the top bar (or at the
 * top once it has scrolled away), never over it nor over the bottom of the
 * phone's screen; on wide screens in the bottom left corner. While that
 * would cover the button just pressed, in the other place
 * (useClearOfAction).
 */
export function ToastViewport() {
  const ctx = useContext(ToastContext);
  const t = useT();
  const toasts = ctx?.toasts ?? [];
  const host = ctx?.host ?? null;
  const visible = toasts.length > 0;

  // Below the top bar while it is on screen.
  useTopbarBottom(visible);
  // Never over the button just pressed (the page's own list; one in a dialog sits beside the dialog).
  const listRef = useRef<HTMLOListElement>(null);
  useClearOfAction(listRef, host ? 0 : toasts.length);

  if (!ctx) return null;
  const list = visible ? (
    <ol ref={host ? undefined : listRef} className={`toast-list${host ? " in-dialog" : ""}`} data-testid="toasts">
      {toasts.map((item) => (
        <Toast key={item.id} item={item} ctx={ctx} closeLabel={t("toast.close")} />
      ))}
    </ol>
  ) : null;
  return (
    <>
      <LiveRegions spoken={ctx.spoken.filter((s) => s.host === null)} testPrefix="live" />
      {host ? null : list}
      {host
        ? createPortal(
            <>
              <LiveRegions spoken={ctx.spoken.filter((s) => s.host === host)} testPrefix="dialog-live" />
              {list}
            </>,
            host,
          )
        : null}
    </>
  );
}

function Toast({ item, ctx, closeLabel }: { item: ToastItem; ctx: ToastContextValue; closeLabel: string }) {
  const hovered = useRef(false);
  const focused = useRef(false);
  const ref = useRef<HTMLLIElement>(null);
  const { pause, resume } = ctx;
  const id = item.id;
  const update = useCallback(() => {
    if (hovered.current || focused.current) pause(id);
    else resume(id);
  }, [pause, resume, id]);

  /** The toast goes; a focus inside it moves on (the next toast, else the dialog or the page's main part). */
  const leave = (after: () => void) => {
    const el = ref.current;
    const hadFocus = !!el && el.contains(document.activeElement);
    after();
    if (!hadFocus) return;
    const next = el?.nextElementSibling ?? el?.previousElementSibling;
    const button = next?.querySelector<HTMLElement>("button");
    if (button) {
      button.focus();
      return;
    }
    const dialog = el?.closest("dialog");
    const target = dialog ?? document.getElementById("main");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    }
  };

  return (
    <li
      ref={ref}
      className={`toast toast-${item.kind}`}
      data-testid="toast"
      data-kind={item.kind}
      onMouseEnter={() => {
        hovered.current = true;
        update();
      }}
      onMouseLeave={() => {
        hovered.current = false;
        update();
      }}
      onFocus={() => {
        focused.current = true;
        update();
      }}
      onBlur={(e) => {
        if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
        focused.current = false;
        update();
      }}
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        // Escape closes the toast, not the dialog around it.
        e.preventDefault();
        e.stopPropagation();
        leave(() => ctx.dismiss(id));
      }}
    >
      <span className="toast-icon" aria-hidden="true">
        {item.kind === "error" ? (
          <svg width="18" height="18" viewBox="0 0 24 24" focusable="false">
            <circle cx="12" cy="12" r="10" fill="currentColor" />
            <path d="M12 7v6M12 16.5v.5" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" />
          </svg>
        ) : (
          <svg width="18" height="18" viewBox="0 0 24 24" focusable="false">
            <circle cx="12" cy="12" r="10" fill="currentColor" />
            <path d="M7.5 12.5l3 3 6-6.5" stroke="#fff" strokeWidth="2.5" fill="none" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
        )}
      </span>
      <p className="toast-message">{item.message}</p>
      {item.actionLabel ? (
        <button type="button" className="toast-action" onClick={() => leave(() => ctx.runAction(id))} data-testid="toast-action">
          {item.actionLabel}
        </button>
      ) : null}
      <button
        type="button"
        className="toast-close"
        aria-label={closeLabel}
        title={closeLabel}
        onClick={() => leave(() => ctx.dismiss(id))}
        data-testid="toast-close"
      >
        <svg aria-hidden="true" focusable="false" width="14" height="14" viewBox="0 0 24 24">
          <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
        </svg>
      </button>
    </li>
  );
}
