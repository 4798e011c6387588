/**
 * Presence on the board, over the board document's Yjs awareness.
 *
 * The server stamps identity: every remote state is either
 * `{ user: {id, name, orgId, orgName, color}, activity: {kind, cardId} | null }`
 * or `{ hidden: true }`. This client only ever sets its own `activity`
 * (dragging or editing a card) and `hidden`.
 *
 * `PresenceStore` turns the awareness states into
 *  - `people`: who else is here, one entry per person (several tabs count once),
 *    hidden states left out;
 *  - `byCard`: card id → the people dragging or editing it, each card's list
 *    keeping its identity while it does not change, so a card's marker only
 *    re-renders when its own list changes.
 */
import { createContext, useContext, useEffect, useState, useSyncExternalStore } from "react";
import type { BoardConnection } from "~/lib/sync-client";

type Awareness = BoardConnection["awareness"];

export interface PresencePerson {
  id: string;
  name: string;
  orgId: string;
  orgName: string;
  color: string;
}

export type PresenceKind = "dragging" | "editing";

export interface PresenceSnapshot {
  people: PresencePerson[];
  byCard: ReadonlyMap<string, PresencePerson[]>;
}

export const HIDDEN_STORAGE_KEY = "alliantiebord.presence.hidden";

const EMPTY_PEOPLE: PresencePerson[] = [];
const EMPTY_SNAPSHOT: PresenceSnapshot = { people: EMPTY_PEOPLE, byCard: new Map() };

function asPerson(v: unknown): PresencePerson | null {
  if (!v || typeof v !== "object") return null;
  const u = v as Record<string, unknown>;
  if (typeof u.id !== "string" || typeof u.name !== "string") return null;
  return {
    id: u.id,
    name: u.name,
    orgId: typeof u.orgId === "string" ? u.orgId : "",
    orgName: typeof u.orgName === "string" ? u.orgName : "",
    color: typeof u.color === "string" ? u.color : "",
  };
}

function samePeople(a: readonly PresencePerson[] | undefined, b: readonly PresencePerson[]): boolean {
  if (!a || a.length !== b.length) return false;
  return a.every(
    (p, i) => p.id === b[i].id && p.name === b[i].name && p.orgName === b[i].orgName && p.color === b[i].color,
  );
}

const byName = (a: PresencePerson, b: PresencePerson) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/**
 * Compute presence from awareness states. Pure; `prev` lets unchanged lists
 * keep their identity.
 */
export function computePresence(
  states: ReadonlyMap<number, Record<string, unknown> | null>,
  ownClientId: number,
  selfUserId: string | null | undefined,
  prev: PresenceSnapshot = EMPTY_SNAPSHOT,
): PresenceSnapshot {
  const people = new Map<string, PresencePerson>();
  const cards = new Map<string, Map<string, PresencePerson>>();
  for (const [clientId, state] of states) {
    if (clientId === ownClientId || !state || state.hidden === true) continue;
    const person = asPerson(state.user);
    // Other tabs of one's own are not "someone else".
    if (!person || (selfUserId && person.id === selfUserId)) continue;
    if (!people.has(person.id)) people.set(person.id, person);
    const activity = state.activity as Record<string, unknown> | null | undefined;
    if (
      activity &&
      (activity.kind === "dragging" || activity.kind === "editing") &&
      typeof activity.cardId === "string" &&
      activity.cardId
    ) {
      let m = cards.get(activity.cardId);
      if (!m) cards.set(activity.cardId, (m = new Map()));
      m.set(person.id, person);
    }
  }
  const nextPeople = [...people.values()].sort(byName);
  const byCard = new Map<string, PresencePerson[]>();
  let cardsChanged = cards.size !== prev.byCard.size;
  for (const [cardId, m] of cards) {
    const list = [...m.values()].sort(byName);
    const before = prev.byCard.get(cardId);
    if (samePeople(before, list)) byCard.set(cardId, before!);
    else {
      byCard.set(cardId, list);
      cardsChanged = true;
    }
  }
  const peopleOut = samePeople(prev.people, nextPeople) ? prev.people : nextPeople.length ? nextPeople : EMPTY_PEOPLE;
  if (peopleOut === prev.people && !cardsChanged) return prev;
  return { people: peopleOut, byCard: cardsChanged ? byCard : prev.byCard };
}

