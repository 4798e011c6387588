/**
 * The check of a client's Yjs update, done completely before any part of it
 * touches the live document: structure, dependencies, the board schema, the
 * type and size of every value, the person's role, and every deletion.
 * Refused means nothing of it applies.
 *
 * How: the update is decoded (never applied) and its integration simulated
 * the way Yjs would do it — which items can be integrated with what the
 * document and the update hold (anything else would wait invisibly as
 * "pending" and later surface half-applied), and where each new item lands
 * (a map entry inherits its map and key from the item it overwrites). Each
 * new item and each deletion is then judged by the board's rules, which live
 * in the pure board domain (`RECORD_FIELDS` in app/board/validate.ts): the
 * same rules the forms and the API use.
 *
 * A few rules can only be judged once an offline edit meets what happened
 * meanwhile (a card moved into a column a coordinator has removed since; a
 * coordinator's removal of a column that has received requests since). Those
 * are accepted and compensated afterwards by the server (`compensate`),
 * never refused: an offline client would resend a refused edit forever.
 */
import * as Y from "yjs";
import {
  categoriesMap,
  columnsMap,
  listCategories,
  listColumns,
  requestsInCategory,
  requestsInColumn,
  ROOT_NAMES,
} from "../../app/board/domain";
import { carriesOver, isStage, missingStages } from "../../app/board/stages";
import { isRecordId, RECORD_FIELDS, type RecordKind } from "../../app/board/validate";

export type Role = "coordinator" | "member" | "viewer";

/** Why an update is refused, as the close code the sender gets. */
export const REFUSAL = {
  /** undecodable, an unknown shape, or changes this server never saw */
  malformed: 4400,
  /** not this person's to change (role, server fields, another's record) */
  forbidden: 4403,
  /** a value outside the field rules */
  invalid: 4422,
} as const;

/**
 * The reasons of a `malformed` refusal for an update that builds on changes
 * the server has not seen (yet): room.ts holds such an update until the
 * client's first sync step 2 (which brings what it builds on) instead of
 * closing the connection at once.
 */
export const MISSING_DEPENDENCIES = /missing dependencies|never saw/;

/** What the server must repair after applying an accepted update (see the module comment). */
export interface Compensation {
  /** Columns or categories this update removes: restored when they still hold requests or were the last. */
  removed: Array<{ kind: "columns" | "categories"; id: string; fields: Record<string, unknown> }>;
  /** Cards this update points at a column or category that no longer exists: pointed back. */
  refs: Array<{ card: Y.Map<unknown>; field: "column" | "category"; previous: unknown }>;
  /** Columns whose stage this update changes: changed back when the board then lacks a stage or the column's requests do not fit it. */
  stages: Array<{ column: Y.Map<unknown>; previous: unknown }>;
}

/** The new values an update gives requests' fields (only values that will be the live ones), by request id. */
export type CardChanges = Map<string, Map<string, unknown>>;

export type UpdateCheck =
  | {
      ok: true;
      empty: boolean;
      compensation: Compensation | null;
      cards: CardChanges;
      /** The check integrated the update into a scratch copy of the document (see `settleMultiChains`): count these. */
      costly: boolean;
    }
  | { ok: false; code: number; reason: string };

const ROOTS = new Set<string>(ROOT_NAMES);
/** Roots whose records only coordinators add, change or remove. */
const MANAGED = new Set<string>(["columns", "categories"]);

type Struct = Y.Item | Y.GC | Y.Skip;
type DeleteRanges = Map<number, Array<{ clock: number; len: number }>>;

class Refusal extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(reason);
  }
}

const refuse = (code: number, reason: string): never => {
  throw new Refusal(code, reason);
};

const short = (s: unknown) => String(s).slice(0, 40);

/** Where a type sits in the document: its root, how deep, and the key of the record it is (or is in). */
interface Container {
  /** A stable name of this container, for matching an overwrite with what it overwrites. */
  key: string;
  root: string;
  /** 0: a root map (its entries are records); 1: a record (its entries are fields). */
  depth: number;
  /** The record's key under its root (depth ≥ 1). */
  record: string | null;
  /** The live type, when the container exists in the document already. */
  type: Y.AbstractType<unknown> | null;
}

type Place = { gc: true } | { gc: false; container: Container; key: string | null };

const GC_PLACE: Place = { gc: true };

function idKey(client: number, clock: number): string {
  return `${client}:${clock}`;
}

export function checkUpdate(update: Uint8Array, doc: Y.Doc, role: Role): UpdateCheck {
  try {
    return new UpdateChecker(doc, role).run(update);
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, code: e.code, reason: e.message };
    return { ok: false, code: REFUSAL.malformed, reason: `malformed update: ${(e as Error).message}`.slice(0, 200) };
  }
}

