/** What the fixture, the load generator and the report agree on. */

/** Card ids of the generated boards: card-00000, card-00001, … */
export const cardId = (i: number) => `card-${String(i).padStart(5, "0")}`;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export interface LatencySummary {
  count: number;
  /** edits sent in the measured window that never arrived */
  lost: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export function summarise(samples: number[], sent: number): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    count: s.length,
    lost: sent - s.length,
    p50_ms: round(percentile(s, 50)),
    p99_ms: round(percentile(s, 99)),
    max_ms: round(s[s.length - 1] ?? NaN),
  };
}
