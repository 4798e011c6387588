/**
 * Structural check of a client's Yjs update before it touches a live document.
 * Random or bit-flipped bytes sometimes decode as valid updates; what they
 * write must still fit the board schema: only the known root maps, only maps
 * as nested types, no sub-documents or rich-text formatting. And the rules
 * of the board: columns and categories are the coordinators'; requests are
 * added and removed by the server, a client edits their fields.
 */
import * as Y from "yjs";
import { ROOT_NAMES } from "../../app/board/domain";

const ROOTS = new Set<string>(ROOT_NAMES);

export type UpdateCheck = { ok: true } | { ok: false; reason: string };

/** Roots whose records only coordinators may add, rename or reorder. */
const MANAGED_ROOTS = new Set<string>(["columns", "categories"]);

/**
 * The fields of a request's card that a participant's client writes (edit,
 * move, archive). Its id, creation time and creating organisation are set by
 * the server when the request is made, and requests are added and removed
 * (erased, merged) only by the server.
 */
const CLIENT_CARD_FIELDS = new Set<string>([
  "title",
  "category",
  "description",
  "area",
  "urgency",
  "column",
  "order",
  "archived",
  "updatedAt",
]);

/** The name of the root type a (possibly nested) type belongs to. */
function rootName(type: Y.AbstractType<unknown>): string | null {
  let t = type;
  while (t._item && t._item.parent) t = t._item.parent as Y.AbstractType<unknown>;
  try {
    return Y.findRootTypeKey(t);
  } catch {
    return null;
  }
}

/**
 * Where a new item writes in the live document: the map it belongs to and
 * its key. Map items that overwrite a key carry neither in the update (they
 * inherit both from the item they replace), so they are found through it.
 * Null when that lies in the same update (whose own items are checked) or
 * cannot be resolved.
 */
function placeOf(doc: Y.Doc, item: Y.Item): { parent: Y.AbstractType<unknown>; key: string | null } | null {
  try {
    const neighbour = item.origin ?? item.rightOrigin;
    if (neighbour) {
      const n = Y.getItem(doc.store, neighbour) as Y.Item;
      return n.parent ? { parent: n.parent as Y.AbstractType<unknown>, key: n.parentSub } : null;
    }
    const parent = item.parent as unknown;
    if (typeof parent === "string") return ROOTS.has(parent) ? { parent: doc.getMap(parent) as unknown as Y.AbstractType<unknown>, key: item.parentSub } : null;
    if (parent && typeof parent === "object" && "client" in (parent as object)) {
      const holder = Y.getItem(doc.store, parent as Y.ID) as Y.Item;
      return holder.content instanceof Y.ContentType ? { parent: holder.content.type, key: item.parentSub } : null;
    }
  } catch {
    return null;
  }
  return null;
}

/** The rule for a new item under the cards root: participants edit requests, they do not make or unmake them. */
function checkCardWrite(doc: Y.Doc, place: { parent: Y.AbstractType<unknown>; key: string | null }): UpdateCheck {
  const cards = doc.getMap("cards");
  if (place.parent === cards) return { ok: false, reason: "requests are added and removed by the server only" };
  if (place.parent._item?.parent === cards && (place.key === null || !CLIENT_CARD_FIELDS.has(place.key))) {
    return { ok: false, reason: `the field "${String(place.key).slice(0, 40)}" of a request is set by the server` };
  }
  return { ok: true };
}

type DeleteRanges = { clients: Map<number, Array<{ clock: number; len: number }>> };

/** The live document's own deletions, built once per version of it (a client's sync answer repeats them all). */
const deleteSets = new WeakMap<Y.Doc, DeleteRanges>();

function deletedInDoc(doc: Y.Doc): DeleteRanges {
  let ds = deleteSets.get(doc);
  if (!ds) {
    ds = Y.createDeleteSetFromStructStore(doc.store) as unknown as DeleteRanges;
    deleteSets.set(doc, ds);
    doc.once("update", () => deleteSets.delete(doc));
  }
  return ds;
}

