/**
 * The y-websocket wire protocol, encoded and decoded in one place.
 *
 *   message  = varUint(type) payload
 *   type 0   sync:      varUint(step) varUint8Array  (0 step1 = state vector,
 *                       1 step2 = update, 2 update)
 *   type 1   awareness: varUint8Array (awareness update)
 *   type 2   auth:      (permission denied reason) — sent by us only
 *   type 3   query awareness: no payload
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

export const MSG_SYNC = 0;
export const MSG_AWARENESS = 1;
export const MSG_AUTH = 2;
export const MSG_QUERY_AWARENESS = 3;

export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

export type ClientMessage =
  | { type: "sync-step1"; stateVector: Uint8Array }
  | { type: "sync-step2"; update: Uint8Array }
  | { type: "sync-update"; update: Uint8Array }
  | { type: "awareness"; update: Uint8Array }
  | { type: "query-awareness" }
  | { type: "auth" };

export class ProtocolError extends Error {
  name = "ProtocolError";
}

/** Decode one client frame, or throw ProtocolError. Trailing bytes are an error too. */
export function decodeClientMessage(data: Uint8Array): ClientMessage {
  let msg: ClientMessage;
  const decoder = decoding.createDecoder(data);
  try {
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MSG_SYNC: {
        const step = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (step === SYNC_STEP1) msg = { type: "sync-step1", stateVector: payload };
        else if (step === SYNC_STEP2) msg = { type: "sync-step2", update: payload };
        else if (step === SYNC_UPDATE) msg = { type: "sync-update", update: payload };
        else throw new ProtocolError(`unknown sync step ${step}`);
        break;
      }
      case MSG_AWARENESS:
        msg = { type: "awareness", update: decoding.readVarUint8Array(decoder) };
        break;
      case MSG_QUERY_AWARENESS:
        msg = { type: "query-awareness" };
        break;
      case MSG_AUTH:
        // Clients have nothing to say here; tolerate and ignore the payload.
        return { type: "auth" };
      default:
        throw new ProtocolError(`unknown message type ${type}`);
    }
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError(`malformed frame: ${(e as Error).message}`);
  }
  if (decoding.hasContent(decoder)) throw new ProtocolError("trailing bytes after message");
  return msg;
}

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MSG_SYNC);
    encoding.writeVarUint(e, SYNC_STEP1);
    encoding.writeVarUint8Array(e, stateVector);
  });
}

export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MSG_SYNC);
    encoding.writeVarUint(e, SYNC_STEP2);
    encoding.writeVarUint8Array(e, update);
  });
}

export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MSG_SYNC);
    encoding.writeVarUint(e, SYNC_UPDATE);
    encoding.writeVarUint8Array(e, update);
  });
}

export function encodeAwareness(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MSG_AWARENESS);
    encoding.writeVarUint8Array(e, update);
  });
}

/** y-websocket shows this to the app as a permission-denied event. */
export function encodePermissionDenied(reason: string): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MSG_AUTH);
    encoding.writeVarUint(e, 0);
    encoding.writeVarString(e, reason);
  });
}

/** One update for several (Y.mergeUpdates keeps every change, in any order of application): a tick's frame, a relay entry. */
export function mergeAll(updates: Uint8Array[]): Uint8Array {
  return updates.length === 1 ? updates[0] : Y.mergeUpdates(updates);
}

/** The document from the stored snapshot and rows, garbage-collected and encoded as one update. */
export function mergeStoredState(snapshot: Uint8Array | null, updates: Uint8Array[]): Uint8Array {
  const doc = new Y.Doc({ gc: true });
  Y.transact(doc, () => {
    if (snapshot) Y.applyUpdate(doc, snapshot);
    for (const u of updates) Y.applyUpdate(doc, u);
  });
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}
