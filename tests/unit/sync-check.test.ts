/**
 * The board's removal rules in the domain, and the sync check held against
 * Yjs itself: whatever the check accepts applies whole (nothing left waiting
 * as pending) and leaves a board that keeps every rule; whatever it refuses
 * would have changed something it must not, or could not apply whole.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  addCard,
  addColumn,
  BoardError,
  cardsMap,
  initBoard,
  listCategories,
  listColumns,
  moveCard,
  readBoard,
  removeCategory,
  removeColumn,
  requestsInColumn,
  SCHEMA_VERSION,
  setArchived,
  updateCard,
} from "~/board/domain";
import { missingStages } from "~/board/stages";
import * as lib0encoding from "lib0/encoding";
import { RECORD_FIELDS } from "~/board/validate";
import { checkUpdate, compensate, type Role } from "../../server/sync/check-update";
import { seededRandom } from "../factories/random";

const NOW = Date.UTC(2026, 11, 1);

function boardWithCards(n = 6): Y.Doc {
  const doc = new Y.Doc();
  initBoard(doc);
  for (let i = 0; i < n; i++) {
    addCard(doc, {
      id: `r${i}`,
      title: `Aanvraag ${i}`,
      category: i % 2 ? "taal" : "wonen",
      description: "",
      area: "",
      urgency: "normaal",
      createdAt: NOW,
      createdByOrg: "org1",
      column: i % 3 ? "open" : "nieuw",
    });
  }
  return doc;
}

describe("removing columns and categories in the domain", () => {
  it("never the last column, never one with requests unless they move first", () => {
    const doc = boardWithCards();
    addColumn(doc, { id: "wacht", name: "Wacht", stage: "open" });
    expect(() => removeColumn(doc, "open", { now: NOW })).toThrow(new BoardError("column.notEmpty"));
    const held = requestsInColumn(doc, "open");
    expect(held).toBeGreaterThan(0);
    // Only into a column where nobody's claim changes: not from open into held.
    expect(() => removeColumn(doc, "open", { moveTo: "opgepakt", now: NOW })).toThrow(new BoardError("column.stageHolds"));
    const before = requestsInColumn(doc, "nieuw");
    removeColumn(doc, "open", { moveTo: "nieuw", now: NOW });
    expect(listColumns(doc).map((c) => c.id)).not.toContain("open");
    expect(requestsInColumn(doc, "nieuw")).toBe(before + held);
    removeColumn(doc, "opgepakt", { now: NOW });
    // The last column of a stage stays: the board keeps one of each.
    for (const id of ["nieuw", "wacht", "in-uitvoering", "afgerond"]) {
      expect(() => removeColumn(doc, id, { moveTo: "afgerond", now: NOW })).toThrow(new BoardError("column.lastOfStage"));
    }
  });

  it("a category's requests get another category first; never the last one", () => {
    const doc = boardWithCards();
    expect(() => removeCategory(doc, "taal", { now: NOW })).toThrow(new BoardError("category.notEmpty"));
    removeCategory(doc, "taal", { moveTo: "werk", now: NOW });
    expect(readBoard(doc).cards.filter((c) => c.category === "werk").length).toBe(3);
    removeCategory(doc, "maatje", { now: NOW });
    removeCategory(doc, "werk", { moveTo: "wonen", now: NOW });
    expect(() => removeCategory(doc, "wonen", { now: NOW })).toThrow(new BoardError("category.last"));
  });
});

function setArchivedCard(doc: Y.Doc, id: string) {
  setArchived(doc, id, true, NOW);
}

/** Every rule a board must keep, whatever clients sent. */
function boardKeepsItsRules(doc: Y.Doc): string[] {
  const problems: string[] = [];
  const columns = new Set(listColumns(doc).map((c) => c.id));
  const categories = new Set(listCategories(doc).map((c) => c.id));
  if (columns.size === 0) problems.push("no columns");
  if (categories.size === 0) problems.push("no categories");
  for (const [key, m] of cardsMap(doc)) {
    for (const [field, rule] of Object.entries(RECORD_FIELDS.cards)) {
      const v = m.get(field);
      const error = rule.rule(v);
      if (error) problems.push(`${key}.${field}: ${error} (${JSON.stringify(v)?.slice(0, 30)})`);
    }
    if (m.get("id") !== key) problems.push(`${key}.id`);
    for (const k of m.keys()) if (!(k in RECORD_FIELDS.cards)) problems.push(`${key} has ${k}`);
  }
  if (doc.getMap("meta").get("schema") !== SCHEMA_VERSION) problems.push("meta");
  for (const s of missingStages(listColumns(doc))) problems.push(`no ${s} column`);
  return problems;
}