class UpdateChecker {
  private readonly store: Y.Doc["store"];
  /** The update's structs by client, in clock order. */
  private readonly byClient = new Map<number, Struct[]>();
  /** After the simulated integration: for each client, the clock up to which the document would hold it. */
  private readonly available = new Map<number, number>();
  /** The new items of the update, by the id of their first clock. */
  private readonly newItems = new Map<string, Y.Item>();
  private readonly places = new Map<Y.Item, Place>();
  private readonly containers = new Map<Y.AbstractType<unknown> | Y.Item, Container>();
  /** The new items of each "container|key", in place order (see `checkChains`). */
  private readonly groups = new Map<string, { container: Container; key: string; items: Y.Item[] }>();
  /** Per "container|key": the update's chain of new values, where it starts and whether its last value stays. */
  private readonly chains = new Map<string, { container: Container; key: string; start: Y.Item; end: Y.Item; alive: boolean }>();
  /** The update's own delete set, for "is this new item deleted again by the same update". */
  private ownDeletes: DeleteRanges = new Map();
  /** New column and category records of this update, by kind. */
  private readonly newRecords = { columns: new Set<string>(), categories: new Set<string>() };
  private readonly compensation: Compensation = { removed: [], refs: [], stages: [] };

  constructor(
    private readonly doc: Y.Doc,
    private readonly role: Role,
  ) {
    this.store = doc.store;
  }

  /** Keys with more than one chain of new values (`checkChains`): their outcome, from a scratch integration. */
  private readonly multi = new Map<string, { container: Container; key: string; alive: boolean; value: unknown }>();
  private update: Uint8Array | null = null;

  run(update: Uint8Array): UpdateCheck {
    this.update = update;
    const decoded = Y.decodeUpdate(update) as { structs: Struct[]; ds: { clients: DeleteRanges } };
    for (const s of decoded.structs) {
      const list = this.byClient.get(s.id.client);
      if (list) list.push(s);
      else this.byClient.set(s.id.client, [s]);
    }
    for (const list of this.byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock);
    this.simulateIntegration();

    const fresh: Y.Item[] = [];
    for (const list of this.byClient.values()) {
      for (const s of list) {
        if (!(s instanceof Y.Item)) continue;
        if (s.id.clock + s.length <= Y.getState(this.store, s.id.client)) continue; // the server has it
        fresh.push(s);
      }
    }
    if (this.role === "viewer" && fresh.length) refuse(REFUSAL.forbidden, "viewers read the board, they do not change it");
    // First every place (an overwrite is matched with what it overwrites), then the rules.
    for (const item of fresh) {
      const place = this.placeOf(item);
      // The columns and categories this update adds: a card may move into one in the same update.
      if (!place.gc && place.container.depth === 0 && MANAGED.has(place.container.root) && item.content instanceof Y.ContentType) {
        this.newRecords[place.container.root as "columns" | "categories"].add(String(place.key));
      }
    }
    for (const item of fresh) this.checkItem(item);
    this.ownDeletes = decoded.ds.clients;
    this.checkChains();
    const liveDeletions = this.checkDeletions(decoded.ds.clients);
    const empty = fresh.length === 0 && liveDeletions === 0;
    const c = this.compensation;
    return {
      ok: true,
      empty,
      compensation: c.removed.length || c.refs.length || c.stages.length ? c : null,
      cards: this.cardChanges(),
      costly: this.multi.size > 0,
    };
  }

  /**
   * What the update does to existing requests: each field's new value where
   * it will be the live one. The room judges these by who may change which
   * request (app/board/stages.ts), which needs SQL, so it happens there.
   */
  private cardChanges(): CardChanges {
    const out: CardChanges = new Map();
    for (const chain of this.chains.values()) {
      const { container, key } = chain;
      if (container.root !== "cards" || container.depth !== 1 || !container.type || !chain.alive) continue;
      const record = (container.type as Y.AbstractType<unknown>)._item;
      if (!record || record.deleted) continue;
      const live = this.liveItemAt(container, key);
      if (live && !this.replaces(container, key, live)) continue; // lost to a newer value: changes nothing
      if (!(chain.end.content instanceof Y.ContentAny)) continue;
      const value = chain.end.content.arr[chain.end.content.arr.length - 1];
      const fields = out.get(container.record!) ?? new Map<string, unknown>();
      fields.set(key, value);
      out.set(container.record!, fields);
    }
    for (const m of this.multi.values()) {
      const { container, key } = m;
      if (container.root !== "cards" || container.depth !== 1 || !container.type || !m.alive) continue;
      const record = (container.type as Y.AbstractType<unknown>)._item;
      if (!record || record.deleted) continue;
      const fields = out.get(container.record!) ?? new Map<string, unknown>();
      fields.set(key, m.value);
      out.set(container.record!, fields);
    }
    return out;
  }

  // ------------------------------------------------------------ dependencies

