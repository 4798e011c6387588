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
 *
 * The filtered view has the shape of the full `BoardView` (all cards stay in
 * `cardById`, only `cardsByColumn` is narrowed), and keeps every column's
 * array identity while its contents do not change, so unchanged columns and
 * cards do not re-render. Dragging works on the filtered lists: BoardColumns
 * places a dropped card next to its neighbour in the whole column.
 */
import { useCallback, useMemo, useRef, useSyncExternalStore } from "react";
import { useSearchParams } from "@remix-run/react";
import { holderRule, stageOfColumn } from "~/board/stages";
import type { CardView, ColumnView, Stage } from "~/board/types";
import type { OrgInfo } from "~/components/board/Card";
import type { BoardView } from "./board-store";
import { useOwnershipContext } from "./useOwnership";

export const FILTER_PARAMS = ["categorie", "organisatie", "ons", "open", "ouderDan", "q", "banen"] as const;
export type LaneMode = "categorie" | "organisatie";

export interface BoardFilters {
  category: string | null;
  organisation: string | null;
  ours: boolean;
  unclaimed: boolean;
  olderThanDays: number | null;
  q: string;
  lanes: LaneMode | null;
}

export const NO_FILTERS: BoardFilters = {
  category: null,
  organisation: null,
  ours: false,
  unclaimed: false,
  olderThanDays: null,
  q: "",
  lanes: null,
};

const DAY = 86_400_000;

export function parseFilters(params: URLSearchParams): BoardFilters {
  const days = Number(params.get("ouderDan"));
  const lanes = params.get("banen");
  return {
    category: params.get("categorie") || null,
    organisation: params.get("organisatie") || null,
    ours: params.get("ons") === "1",
    unclaimed: params.get("open") === "1",
    olderThanDays: Number.isFinite(days) && days > 0 ? Math.floor(days) : null,
    q: (params.get("q") ?? "").slice(0, 200),
    lanes: lanes === "categorie" || lanes === "organisatie" ? lanes : null,
  };
}

/** Write filters into search params (other params are kept). */
export function writeFilters(params: URLSearchParams, f: BoardFilters): URLSearchParams {
  const out = new URLSearchParams(params);
  for (const k of FILTER_PARAMS) out.delete(k);
  if (f.category) out.set("categorie", f.category);
  if (f.organisation) out.set("organisatie", f.organisation);
  if (f.ours) out.set("ons", "1");
  if (f.unclaimed) out.set("open", "1");
  if (f.olderThanDays) out.set("ouderDan", String(f.olderThanDays));
  if (f.q.trim()) out.set("q", f.q);
  if (f.lanes) out.set("banen", f.lanes);
  return out;
}

/** Whether any filter narrows the cards (lanes only arrange them). */
export function filtersActive(f: BoardFilters): boolean {
  return !!(f.category || f.organisation || f.ours || f.unclaimed || f.olderThanDays || f.q.trim());
}

/**
 * True when two URLs of the board differ only in filter params: the route's
 * `shouldRevalidate` uses it so changing a filter does not reload the board.
 */
export function onlyFilterParamsChanged(a: URL, b: URL): boolean {
  if (a.pathname !== b.pathname) return false;
  const strip = (u: URL) => {
    const p = new URLSearchParams(u.search);
    for (const k of FILTER_PARAMS) p.delete(k);
    p.sort();
    return p.toString();
  };
  return strip(a) === strip(b) && a.search !== b.search;
}

/** Lower case without accents, for matching "cafe" with "Taalcafé". */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

export interface FilterContext {
  myOrgId: string | null;
  now: number;
  /**
   * The organisation holding a request (null: nobody), or undefined when the
   * owners are not known on this page.
   */
  ownerOf?: (requestId: string) => string | null;
  /** A column's stage: "not picked up" leaves out held and done columns. */
  stageOf?: (columnId: string) => Stage;
}

/** A column's stage by id, for the filter (a card in an unknown column is shown in the first). */
export function stageLookupFor(columns: readonly ColumnView[]): (columnId: string) => Stage {
  const known = new Map(columns.map((c) => [c.id, c.stage]));
  return (id) => known.get(id) ?? stageOfColumn(columns, id);
}

export function cardMatcher(f: BoardFilters, ctx: FilterContext): ((card: CardView) => boolean) | null {
  if (!filtersActive(f)) return null;
  const words = fold(f.q).split(/\s+/).filter(Boolean);
  const cutoff = f.olderThanDays ? ctx.now - f.olderThanDays * DAY : null;
  const ownerOf = ctx.ownerOf;
  return (card) => {
    if (f.category && card.category !== f.category) return false;
    if (f.organisation && card.createdByOrg !== f.organisation && (!ownerOf || ownerOf(card.id) !== f.organisation)) {
      return false;
    }
    if (f.ours) {
      if (!ctx.myOrgId) return false;
      if (card.createdByOrg !== ctx.myOrgId && (!ownerOf || ownerOf(card.id) !== ctx.myOrgId)) return false;
    }
    // Without owners on the page the filter cannot be applied (the filter bar says so).
    if (f.unclaimed && ownerOf && ownerOf(card.id) !== null) return false;
    if (f.unclaimed && ctx.stageOf && holderRule(ctx.stageOf(card.column)) !== "none") return false;
    if (cutoff !== null && !(card.createdAt > 0 && card.createdAt <= cutoff)) return false;
    if (words.length) {
      const text = fold(`${card.title}\n${card.description}\n${card.area}`);
      if (!words.every((w) => text.includes(w))) return false;
    }
    return true;
  };
}