/** An update made by hand: `items` written as Yjs encodes them, and a delete set. */
function forged(
  items: Array<{ client: number; clock: number; origin?: Y.ID | null; right?: Y.ID | null; parent?: string; key?: string; value?: unknown; deleted?: number }>,
  deletes: Array<{ client: number; clock: number; len: number }> = [],
): Uint8Array {
  const encoder = new (Y as any).UpdateEncoderV1();
  const byClient = new Map<number, typeof items>();
  for (const it of items) byClient.set(it.client, [...(byClient.get(it.client) ?? []), it]);
  const enc = encoder.restEncoder;
  const { writeVarUint, writeAny } = lib0encoding;
  writeVarUint(enc, byClient.size);
  for (const [client, list] of byClient) {
    writeVarUint(enc, list.length);
    encoder.writeClient(client);
    writeVarUint(enc, list[0].clock);
    for (const it of list) {
      const contentRef = it.deleted ? 1 : 8; // ContentDeleted or ContentAny
      const info = contentRef | (it.origin ? 0x80 : 0) | (it.right ? 0x40 : 0) | (!it.origin && !it.right && it.key ? 0x20 : 0);
      encoder.writeInfo(info);
      if (it.origin) encoder.writeLeftID(it.origin);
      if (it.right) encoder.writeRightID(it.right);
      if (!it.origin && !it.right) {
        encoder.writeParentInfo(true);
        encoder.writeString(it.parent!);
        if (it.key) encoder.writeString(it.key);
      }
      if (it.deleted) encoder.writeLen(it.deleted);
      else {
        writeVarUint(enc, 1);
        writeAny(enc, it.value as Parameters<typeof writeAny>[1]);
      }
    }
  }
  const byDsClient = new Map<number, Array<{ clock: number; len: number }>>();
  for (const d of deletes) byDsClient.set(d.client, [...(byDsClient.get(d.client) ?? []), d]);
  writeVarUint(enc, byDsClient.size);
  for (const [client, ranges] of byDsClient) {
    writeVarUint(enc, client);
    writeVarUint(enc, ranges.length);
    for (const r of ranges) {
      writeVarUint(enc, r.clock);
      writeVarUint(enc, r.len);
    }
  }
  return encoder.toUint8Array();
}

/** The live item of a card's field, and the id of its last clock (what an overwrite names as its origin). */
function fieldItem(doc: Y.Doc, cardId: string, field: string): Y.Item {
  return ((cardsMap(doc).get(cardId) as unknown as { _map: Map<string, Y.Item> })._map.get(field))!;
}
const lastId = (item: Y.Item) => Y.createID(item.id.client, item.id.clock + item.length - 1);

describe("forged overwrites and references (found by the hostile suite)", () => {
  it("a known struct that refers to a change nobody made is refused, not silently skipped", () => {
    const doc = boardWithCards(2);
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(doc));
    const sv = Y.encodeStateVector(client);
    updateCard(client, "r0", { title: "Een nieuwe titel" }, NOW);
    const honest = Y.encodeStateAsUpdate(client, sv);
    expect(checkUpdate(honest, doc, "member").ok).toBe(true);
    Y.applyUpdate(doc, honest);
    const title = fieldItem(doc, "r0", "title");
    // The same clocks again, now pointing at a client that never wrote anything.
    const replay = forged([{ client: title.id.client, clock: title.id.clock, origin: Y.createID(987654321, 47), value: "x" }]);
    const verdict = checkUpdate(replay, doc, "member");
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.code).toBe(4400);
  });

  it("deleting a field's live value while the 'new' value hangs after an older one is refused (it could lose)", () => {
    const doc = boardWithCards(2);
    updateCard(doc, "r0", { title: "Tweede titel" }, NOW + 1); // the old updatedAt is now a tombstone
    const live = fieldItem(doc, "r0", "updatedAt");
    const tombstone = live.left as Y.Item;
    expect(tombstone?.deleted).toBe(true);
    const c = 424242;
    const update = forged([{ client: c, clock: 0, origin: lastId(tombstone), value: NOW + 5 }], [{ client: live.id.client, clock: live.id.clock, len: 1 }]);
    const verdict = checkUpdate(update, doc, "member");
    expect(verdict.ok, "refused").toBe(false);
    // The honest shape, after the live value, passes.
    const honest = forged([{ client: c, clock: 0, origin: lastId(live), value: NOW + 5 }], [{ client: live.id.client, clock: live.id.clock, len: 1 }]);
    expect(checkUpdate(honest, doc, "member").ok).toBe(true);
  });

  it("a deleted value written after a field's live value (which would remove the field) is refused", () => {
    const doc = boardWithCards(2);
    const live = fieldItem(doc, "r1", "title");
    const verdict = checkUpdate(forged([{ client: 5151, clock: 0, origin: lastId(live), deleted: 1 }]), doc, "member");
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.code).toBe(4403);
    const withRight = checkUpdate(forged([{ client: 5152, clock: 0, origin: lastId(live), right: lastId(live), value: "Titel met rechterbuur" }]), doc, "member");
    expect(withRight.ok).toBe(false);
  });

  it("a coordinator removing every column keeps the ones holding requests, archived ones included", () => {
    const doc = boardWithCards(4);
    setArchivedCard(doc, "r1");
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(doc));
    const sv = Y.encodeStateVector(client);
    for (const k of [...client.getMap("columns").keys()]) client.getMap("columns").delete(k);
    const update = Y.encodeStateAsUpdate(client, sv);
    const verdict = checkUpdate(update, doc, "coordinator");
    expect(verdict.ok).toBe(true);
    Y.applyUpdate(doc, update);
    if (verdict.ok && verdict.compensation) compensate(doc, verdict.compensation, "server");
    expect(boardKeepsItsRules(doc)).toEqual([]);
    const columns = new Set(listColumns(doc).map((c) => c.id));
    for (const c of readBoard(doc).cards) expect(columns.has(c.column), `${c.id} in ${c.column}`).toBe(true);
  });
});

