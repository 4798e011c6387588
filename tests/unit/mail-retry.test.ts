import { describe, expect, it } from "vitest";
import { retryDelay } from "../../server/mail/worker";

describe("mail retry delay", () => {
  const base = 60_000;
  const max = 6 * 3600_000;
  it("doubles from one minute, with jitter between half and all of it", () => {
    expect(retryDelay(1, base, max, () => 0)).toBe(30_000);
    expect(retryDelay(1, base, max, () => 1)).toBe(60_000);
    expect(retryDelay(2, base, max, () => 1)).toBe(120_000);
    expect(retryDelay(5, base, max, () => 0.5)).toBe(Math.round(16 * base * 0.75));
  });
  it("never waits longer than six hours", () => {
    expect(retryDelay(30, base, max, () => 1)).toBe(max);
    expect(retryDelay(1000, base, max, () => 0)).toBe(max / 2);
  });
  it("gives up within two days: the sum of the waits passes two days after about a dozen attempts", () => {
    let total = 0;
    let n = 0;
    while (total < 2 * 86_400_000) total += retryDelay(++n, base, max, () => 1);
    expect(n).toBeGreaterThan(8);
    expect(n).toBeLessThan(20);
  });
});
