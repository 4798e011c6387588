import { describe, expect, it } from "vitest";
import { cardView } from "../factories/views";
import type { CardView } from "../../app/board/types";
import { describeActivity, mergeEntries, quoteTitle, type ActivityNames } from "../../app/components/board/activity/describe";
import { deriveView } from "../../app/hooks/board-store";
import {
  ColumnCache,
  buildLanes,
  cardMatcher,
  narrowView,
  onlyFilterParamsChanged,
  parseFilters,
  writeFilters,
  NO_FILTERS,
} from "../../app/hooks/useBoardView";
import { CARD_LIST_MAX } from "../../app/board/filters";
import { computePresence } from "../../app/hooks/usePresence";
import { translator } from "../../app/i18n";
import type { ActivityEntry } from "../../app/lib/sync-client";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 1);

const columns = [
  { id: "nieuw", name: "Nieuw", order: "a0", stage: "intake" as const },
  { id: "open", name: "Open", order: "a1", stage: "open" as const },
];
const categories = [
  { id: "wonen", label: "Wonen", color: "#1f4e79", icon: "home" as const, order: "a0" },
  { id: "taal", label: "Taal", color: "#9a5b00", icon: "chat" as const, order: "a1" },
];

const card = (id: string, over: Partial<CardView> = {}): CardView => cardView(id, { createdAt: NOW - DAY, updatedAt: 0, ...over });

const cards = [
  card("1", { category: "taal", title: "Taalcafé in de bibliotheek" }),
  card("2", { createdByOrg: "org-b", createdAt: NOW - 20 * DAY }),
  card("3", { column: "open", category: "taal", area: "Angelslo", createdByOrg: "org-b" }),
  card("4", { column: "open", description: "Hulp bij de huurtoeslag" }),
];
const view = deriveView(null, columns, categories, cards);
const orgById = new Map([
  ["org-a", { id: "org-a", name: "Gemeente Emmen", shortName: "Gemeente", color: "#1f4e79" }],
  ["org-b", { id: "org-b", name: "Taalhuis Emmen", shortName: "Taalhuis", color: "#0b6e6e" }],
]);

const ids = (list: CardView[] | undefined) => (list ?? []).map((c) => c.id);

describe("filters in the URL", () => {
  it("parse and write round-trip, keeping other params", () => {
    const p = new URLSearchParams("categorie=taal&ons=1&ouderDan=14&q=kamer&banen=organisatie&nieuw=1");
    const f = parseFilters(p);
    expect(f).toEqual({ category: "taal", organisation: null, ours: true, unclaimed: false, olderThanDays: 14, q: "kamer", lanes: "organisatie", cards: null });
    expect(writeFilters(p, NO_FILTERS).toString()).toBe("nieuw=1");
    expect(parseFilters(writeFilters(new URLSearchParams(), f))).toEqual(f);
    expect(parseFilters(new URLSearchParams("ouderDan=-3&banen=iets")).olderThanDays).toBeNull();
  });

  it("knows when only filter params changed (no reload needed)", () => {
    const u = (s: string) => new URL(`http://x/boards/b1${s}`);
    expect(onlyFilterParamsChanged(u(""), u("?categorie=taal"))).toBe(true);
    expect(onlyFilterParamsChanged(u("?q=a"), u("?q=ab&banen=categorie"))).toBe(true);
    expect(onlyFilterParamsChanged(u(""), u("?nieuw=1"))).toBe(false);
    expect(onlyFilterParamsChanged(u(""), new URL("http://x/boards/b2?categorie=taal"))).toBe(false);
  });
});

