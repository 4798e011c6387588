/**
 * Fractional order keys for cards and columns.
 *
 * Keys are strings that sort lexicographically (byte order, not locale order).
 * Items are sorted by `order`, then by `id`, so two peers that concurrently
 * pick the same key still agree on one order.
 */
import { generateKeyBetween, generateNKeysBetween } from "fractional-indexing";

export interface Ordered {
  id: string;
  order: string;
}

/** Byte-wise comparison, identical on every peer (no locale collation). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareOrdered(a: Ordered, b: Ordered): number {
  return compareStrings(a.order, b.order) || compareStrings(a.id, b.id);
}

export function sortOrdered<T extends Ordered>(items: T[]): T[] {
  return [...items].sort(compareOrdered);
}

/** A key strictly between `before` and `after` (either may be null for an end). */
export function keyBetween(before: string | null, after: string | null): string {
  return generateKeyBetween(before, after);
}

export function keysBetween(before: string | null, after: string | null, n: number): string[] {
  return generateNKeysBetween(before, after, n);
}

/**
 * Where to put an item so that it lands at `index` of `siblings` (already
 * sorted, without the item itself). Returns either one new key for the item,
 * or, when the neighbours share a key (two peers inserted concurrently at the
 * same spot), a fresh set of keys for the whole list so the item fits.
 */
export function placeAt(
  siblings: Ordered[],
  index: number,
): { key: string; rekey?: Map<string, string> } {
  const i = Math.max(0, Math.min(index, siblings.length));
  const prev = i > 0 ? siblings[i - 1].order : null;
  const next = i < siblings.length ? siblings[i].order : null;
  if (prev === null || next === null || compareStrings(prev, next) < 0) {
    try {
      return { key: keyBetween(prev, next) };
    } catch {
      // fall through to a rekey: a malformed key from an old or foreign peer
    }
  }
  const keys = keysBetween(null, null, siblings.length + 1);
  const rekey = new Map<string, string>();
  let k = 0;
  let key = "";
  for (let j = 0; j <= siblings.length; j++) {
    if (j === i) key = keys[k++];
    if (j < siblings.length) rekey.set(siblings[j].id, keys[k++]);
  }
  return { key, rekey };
}
