/**
 * Randomised convergence test of the board domain, in the style of Yjs's own
 * `testRepeatGenerateRandom*` tests: several peers perform random domain
 * operations while updates are delivered late, out of order, or not at all
 * (disconnected peers), and at the end every peer must hold the same board.
 *
 * Every run is reproducible from its seed. To try more seeds locally:
 *   CONVERGENCE_SEEDS=2000 npx vitest run --project unit tests/unit/convergence.test.ts
 */
import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import {
  addCard,
  addColumn,
  cardsInColumn,
  cardsMap,
  columnsMap,
  DEFAULT_COLUMNS,
  effectiveColumn,
  getCard,
  initBoard,
  listCategories,
  listColumns,
  moveCard,
  moveColumn,
  readBoard,
  renameColumn,
  setArchived,
  updateCard,
} from "~/board/domain";
import { compareOrdered, sortOrdered } from "~/board/order";
import type { CardView } from "~/board/types";
import { seededRandom as mulberry32 } from "../factories/random";

// ------------------------------------------------------------------ seeded PRNG


class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    // Scramble the seed so that neighbouring seeds give unrelated streams.
    this.next = mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b));
  }
  float(): number {
    return this.next();
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)];
  }
  uint32(): number {
    return Math.floor(this.next() * 0x1_0000_0000) >>> 0;
  }
  word(): string {
    const words = ["huis", "taal", "fiets", "werk", "maatje", "kamer", "les", "gezin", "Emmen", "Assen", "buddy"];
    return `${this.pick(words)} ${this.pick(words)} ${this.int(1000)}`;
  }
}

// ------------------------------------------------------------------ simulated network

/** Origin of updates that arrive over the (simulated) network: never re-broadcast. */
const REMOTE = Symbol("remote");

interface Peer {
  index: number;
  doc: Y.Doc;
  online: boolean;
  /** Updates sent to this peer and not yet applied, in sending order. */
  inbox: Uint8Array[];
}

interface Stats {
  ops: number;
  deliveries: number;
  disconnects: number;
  reconnects: number;
  cards: number;
  /** Cards whose final (column, order) pair was never written together by any one operation. */
  incoherent: number;
}

/** Full two-way state-vector sync, as y-protocols' sync step 1/2 does on connect. */
function syncPair(a: Peer, b: Peer): void {
  Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)), REMOTE);
  Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc)), REMOTE);
}

function createPeers(rng: Rng, n: number): Peer[] {
  const ids = new Set<number>();
  const peers: Peer[] = [];
  for (let i = 0; i < n; i++) {
    let clientID = rng.uint32();
    while (ids.has(clientID)) clientID = rng.uint32();
    ids.add(clientID);
    const doc = new Y.Doc();
    doc.clientID = clientID;
    peers.push({ index: i, doc, online: true, inbox: [] });
  }
  // One peer creates the board, the others start from a sync with it.
  initBoard(peers[0].doc);
  const initial = Y.encodeStateAsUpdate(peers[0].doc);
  for (const p of peers.slice(1)) Y.applyUpdate(p.doc, initial, REMOTE);
  // From now on every local change is broadcast to the peers that are online.
  for (const p of peers) {
    p.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE || !p.online) return; // offline edits travel on reconnect
      for (const q of peers) if (q !== p && q.online) q.inbox.push(update);
    });
  }
  return peers;
}

function deliverOne(rng: Rng, p: Peer): void {
  // Out of order on purpose: Yjs keeps updates with missing dependencies
  // pending and integrates them when the missing ones arrive.
  const [update] = p.inbox.splice(rng.int(p.inbox.length), 1);
  Y.applyUpdate(p.doc, update, REMOTE);
}

function disconnect(rng: Rng, p: Peer): void {
  p.online = false;
  // Half of the time the connection drops what was in flight.
  if (rng.bool()) p.inbox = [];
}

