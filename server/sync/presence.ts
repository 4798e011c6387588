/**
 * Presence (Yjs awareness) with identity stamped by the server: whatever a
 * client says about who it is, the `user` field of its state is replaced by
 * the session's person. A person who hides their presence is announced as
 * `{ hidden: true }` with no identity at all.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { SessionUser } from "../../db/accounts";

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: Record<string, unknown> | null;
}

export const MAX_STATE_BYTES = 4096;
/** Entries in one client's awareness update (a client speaks for itself: one or a few ids). */
export const MAX_CLIENT_ENTRIES = 64;

/**
 * An awareness update's entries. `maxEntries`: a client's update is held to
 * MAX_CLIENT_ENTRIES; one that another server relays (or this server's own,
 * read back) may carry a whole board's presence (every connection that
 * left at once) and is not held to it.
 */
export function decodeAwareness(update: Uint8Array, maxEntries = MAX_CLIENT_ENTRIES): AwarenessEntry[] {
  const d = decoding.createDecoder(update);
  const n = decoding.readVarUint(d);
  if (n > maxEntries) throw new Error("too many awareness entries");
  const out: AwarenessEntry[] = [];
  for (let i = 0; i < n; i++) {
    const clientId = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    const json = decoding.readVarString(d);
    if (json.length > MAX_STATE_BYTES) throw new Error("awareness state too large");
    const parsed = JSON.parse(json) as unknown;
    const state = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    out.push({ clientId, clock, state });
  }
  if (decoding.hasContent(d)) throw new Error("trailing bytes in awareness update");
  return out;
}

export function encodeAwarenessEntries(entries: AwarenessEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const x of entries) {
    encoding.writeVarUint(e, x.clientId);
    encoding.writeVarUint(e, x.clock);
    encoding.writeVarString(e, JSON.stringify(x.state));
  }
  return encoding.toUint8Array(e);
}

/** An awareness update without entries (what carries presence owners alone between servers). */
export const NO_PRESENCE = encodeAwarenessEntries([]);

const PALETTE = ["#1f4e79", "#8e3b6b", "#2d6a4f", "#9a5b00", "#5b3f8c", "#b3261e", "#0b6e6e", "#7a4a12"];

export function personColor(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

export interface PresenceIdentity {
  id: string;
  name: string;
  orgId: string;
  orgName: string;
  color: string;
}

export function identityOf(user: SessionUser): PresenceIdentity {
  return { id: user.id, name: user.name, orgId: user.organisationId, orgName: user.organisationShortName, color: personColor(user.id) };
}

/** What other people may see of a client's state: its own fields, but the server's identity. */
export function stampState(state: Record<string, unknown> | null, user: SessionUser): Record<string, unknown> | null {
  if (state === null) return null;
  if (state.hidden === true) return { hidden: true };
  const activity = state.activity && typeof state.activity === "object" ? (state.activity as Record<string, unknown>) : null;
  return {
    user: identityOf(user),
    // What the person is doing: dragging or editing a card (ids only).
    activity: activity
      ? {
          kind: activity.kind === "dragging" || activity.kind === "editing" ? activity.kind : null,
          cardId: typeof activity.cardId === "string" ? activity.cardId.slice(0, 64) : null,
        }
      : null,
  };
}