export function readHiddenPreference(): boolean {
  try {
    return typeof localStorage !== "undefined" && localStorage.getItem(HIDDEN_STORAGE_KEY) === "1";
  } catch {
    return false;
  }
}

function writeHiddenPreference(hidden: boolean) {
  try {
    if (hidden) localStorage.setItem(HIDDEN_STORAGE_KEY, "1");
    else localStorage.removeItem(HIDDEN_STORAGE_KEY);
  } catch {
    /* private mode: remembered for this page only */
  }
}

export class PresenceStore {
  private snapshot: PresenceSnapshot = EMPTY_SNAPSHOT;
  private readonly listeners = new Set<() => void>();
  private dragging: string | null = null;
  private editing: string | null = null;
  private hidden: boolean;

  constructor(
    private readonly awareness: Awareness,
    private readonly selfUserId: string | null | undefined,
    hidden: boolean,
  ) {
    this.hidden = hidden;
    // Always set a field at the start: an empty first state is not broadcast.
    awareness.setLocalState({ hidden, activity: null });
    awareness.on("change", this.onChange);
    this.recompute();
  }

  private onChange = () => this.recompute();

  private recompute() {
    const next = computePresence(
      this.awareness.getStates() as Map<number, Record<string, unknown> | null>,
      this.awareness.clientID,
      this.selfUserId,
      this.snapshot,
    );
    if (next === this.snapshot) return;
    this.snapshot = next;
    this.listeners.forEach((l) => l());
  }

  private publishActivity() {
    const cardId = this.dragging ?? this.editing;
    const kind: PresenceKind = this.dragging ? "dragging" : "editing";
    const activity = cardId ? { kind, cardId } : null;
    const current = this.awareness.getLocalState()?.activity as { kind?: string; cardId?: string } | null | undefined;
    if ((current?.cardId ?? null) === (activity?.cardId ?? null) && (current?.kind ?? null) === (activity?.kind ?? null)) return;
    this.awareness.setLocalStateField("activity", activity);
  }

  getSnapshot = (): PresenceSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  setDragging = (cardId: string | null) => {
    this.dragging = cardId;
    this.publishActivity();
  };

  setEditing = (cardId: string | null) => {
    this.editing = cardId;
    this.publishActivity();
  };

  isHidden = () => this.hidden;

  setHidden = (hidden: boolean) => {
    this.hidden = hidden;
    this.awareness.setLocalStateField("hidden", hidden);
  };

  destroy() {
    this.awareness.off("change", this.onChange);
    this.listeners.clear();
  }
}

const noopSubscribe = () => () => {};
const serverSnapshot = () => EMPTY_SNAPSHOT;

/**
 * Presence for the board page. `awareness` is null until the live connection
 * exists (and on the server).
 */
export function usePresence(awareness: Awareness | null | undefined, selfUserId: string | null | undefined) {
  // The preference is read after hydration (the server cannot know it).
  const [hidden, setHiddenState] = useState(false);
  useEffect(() => setHiddenState(readHiddenPreference()), []);

  // Created in an effect (it writes the local awareness state), one per connection.
  const [store, setStore] = useState<PresenceStore | null>(null);
  useEffect(() => {
    if (!awareness) return;
    const s = new PresenceStore(awareness, selfUserId, readHiddenPreference());
    setStore(s);
    return () => {
      s.destroy();
      setStore(null);
    };
  }, [awareness, selfUserId]);

  const snapshot = useSyncExternalStore(
    store ? store.subscribe : noopSubscribe,
    store ? store.getSnapshot : serverSnapshot,
    serverSnapshot,
  );

  const setHidden = (next: boolean) => {
    writeHiddenPreference(next);
    setHiddenState(next);
    store?.setHidden(next);
  };

  return { store, people: snapshot.people, byCard: snapshot.byCard, hidden, setHidden };
}

/** The presence store for cards' markers (null without a live connection). */
export const PresenceContext = createContext<PresenceStore | null>(null);

const EMPTY_CARD: PresencePerson[] = [];

/** The other people dragging or editing one card; re-renders only when that card's list changes. */
export function useCardPresence(cardId: string): PresencePerson[] {
  const store = useContext(PresenceContext);
  return useSyncExternalStore(
    store ? store.subscribe : noopSubscribe,
    () => (store ? store.getSnapshot().byCard.get(cardId) ?? EMPTY_CARD : EMPTY_CARD),
    () => EMPTY_CARD,
  );
}
