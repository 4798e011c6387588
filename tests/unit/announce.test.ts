import { describe, expect, it } from "vitest";
import {
  ANNOUNCE_INTERVAL_MS,
  AnnounceThrottle,
  announcementText,
  isAnnounced,
} from "../../app/components/board/feedback/announce";
import type { ActivityNames } from "../../app/components/board/activity/describe";
import { translator } from "../../app/i18n";
import type { ActivityEntry } from "../../app/lib/sync-client";

const t = translator("nl");
const names: ActivityNames = {
  cardTitle: (id) => (id === "r1" ? "Taalmaatje gezocht" : undefined),
  columns: [
    { id: "nieuw", name: "Nieuw", stage: "intake" },
    { id: "opgepakt", name: "Opgepakt", stage: "held" },
  ] as unknown as ActivityNames["columns"],
  categoryById: new Map(),
  orgName: () => undefined,
};

function entry(over: Partial<ActivityEntry>): ActivityEntry {
  return {
    id: 1,
    boardId: "b1",
    requestId: "r1",
    type: "moved",
    data: { from: "nieuw", to: "opgepakt" },
    createdAt: 0,
    userId: "fatima",
    userName: "Fatima",
    orgId: "taalhuis",
    orgName: "Taalhuis",
    ...over,
  };
}

describe("which changes are read out", () => {
  it("another person's move to another column and a new request", () => {
    expect(isAnnounced(entry({}), "me", "b1")).toBe(true);
    expect(isAnnounced(entry({ type: "created", data: { title: "x" } }), "me", "b1")).toBe(true);
  });
  it("never one's own, never another board's, never a reorder or other kinds", () => {
    expect(isAnnounced(entry({ userId: "me" }), "me", "b1")).toBe(false);
    expect(isAnnounced(entry({}), "me", "b2")).toBe(false);
    expect(isAnnounced(entry({ data: { from: "nieuw", to: "nieuw" } }), "me", "b1")).toBe(false);
    expect(isAnnounced(entry({ type: "edited", data: { field: "title" } }), "me", "b1")).toBe(false);
    expect(isAnnounced(entry({ type: "commented", data: null }), "me", "b1")).toBe(false);
  });
});

describe("the words", () => {
  it("name the person, their organisation, the request and the column", () => {
    expect(announcementText(t, entry({}), names)).toBe("Fatima (Taalhuis) zette ‘Taalmaatje gezocht’ naar Opgepakt");
  });
  it("use the title sent with a new request that this browser does not know yet", () => {
    const text = announcementText(t, entry({ type: "created", requestId: "r9", data: { title: "Hulp bij formulier" } }), names);
    expect(text).toBe("Fatima (Taalhuis) zette een nieuwe aanvraag op het bord: ‘Hulp bij formulier’");
  });
});

describe("AnnounceThrottle", () => {
  const merge = (n: number) => t("ann.many", { count: n });

  it("says the first at once and keeps at least the interval between announcements", () => {
    const th = new AnnounceThrottle();
    expect(th.push("een", 1000)).toBe("een");
    expect(th.due()).toBeNull();
    expect(th.push("twee", 1500)).toBeNull();
    expect(th.due()).toBe(1000 + ANNOUNCE_INTERVAL_MS);
    expect(th.flush(2999, merge)).toBeNull();
    // One that waited is said as it is.
    expect(th.flush(3000, merge)).toBe("twee");
    expect(th.due()).toBeNull();
    // The next one within the interval after that flush waits again.
    expect(th.push("drie", 4000)).toBeNull();
    expect(th.flush(5000, merge)).toBe("drie");
    // After a quiet interval, at once again.
    expect(th.push("vier", 9000)).toBe("vier");
  });

  it("merges a burst into one announcement: at most one per interval", () => {
    const th = new AnnounceThrottle(2000);
    const said: Array<[number, string]> = [];
    // 20 changes by others within 1.9 s, then a flush whenever one is due.
    for (let i = 0; i < 20; i++) {
      const now = 10_000 + i * 100;
      const text = th.push(`wijziging ${i}`, now);
      if (text) said.push([now, text]);
    }
    const due = th.due()!;
    said.push([due, th.flush(due, merge)!]);
    expect(said).toEqual([
      [10_000, "wijziging 0"],
      [12_000, "19 wijzigingen door anderen"],
    ]);
    for (let i = 1; i < said.length; i++) expect(said[i][0] - said[i - 1][0]).toBeGreaterThanOrEqual(2000);
  });

  it("forgets what waits when turned off", () => {
    const th = new AnnounceThrottle();
    th.push("een", 0);
    th.push("twee", 10);
    th.clear();
    expect(th.due()).toBeNull();
    expect(th.flush(5000, merge)).toBeNull();
  });
});