  /**
   * Integrate the update in thought, as Yjs would: a client's structs in
   * clock order, each once everything it refers to (its left and right
   * neighbour, its parent) is in the document or already integrated. What
   * cannot be integrated that way would wait in Yjs's pending store while the
   * rest applies: refused, so an update applies whole or not at all.
   */
  private simulateIntegration(): void {
    const heads = new Map<number, number>();
    for (const client of this.byClient.keys()) {
      heads.set(client, 0);
      this.available.set(client, Y.getState(this.store, client));
    }
    const has = (id: Y.ID | null) => !id || id.clock < (this.available.get(id.client) ?? Y.getState(this.store, id.client));
    let progress = true;
    let left = 0;
    for (const list of this.byClient.values()) left += list.length;
    while (left > 0 && progress) {
      progress = false;
      for (const [client, list] of this.byClient) {
        let i = heads.get(client)!;
        while (i < list.length) {
          const s = list[i];
          const end = this.available.get(client)!;
          if (s.id.clock > end) break; // a gap: clocks this server never saw
          if (s instanceof Y.Skip) {
            if (s.id.clock + s.length > end) break; // skipped, and not known here either
          } else if (s instanceof Y.Item && s.id.clock + s.length <= end) {
            // Known already (Yjs skips it), but what it refers to must exist: a
            // reference to a change nobody made is a damaged or forged frame.
            const parent = s.parent instanceof Y.ID ? s.parent : null;
            if (!has(s.origin) || !has(s.rightOrigin) || !has(parent)) refuse(REFUSAL.malformed, "update refers to changes this server never saw");
          } else if (s instanceof Y.Item && s.id.clock + s.length > end) {
            const parent = s.parent instanceof Y.ID ? s.parent : null;
            if (!has(s.origin) || !has(s.rightOrigin) || !has(parent)) break;
            this.newItems.set(idKey(client, s.id.clock), s);
          }
          this.available.set(client, Math.max(end, s.id.clock + s.length));
          i++;
          left--;
          progress = true;
        }
        heads.set(client, i);
      }
    }
    if (left > 0) refuse(REFUSAL.malformed, "update with missing dependencies");
  }