function reconnect(peers: Peer[], p: Peer): void {
  p.online = true;
  for (const q of peers) if (q !== p && q.online) syncPair(p, q);
}

// ------------------------------------------------------------------ random domain operations

interface World {
  seed: number;
  rng: Rng;
  peers: Peer[];
  /** Every card id ever created, on any peer. */
  created: string[];
  /** Every column id ever created. */
  columns: string[];
  clock: number;
  stats: Stats;
  /**
   * Per card, every (column, order) pair some peer produced with a local
   * operation (add, move, restore, or the rekey of a column's cards). The
   * final position of a card should be one of them: a position nobody chose
   * means two concurrent moves were mixed.
   */
  intended: Map<string, Set<string>>;
  /** Every value written to a card's title or description, with the writer's causal context. */
  writes: Map<string, Map<string, FieldWrite>>;
}

type TextField = "title" | "description";

interface FieldWrite {
  client: number;
  /** The writer's clock right after the write: seeing this clock means having seen the write. */
  clock: number;
  /** What the writer had seen (its state vector right after the write). */
  seen: Map<number, number>;
}

/** A unique text, so the final value of a field tells which write won. */
function uniqueText(w: World): string {
  return `${w.rng.word()} #${w.writes.size}.${++w.clock}`;
}

function noteWrite(w: World, p: Peer, cardId: string, field: TextField, value: string): void {
  const key = `${cardId}/${field}`;
  let byValue = w.writes.get(key);
  if (!byValue) w.writes.set(key, (byValue = new Map()));
  byValue.set(value, {
    client: p.doc.clientID,
    clock: Y.getState(p.doc.store, p.doc.clientID),
    seen: Y.decodeStateVector(Y.encodeStateVector(p.doc)),
  });
}

const HOT_CARDS = 4;
const MAX_CARDS = 14;
const MAX_COLUMNS = 8;

function knownCards(w: World, p: Peer): string[] {
  const cards = cardsMap(p.doc);
  return w.created.filter((id) => cards.has(id));
}

/** A card that exists on `p`; usually one of the first few cards, so peers collide often. */
function pickCard(w: World, p: Peer): string | null {
  const known = knownCards(w, p);
  if (known.length === 0) return null;
  const hot = known.filter((id) => w.created.indexOf(id) < HOT_CARDS);
  return hot.length > 0 && w.rng.bool(0.75) ? w.rng.pick(hot) : w.rng.pick(known);
}

function visibleIds(doc: Y.Doc, column: string): string[] {
  return cardsInColumn(doc, column).map((c) => c.id);
}

const position = (c: Pick<CardView, "column" | "order">): string => `${c.column}\u0000${c.order}`;

function noteIntended(w: World, cards: Array<Pick<CardView, "id" | "column" | "order">>): void {
  for (const c of cards) {
    let set = w.intended.get(c.id);
    if (!set) w.intended.set(c.id, (set = new Set()));
    set.add(position(c));
  }
}

