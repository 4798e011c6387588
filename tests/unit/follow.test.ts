/**
 * "Volg de voorzitter": a follower applies only newer states, only while
 * following, with only the board's filter params; scroll positions travel
 * as fractions; a scroll is the person's only after their own wheel, finger
 * or scroll key; the facilitator's sends are throttled with a trailing send.
 */
import { describe, expect, it } from "vitest";
import {
  INITIAL_FOLLOWER,
  INTENT_WINDOW_MS,
  cleanFollowState,
  focusPayload,
  formatClock,
  fromFraction,
  isScrollIntent,
  itemElapsed,
  mergeQuery,
  receiveFollow,
  sanitizeQuery,
  startFollowing,
  stopFollowing,
  throttleDelay,
  toFraction,
  userScrolled,
  viewChanged,
} from "../../app/board/follow";
import { CARD_LIST_MAX } from "../../app/board/filters";
import type { FollowState } from "../../app/board/meeting";

function state(seq: number, patch: Partial<FollowState> = {}, view: Partial<FollowState["view"]> = {}): FollowState {
  return {
    boardId: "b1",
    meetingId: "m1",
    itemId: "i1",
    view: { query: "", cardId: null, columnId: null, ...view },
    scroll: { x: 0, y: 0 },
    seq,
    at: 1000 + seq,
    ...patch,
  };
}

