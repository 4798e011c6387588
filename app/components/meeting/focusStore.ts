/**
 * The card under discussion in the running meeting, for every card on the
 * page to ask "is it me?" (a clear outline and "wordt besproken", for
 * followers and non-followers alike). One board page per window, so one
 * store per window; only the browser sets it (the meeting bar), the server
 * render always sees none.
 */
import { useCallback, useSyncExternalStore } from "react";

let focused: string | null = null;
const listeners = new Set<() => void>();

export function setMeetingFocusCard(id: string | null): void {
  if (id === focused) return;
  focused = id;
  listeners.forEach((l) => l());
}

export function meetingFocusCard(): string | null {
  return focused;
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

const none = () => false;

/** True for the card under discussion; a card re-renders only when its own answer changes. */
export function useIsMeetingFocus(cardId: string): boolean {
  const get = useCallback(() => focused === cardId, [cardId]);
  return useSyncExternalStore(subscribe, get, none);
}

/** The card under discussion (null: none). */
export function useMeetingFocusCard(): string | null {
  return useSyncExternalStore(subscribe, meetingFocusCard, () => null);
}