function randomOp(w: World, p: Peer): void {
  const { rng } = w;
  const doc = p.doc;
  const now = ++w.clock;
  const fail = `seed ${w.seed}, peer ${p.index}, op ${w.stats.ops}`;
  const known = knownCards(w, p);
  const r = rng.float();

  if (known.length === 0 || (r < 0.18 && w.created.length < MAX_CARDS)) {
    const id = `s${w.seed}-c${w.created.length}`;
    const title = uniqueText(w);
    const description = uniqueText(w);
    const column = rng.bool() ? rng.pick(listColumns(doc)).id : undefined;
    const added = addCard(doc, {
      id,
      title,
      category: rng.pick(listCategories(doc)).id,
      description,
      area: rng.pick(["", "Noord", "Zuid"]),
      urgency: rng.pick(["laag", "normaal", "hoog", "spoed"] as const),
      createdAt: now,
      createdByOrg: `org-${p.index}`,
      column,
    });
    w.created.push(id);
    noteWrite(w, p, id, "title", title);
    noteWrite(w, p, id, "description", description);
    noteIntended(w, cardsInColumn(doc, added.column));
    // Locally the new card is the last card of its column.
    const list = visibleIds(doc, added.column);
    expect(list[list.length - 1], fail).toBe(id);
    return;
  }

  const id = pickCard(w, p)!;
  if (r < 0.55) {
    // Move: half of the time within the card's own column, to exercise reordering and ties.
    const current = getCard(doc, id)!;
    const columns = listColumns(doc);
    const to = rng.bool(0.4) && columns.some((c) => c.id === current.column) ? current.column : rng.pick(columns).id;
    const siblings = visibleIds(doc, to).filter((x) => x !== id);
    const index = rng.int(siblings.length + 2); // sometimes past the end: clamped
    const result = moveCard(doc, id, to, index, now);
    expect(result.to, fail).toBe(to);
    noteIntended(w, [getCard(doc, id)!, ...cardsInColumn(doc, to)]);
    if (!current.archived) {
      // Locally the card lands exactly where it was dropped.
      const expected = [...siblings];
      expected.splice(Math.min(index, siblings.length), 0, id);
      expect(visibleIds(doc, to), fail).toEqual(expected);
    }
  } else if (r < 0.72) {
    const field: TextField = rng.bool() ? "title" : "description";
    const patch = { [field]: uniqueText(w) };
    const changes = updateCard(doc, id, patch, now);
    expect(changes.map((c) => c.field), fail).toEqual([field]);
    noteWrite(w, p, id, field, patch[field]);
    expect(getCard(doc, id), fail).toMatchObject(patch);
  } else if (r < 0.86) {
    const archived = rng.bool();
    setArchived(doc, id, archived, now);
    expect(getCard(doc, id)!.archived, fail).toBe(archived);
    if (!archived) {
      const c = getCard(doc, id)!;
      noteIntended(w, [c, ...cardsInColumn(doc, c.column)]);
      // Grouped as the board shows it: an unknown column counts as the first.
      const list = visibleIds(doc, effectiveColumn(c, listColumns(doc)));
      // A card that was just restored (or already visible) is in its column's list.
      expect(list, fail).toContain(id);
    }
  } else if (r < 0.91 && w.columns.length < MAX_COLUMNS) {
    const colId = `s${w.seed}-k${w.columns.length}`;
    // New columns go before the first done column unless placed: half of them placed at the end.
    const atEnd = rng.bool();
    const before = listColumns(doc);
    const expectedIndex = atEnd ? before.length : Math.max(0, before.findIndex((c) => c.stage === "done"));
    addColumn(doc, { id: colId, name: rng.word(), stage: rng.pick(["intake", "open", "held", "done"] as const), ...(atEnd ? { index: before.length } : {}) });
    w.columns.push(colId);
    if (before.some((c) => c.stage === "done") || atEnd) expect(listColumns(doc)[expectedIndex].id, fail).toBe(colId);
  } else if (r < 0.96) {
    const columns = listColumns(doc);
    const col = rng.pick(columns).id;
    const index = rng.int(columns.length);
    moveColumn(doc, col, index);
    expect(listColumns(doc)[index].id, fail).toBe(col);
  } else {
    const col = rng.pick(listColumns(doc)).id;
    renameColumn(doc, col, rng.word());
  }
}

// ------------------------------------------------------------------ one run

