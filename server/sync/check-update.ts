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

export function checkUpdate(update: Uint8Array): UpdateCheck {
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
    const c = (s as Y.Item).content;
    if (c instanceof Y.ContentType && !(c.type instanceof Y.Map)) return { ok: false, reason: "only maps are allowed" };
    if (c instanceof Y.ContentDoc || c instanceof Y.ContentFormat || c instanceof Y.ContentEmbed) {
      return { ok: false, reason: "content kind not allowed" };
    }
  }
  return { ok: true };
}