describe("filtering the view", () => {
  const match = (search: string, ownerOf?: (id: string) => string | null) =>
    narrowView(view, cardMatcher(parseFilters(new URLSearchParams(search)), { myOrgId: "org-a", now: NOW, ownerOf }), new ColumnCache());

  it("filters by category, organisation, age and text (accents ignored)", () => {
    expect(ids(match("categorie=taal").cardsByColumn.nieuw)).toEqual(["1"]);
    expect(ids(match("organisatie=org-b").cardsByColumn.open)).toEqual(["3"]);
    expect(ids(match("ouderDan=14").cardsByColumn.nieuw)).toEqual(["2"]);
    expect(ids(match("q=taalcafe").cardsByColumn.nieuw)).toEqual(["1"]);
    expect(ids(match("q=angelslo").cardsByColumn.open)).toEqual(["3"]);
    expect(ids(match("q=huurtoeslag").cardsByColumn.open)).toEqual(["4"]);
  });

  it("'kaarten' shows exactly the listed cards, combined with the other filters; bad and surplus ids are dropped", () => {
    expect(ids(match("kaarten=1,4").cardsByColumn.nieuw)).toEqual(["1"]);
    expect(ids(match("kaarten=1,4").cardsByColumn.open)).toEqual(["4"]);
    expect(ids(match("kaarten=1,4&categorie=taal").cardsByColumn.open)).toEqual([]);
    expect(ids(match("kaarten=onbekend").cardsByColumn.nieuw)).toEqual([]);
    expect(parseFilters(new URLSearchParams("kaarten=a,,b,a,<script>,c d")).cards).toEqual(["a", "b"]);
    expect(parseFilters(new URLSearchParams("kaarten=,")).cards).toBeNull();
    const many = Array.from({ length: CARD_LIST_MAX + 10 }, (_, i) => `k${i}`).join(",");
    expect(parseFilters(new URLSearchParams(`kaarten=${many}`)).cards).toHaveLength(CARD_LIST_MAX);
    expect(writeFilters(new URLSearchParams("kaarten=1,4&x=1"), { ...NO_FILTERS, cards: ["2"] }).toString()).toBe("x=1&kaarten=2");
  });

  it("'ours' means entered or held by my organisation; 'open' means held by nobody", () => {
    const owners: Record<string, string | null> = { "3": "org-a", "4": "org-b" };
    const ownerOf = (id: string) => owners[id] ?? null;
    expect(ids(match("ons=1").cardsByColumn.open)).toEqual(["4"]);
    expect(ids(match("ons=1", ownerOf).cardsByColumn.open)).toEqual(["3", "4"]);
    expect(ids(match("open=1", ownerOf).cardsByColumn.open)).toEqual([]);
    expect(ids(match("open=1", ownerOf).cardsByColumn.nieuw)).toEqual(["1", "2"]);
  });

  it("keeps all cards in cardById and unchanged columns by identity", () => {
    const cache = new ColumnCache();
    const keep = cardMatcher(parseFilters(new URLSearchParams("organisatie=org-a")), { myOrgId: null, now: NOW });
    const a = narrowView(view, keep, cache);
    cache.commit();
    const b = narrowView(view, keep, cache);
    expect(a.cardById).toBe(view.cardById);
    expect(b.cardsByColumn.nieuw).toBe(a.cardsByColumn.nieuw);
    expect(narrowView(view, null, cache)).toBe(view);
  });

  it("builds swimlanes per category and per organisation", () => {
    const labels = { category: (id: string) => id.toUpperCase(), otherLabel: "Overig" };
    const byCat = buildLanes(view, "categorie", orgById, labels, new ColumnCache());
    expect(byCat.map((l) => [l.key, l.count])).toEqual([["wonen", 2], ["taal", 2]]);
    expect(ids(byCat[1].view.cardsByColumn.open)).toEqual(["3"]);
    const byOrg = buildLanes(view, "organisatie", orgById, labels, new ColumnCache());
    expect(byOrg.map((l) => l.label)).toEqual(["Gemeente Emmen", "Taalhuis Emmen"]);
  });
});

