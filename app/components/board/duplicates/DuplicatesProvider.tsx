/**
 * Possible duplicates on the board, as the server sees them.
 *
 *   <DuplicatesProvider boardId={board.id}>…</DuplicatesProvider>   (inside <RealtimeProvider>)
 *   <DuplicateBadge requestId={card.id} locale={locale} />          (inside a card)
 *
 * Fetches /api/boards/<id>/duplicates on load, on every (re)join of the
 * socket and on `duplicates:changed`. Cards read only their own entry from a
 * small store (useSyncExternalStore), so a new duplicate re-renders the
 * badges of the cards concerned and not the (memoised) cards around them.
 *
 * It also shows the warnings the server gave when a new request was saved
 * (`showCreateWarnings`), in a status message that outlives the closed dialog.
 */
import {
  createContext,
  createElement,
  Fragment,
  memo,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import { useRealtime, useRealtimeConnected } from "~/hooks/useRealtime";
import { translator, useT, type Locale } from "~/i18n";

export type DuplicateKind = "exact" | "near" | "household";

export interface DuplicateGroupJson {
  kind: DuplicateKind;
  requestIds: string[];
  categories: string[];
  organisations: string[];
  score?: number;
}

/** What the server says when a request is (about to be) saved: organisation and category only. */
export interface IntakeWarningJson {
  organisationId: string;
  organisation: string;
  category: string;
  categoryLabel: string;
  sameCategory: boolean;
}

/** The kinds that put a "Dubbel?" badge on a card (a household's parallel requests are no duplicates). */
const BADGE_KINDS: ReadonlySet<DuplicateKind> = new Set(["exact", "near"]);

export class DuplicateStore {
  /** requestId → "exact" | "near" (exact wins). */
  private kinds = new Map<string, DuplicateKind>();
  private readonly listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  get = (requestId: string): DuplicateKind | null => this.kinds.get(requestId) ?? null;

  /** Replace the groups; listeners hear about it only when a card's entry changed. */
  replace(groups: DuplicateGroupJson[]) {
    const next = new Map<string, DuplicateKind>();
    for (const g of groups) {
      if (!BADGE_KINDS.has(g.kind)) continue;
      for (const id of g.requestIds) if (next.get(id) !== "exact") next.set(id, g.kind);
    }
    let changed = next.size !== this.kinds.size;
    if (!changed) for (const [id, k] of next) if (this.kinds.get(id) !== k) changed = true;
    if (!changed) return;
    this.kinds = next;
    this.listeners.forEach((l) => l());
  }
}

interface DuplicatesContextValue {
  store: DuplicateStore;
  boardId: string;
  showCreateWarnings: (warnings: IntakeWarningJson[]) => void;
}

const DuplicatesContext = createContext<DuplicatesContextValue | null>(null);

export function DuplicatesProvider({ boardId, children }: { boardId: string; children?: ReactNode }) {
  const realtime = useRealtime();
  const connected = useRealtimeConnected();
  const [store] = useState(() => new DuplicateStore());
  const [warnings, setWarnings] = useState<IntakeWarningJson[]>([]);

  const abortRef = useRef<AbortController | null>(null);
  const timer = useRef<number>();
  const lastFetch = useRef(0);
  const refresh = useCallback(() => {
    lastFetch.current = Date.now();
    abortRef.current?.abort();
    const abort = new AbortController();
    abortRef.current = abort;
    fetch(`/api/boards/${encodeURIComponent(boardId)}/duplicates`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: abort.signal,
    })
      .then(async (res) => {
        if (!res.ok) return;
        const body = (await res.json()) as { groups?: DuplicateGroupJson[] };
        if (!abort.signal.aborted) store.replace(body.groups ?? []);
      })
      .catch(() => {
        /* offline: the next (re)join fetches again */
      });
  }, [boardId, store]);
  /** Several events in a row (a merge archives and announces) lead to one request. */
  const refreshSoon = useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(refresh, 150);
  }, [refresh]);

  useEffect(() => {
    refresh();
    return () => {
      abortRef.current?.abort();
      window.clearTimeout(timer.current);
    };
  }, [refresh]);

  // Events may have been missed while the socket was away (on a large board the
  // answer is not free: the first join right after the page's own fetch is skipped).
  const wasConnected = useRef(false);
  useEffect(() => {
    if (connected && wasConnected.current === false) {
      wasConnected.current = true;
      if (Date.now() - lastFetch.current > 3000) refreshSoon();
    } else if (!connected) wasConnected.current = false;
  }, [connected, refreshSoon]);

  useEffect(() => {
    if (!realtime) return;
    return realtime.on("duplicates:changed", (p) => {
      if (!p?.boardId || p.boardId === boardId) refreshSoon();
    });
  }, [realtime, boardId, refreshSoon]);

  const showCreateWarnings = useCallback((list: IntakeWarningJson[]) => setWarnings(list), []);
  const clearWarnings = useCallback(() => setWarnings([]), []);
  const value = useMemo(() => ({ store, boardId, showCreateWarnings }), [store, boardId, showCreateWarnings]);

  return createElement(
    DuplicatesContext.Provider,
    { value },
    createElement(
      Fragment,
      null,
      children,
      createElement(CreateWarnings, { warnings, onClose: clearWarnings }),
    ),
  );
}