describe("the sync check against Yjs itself", () => {
  it("accepted updates apply whole and keep every rule; refused ones change nothing (2,000 random edits)", () => {
    const random = seededRandom(20261202);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const server = boardWithCards(8);
    const values: unknown[] = ["", "ab", "Een nette titel", "x".repeat(130), 42, null, true, "yes", { a: 1 }, "nieuw", "open", "nergens", "taal", "hoog", "a0", NOW, -1, NaN];
    const fields = ["title", "description", "area", "urgency", "category", "column", "order", "archived", "updatedAt", "id", "createdAt", "createdByOrg", "owner"];
    const counts = { accepted: 0, refused: 0 };
    for (let i = 0; i < 2_000; i++) {
      const client = new Y.Doc();
      Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
      const sv = Y.encodeStateVector(client);
      const role: Role = pick(["coordinator", "member", "member", "viewer"] as const);
      const cardIds = [...cardsMap(client).keys()];
      const kind = Math.floor(random() * 8);
      try {
        if (kind === 0) updateCard(client, pick(cardIds), { title: pick(["Nieuwe titel", "Ander onderwerp", "Wonen gezocht"]) }, NOW);
        else if (kind === 1) moveCard(client, pick(cardIds), pick(listColumns(client)).id, Math.floor(random() * 4), NOW);
        else if (kind === 2) (cardsMap(client).get(pick(cardIds)) as Y.Map<unknown>).set(pick(fields), pick(values));
        else if (kind === 3) (cardsMap(client).get(pick(cardIds)) as Y.Map<unknown>).delete(pick(fields));
        else if (kind === 4) client.getMap(pick(["columns", "categories", "cards", "meta"])).delete(pick([...client.getMap("columns").keys(), ...cardIds, "schema", "taal"]));
        else if (kind === 5) (client.getMap(pick(["columns", "categories"])).get(pick([...client.getMap("columns").keys(), "taal", "werk"])) as Y.Map<unknown> | undefined)?.set(pick(["name", "label", "color", "order", "id", "icon"]), pick(values));
        else if (kind === 6) client.getMap(pick(["columns", "categories", "cards", "meta", "anders"])).set(`k${i}`, pick([new Y.Map(), "x", 1]));
        else removeColumn(client, pick(listColumns(client)).id, { moveTo: pick(listColumns(client)).id, now: NOW });
      } catch {
        // the domain refused to make it: nothing to send
      }
      let update = Y.encodeStateAsUpdate(client, sv);
      // Now and then, damage it: bytes flipped or cut.
      if (random() < 0.2 && update.length > 4) {
        update = update.slice();
        if (random() < 0.5) update[Math.floor(random() * update.length)] ^= 1 << Math.floor(random() * 8);
        else update = update.slice(0, Math.floor(random() * update.length));
      }
      const svBefore = Buffer.from(Y.encodeStateVector(server));
      const managedBefore = JSON.stringify([server.getMap("columns").toJSON(), server.getMap("categories").toJSON()]);
      const verdict = checkUpdate(update, server, role);
      if (!verdict.ok) {
        counts.refused++;
        continue;
      }
      counts.accepted++;
      // As the room does: apply (the check promised it applies whole), then
      // repair what an offline edit crossed.
      Y.applyUpdate(server, update);
      const store = server.store as unknown as { pendingStructs: unknown; pendingDs: unknown };
      expect(store.pendingStructs, `edit ${i} (kind ${kind}) left pending structs`).toBeNull();
      expect(store.pendingDs, `edit ${i} (kind ${kind}) left a pending delete set`).toBeNull();
      if (role === "viewer") expect(Buffer.from(Y.encodeStateVector(server))).toEqual(svBefore);
      if (verdict.compensation) compensate(server, verdict.compensation, "server");
      if (role !== "coordinator") {
        // Columns and categories are the coordinators': nobody else changed them.
        expect(JSON.stringify([server.getMap("columns").toJSON(), server.getMap("categories").toJSON()]), `edit ${i} (${role})`).toBe(managedBefore);
      }
      expect(boardKeepsItsRules(server), `edit ${i} (kind ${kind}, ${role})`).toEqual([]);
    }
    console.log(`sync check vs Yjs: ${counts.accepted} accepted, ${counts.refused} refused of 2,000 random edits`);
    expect(counts.accepted).toBeGreaterThan(200);
    expect(counts.refused).toBeGreaterThan(200);
  }, 120_000);
});

