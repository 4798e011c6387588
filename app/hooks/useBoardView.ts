/**
 * Filters and swimlanes of the board, kept in the URL so a view can be shared:
 *
 *   ?categorie=taal        one category
 *   ?organisatie=<orgId>   entered by (or held by) one organisation
 *   ?ons=1                 entered or held by my organisation
 *   ?open=1                not picked up yet: nobody holds it and its column's
 *                          stage is intake or open (needs the owners)
 *   ?ouderDan=14           entered more than N days ago
 *   ?q=tekst               in title, description or area
 *   ?banen=categorie|organisatie   one row (lane) per category or organisation
 *   ?kaarten=<id>,<id>,…   exactly these cards (at most CARD_LIST_MAX)
 *
 * The filtered view has the shape of the full `BoardView` (all cards stay in
 * `cardById`, only `cardsByColumn` is narrowed), and keeps every column's
 * array identity while its contents do not change, so unchanged columns and
 * cards do not re-render. Dragging works on the filtered lists: BoardColumns
 * places a dropped card next to its neighbour in the whole column.
 */
import { useCallback, useMemo, useRef, useSyncExternalStore } from "react";
import { useSearchParams } from "@remix-run/react";
import type { OrgInfo } from "~/components/board/Card";
import {
  ColumnCache,
  NO_FILTERS,
  buildLanes,
  cardMatcher,
  countCards,
  filtersActive,
  narrowView,
  parseFilters,
  stageLookupFor,
  writeFilters,
  type BoardFilters,
} from "~/board/filters";
import type { BoardView } from "./board-store";
import { useOwnershipContext } from "./useOwnership";

// The pure part lives in app/board/filters.ts; these names stay importable from here.
export * from "~/board/filters";

const noSubscribe = () => () => {};
const zero = () => 0;

/**
 * Owners from the claims engineer's ownership store, when the page provides
 * one; `undefined` otherwise. Re-renders when ownership changes.
 */
function useOwnerLookup(): ((requestId: string) => string | null) | undefined {
  const store = useOwnershipContext()?.store;
  // A counter that changes with every store notification (the store has no snapshot of its own).
  const version = useRef(0);
  const subscribe = useCallback(
    (cb: () => void) =>
      store
        ? store.subscribe(() => {
            version.current += 1;
            cb();
          })
        : noSubscribe(),
    [store],
  );
  const v = useSyncExternalStore(subscribe, store ? () => version.current : zero, zero);
  return useMemo(() => (store ? (id: string) => store.get(id).owner?.id ?? null : undefined), [store, v]);
}

export interface UseBoardViewOptions {
  orgById: ReadonlyMap<string, OrgInfo>;
  myOrgId: string | null | undefined;
  now: number;
  categoryLabel: (id: string) => string;
  otherLabel: string;
}

export function useBoardView(view: BoardView, opts: UseBoardViewOptions) {
  const [searchParams, setSearchParams] = useSearchParams();
  const search = searchParams.toString();
  const filters = useMemo(() => parseFilters(new URLSearchParams(search)), [search]);
  const ownerOf = useOwnerLookup();

  // The clock only matters for "older than": otherwise a tick must not re-filter.
  const now = filters.olderThanDays ? Math.floor(opts.now / 60_000) * 60_000 : 0;
  const myOrgId = opts.myOrgId ?? null;
  const usesOwners = filters.ours || filters.unclaimed || !!filters.organisation;
  const ownerDep = usesOwners ? ownerOf : undefined;

  const cacheRef = useRef<ColumnCache>();
  cacheRef.current ??= new ColumnCache();
  const laneCacheRef = useRef<ColumnCache>();
  laneCacheRef.current ??= new ColumnCache();

  // One matcher per filter setting, so a column whose cards did not change is not filtered again.
  const stageOf = useMemo(() => (filters.unclaimed ? stageLookupFor(view.columns) : undefined), [filters.unclaimed, view.columns]);
  const keep = useMemo(
    () => cardMatcher(filters, { myOrgId, now, ownerOf: ownerDep, stageOf }),
    [filters, myOrgId, now, ownerDep, stageOf],
  );
  const filtered = useMemo(() => {
    const out = narrowView(view, keep, cacheRef.current!);
    cacheRef.current!.commit();
    return out;
  }, [view, keep]);

  const { orgById, categoryLabel, otherLabel } = opts;
  const lanes = useMemo(() => {
    if (!filters.lanes) return null;
    const out = buildLanes(filtered, filters.lanes, orgById, { category: categoryLabel, otherLabel }, laneCacheRef.current!);
    laneCacheRef.current!.commit();
    return out;
  }, [filtered, filters.lanes, orgById, categoryLabel, otherLabel]);

  const total = useMemo(() => countCards(view), [view]);
  const shown = useMemo(() => countCards(filtered), [filtered]);

  const searchRef = useRef(search);
  searchRef.current = search;
  const setFilters = useCallback(
    (patch: Partial<BoardFilters>) => {
      const current = new URLSearchParams(searchRef.current);
      const next = writeFilters(current, { ...parseFilters(current), ...patch });
      if (next.toString() === current.toString()) return;
      setSearchParams(next, { replace: true, preventScrollReset: true });
    },
    [setSearchParams],
  );
  const clearFilters = useCallback(() => setFilters({ ...NO_FILTERS, lanes: filters.lanes }), [setFilters, filters.lanes]);

  return {
    filters,
    setFilters,
    clearFilters,
    active: filtersActive(filters),
    view: filtered,
    lanes,
    shown,
    total,
    ownersKnown: !!ownerOf,
  };
}
