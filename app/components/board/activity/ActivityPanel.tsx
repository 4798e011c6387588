/**
 * The board's activity: a toolbar toggle and a side panel with the newest
 * entries first. The first page comes from the loader, new entries stream in
 * over the board's realtime connection ('activity:new'), older pages are
 * fetched with ?before=. The feed is kept while the panel is closed.
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import type { BoardView } from "~/hooks/board-store";
import { useRealtime, useRealtimeConnected } from "~/hooks/useRealtime";
import { translator, type Locale, type Translate } from "~/i18n";
import type { ActivityEntry } from "~/lib/sync-client";
import type { OrgInfo } from "../Card";
import { cardAge } from "../labels";
import { describeActivity, mergeEntries, type ActivityNames } from "./describe";
import { useTopbarBottom } from "~/components/toast/useTopbarBottom";
import { AnnounceSwitch } from "../feedback/AnnounceSwitch";

export const ACTIVITY_PAGE = 50;
export const ACTIVITY_PANEL_ID = "activity-panel";

export function activityUrl(boardId: string, query: Record<string, string | number>): string {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return `/api/boards/${encodeURIComponent(boardId)}/activity?${qs}`;
}

export async function fetchActivity(boardId: string, query: Record<string, string | number>, signal?: AbortSignal) {
  const res = await fetch(activityUrl(boardId, query), {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    signal,
  });
  if (!res.ok) throw new Error(String(res.status));
  return (await res.json()) as ActivityEntry[];
}

/** The names the sentences need, from the board view and the alliance's organisations. */
export function useActivityNames(view: BoardView, orgById: ReadonlyMap<string, OrgInfo>): ActivityNames {
  const { cardById, columns, categoryById } = view;
  return useMemo(
    () => ({
      cardTitle: (id: string) => cardById.get(id)?.title,
      columns,
      categoryById,
      orgName: (id: string) => orgById.get(id)?.shortName,
    }),
    [cardById, columns, categoryById, orgById],
  );
}

/** The board feed: loader entries, live entries, and older pages on request. */
function useActivityFeed(boardId: string, initial: readonly ActivityEntry[]) {
  const realtime = useRealtime();
  const connected = useRealtimeConnected();
  const [entries, setEntries] = useState<ActivityEntry[]>(() => mergeEntries([], initial));
  const [hasMore, setHasMore] = useState(initial.length >= ACTIVITY_PAGE);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);

  // A revalidated loader brings the newest page again: merge, never replace.
  useEffect(() => setEntries((cur) => mergeEntries(cur, initial)), [initial]);

  useEffect(() => realtime?.on("activity:new", (rows) => setEntries((cur) => mergeEntries(cur, rows))), [realtime]);

  // After a reconnect, fetch the newest page for whatever was missed meanwhile.
  const wasConnected = useRef(false);
  useEffect(() => {
    if (!connected) return;
    if (!wasConnected.current) {
      wasConnected.current = true;
      return;
    }
    const abort = new AbortController();
    fetchActivity(boardId, { limit: ACTIVITY_PAGE }, abort.signal)
      .then((rows) => setEntries((cur) => mergeEntries(cur, rows)))
      .catch(() => {});
    return () => abort.abort();
  }, [connected, boardId]);

  const entriesRef = useRef(entries);
  entriesRef.current = entries;
  const loadMore = useCallback(async () => {
    const list = entriesRef.current;
    const oldest = list.length ? list[list.length - 1].id : undefined;
    setLoading(true);
    setFailed(false);
    try {
      const rows = await fetchActivity(boardId, oldest ? { before: oldest, limit: ACTIVITY_PAGE } : { limit: ACTIVITY_PAGE });
      setEntries((cur) => mergeEntries(cur, rows));
      setHasMore(rows.length >= ACTIVITY_PAGE);
    } catch {
      setFailed(true);
    } finally {
      setLoading(false);
    }
  }, [boardId]);

  return { entries, hasMore, loading, failed, loadMore };
}

