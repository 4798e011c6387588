/**
 * Structural check of a client's Yjs update before it touches a live document.
 * Random or bit-flipped bytes sometimes decode as valid updates; what they
 * write must still fit the board schema: only the known root maps, only maps
 * as nested types, no sub-documents or rich-text formatting.
 */
import * as Y from "yjs";
import { ROOT_NAMES } from "../../app/board/domain";

const ROOTS = new Set<string>(ROOT_NAMES);

export type UpdateCheck = { ok: true } | { ok: false; reason: string };

/** Roots whose records only coordinators may add, rename or reorder. */
const MANAGED_ROOTS = new Set<string>(["columns", "categories"]);

/**
 * The root a decoded item writes under, found through its parent or its
 * neighbours in the live document; null when it hangs off something in the
 * same update (whose own root was checked) or cannot be resolved.
 */
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

function rootOf(doc: Y.Doc, item: Y.Item): string | null {
  const parent = item.parent as unknown;
  if (typeof parent === "string") return parent;
  try {
    if (parent && typeof parent === "object" && "client" in (parent as object)) {
      const holder = Y.getItem(doc.store, parent as Y.ID) as Y.Item;
      if (holder.content instanceof Y.ContentType) return rootName(holder.content.type);
      return null;
    }
    const neighbour = item.origin ?? item.rightOrigin;
    if (neighbour) {
      const n = Y.getItem(doc.store, neighbour) as Y.Item;
      return n.parent ? rootName(n.parent as Y.AbstractType<unknown>) : null;
    }
  } catch {
    return null;
  }
  return null;
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
    if (opts.doc && opts.manage === false && !known) {
      const root = rootOf(opts.doc, s as Y.Item);
      if (root && MANAGED_ROOTS.has(root)) return { ok: false, reason: `only coordinators change "${root}"` };
    }
    const c = (s as Y.Item).content;
    if (c instanceof Y.ContentType && !(c.type instanceof Y.Map)) return { ok: false, reason: "only maps are allowed" };
    if (c instanceof Y.ContentDoc || c instanceof Y.ContentFormat || c instanceof Y.ContentEmbed) {
      return { ok: false, reason: "content kind not allowed" };
    }
  }
  return { ok: true };
}