function run(seed: number, steps: number): Stats {
  const rng = new Rng(seed);
  const peerCount = 3 + rng.int(3); // 3..5
  const peers = createPeers(rng, peerCount);
  const w: World = {
    seed,
    rng,
    peers,
    created: [],
    columns: DEFAULT_COLUMNS.map((c) => c.id),
    clock: 0,
    stats: { ops: 0, deliveries: 0, disconnects: 0, reconnects: 0, cards: 0, incoherent: 0 },
    intended: new Map(),
    writes: new Map(),
  };

  for (let step = 0; step < steps; step++) {
    const r = rng.float();
    if (r < 0.5) {
      // Offline peers keep editing: their changes travel when they reconnect.
      randomOp(w, rng.pick(peers));
      w.stats.ops++;
    } else if (r < 0.88) {
      const waiting = peers.filter((p) => p.online && p.inbox.length > 0);
      if (waiting.length === 0) continue;
      const p = rng.pick(waiting);
      // Usually one message; sometimes a burst.
      const n = rng.bool(0.85) ? 1 : 1 + rng.int(p.inbox.length);
      for (let i = 0; i < n; i++) deliverOne(rng, p);
      w.stats.deliveries += n;
    } else if (r < 0.94) {
      const online = peers.filter((p) => p.online);
      if (online.length === 0) continue;
      disconnect(rng, rng.pick(online));
      w.stats.disconnects++;
    } else {
      const offline = peers.filter((p) => !p.online);
      if (offline.length === 0) continue;
      reconnect(peers, rng.pick(offline));
      w.stats.reconnects++;
    }
  }

  // Heal the network: everyone reconnects, then every queue is flushed (still out of order).
  for (const p of peers) if (!p.online) reconnect(peers, p);
  for (;;) {
    const waiting = peers.filter((p) => p.inbox.length > 0);
    if (waiting.length === 0) break;
    deliverOne(rng, rng.pick(waiting));
    w.stats.deliveries++;
  }

  assertConverged(w);
  assertNoLostEdits(w);
  w.stats.cards = w.created.length;
  for (const c of readBoard(peers[0].doc).cards) {
    if (!w.intended.get(c.id)?.has(position(c))) w.stats.incoherent++;
  }
  return w.stats;
}

// ------------------------------------------------------------------ invariants

function assertConverged(w: World): void {
  const fail = `seed ${w.seed}`;
  const [first, ...rest] = w.peers;
  const reference = readBoard(first.doc);
  const referenceSv = Y.encodeStateVector(first.doc);

  for (const p of w.peers) {
    const msg = `${fail}, peer ${p.index}`;
    // Nothing is left waiting for missing dependencies.
    expect(p.doc.store.pendingStructs, msg).toBeNull();
    expect(p.doc.store.pendingDs, msg).toBeNull();
  }
  for (const p of rest) {
    const msg = `${fail}, peer ${p.index}`;
    expect(Y.encodeStateVector(p.doc), msg).toEqual(referenceSv);
    expect(readBoard(p.doc), msg).toEqual(reference);
  }

  // No card lost, none duplicated, none invented.
  const created = [...w.created].sort();
  expect([...cardsMap(first.doc).keys()].sort(), fail).toEqual(created);
  const boardIds = reference.cards.map((c) => c.id);
  expect(new Set(boardIds).size, `${fail}: duplicate ids in readBoard`).toBe(boardIds.length);
  expect([...boardIds].sort(), fail).toEqual(created);
  for (const [key, m] of cardsMap(first.doc)) expect(m.get("id"), fail).toBe(key);

  // Columns: exactly the ones ever created, each once.
  const columnIds = reference.columns.map((c) => c.id);
  expect(new Set(columnIds).size, fail).toBe(columnIds.length);
  expect([...columnIds].sort(), fail).toEqual([...w.columns].sort());
  expect(columnsMap(first.doc).size, fail).toBe(w.columns.length);

  // Every card is shown in exactly one column.
  const byColumn = new Map<string, CardView[]>(reference.columns.map((c) => [c.id, []]));
  for (const card of reference.cards) {
    const col = effectiveColumn(card, reference.columns);
    expect(byColumn.has(col), `${fail}: card ${card.id} in unknown column ${col}`).toBe(true);
    // No column is ever deleted, so no card should need the fallback.
    expect(col, fail).toBe(card.column);
    byColumn.get(col)!.push(card);
  }
  let placed = 0;
  for (const [col, cards] of byColumn) {
    placed += cards.length;
    for (const archived of [false, true]) {
      const group = cards.filter((c) => c.archived === archived);
      const sorted = sortOrdered(group);
      // The display list of the column is exactly its cards, each once, in (order, id) order.
      const list = cardsInColumn(first.doc, col, { archived });
      expect(list.map((c) => c.id), `${fail}, column ${col}`).toEqual(sorted.map((c) => c.id));
      expect([...list.map((c) => c.id)].sort(), `${fail}, column ${col}`).toEqual(group.map((c) => c.id).sort());
      // (order, id) is a strict total order: no two cards compare equal.
      for (let i = 1; i < sorted.length; i++) expect(compareOrdered(sorted[i - 1], sorted[i]), fail).toBe(-1);
      // Every peer shows the column in the same order.
      for (const p of rest) {
        expect(cardsInColumn(p.doc, col, { archived }).map((c) => c.id), `${fail}, peer ${p.index}`).toEqual(
          list.map((c) => c.id),
        );
      }
    }
  }
  expect(placed, fail).toBe(w.created.length);
}