export function ActivityToggle({ open, onToggle, t }: { open: boolean; onToggle: () => void; t: Translate }) {
  return (
    <button
      type="button"
      className="button secondary"
      aria-expanded={open}
      aria-controls={open ? ACTIVITY_PANEL_ID : undefined}
      onClick={onToggle}
      data-testid="activity-toggle"
    >
      <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 24 24">
        <path d="M3 12h4l3-7 4 14 3-7h4" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinejoin="round" strokeLinecap="round" />
      </svg>
      {t("act.toggle")}
    </button>
  );
}

/** One entry: a sentence and its relative time; a button that opens the card when it is on the board. */
export function ActivityItem({
  entry,
  names,
  t,
  locale,
  now,
  onOpenCard,
}: {
  entry: ActivityEntry;
  names: ActivityNames;
  t: Translate;
  locale: Locale;
  now: number;
  onOpenCard?: (id: string) => void;
}) {
  const sentence = describeActivity(t, entry, names);
  const when = (
    <time className="activity-time" dateTime={new Date(entry.createdAt).toISOString()} suppressHydrationWarning>
      {cardAge(t, entry.createdAt, Math.max(now, entry.createdAt), locale)}
    </time>
  );
  const canOpen = !!onOpenCard && !!entry.requestId && names.cardTitle(entry.requestId) !== undefined;
  return (
    <li className="activity-item" data-activity-id={entry.id} data-activity-type={entry.type} data-request-id={entry.requestId ?? undefined}>
      {canOpen ? (
        <button type="button" className="activity-entry" onClick={() => onOpenCard!(entry.requestId!)}>
          <span className="activity-text">{sentence}</span> {when}
        </button>
      ) : (
        <span className="activity-entry">
          <span className="activity-text">{sentence}</span> {when}
        </span>
      )}
    </li>
  );
}

export interface ActivityPanelProps {
  open: boolean;
  onClose: () => void;
  boardId: string;
  /** The newest entries, from the loader. */
  initial: readonly ActivityEntry[];
  view: BoardView;
  orgById: ReadonlyMap<string, OrgInfo>;
  locale: Locale;
  now: number;
  onOpenCard: (id: string) => void;
}

/** Always mounted (the feed keeps streaming while closed); renders only when open. */
export function ActivityPanel({ open, onClose, boardId, initial, view, orgById, locale, now, onOpenCard }: ActivityPanelProps) {
  const t = translator(locale);
  const headingId = useId();
  const feed = useActivityFeed(boardId, initial);
  const names = useActivityNames(view, orgById);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) closeRef.current?.focus({ preventScroll: true });
  }, [open]);
  useTopbarBottom(open);

  if (!open) return null;
  return (
    <aside
      id={ACTIVITY_PANEL_ID}
      className="activity-panel"
      aria-labelledby={headingId}
      data-testid="activity-panel"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
          document.querySelector<HTMLElement>('[data-testid="activity-toggle"]')?.focus();
        }
      }}
    >
      <div className="activity-head">
        <h2 id={headingId}>{t("act.title")}</h2>
        <button
          type="button"
          className="icon-button"
          ref={closeRef}
          onClick={() => {
            onClose();
            document.querySelector<HTMLElement>('[data-testid="activity-toggle"]')?.focus();
          }}
          aria-label={t("act.close")}
          title={t("act.close")}
        >
          <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 24 24">
            <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
          </svg>
        </button>
      </div>
      <AnnounceSwitch t={t} />
      {feed.entries.length === 0 ? (
        <p className="muted small">{t("act.empty")}</p>
      ) : (
        <ol className="activity-list" aria-label={t("act.listLabel")}>
          {feed.entries.map((entry) => (
            <ActivityItem key={entry.id} entry={entry} names={names} t={t} locale={locale} now={now} onOpenCard={onOpenCard} />
          ))}
        </ol>
      )}
      {feed.failed ? (
        <p className="alert error small" role="alert">
          {t("act.loadFailed")}
        </p>
      ) : null}
      {feed.hasMore ? (
        <button
          type="button"
          className="button secondary small activity-more"
          onClick={() => void feed.loadMore()}
          disabled={feed.loading}
          data-testid="activity-more"
        >
          {feed.loading ? t("act.loading") : t("act.more")}
        </button>
      ) : null}
    </aside>
  );
}