describe("presence from awareness states", () => {
  const user = (id: string, name: string) => ({ id, name, orgId: "o", orgName: "Org", color: "#1f4e79" });
  it("drops hidden states and oneself, counts a person once, maps cards to people", () => {
    const states = new Map<number, Record<string, unknown> | null>([
      [1, { hidden: false, activity: null }], // own client
      [2, { user: user("u2", "Fenna"), activity: { kind: "editing", cardId: "c1" } }],
      [3, { user: user("u2", "Fenna"), activity: null }], // second tab
      [4, { hidden: true }],
      [5, { user: user("me", "Ik"), activity: { kind: "dragging", cardId: "c2" } }], // my other tab
      [6, { user: user("u3", "Anouk"), activity: { kind: "dragging", cardId: "c1" } }],
    ]);
    const p = computePresence(states, 1, "me");
    expect(p.people.map((x) => x.name)).toEqual(["Anouk", "Fenna"]);
    expect(p.byCard.get("c1")!.map((x) => x.id)).toEqual(["u3", "u2"]);
    expect(p.byCard.has("c2")).toBe(false);
    // Unchanged: the same snapshot; one card's change keeps the other lists.
    expect(computePresence(states, 1, "me", p)).toBe(p);
    states.set(7, { user: user("u4", "Samira"), activity: { kind: "editing", cardId: "c9" } });
    const q = computePresence(states, 1, "me", p);
    expect(q.byCard.get("c1")).toBe(p.byCard.get("c1"));
    expect(q.byCard.get("c9")!.map((x) => x.name)).toEqual(["Samira"]);
  });
});

describe("activity sentences", () => {
  const t = translator("nl");
  const names: ActivityNames = {
    cardTitle: (id) => (id === "r1" ? "Taalmaatje voor moeder met jonge kinderen en een lange titel" : undefined),
    columns,
    categoryById: view.categoryById,
    orgName: (id) => orgById.get(id)?.shortName,
  };
  const entry = (type: string, data: Record<string, unknown> | null = null, over: Partial<ActivityEntry> = {}): ActivityEntry => ({
    id: 1,
    boardId: "b",
    requestId: "r1",
    type,
    data,
    createdAt: NOW,
    userId: "u",
    userName: "Fenna Dijkstra",
    orgId: "org-b",
    orgName: "Taalhuis",
    ...over,
  });

  it("reads as Dutch sentences with the person, organisation and names", () => {
    expect(describeActivity(t, entry("moved", { from: "nieuw", to: "open" }), names)).toBe(
      "Fenna Dijkstra (Taalhuis) verplaatste ‘Taalmaatje voor moeder met jonge kinder…’ van Nieuw naar Open",
    );
    expect(describeActivity(t, entry("edited", { field: "title", from: "A", to: "B" }), names)).toBe(
      "Fenna Dijkstra (Taalhuis) wijzigde de titel van ‘A’ in ‘B’",
    );
    expect(describeActivity(t, entry("claimed", { org: "org-b" }), names)).toMatch(/^Fenna Dijkstra \(Taalhuis\) pakte ‘Taalmaatje.*’ op$/);
    expect(describeActivity(t, entry("referred", { from: "org-b", to: "org-a" }), names)).toMatch(/verwees ‘.*’ door naar Gemeente$/);
    expect(describeActivity(t, entry("edited", { field: "category", from: "wonen", to: "taal" }), names)).toMatch(
      /wijzigde de categorie van ‘.*’ van Wonen in Taal$/,
    );
    expect(describeActivity(t, entry("created", { title: "Nieuwe vraag", category: "taal" }, { requestId: "gone" }), names)).toBe(
      "Fenna Dijkstra (Taalhuis) voegde ‘Nieuwe vraag’ toe in Taal",
    );
    expect(describeActivity(t, entry("claim_expired", { org: "org-a" }, { userName: null, orgName: null }), names)).toMatch(
      /^De claim van Gemeente op ‘.*’ is verlopen$/,
    );
    expect(describeActivity(t, entry("reference_changed", { reference: "GEHEIM" }), names)).not.toContain("GEHEIM");
  });

  it("quotes and shortens titles, merges entries newest first", () => {
    expect(quoteTitle("  Kort  ")).toBe("‘Kort’");
    const a = entry("moved", null, { id: 1 });
    const b = entry("moved", null, { id: 3 });
    const c = entry("moved", null, { id: 2 });
    const list = mergeEntries([a], [b, c, a]);
    expect(list.map((e) => e.id)).toEqual([3, 2, 1]);
    expect(mergeEntries(list, [])).toBe(list);
    expect(mergeEntries(list, [list[0]])).toBe(list);
  });
});
