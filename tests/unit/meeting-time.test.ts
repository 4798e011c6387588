import { describe, expect, it } from "vitest";
import { amsterdamDay, amsterdamToMs, amsterdamWallTime, isOverdue } from "../../app/board/meeting-time";

describe("meeting dates in Amsterdam time", () => {
  it("reads a wall-clock date and time in winter (UTC+1) and summer (UTC+2)", () => {
    expect(amsterdamToMs("2026-12-10", "19:30")).toBe(Date.UTC(2026, 11, 10, 18, 30));
    expect(amsterdamToMs("2026-07-01", "09:00")).toBe(Date.UTC(2026, 6, 1, 7, 0));
  });

  it("round-trips through the wall clock, also around the clock changes", () => {
    for (const [date, time] of [
      ["2026-03-29", "01:59"],
      ["2026-03-29", "03:00"],
      ["2026-10-25", "01:30"],
      ["2026-10-25", "04:00"],
      ["2027-01-01", "00:00"],
    ]) {
      expect(amsterdamWallTime(amsterdamToMs(date, time)!)).toEqual({ date, time });
    }
  });

  it("refuses dates and times that do not exist or are not in the form's format", () => {
    expect(amsterdamToMs("2026-02-31", "10:00")).toBeNull();
    expect(amsterdamToMs("2026-13-01", "10:00")).toBeNull();
    expect(amsterdamToMs("2026-12-10", "24:00")).toBeNull();
    expect(amsterdamToMs("10-12-2026", "10:00")).toBeNull();
    expect(amsterdamToMs("2026-12-10", "")).toBeNull();
  });

  it("an action is late from the day after its due day, in Amsterdam", () => {
    // 23:30 UTC on 10 December is already 11 December in Amsterdam.
    const lateEvening = Date.UTC(2026, 11, 10, 23, 30);
    expect(amsterdamDay(lateEvening)).toBe("2026-12-11");
    expect(isOverdue("2026-12-10", lateEvening)).toBe(true);
    expect(isOverdue("2026-12-11", lateEvening)).toBe(false);
    expect(isOverdue("2026-12-12", lateEvening)).toBe(false);
    expect(isOverdue("not a day", lateEvening)).toBe(false);
  });
});