describe("sanitizeQuery", () => {
  it("keeps only the filter params, in a fixed order, and drops empty ones", () => {
    expect(sanitizeQuery("q=taal&kaart=abc&categorie=wonen&nieuw=1&ons=")).toBe("categorie=wonen&q=taal");
    expect(sanitizeQuery("banen=organisatie&open=1")).toBe("open=1&banen=organisatie");
    expect(sanitizeQuery("")).toBe("");
    expect(sanitizeQuery("javascript:alert(1)")).toBe("");
  });
  it("gives the same string for the same filters in any order", () => {
    expect(sanitizeQuery("q=a&categorie=taal")).toBe(sanitizeQuery("categorie=taal&q=a"));
  });
  it("caps long values", () => {
    expect(sanitizeQuery(`q=${"x".repeat(500)}`)).toBe(`q=${"x".repeat(200)}`);
  });
  it("keeps a whole list of chosen cards (an agenda item's kaarten=), checked id by id and capped by count", () => {
    const ids = Array.from({ length: CARD_LIST_MAX }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    expect(sanitizeQuery(`kaarten=${ids.join(",")}&categorie=taal`)).toBe(`categorie=taal&kaarten=${encodeURIComponent(ids.join(","))}`);
    expect(sanitizeQuery(`kaarten=${[...ids, "extra"].join(",")}`).split("%2C")).toHaveLength(CARD_LIST_MAX);
    expect(sanitizeQuery("kaarten=a,<b>,c")).toBe("kaarten=a%2Cc");
    expect(sanitizeQuery("kaarten=,,")).toBe("");
  });
});

describe("mergeQuery", () => {
  it("replaces the filters and keeps the other params", () => {
    expect(mergeQuery("?categorie=taal&kaart=c1", "organisatie=o1")).toBe("kaart=c1&organisatie=o1");
  });
  it("says null when the filters are already those", () => {
    expect(mergeQuery("?q=a&categorie=taal", "categorie=taal&q=a")).toBeNull();
    expect(mergeQuery("", "")).toBeNull();
  });
  it("clears filters for an empty query", () => {
    expect(mergeQuery("?categorie=taal", "")).toBe("");
  });
  it("never brings in anything but filters", () => {
    expect(mergeQuery("", "kaart=evil&ons=1")).toBe("ons=1");
  });
});

describe("scroll fractions", () => {
  it("maps offsets to 0..1 and back on another screen size", () => {
    expect(toFraction(500, 2000, 1000)).toBe(0.5);
    expect(fromFraction(0.5, 3000, 1000)).toBe(1000);
    expect(toFraction(1000, 2000, 1000)).toBe(1);
  });
  it("is 0 when nothing can scroll, and clamps", () => {
    expect(toFraction(10, 800, 1000)).toBe(0);
    expect(fromFraction(0.7, 800, 1000)).toBe(0);
    expect(toFraction(5000, 2000, 1000)).toBe(1);
    expect(fromFraction(-1, 2000, 1000)).toBe(0);
    expect(fromFraction(Number.NaN, 2000, 1000)).toBe(0);
  });
});

describe("user or programmatic scroll", () => {
  it("counts wheel, touch and scroll keys outside fields as intent", () => {
    expect(isScrollIntent({ type: "wheel" })).toBe(true);
    expect(isScrollIntent({ type: "touchmove" })).toBe(true);
    expect(isScrollIntent({ type: "keydown", key: "PageDown" })).toBe(true);
    expect(isScrollIntent({ type: "keydown", key: " " })).toBe(true);
  });
  it("does not count Tab, clicks, or keys typed in a field", () => {
    expect(isScrollIntent({ type: "keydown", key: "Tab" })).toBe(false);
    expect(isScrollIntent({ type: "pointerdown" })).toBe(false);
    expect(isScrollIntent({ type: "keydown", key: "ArrowDown", inField: true })).toBe(false);
  });
  it("a scroll is the person's only after a recent intent that came after our own scroll", () => {
    expect(userScrolled(1000, null, null)).toBe(false);
    expect(userScrolled(1000, 900, null)).toBe(true);
    expect(userScrolled(1000, 900, 950)).toBe(false); // we scrolled after their wheel: ours
    expect(userScrolled(1000, 960, 950)).toBe(true);
    expect(userScrolled(900 + INTENT_WINDOW_MS + 1, 900, null)).toBe(false); // long ago: the layout moved
  });
});

describe("throttleDelay", () => {
  it("sends the first at once, then at most one per interval", () => {
    expect(throttleDelay(null, 0)).toBe(0);
    expect(throttleDelay(1000, 1030, 100)).toBe(70);
    expect(throttleDelay(1000, 1100, 100)).toBe(0);
    expect(throttleDelay(1000, 1500, 100)).toBe(0);
  });
});

describe("receiveFollow", () => {
  const following = startFollowing(INITIAL_FOLLOWER, "").state;

  it("applies a newer state while following, with the filters merged into the page's params", () => {
    const r = receiveFollow(following, state(1, {}, { query: "categorie=taal", cardId: "c1" }), "?kaart=x");
    expect(r.change).toEqual({
      search: "kaart=x&categorie=taal",
      itemChanged: true,
      cardChanged: true,
      cardId: "c1",
      columnId: null,
      scroll: { x: 0, y: 0 },
    });
    expect(r.state.seq).toBe(1);
  });

  it("ignores an older or repeated seq", () => {
    const s = receiveFollow(following, state(5), "").state;
    expect(receiveFollow(s, state(5, { itemId: "i2" }), "").change).toBeNull();
    expect(receiveFollow(s, state(3, { itemId: "i2" }), "").change).toBeNull();
    expect(receiveFollow(s, state(6, { itemId: "i2" }), "").change?.itemChanged).toBe(true);
  });

  it("a new meeting starts its seq again", () => {
    const s = receiveFollow(following, state(9), "").state;
    expect(receiveFollow(s, state(1, { meetingId: "m2" }), "").change).not.toBeNull();
  });

  it("says only what changed: a scroll does not announce the item or card again", () => {
    const s = receiveFollow(following, state(1, {}, { cardId: "c1", query: "q=a" }), "").state;
    const r = receiveFollow(s, state(2, { scroll: { x: 0.5, y: 0.25 } }, { cardId: "c1", query: "q=a" }), "?q=a");
    expect(r.change).toMatchObject({ search: null, itemChanged: false, cardChanged: false, scroll: { x: 0.5, y: 0.25 } });
  });

  it("keeps the newest state while looking around and applies it on rejoin", () => {
    let s = receiveFollow(following, state(1, {}, { query: "q=a" }), "").state;
    s = stopFollowing(s);
    const away = receiveFollow(s, state(2, { itemId: "i3" }, { query: "categorie=werk", cardId: "c9" }), "?q=mine");
    expect(away.change).toBeNull();
    expect(away.state.latest?.seq).toBe(2);
    const back = startFollowing(away.state, "?q=mine");
    expect(back.state.following).toBe(true);
    expect(back.change).toMatchObject({ search: "categorie=werk", cardId: "c9", itemChanged: true, cardChanged: true });
    // and then the next one applies as usual
    expect(receiveFollow(back.state, state(3, { itemId: "i3" }, { query: "categorie=werk", cardId: "c10" }), "?categorie=werk").change).toMatchObject({
      search: null,
      cardChanged: true,
      cardId: "c10",
      itemChanged: false,
    });
  });

  it("not following: nothing applied, nothing to rejoin to before the first event", () => {
    const r = receiveFollow(INITIAL_FOLLOWER, state(1), "");
    expect(r.change).toBeNull();
    expect(startFollowing(INITIAL_FOLLOWER, "").change).toBeNull();
  });
});

describe("cleanFollowState", () => {
  it("refuses what is not a follow state and cleans the rest", () => {
    expect(cleanFollowState(null)).toBeNull();
    expect(cleanFollowState({ boardId: "b", meetingId: "m", seq: -1 })).toBeNull();
    expect(cleanFollowState({ boardId: "b", meetingId: "m", seq: 2, view: { query: "kaart=x&q=y", cardId: 5 }, scroll: { x: 7, y: "a" } })).toEqual({
      boardId: "b",
      meetingId: "m",
      itemId: null,
      view: { query: "q=y", cardId: null, columnId: null },
      scroll: { x: 1, y: 0 },
      seq: 2,
      at: 0,
    });
  });
});

describe("the facilitator's sends", () => {
  it("sends the filters only, and tells view changes from scrolls", () => {
    const p = focusPayload({ meetingId: "m1", itemId: "i1", search: "?kaart=c1&q=taal", cardId: "c1", columnId: null, scroll: { x: 2, y: 0.3 } });
    expect(p).toEqual({ meetingId: "m1", itemId: "i1", view: { query: "q=taal", cardId: "c1", columnId: null }, scroll: { x: 1, y: 0.3 } });
    expect(viewChanged(null, p)).toBe(true);
    expect(viewChanged(p, { ...p })).toBe(false);
    expect(viewChanged(p, { ...p, view: { ...p.view, cardId: null } })).toBe(true);
  });
});

describe("the item's timer", () => {
  it("adds the running stretch and shows mm:ss", () => {
    expect(itemElapsed({ spentMs: 60_000, currentSince: 10_000 }, 15_500)).toBe(65_500);
    expect(itemElapsed({ spentMs: 0, currentSince: null }, 99)).toBe(0);
    expect(formatClock(65_500)).toBe("01:05");
    expect(formatClock(3_725_000)).toBe("1:02:05");
  });
});