function sameItems<T>(a: readonly T[] | undefined, b: readonly T[]): a is T[] {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Filtered {
  source: CardView[];
  keep: (card: CardView) => boolean;
  out: CardView[];
}

/**
 * A column cache: keeps the previous array for a key while its items are the
 * same, and the filtered list of a column while neither the column's array
 * nor the filter changed (a card moved elsewhere filters no column again).
 */
export class ColumnCache {
  private cache = new Map<string, CardView[]>();
  private next = new Map<string, CardView[]>();
  private filtered = new Map<string, Filtered>();
  private nextFiltered = new Map<string, Filtered>();
  keep(key: string, list: CardView[]): CardView[] {
    const before = this.cache.get(key);
    const out = sameItems(before, list) ? before : list;
    this.next.set(key, out);
    return out;
  }
  /** The cards of `source` that `keep` accepts (`source` itself when it loses none). */
  filter(key: string, source: CardView[], keep: (card: CardView) => boolean): CardView[] {
    const seen = this.filtered.get(key);
    let out: CardView[];
    if (seen && seen.source === source && seen.keep === keep) out = seen.out;
    else {
      const list = source.filter(keep);
      out = list.length === source.length ? source : list;
    }
    out = out === source ? source : this.keep(key, out);
    this.nextFiltered.set(key, { source, keep, out });
    return out;
  }
  /** Forget keys not used since the last commit. */
  commit() {
    this.cache = this.next;
    this.next = new Map();
    this.filtered = this.nextFiltered;
    this.nextFiltered = new Map();
  }
}

/** Narrow a view to the cards that `keep` accepts (columns that lose nothing keep their array). */
export function narrowView(
  view: BoardView,
  keep: ((card: CardView) => boolean) | null,
  cache: ColumnCache,
  prefix = "",
): BoardView {
  if (!keep) return view;
  const cardsByColumn: Record<string, CardView[]> = {};
  for (const [col, list] of Object.entries(view.cardsByColumn)) {
    cardsByColumn[col] = cache.filter(`${prefix}${col}`, list, keep);
  }
  return { ...view, cardsByColumn };
}

export interface Lane {
  key: string;
  label: string;
  color?: string;
  view: BoardView;
  count: number;
}

export const OTHER_LANE = "__overig";

/** Count the visible cards of a view. */
export function countCards(view: BoardView): number {
  let n = 0;
  for (const c of view.columns) n += view.cardsByColumn[c.id]?.length ?? 0;
  return n;
}

/**
 * Split a (filtered) view into lanes: one per category or organisation that
 * has cards, in the board's category order or by organisation name.
 */
export function buildLanes(
  view: BoardView,
  mode: LaneMode,
  orgById: ReadonlyMap<string, OrgInfo>,
  labels: { category: (id: string) => string; otherLabel: string },
  cache: ColumnCache,
): Lane[] {
  const keyOf =
    mode === "categorie"
      ? (card: CardView) => (view.categoryById.has(card.category) ? card.category : OTHER_LANE)
      : (card: CardView) => (orgById.has(card.createdByOrg) ? card.createdByOrg : OTHER_LANE);
  const present = new Set<string>();
  for (const c of view.columns) for (const card of view.cardsByColumn[c.id] ?? []) present.add(keyOf(card));
  let keys: string[];
  if (mode === "categorie") keys = view.categories.map((c) => c.id).filter((id) => present.has(id));
  else {
    keys = [...present]
      .filter((k) => k !== OTHER_LANE)
      .sort((a, b) => (orgById.get(a)?.name ?? a).localeCompare(orgById.get(b)?.name ?? b, "nl"));
  }
  if (present.has(OTHER_LANE)) keys.push(OTHER_LANE);
  return keys.map((key) => {
    const laneView = narrowView(view, (card) => keyOf(card) === key, cache, `${mode}:${key}:`);
    const label =
      key === OTHER_LANE
        ? labels.otherLabel
        : mode === "categorie"
          ? labels.category(key)
          : orgById.get(key)?.name ?? key;
    const color = key === OTHER_LANE ? undefined : mode === "categorie" ? view.categoryById.get(key)?.color : orgById.get(key)?.color;
    return { key, label, color, view: laneView, count: countCards(laneView) };
  });
}

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
