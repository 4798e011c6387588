import { describe, expect, it } from "vitest";
import { isTerminalClose, reconnectDelay, RECONNECT_BASE_MS, RECONNECT_MAX_MS } from "~/lib/backoff";

describe("reconnectDelay", () => {
  it("doubles its ceiling per attempt up to the cap", () => {
    const top = () => 0.999999;
    expect(reconnectDelay(1, top)).toBe(RECONNECT_BASE_MS - 1);
    expect(reconnectDelay(2, top)).toBe(2 * RECONNECT_BASE_MS - 1);
    expect(reconnectDelay(3, top)).toBe(4 * RECONNECT_BASE_MS - 1);
    expect(reconnectDelay(50, top)).toBe(RECONNECT_MAX_MS - 1);
    expect(reconnectDelay(1, () => 0)).toBe(0);
  });

  it("spreads a thousand clients' first retries over the whole window (full jitter)", () => {
    const delays = Array.from({ length: 1000 }, () => reconnectDelay(1));
    const buckets = new Array(5).fill(0);
    for (const d of delays) buckets[Math.floor((d / RECONNECT_BASE_MS) * 5)]++;
    // Each tenth of a second gets about 200 of the 1000: none is empty or holds half.
    for (const b of buckets) {
      expect(b).toBeGreaterThan(120);
      expect(b).toBeLessThan(300);
    }
  });
});

describe("isTerminalClose", () => {
  it("gives up on refusals and malformed messages, retries everything else", () => {
    expect([4400, 4401, 4403, 4422].every(isTerminalClose)).toBe(true);
    expect([1000, 1001, 1006, 1011, 1012, 4408, 4429].some(isTerminalClose)).toBe(false);
  });
});
