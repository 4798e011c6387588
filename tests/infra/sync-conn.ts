/**
 * Room tests' clients without a socket: a SyncConnection that keeps what the
 * room sent it (and the close codes), and the document those frames carry.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import type { SessionUser } from "../../db/accounts";
import type { Outgoing, SyncConnection } from "../../server/sync/types";

export function testUser(id: string, allianceId = "a"): SessionUser {
  return { id, name: id, email: `${id}@x.test`, role: "member", organisationId: "org", organisationName: "Org", organisationShortName: "O", allianceId } as unknown as SessionUser;
}

export type TestConnection = SyncConnection & { got: Uint8Array[]; closed: number[] };

export function testConnection(id: string, session = `session-${id}`): TestConnection {
  const got: Uint8Array[] = [];
  const closed: number[] = [];
  return {
    id,
    user: testUser(id),
    session,
    readOnly: false,
    got,
    closed,
    send: (m: Outgoing) => void got.push(m.data),
    close: (code: number) => void closed.push(code),
    bufferedAmount: () => 0,
  };
}

/** The document updates among a connection's frames (sync step 2 and updates). */
export function docFrom(frames: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const f of frames) {
    const d = decoding.createDecoder(f);
    if (decoding.readVarUint(d) !== 0) continue;
    const t = decoding.readVarUint(d);
    if (t === 1 || t === 2) Y.applyUpdate(doc, decoding.readVarUint8Array(d));
  }
  return doc;
}

/** A y-websocket sync frame: step 1 (0, a state vector) or an update (2). */
export function syncFrame(type: 0 | 2, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, type);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** A y-websocket awareness frame (1) with one entry: `clientId` at `clock` says `state` (null: gone). */
export function awarenessFrame(clientId: number, clock: number, state: unknown): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 1);
  encoding.writeVarUint(inner, clientId);
  encoding.writeVarUint(inner, clock);
  encoding.writeVarString(inner, JSON.stringify(state));
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  return encoding.toUint8Array(e);
}

/** A client's sync step 1 with an empty state vector: the room answers with the whole document. */
export const hello = () => syncFrame(0, Y.encodeStateVector(new Y.Doc()));

export const tick = () => new Promise((r) => setImmediate(r));

/** Everything a room manager applied so far committed (and broadcast). */
export async function settle(rooms: { settled(): Promise<void> }): Promise<void> {
  await tick();
  await rooms.settled();
  await tick();
}
