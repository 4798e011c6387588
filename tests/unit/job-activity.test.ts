/**
 * The activity panel's lines for volunteer jobs (issue 15): each audit type the
 * jobs write is said in words, with counts as plurals, instead of the generic
 * "changed".
 */
import { describe, expect, it } from "vitest";
import { describeActivity, type ActivityNames } from "../../app/components/board/activity/describe";
import type { ActivityEntry } from "../../app/lib/sync-client";
import { translator } from "../../app/i18n";

const names: ActivityNames = { cardTitle: () => "Wijktuin", columns: [], categoryById: new Map(), orgName: () => "COA" };
const entry = (type: string, data: Record<string, unknown> = {}): ActivityEntry => ({
  id: 1,
  boardId: "b",
  requestId: "j",
  type,
  data,
  createdAt: 0,
  userId: "u",
  userName: "Anouk",
  orgId: "o",
  orgName: "Gemeente",
});

describe("job lines in the activity panel", () => {
  const nl = translator("nl");
  const changed = describeActivity(nl, entry("unknown_type"), names);
  it("names every job event, never the generic line", () => {
    for (const type of ["job_joined", "job_left", "job_places_filled", "job_place_freed", "job_attended", "job_absent", "job_done"]) {
      const line = describeActivity(nl, entry(type, { requests: ["a"], attended: 1, absent: 0 }), names);
      expect(line, type).not.toBe(changed);
      expect(line, type).toContain("Wijktuin");
    }
  });
  it("counts places and people as plurals in Dutch and English", () => {
    expect(describeActivity(nl, entry("job_places_filled", { requests: ["a", "b", "c"] }), names)).toContain("3 plaatsen");
    expect(describeActivity(nl, entry("job_places_filled", { requests: ["a"] }), names)).toContain("1 plaats ");
    expect(describeActivity(nl, entry("job_done", { attended: 1, absent: 2 }), names)).toContain("1 deed mee, 2 kwamen niet");
    expect(describeActivity(translator("en"), entry("job_done", { attended: 2, absent: 1 }), names)).toContain("2 people took part, 1 person did not come");
  });
});