export function useDuplicatesContext(): DuplicatesContextValue | null {
  return useContext(DuplicatesContext);
}

const noop = () => () => {};
const none = () => null;

/** This card's duplicate kind ("exact" | "near") or null; re-renders only when that changes. */
export function useDuplicateKind(requestId: string): DuplicateKind | null {
  const store = useContext(DuplicatesContext)?.store;
  const get = useCallback(() => (store ? store.get(requestId) : null), [store, requestId]);
  return useSyncExternalStore(store ? store.subscribe : noop, store ? get : none, none);
}

/** "Dubbel?" on a card that may be a duplicate of another open request (`data-testid="duplicate-badge"`). */
export const DuplicateBadge = memo(function DuplicateBadge({ requestId, locale }: { requestId: string; locale: Locale }) {
  const kind = useDuplicateKind(requestId);
  if (!kind) return null;
  const t = translator(locale);
  const help = kind === "exact" ? t("dup.badge.exact") : t("dup.badge.near");
  return (
    <span className="duplicate-badge" data-testid="duplicate-badge" data-kind={kind} title={help}>
      <svg aria-hidden="true" focusable="false" width="12" height="12" viewBox="0 0 24 24">
        <rect x="3" y="7" width="12" height="14" rx="2" fill="none" stroke="currentColor" strokeWidth="2.5" />
        <path d="M9 3h10a2 2 0 0 1 2 2v12" fill="none" stroke="currentColor" strokeWidth="2.5" />
      </svg>
      {t("dup.badge")}
      <span className="visually-hidden"> {help}</span>
    </span>
  );
});

/** The warnings of a request that was just saved; stays until closed (or 20 s). */
function CreateWarnings({ warnings, onClose }: { warnings: IntakeWarningJson[]; onClose: () => void }) {
  const t = useT();
  useEffect(() => {
    if (!warnings.length) return;
    const timer = window.setTimeout(onClose, 20_000);
    return () => window.clearTimeout(timer);
  }, [warnings, onClose]);
  return (
    <div className="dup-toast-region" role="status" aria-live="polite" data-testid="create-warnings">
      {warnings.length ? (
        <div className="dup-toast">
          <p className="dup-toast-title">{t("dup.created.title")}</p>
          <ul>
            {warnings.map((w) => (
              <li key={`${w.organisationId}|${w.category}`}>
                {t(w.sameCategory ? "dup.intake.same" : "dup.intake.other", {
                  org: w.organisation,
                  category: w.categoryLabel.toLocaleLowerCase(),
                })}
              </li>
            ))}
          </ul>
          <button type="button" className="button secondary small" onClick={onClose}>
            {t("dup.created.close")}
          </button>
        </div>
      ) : null}
    </div>
  );
}
