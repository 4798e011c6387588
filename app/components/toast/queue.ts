/**
 * The toast list as plain data: what is shown, for how long, what goes when
 * a fourth arrives. Pure (no React, no timers, no DOM): the provider keeps
 * the list in state, calls these with the current time and sets one timer
 * for `nextDeadline`. Unit-tested in tests/unit/toast-queue.test.ts.
 */

export type ToastKind = "success" | "error";

export interface ToastItem {
  id: number;
  kind: ToastKind;
  message: string;
  /** Label of the one action button ("Ongedaan maken", "Toon"), if any. */
  actionLabel?: string;
  /** When it goes (ms since the epoch); ignored while paused. */
  deadline: number;
  /** Paused (hovered or focused): the time it had left when the pause began. */
  pausedRemaining: number | null;
  /** Said by the toast's live region (false when the same words are already announced in place). */
  announce: boolean;
}

/** At most this many toasts at once; the oldest unpaused one makes room. */
export const MAX_TOASTS = 3;

/**
 * How long a toast stays: long enough to read (about 15 characters a second
 * on top of a base), longer with a button to reach and for failures.
 */
export function toastDuration(kind: ToastKind, message: string, hasAction: boolean): number {
  const reading = 3000 + message.length * 65;
  const base = kind === "error" ? Math.max(10_000, reading * 1.5) : Math.max(6000, reading);
  return Math.min(base + (hasAction ? 4000 : 0), kind === "error" ? 30_000 : 20_000);
}

/**
 * Add a toast. The same words of the same kind replace the earlier toast (a
 * repeated action does not pile up). Beyond `max`, the oldest toasts that
 * are not paused go first (one that is being read or focused stays).
 */
export function addToast(list: readonly ToastItem[], item: ToastItem, max = MAX_TOASTS): ToastItem[] {
  const next = list.filter((t) => !(t.kind === item.kind && t.message === item.message && t.actionLabel === item.actionLabel));
  next.push(item);
  while (next.length > max) {
    const i = next.findIndex((t) => t.pausedRemaining === null && t.id !== item.id);
    next.splice(i >= 0 ? i : 0, 1);
  }
  return next;
}

export function removeToast(list: readonly ToastItem[], id: number): ToastItem[] {
  return list.some((t) => t.id === id) ? list.filter((t) => t.id !== id) : (list as ToastItem[]);
}

/** Stop a toast's clock (pointer over it, or focus in it). */
export function pauseToast(list: readonly ToastItem[], id: number, now: number): ToastItem[] {
  return list.map((t) => (t.id === id && t.pausedRemaining === null ? { ...t, pausedRemaining: Math.max(0, t.deadline - now) } : t));
}

/** Start the clock again, with at least a few seconds left to finish reading. */
export function resumeToast(list: readonly ToastItem[], id: number, now: number, minLeft = 3000): ToastItem[] {
  return list.map((t) =>
    t.id === id && t.pausedRemaining !== null
      ? { ...t, deadline: now + Math.max(minLeft, t.pausedRemaining), pausedRemaining: null }
      : t,
  );
}

/** The list without the toasts whose time is up (paused ones stay). */
export function expireToasts(list: readonly ToastItem[], now: number): ToastItem[] {
  const next = list.filter((t) => t.pausedRemaining !== null || t.deadline > now);
  return next.length === list.length ? (list as ToastItem[]) : next;
}

/** When the next toast goes, or null when none runs. */
export function nextDeadline(list: readonly ToastItem[]): number | null {
  let soonest: number | null = null;
  for (const t of list) {
    if (t.pausedRemaining !== null) continue;
    if (soonest === null || t.deadline < soonest) soonest = t.deadline;
  }
  return soonest;
}