  /** The struct (of the document, or new in this update) that holds `id`, or null. */
  private structAt(id: Y.ID): Y.Item | Y.GC | null {
    if (id.clock < Y.getState(this.store, id.client)) {
      const s = Y.getItem(this.store, id) as Y.Item | Y.GC;
      return s;
    }
    const list = this.byClient.get(id.client);
    if (!list) return null;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid];
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else return s instanceof Y.Skip ? null : s;
    }
    return null;
  }

  // ------------------------------------------------------------ places

  private containerOfType(type: Y.AbstractType<unknown>): Container {
    let c = this.containers.get(type);
    if (c) return c;
    const item = type._item;
    if (!item) {
      let root: string;
      try {
        root = Y.findRootTypeKey(type);
      } catch {
        root = "";
      }
      c = { key: `root:${root}`, root, depth: 0, record: null, type };
    } else {
      const outer = this.containerOfType(item.parent as Y.AbstractType<unknown>);
      c = {
        key: idKey(item.id.client, item.id.clock),
        root: outer.root,
        depth: outer.depth + 1,
        record: outer.depth === 0 ? item.parentSub : outer.record,
        type,
      };
    }
    this.containers.set(type, c);
    return c;
  }

  /** The container a new item of this update makes (it holds a type): its place, one level down. */
  private containerOfNewHolder(holder: Y.Item): Container | null {
    let c = this.containers.get(holder);
    if (c) return c;
    const place = this.placeOf(holder);
    if (place.gc) return null;
    c = {
      key: idKey(holder.id.client, holder.id.clock),
      root: place.container.root,
      depth: place.container.depth + 1,
      record: place.container.depth === 0 ? place.key : place.container.record,
      type: null,
    };
    this.containers.set(holder, c);
    return c;
  }

  /** The container a struct of the document or the update stands for as a parent. */
  private containerOfHolder(s: Y.Item | Y.GC | null): Container | null {
    if (!s || s instanceof Y.GC) return null;
    if (this.newItems.has(idKey(s.id.client, s.id.clock)) || s.id.clock >= Y.getState(this.store, s.id.client)) {
      return s.content instanceof Y.ContentType ? this.containerOfNewHolder(s) : null;
    }
    return s.content instanceof Y.ContentType ? this.containerOfType(s.content.type as Y.AbstractType<unknown>) : null;
  }

  /**
   * Where a new item lands, resolved as Yjs does in `getMissing`: through its
   * left neighbour (origin), else its right one, else its parent. A GC'd
   * neighbour or parent makes the item garbage itself: it changes nothing.
   */
  private placeOf(item: Y.Item, depth = 0): Place {
    const known = this.places.get(item);
    if (known) return known;
    if (depth > 10_000) refuse(REFUSAL.malformed, "update nests too deep");
    let place: Place = GC_PLACE;
    const left = item.origin ? this.structAt(item.origin) : null;
    const right = item.rightOrigin ? this.structAt(item.rightOrigin) : null;
    if ((item.origin && !left) || (item.rightOrigin && !right)) refuse(REFUSAL.malformed, "update with missing dependencies");
    if (left instanceof Y.GC || right instanceof Y.GC) {
      place = GC_PLACE;
    } else if (left || right) {
      const n = (left ?? right) as Y.Item;
      const isNew = n.id.clock + n.length > Y.getState(this.store, n.id.client);
      if (isNew && n !== item) {
        const np = this.placeOf(n, depth + 1);
        place = np;
      } else if (!isNew) {
        const parent = n.parent as Y.AbstractType<unknown> | null;
        place = parent ? { gc: false, container: this.containerOfType(parent), key: n.parentSub } : GC_PLACE;
      }
    } else if (typeof item.parent === "string") {
      if (!ROOTS.has(item.parent)) refuse(REFUSAL.malformed, `unknown root "${short(item.parent)}"`);
      place = { gc: false, container: this.containerOfType(this.doc.getMap(item.parent) as unknown as Y.AbstractType<unknown>), key: item.parentSub };
    } else if (item.parent instanceof Y.ID) {
      const holder = this.structAt(item.parent);
      if (!holder) refuse(REFUSAL.malformed, "update with missing dependencies");
      if (holder instanceof Y.Item && !(holder.content instanceof Y.ContentType) && !(holder.content instanceof Y.ContentDeleted)) {
        refuse(REFUSAL.malformed, "a parent that is not a type");
      }
      const container = this.containerOfHolder(holder);
      place = container ? { gc: false, container, key: item.parentSub } : GC_PLACE;
    } else {
      refuse(REFUSAL.malformed, "an item without a place");
    }
    this.places.set(item, place);
    if (!place.gc && place.key !== null) {
      const ck = `${place.container.key}|${place.key}`;
      const g = this.groups.get(ck);
      if (g) g.items.push(item);
      else this.groups.set(ck, { container: place.container, key: place.key, items: [item] });
    }
    return place;
  }

  // ------------------------------------------------------------ new items

  private checkItem(item: Y.Item): void {
    const content = item.content;
    if (
      !(content instanceof Y.ContentAny) &&
      !(content instanceof Y.ContentType) &&
      !(content instanceof Y.ContentDeleted)
    ) {
      refuse(REFUSAL.malformed, "content kind not allowed");
    }
    if (content instanceof Y.ContentType && !(content.type instanceof Y.Map)) refuse(REFUSAL.malformed, "only maps are allowed");
    const place = this.placeOf(item);
    if (place.gc) return; // lands as garbage: changes nothing
    const { container, key } = place;
    if (key === null) refuse(REFUSAL.malformed, "only map entries are allowed");
    if (container.depth === 0) this.checkRecordItem(item, container.root, key!);
    else if (container.depth === 1) this.checkFieldItem(item, container, key!);
    else refuse(REFUSAL.malformed, "nested deeper than a record's fields");
  }

  /** A new entry of a root map: a whole column, category or card, or a meta value. */
  private checkRecordItem(item: Y.Item, root: string, key: string): void {
    if (root === "meta") refuse(REFUSAL.forbidden, "the board's meta data is the server's");
    if (root === "cards") refuse(REFUSAL.forbidden, "requests are added and removed by the server only");
    if (MANAGED.has(root) && this.role !== "coordinator") refuse(REFUSAL.forbidden, `only coordinators change "${root}"`);
    if (item.content instanceof Y.ContentDeleted) return;
    if (!(item.content instanceof Y.ContentType)) refuse(REFUSAL.invalid, `a ${root} record must be a map`);
    if (!isRecordId(key)) refuse(REFUSAL.invalid, `"${short(key)}" is not a valid id`);
    // Complete on arrival: every field of the record, each by its rule (checked one by one in checkFieldItem).
    const fields = RECORD_FIELDS[root as RecordKind];
    for (const field of Object.keys(fields)) {
      if (!this.groups.has(`${idKey(item.id.client, item.id.clock)}|${field}`)) {
        refuse(REFUSAL.invalid, `a new ${root} record lacks "${field}"`);
      }
    }
  }

  /** A new value of one field of a record. */
  private checkFieldItem(item: Y.Item, container: Container, key: string): void {
    const root = container.root as RecordKind;
    if (root === ("meta" as string)) refuse(REFUSAL.forbidden, "the board's meta data is the server's");
    if (MANAGED.has(root) && this.role !== "coordinator") refuse(REFUSAL.forbidden, `only coordinators change "${root}"`);
    const rules = RECORD_FIELDS[root] as Record<string, { rule: (v: unknown) => string | null; server?: true; ref?: "columns" | "categories" }> | undefined;
    if (!rules) refuse(REFUSAL.malformed, `unknown root "${short(root)}"`);
    const field = rules![key];
    if (!field) refuse(REFUSAL.invalid, `"${short(key)}" is not a field of ${root}`);
    if (root === "cards" && field.server) refuse(REFUSAL.forbidden, `the field "${key}" of a request is set by the server`);
    if (item.content instanceof Y.ContentDeleted) return;
    if (!(item.content instanceof Y.ContentAny) || item.content.arr.length !== 1) {
      refuse(REFUSAL.invalid, `the field "${key}" holds one plain value`);
    }
    const value = (item.content as Y.ContentAny).arr[0];
    const error = field.rule(value);
    if (error) refuse(REFUSAL.invalid, `${root}.${key}: ${error}`);
    if (key === "id" && value !== container.record) refuse(REFUSAL.invalid, `${root}.id must be the record's key`);
    if (field.ref) this.checkRef(container, key as "column" | "category", field.ref, value as string);
    if (root === "columns" && key === "stage" && container.type) {
      const column = container.type as Y.Map<unknown>;
      if (!this.compensation.stages.some((s) => s.column === column)) this.compensation.stages.push({ column, previous: column.get("stage") });
    }
  }

  /**
   * A card pointing at a column or category: one that exists (or arrives in
   * this same update), or one that existed and was removed meanwhile — then
   * the server points the card back afterwards. Never one that never was.
   */
  private checkRef(container: Container, field: "column" | "category", kind: "columns" | "categories", id: string): void {
    const records = this.doc.getMap(kind);
    if (records.has(id) || this.newRecords[kind].has(id)) return;
    const tombstone = (records as unknown as { _map: Map<string, Y.Item> })._map.has(id);
    if (!tombstone) refuse(REFUSAL.invalid, `no ${field} "${short(id)}" on this board`);
    const card = container.type as Y.Map<unknown> | null;
    if (card) this.compensation.refs.push({ card, field, previous: card.get(field) });
  }

  // ------------------------------------------------------------ overwrites

  /**
   * How a map entry changes, exactly as Yjs will integrate it. An honest
   * client sets a key by writing a value whose left neighbour (origin) is
   * the key's value it saw, and nothing to its right; several sets of one
   * key in one update form a chain, each value after the one before, and
   * only the last stays. The last value of a chain that starts at the key's
   * live value always becomes the new live value, and the old one goes;
   * anything else (a right neighbour, two values after the same one, a chain
   * that ends in a deleted value) could leave the key without a value, and
   * is refused for a record's field (or judged as a removal for a whole
   * column or category).
   */
  private checkChains(): void {
    for (const [ck, g] of this.groups) {
      const next = new Map<string, Y.Item>();
      const members = new Set<string>();
      for (const item of g.items) members.add(idKey(item.id.client, item.id.clock + item.length - 1));
      const starts: Y.Item[] = [];
      for (const item of g.items) {
        if (item.rightOrigin) refuse(REFUSAL.malformed, "a map entry with a right neighbour");
        const from = item.origin ? idKey(item.origin.client, item.origin.clock) : null;
        if (from && members.has(from)) {
          if (next.has(from)) refuse(REFUSAL.malformed, "two values after the same value");
          next.set(from, item);
        } else {
          starts.push(item);
        }
      }
      if (starts.length === 0) refuse(REFUSAL.malformed, "values of one key that follow each other in a circle");
      const endOf = (s: Y.Item) => {
        let end = s;
        let length = 1;
        for (let n = next.get(idKey(end.id.client, end.id.clock + end.length - 1)); n; n = next.get(idKey(end.id.client, end.id.clock + end.length - 1))) {
          end = n;
          length++;
          if (length > g.items.length) break;
        }
        return { end, length };
      };
      const walked = starts.map(endOf);
      if (walked.reduce((n, w) => n + w.length, 0) !== g.items.length) refuse(REFUSAL.malformed, "values of one key that do not follow each other");
      if (starts.length > 1) {
        // Two chains for one key: an offline client whose message was lost in flight, sent
        // again with what it wrote after seeing someone else's value. Judged by integrating
        // the update into a scratch copy (settleMultiChains), as Yjs will.
        this.multi.set(ck, { container: g.container, key: g.key, alive: false, value: undefined });
        continue;
      }
      const start = starts[0];
      const { end } = walked[0];
      const alive = !(end.content instanceof Y.ContentDeleted) && !inRanges(this.ownDeletes.get(end.id.client), end.id.clock);
      this.chains.set(ck, { container: g.container, key: g.key, start, end, alive });
    }
    if (this.multi.size) this.settleMultiChains();
    for (const chain of this.chains.values()) {
      if (chain.alive) continue;
      const { container, key } = chain;
      const live = this.liveItemAt(container, key);
      if (!live) continue; // nothing there to lose
      // A value that lost to a concurrent one (an offline edit that met a newer
      // value on reconnecting) arrives deleted and lands left of the live one:
      // harmless. Only a chain that would end up rightmost takes the key's value away.
      if (!this.wouldBeRightmost(chain.start)) continue;
      if (container.depth === 0) {
        // A whole column or category goes (only coordinators get here).
        if (MANAGED.has(container.root)) this.removeRecord(live, container, key);
        this.implicitlyDoomed.add(live);
        continue;
      }
      const record = (container.type as Y.AbstractType<unknown> | null)?._item;
      if (record && (record.deleted || this.recordGoes(record))) continue;
      const field = (RECORD_FIELDS[container.root as RecordKind] as Record<string, { server?: true }> | undefined)?.[key];
      if (container.root === "cards" && field?.server) refuse(REFUSAL.forbidden, `the field "${key}" of a request is set by the server`);
      refuse(REFUSAL.forbidden, `a ${container.root} record's field "${short(key)}" cannot be removed`);
    }
  }

  /**
   * Keys with several chains of new values: integrate the update into a
   * scratch copy of the document and read each key's outcome there. Rare
   * (an honest client meets it after a lost message) and costly for a big
   * board, so the room counts these per connection.
   */
  private settleMultiChains(): void {
    const scratch = new Y.Doc({ gc: true });
    try {
      Y.applyUpdate(scratch, Y.encodeStateAsUpdate(this.doc));
      Y.applyUpdate(scratch, this.update!);
    } catch {
      refuse(REFUSAL.malformed, "an update Yjs cannot integrate");
    }
    const liveIn = (map: Y.AbstractType<unknown> | undefined, key: string): Y.Item | null => {
      const item = (map as unknown as { _map?: Map<string, Y.Item> } | undefined)?._map?.get(key);
      return item && !item.deleted ? item : null;
    };
    for (const m of this.multi.values()) {
      const { container, key } = m;
      const root = scratch.getMap(container.root) as unknown as Y.AbstractType<unknown>;
      const holder = container.depth === 0 ? root : (scratch.getMap(container.root).get(container.record!) as Y.AbstractType<unknown> | undefined);
      const after = liveIn(holder, key);
      m.alive = !!after;
      m.value = after && after.content instanceof Y.ContentAny ? after.content.arr[after.content.arr.length - 1] : undefined;
      const before = this.liveItemAt(container, key);
      if (!before || after) continue;
      // The key loses its value: judged as a removal.
      if (container.depth === 0) {
        if (!MANAGED.has(container.root)) refuse(REFUSAL.forbidden, container.root === "cards" ? "requests are added and removed by the server only" : "the board's meta data is the server's");
        this.removeRecord(before, container, key);
        this.implicitlyDoomed.add(before);
        continue;
      }
      const record = (container.type as Y.AbstractType<unknown> | null)?._item;
      if (record && (record.deleted || this.recordGoes(record))) continue;
      refuse(REFUSAL.forbidden, `a ${container.root} record's field "${short(key)}" cannot be removed`);
    }
  }

  /**
   * Whether a new map value whose left neighbour (origin) is in the
   * document would end up as the key's rightmost item: Yjs's conflict
   * resolution (Item.integrate) run without changing anything. The values
   * after it in one chain follow it directly, so the chain's last value is
   * rightmost exactly when its first is.
   */
  private wouldBeRightmost(x: Y.Item): boolean {
    if (!x.origin) return true; // a value at the start of a key: judged as the worst case
    const found = Y.getItem(this.store, x.origin) as Y.Item | Y.GC;
    if (!(found instanceof Y.Item)) return false; // lands as garbage
    const same = (a: Y.ID | null, b: Y.ID | null) => (a === null ? b === null : b !== null && a.client === b.client && a.clock === b.clock);
    let left: Y.Item = found;
    let o: Y.Item | null = found.right as Y.Item | null;
    // The origin inside a merged struct: Yjs splits it, and the rest (whose
    // origin is x's own) is the first item x meets.
    let leftIsSplitHead = false;
    if (x.origin.clock < found.id.clock + found.length - 1) {
      if (found.id.client >= x.id.client) {
        if (found.rightOrigin === null) return false;
        leftIsSplitHead = true;
      }
    }
    const before = new Set<Y.Item | Y.GC>();
    const conflicting = new Set<Y.Item | Y.GC>();
    const moveLeft = (to: Y.Item) => {
      left = to;
      leftIsSplitHead = false;
      conflicting.clear();
    };
    while (o !== null) {
      before.add(o);
      conflicting.add(o);
      if (same(x.origin, o.origin)) {
        if (o.id.client < x.id.client) moveLeft(o);
        else if (o.rightOrigin === null) break;
      } else if (o.origin !== null && before.has(Y.getItem(this.store, o.origin) as Y.Item)) {
        if (!conflicting.has(Y.getItem(this.store, o.origin) as Y.Item)) moveLeft(o);
      } else break;
      o = o.right as Y.Item | null;
    }
    return !leftIsSplitHead && left.right === null;
  }

  /** The live (rightmost, not deleted) value of a key in the document, or null. */
  private liveItemAt(container: Container, key: string): Y.Item | null {
    const type = container.type as unknown as { _map: Map<string, Y.Item> } | null;
    const item = type?._map.get(key);
    return item && !item.deleted ? item : null;
  }

  /**
   * Whether the update replaces the key's live value `live` for sure: its
   * chain's last value stays, and lands last (right after the live value, or
   * after an older one where Yjs's conflict resolution puts it last).
   */
  private replaces(container: Container, key: string, live: Y.Item): boolean {
    const multi = this.multi.get(`${container.key}|${key}`);
    if (multi) return multi.alive;
    const chain = this.chains.get(`${container.key}|${key}`);
    if (!chain || !chain.alive || !chain.start.origin) return false;
    const o = chain.start.origin;
    if (o.client === live.id.client && o.clock === live.id.clock + live.length - 1) return true;
    // After an older value (an edit that crossed a newer one): it replaces the
    // live value only where Yjs puts it last, as in the client's own copy.
    return this.wouldBeRightmost(chain.start);
  }

  /** Records a chain ending in a deleted value removes (besides the delete set's). */
  private readonly implicitlyDoomed = new Set<Y.Item>();
  /** Records the delete set removes. */
  private readonly doomedRecords = new Set<Y.Item>();

  private recordGoes(record: Y.Item): boolean {
    return this.doomedRecords.has(record) || this.implicitlyDoomed.has(record) || inRanges(this.ownDeletes.get(record.id.client), record.id.clock);
  }

  private removeRecord(struct: Y.Item, container: Container, key: string): void {
    if (this.compensation.removed.some((r) => r.kind === container.root && r.id === key)) return;
    const record = struct.content instanceof Y.ContentType ? (struct.content.type as Y.Map<unknown>) : null;
    this.compensation.removed.push({ kind: container.root as "columns" | "categories", id: key, fields: record ? record.toJSON() : {} });
  }

  // ------------------------------------------------------------ deletions

  /**
   * Every live struct of the document the update deletes. A field's old
   * value may go only when the update writes its new one (an overwrite) or
   * its whole record goes; whole records only as the rules allow. Deleting
   * what is already deleted changes nothing and passes (a client's sync
   * answer repeats every deletion it knows). Returns how many live structs it deletes.
   */
  private checkDeletions(ds: DeleteRanges): number {
    const already = this.deletedInDoc(ds);
    const doomedRecords = this.doomedRecords;
    const fieldDeletions: Y.Item[] = [];
    let live = 0;
    for (const [client, ranges] of ds) {
      const known = Y.getState(this.store, client);
      const ours = already?.get(client);
      const end = this.available.get(client) ?? known;
      for (const { clock, len } of ranges) {
        if (clock + len > end) refuse(REFUSAL.malformed, "update with missing dependencies");
        const inDoc = Math.min(clock + len, known);
        if (inDoc <= clock) continue; // only this update's own items
        if (ours && within(ours, clock, inDoc - clock)) continue;
        let at = clock;
        while (at < inDoc) {
          const struct = Y.getItem(this.store, Y.createID(client, at)) as Y.Item | Y.GC;
          at = struct.id.clock + struct.length;
          if (!(struct instanceof Y.Item) || struct.deleted) continue;
          live++;
          if (this.role === "viewer") refuse(REFUSAL.forbidden, "viewers read the board, they do not change it");
          const container = this.containerOfType(struct.parent as Y.AbstractType<unknown>);
          if (struct.parentSub === null) refuse(REFUSAL.malformed, "only map entries are allowed");
          if (container.depth === 0) {
            this.checkRecordDeletion(struct, container);
            doomedRecords.add(struct);
          } else {
            fieldDeletions.push(struct);
          }
        }
      }
    }
    for (const struct of fieldDeletions) {
      const container = this.containerOfType(struct.parent as Y.AbstractType<unknown>);
      if (MANAGED.has(container.root) && this.role !== "coordinator") refuse(REFUSAL.forbidden, `only coordinators change "${container.root}"`);
      if (container.root === "meta") refuse(REFUSAL.forbidden, "the board's meta data is the server's");
      const record = (struct.parent as Y.AbstractType<unknown>)._item;
      if (record && (record.deleted || this.recordGoes(record))) continue; // goes with its record
      if (this.replaces(container, struct.parentSub!, struct)) continue; // overwritten by this update
      const field = (RECORD_FIELDS[container.root as RecordKind] as Record<string, { server?: true }> | undefined)?.[struct.parentSub!];
      if (container.root === "cards" && field?.server) refuse(REFUSAL.forbidden, `the field "${struct.parentSub}" of a request is set by the server`);
      refuse(REFUSAL.forbidden, `a ${container.root} record's field "${short(struct.parentSub)}" cannot be removed`);
    }
    return live;
  }

  private checkRecordDeletion(struct: Y.Item, container: Container): void {
    const root = container.root;
    const key = struct.parentSub!;
    if (root === "cards") refuse(REFUSAL.forbidden, "requests are added and removed by the server only");
    if (root === "meta" || !MANAGED.has(root)) refuse(REFUSAL.forbidden, "the board's meta data is the server's");
    if (this.role !== "coordinator") refuse(REFUSAL.forbidden, `only coordinators change "${root}"`);
    if (this.replaces(container, key, struct)) return; // replaced by a new record
    this.removeRecord(struct, container, key);
  }

  /**
   * The document's own deletions, for an update that lists many (a sync
   * answer after reconnecting repeats them all): built once per version of the document.
   */
  private deletedInDoc(ds: DeleteRanges): DeleteRanges | null {
    let count = 0;
    for (const ranges of ds.values()) count += ranges.length;
    if (count <= MANY_RANGES) return null;
    let own = deleteSets.get(this.doc);
    if (!own) {
      own = (Y.createDeleteSetFromStructStore(this.store) as unknown as { clients: DeleteRanges }).clients;
      deleteSets.set(this.doc, own);
      this.doc.once("update", () => deleteSets.delete(this.doc));
    }
    return own;
  }
}