/** Whether [clock, clock + len) lies within one of `ranges` (sorted, merged). */
function within(ranges: Array<{ clock: number; len: number }> | undefined, clock: number, len: number): boolean {
  if (!ranges) return false;
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid];
    if (clock < r.clock) hi = mid - 1;
    else if (clock >= r.clock + r.len) lo = mid + 1;
    else return clock + len <= r.clock + r.len;
  }
  return false;
}

/** A delete set this long is compared with the document's own first (a sync answer after reconnecting). */
const MANY_RANGES = 16;

/**
 * The update's deletions: none may remove a request's card from the board
 * (only the server erases or merges). Deletions of what is already deleted
 * change nothing and pass: a client's sync answer repeats every deletion it
 * knows.
 */
function checkDeletions(doc: Y.Doc, ds: DeleteRanges): UpdateCheck {
  const cards = doc.getMap("cards");
  let count = 0;
  for (const ranges of ds.clients.values()) count += ranges.length;
  const already = count > MANY_RANGES ? deletedInDoc(doc) : null;
  for (const [client, ranges] of ds.clients) {
    const known = Y.getState(doc.store, client);
    const ours = already?.clients.get(client);
    for (const { clock, len } of ranges) {
      if (already && within(ours, clock, Math.min(len, Math.max(0, known - clock)))) continue;
      const end = Math.min(clock + len, known);
      let at = clock;
      while (at < end) {
        let struct: Y.Item | Y.GC;
        try {
          struct = Y.getItem(doc.store, Y.createID(client, at)) as Y.Item | Y.GC;
        } catch {
          break;
        }
        if (struct instanceof Y.Item && !struct.deleted && struct.parent === cards && struct.parentSub !== null) {
          return { ok: false, reason: "requests are added and removed by the server only" };
        }
        at = struct.id.clock + struct.length;
      }
    }
  }
  return { ok: true };
}

export function checkUpdate(update: Uint8Array, opts: { doc?: Y.Doc; manage?: boolean } = {}): UpdateCheck {
  let decoded: { structs: Array<Y.Item | Y.GC | unknown>; ds: unknown };
  try {
    decoded = Y.decodeUpdate(update);
  } catch (e) {
    return { ok: false, reason: `undecodable update: ${(e as Error).message}` };
  }
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item)) continue;
    const parent = (s as Y.Item).parent as unknown;
    if (typeof parent === "string" && !ROOTS.has(parent)) return { ok: false, reason: `unknown root "${parent.slice(0, 40)}"` };
    // Clients resend structs the server already has (y-indexeddb replays the
    // offline copy through the provider): those change nothing and are not judged.
    const item = s as Y.Item;
    const known = opts.doc ? item.id.clock + item.length <= Y.getState(opts.doc.store, item.id.client) : false;
    // Where a new item writes; null when it hangs off something in this same update (whose own place is checked).
    const place = opts.doc && !known ? placeOf(opts.doc, item) : null;
    if (opts.doc && place) {
      const root = rootName(place.parent);
      if (opts.manage === false && root && MANAGED_ROOTS.has(root)) return { ok: false, reason: `only coordinators change "${root}"` };
      const cardRule = checkCardWrite(opts.doc, place);
      if (!cardRule.ok) return cardRule;
    }
    const c = (s as Y.Item).content;
    if (c instanceof Y.ContentType && !(c.type instanceof Y.Map)) return { ok: false, reason: "only maps are allowed" };
    if (c instanceof Y.ContentDoc || c instanceof Y.ContentFormat || c instanceof Y.ContentEmbed) {
      return { ok: false, reason: "content kind not allowed" };
    }
  }
  if (opts.doc) return checkDeletions(opts.doc, decoded.ds as DeleteRanges);
  return { ok: true };
}