/**
 * A field keeps the last write in causal order: its final value must come
 * from a write that no other write of the same field had already seen.
 * (A move or an archive must never undo a concurrent title edit, for example.)
 */
function assertNoLostEdits(w: World): void {
  const doc = w.peers[0].doc;
  for (const id of w.created) {
    const card = getCard(doc, id)!;
    for (const field of ["title", "description"] as const) {
      const msg = `seed ${w.seed}, card ${id}, ${field}`;
      const writes = w.writes.get(`${id}/${field}`)!;
      const winner = writes.get(card[field]);
      expect(winner, `${msg}: final value ${JSON.stringify(card[field])} was never written`).toBeDefined();
      for (const [value, other] of writes) {
        if (other === winner) continue;
        const overwritten = (other.seen.get(winner!.client) ?? 0) >= winner!.clock;
        expect(overwritten, `${msg}: ${JSON.stringify(value)} was written after the final value`).toBe(false);
      }
    }
  }
}

// ------------------------------------------------------------------ the tests

const SEEDS = Number(process.env.CONVERGENCE_SEEDS ?? 240);
const STEPS = Number(process.env.CONVERGENCE_STEPS ?? 250);
const CHUNK = 40;
const chunks: Array<[number, number]> = [];
for (let start = 0; start < SEEDS; start += CHUNK) chunks.push([start, Math.min(start + CHUNK, SEEDS) - 1]);

describe("board convergence under random concurrent edits and out-of-order delivery", () => {
  it.each(chunks)("seeds %i..%i converge", (from, to) => {
    const total: Stats = { ops: 0, deliveries: 0, disconnects: 0, reconnects: 0, cards: 0, incoherent: 0 };
    for (let seed = from; seed <= to; seed++) {
      const s = run(seed, STEPS);
      for (const k of Object.keys(total) as Array<keyof Stats>) total[k] += s[k];
    }
    // The runs really exercised the system.
    const n = to - from + 1;
    expect(total.ops / n).toBeGreaterThan(STEPS * 0.4);
    expect(total.deliveries).toBeGreaterThan(0);
    expect(total.disconnects).toBeGreaterThan(0);
    expect(total.reconnects).toBeGreaterThan(0);
    expect(total.cards / n).toBeGreaterThan(5);
  });

  // Regression: `column` and `order` are always written together, so two
  // concurrent moves of one card resolve to one move's position, never a mix
  // of one move's column and the other's order key.
  it("every card ends at a (column, order) that one operation wrote", () => {
    let incoherent = 0;
    for (let seed = 0; seed < 60; seed++) incoherent += run(seed, STEPS).incoherent;
    expect(incoherent).toBe(0);
  });

  it("the PRNG is deterministic per seed", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(sa);
  });
});