/**
 * Restore the board's rules after an accepted offline edit crossed a change
 * made meanwhile (one transaction with `origin`): a removed column or
 * category that still holds requests, or was the last (of its stage, for a
 * column), comes back; a column's new stage that leaves the board without a
 * stage, or does not fit the requests in it, goes back; a card pointed at a
 * column or category that is gone returns to where it was, or to the first.
 * Returns what it did, for the author.
 */
export function compensate(doc: Y.Doc, c: Compensation, origin: unknown): string[] {
  const notes: string[] = [];
  Y.transact(
    doc,
    () => {
      for (const r of c.removed) {
        const records = r.kind === "columns" ? columnsMap(doc) : categoriesMap(doc);
        if (records.has(r.id)) continue;
        const held = r.kind === "columns" ? requestsInColumn(doc, r.id) : requestsInCategory(doc, r.id);
        const lastOfStage = r.kind === "columns" && isStage(r.fields.stage) && missingStages(listColumns(doc)).includes(r.fields.stage);
        if (held === 0 && records.size > 0 && !lastOfStage) continue;
        const m = new Y.Map<unknown>();
        for (const [k, v] of Object.entries(r.fields)) m.set(k, v);
        records.set(r.id, m);
        notes.push(`restored:${r.kind}:${r.id}`);
      }
      for (const s of c.stages) {
        if (s.column._item?.deleted || !isStage(s.previous)) continue;
        const now = s.column.get("stage");
        if (!isStage(now) || now === s.previous) continue;
        const id = String(s.column.get("id"));
        const fits = requestsInColumn(doc, id) === 0 || carriesOver(s.previous, now);
        if (fits && missingStages(listColumns(doc)).length === 0) continue;
        s.column.set("stage", s.previous);
        notes.push(`stage-back:columns:${id}`);
      }
      for (const ref of c.refs) {
        if (ref.card._item?.deleted) continue;
        const records = ref.field === "column" ? columnsMap(doc) : categoriesMap(doc);
        const now = ref.card.get(ref.field);
        if (typeof now === "string" && records.has(now)) continue;
        const first = ref.field === "column" ? listColumns(doc)[0]?.id : listCategories(doc)[0]?.id;
        const back = typeof ref.previous === "string" && records.has(ref.previous) ? ref.previous : first;
        if (!back) continue;
        ref.card.set(ref.field, back);
        notes.push(`moved-back:${ref.field}:${String(ref.card.get("id"))}`);
      }
    },
    origin,
  );
  return notes;
}

