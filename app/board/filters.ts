/**
 * The board's filters and swimlanes as pure functions (moved out of
 * app/hooks/useBoardView.ts, which keeps them in the URL): parse and write the
 * search params, match cards, narrow a view, split it into lanes. The board
 * page, the presenter view and "follow the facilitator" share them.
 *
 *   ?categorie=taal        one category
 *   ?organisatie=<orgId>   entered by (or held by) one organisation
 *   ?ons=1                 entered or held by my organisation
 *   ?open=1                not picked up yet: nobody holds it and its column's
 *                          stage is intake or open (needs the owners)
 *   ?ouderDan=14           entered more than N days ago
 *   ?q=tekst               in title, description or area
 *   ?banen=categorie|organisatie   one row (lane) per category or organisation
 *   ?kaarten=<id>,<id>,…   exactly these cards (a count of "since the last
 *                          meeting", an agenda item's list); at most
 *                          CARD_LIST_MAX ids, the rest is ignored
 *
 * Pure: no React, no IO.
 */
import { holderRule, stageOfColumn } from "./stages";
import type { CardView, ColumnView, Stage } from "./types";
import type { BoardView } from "./view";

/** What lanes need to know of an organisation (app/components/board/Card.tsx OrgInfo fits). */
export interface LaneOrg {
  name: string;
  color?: string;
}

export const FILTER_PARAMS = ["categorie", "organisatie", "ons", "open", "ouderDan", "q", "banen", "kaarten"] as const;
export type LaneMode = "categorie" | "organisatie";

export interface BoardFilters {
  category: string | null;
  organisation: string | null;
  ours: boolean;
  unclaimed: boolean;
  olderThanDays: number | null;
  q: string;
  lanes: LaneMode | null;
  /** Only these cards (null: no such filter). */
  cards: string[] | null;
}

export const NO_FILTERS: BoardFilters = {
  category: null,
  organisation: null,
  ours: false,
  unclaimed: false,
  olderThanDays: null,
  q: "",
  lanes: null,
  cards: null,
};

const DAY = 86_400_000;

/**
 * At most this many ids in a `kaarten=` list: 100 ids of 36 characters make
 * a URL of about 3.7 kB, well inside what browsers, proxies (nginx's 8 kB
 * header buffers) and the server accept.
 */
export const CARD_LIST_MAX = 100;
const CARD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The ids of a `kaarten=` value: well-formed, unique, at most CARD_LIST_MAX; null when none. */
export function parseCardList(raw: string | null): string[] | null {
  if (!raw) return null;
  const ids = [...new Set(raw.split(",").map((s) => s.trim()).filter((s) => CARD_ID.test(s)))].slice(0, CARD_LIST_MAX);
  return ids.length ? ids : null;
}

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
    cards: parseCardList(params.get("kaarten")),
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
  if (f.cards?.length) out.set("kaarten", f.cards.join(","));
  return out;
}

/** Whether any filter narrows the cards (lanes only arrange them). */
export function filtersActive(f: BoardFilters): boolean {
  return !!(f.category || f.organisation || f.ours || f.unclaimed || f.olderThanDays || f.q.trim() || f.cards?.length);
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
  const only = f.cards?.length ? new Set(f.cards) : null;
  return (card) => {
    if (only && !only.has(card.id)) return false;
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
  orgById: ReadonlyMap<string, LaneOrg>,
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