describe("honest clients are never refused", () => {
  it("four clients editing the same requests, going offline and back, receiving before they send (10,000 edits)", () => {
    const random = seededRandom(7);
    const server = boardWithCards(3);
    const clients = Array.from({ length: 4 }, () => {
      const d = new Y.Doc();
      Y.applyUpdate(d, Y.encodeStateAsUpdate(server));
      return { d, online: true };
    });
    let accepted = 0;
    const refusals: string[] = [];
    for (let step = 0; step < 10_000; step++) {
      const c = clients[Math.floor(random() * clients.length)];
      const card = `r${Math.floor(random() * 3)}`;
      const x = random();
      if (x < 0.45) updateCard(c.d, card, { title: `Titel ${step}` }, NOW + step);
      else if (x < 0.8) updateCard(c.d, card, { area: `Wijk ${step}` }, NOW + step);
      else moveCard(c.d, card, listColumns(c.d)[Math.floor(random() * 5)].id, Math.floor(random() * 3), NOW + step);
      if (random() < 0.08) c.online = !c.online;
      if (!c.online) continue;
      // Reconnecting as y-websocket does: the server's answer may arrive (and win
      // conflicts in this copy) before this client's own answer is computed.
      if (random() < 0.5) Y.applyUpdate(c.d, Y.encodeStateAsUpdate(server, Y.encodeStateVector(c.d)));
      const update = Y.encodeStateAsUpdate(c.d, Y.encodeStateVector(server));
      const verdict = checkUpdate(update, server, "member");
      if (!verdict.ok) {
        refusals.push(`${step}: ${verdict.reason}`);
        Y.applyUpdate(server, update); // keep going as if accepted, to find more
      } else {
        accepted++;
        Y.applyUpdate(server, update);
        if (verdict.compensation) compensate(server, verdict.compensation, "server");
      }
      expect(boardKeepsItsRules(server), `step ${step}`).toEqual([]);
      Y.applyUpdate(c.d, Y.encodeStateAsUpdate(server, Y.encodeStateVector(c.d)));
    }
    expect(refusals.slice(0, 5)).toEqual([]);
    expect(accepted).toBeGreaterThan(1000);
  }, 120_000);
});


describe("issue 15's client-writable card fields (translation, languageLevel, availability) from a raw client", () => {
  /** What a client would send: its own copy edited, encoded against the server's state. */
  function edit(doc: Y.Doc, set: (card: Y.Map<unknown>) => void): Uint8Array {
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    const sv = Y.encodeStateVector(doc);
    set((copy.getMap("cards").get("r1") as Y.Map<unknown>));
    return Y.encodeStateAsUpdate(copy, sv);
  }
  it("a member may write valid values; a viewer may write none; values against the field rules are refused", () => {
    const doc = boardWithCards(3);
    expect(checkUpdate(edit(doc, (c) => c.set("translation", "Zoekt taalles")), doc, "member").ok).toBe(true);
    expect(checkUpdate(edit(doc, (c) => c.set("availability", "ma-ochtend za-middag")), doc, "member").ok).toBe(true);
    expect(checkUpdate(edit(doc, (c) => c.set("languageLevel", "A2")), doc, "member").ok).toBe(true);

    expect(checkUpdate(edit(doc, (c) => c.set("translation", "Zoekt taalles")), doc, "viewer").ok).toBe(false);
    expect(checkUpdate(edit(doc, (c) => c.set("availability", "ma-ochtend")), doc, "viewer").ok).toBe(false);

    expect(checkUpdate(edit(doc, (c) => c.set("availability", "maandag-nacht")), doc, "member").ok).toBe(false);
    expect(checkUpdate(edit(doc, (c) => c.set("languageLevel", "C2")), doc, "member").ok).toBe(false);
    expect(checkUpdate(edit(doc, (c) => c.set("translation", "x".repeat(10_000))), doc, "member").ok).toBe(false);
    expect(checkUpdate(edit(doc, (c) => c.set("translation", 42)), doc, "member").ok).toBe(false);
  });
});