/** A delete set this long is compared with the document's own first. */
const MANY_RANGES = 16;
const deleteSets = new WeakMap<Y.Doc, DeleteRanges>();

/**
 * Whether `clock` lies in one of `ranges`. A hostile delete set need not be
 * sorted: a sorted copy is made once per list and kept with it.
 */
const sortedCopies = new WeakMap<object, { starts: number[]; reach: number[] }>();
function inRanges(ranges: Array<{ clock: number; len: number }> | undefined, clock: number): boolean {
  if (!ranges || ranges.length === 0) return false;
  let index = sortedCopies.get(ranges);
  if (!index) {
    const sorted = [...ranges].sort((a, b) => a.clock - b.clock);
    // reach[i]: the furthest end of any range among the first i + 1.
    const reach: number[] = [];
    let far = -Infinity;
    for (const r of sorted) reach.push((far = Math.max(far, r.clock + r.len)));
    index = { starts: sorted.map((r) => r.clock), reach };
    sortedCopies.set(ranges, index);
  }
  // The last range starting at or before `clock`: covered if any up to it reaches past `clock`.
  let lo = 0;
  let hi = index.starts.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (index.starts[mid] <= clock) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at >= 0 && index.reach[at] > clock;
}

/** Whether [clock, clock + len) lies within one of `ranges` (sorted, merged). */
function within(ranges: Array<{ clock: number; len: number }>, clock: number, len: number): boolean {
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
