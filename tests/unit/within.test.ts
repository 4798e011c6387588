/** server/within.ts: a promise's outcome or a fallback after a bound, whichever comes first. */
import { describe, expect, it } from "vitest";
import { within } from "../../server/within";

describe("within", () => {
  it("gives the promise's value when it settles in time", async () => {
    expect(await within(Promise.resolve(7), 1_000, "late")).toBe(7);
  });

  it("gives the fallback once the bound has passed, while the promise is still pending", async () => {
    const never = new Promise<number>(() => undefined);
    const started = Date.now();
    expect(await within(never, 30, "late")).toBe("late");
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("passes a rejection on", async () => {
    await expect(within(Promise.reject(new Error("refused")), 1_000, "late")).rejects.toThrow("refused");
  });

  it("a negative bound is no wait at all", async () => {
    expect(await within(new Promise<number>(() => undefined), -5, "late")).toBe("late");
  });
});
