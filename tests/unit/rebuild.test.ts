/**
 * A board rebuilt from plain data (app/board/rebuild.ts): the fresh document
 * reads as the old one did minus what the transform removed, and its bytes
 * hold nothing of what was removed or overwritten before; a copy of the old
 * document synced into it would bring everything back (why old generations
 * are refused).
 */
import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { addCard, addColumn, initBoard, moveCard, readBoard, renameColumn, updateCard, type NewCard } from "~/board/domain";
import { boardToPlain, decodePlainBoard, dropCards, encodePlainBoard, mapCards, plainToDoc } from "~/board/rebuild";
import { BOARD_REBUILT_CLOSE, isTerminalClose } from "~/lib/backoff";
import { CLOSE } from "../../server/sync/room";

const CANARY = "Kanarie-7f3a9c-Zwaluw";

function card(id: string, over: Partial<NewCard> = {}): NewCard {
  return {
    id,
    title: `Hulpvraag ${id}`,
    category: "wonen",
    description: "",
    area: "Centrum",
    urgency: "normaal",
    createdAt: 1_000,
    createdByOrg: "org-a",
    ...over,
  };
}

function count(haystack: Uint8Array, needle: string): number {
  return Buffer.from(haystack).toString("latin1").split(Buffer.from(needle, "utf8").toString("latin1")).length - 1;
}

function boardWithHistory(): Y.Doc {
  const doc = new Y.Doc();
  initBoard(doc);
  addColumn(doc, { id: "wacht", name: "Wachtlijst", stage: "open" });
  addCard(doc, card("a", { title: `Wonen voor ${CANARY}`, description: CANARY, area: CANARY }));
  addCard(doc, card("b", { category: "taal" }));
  addCard(doc, card("c"));
  // History that a rebuild must not carry: an overwritten title, a renamed column.
  updateCard(doc, "b", { title: `eerst ${CANARY}` }, 2_000);
  updateCard(doc, "b", { title: "Taalmaatje gezocht" }, 3_000);
  renameColumn(doc, "wacht", `Wacht ${CANARY}`);
  renameColumn(doc, "wacht", "Wachtlijst");
  moveCard(doc, "c", "open", 0, 4_000);
  return doc;
}

describe("rebuild from plain data", () => {
  it("keeps everything the document holds, fields it does not read included", () => {
    const doc = boardWithHistory();
    doc.getMap<Y.Map<unknown>>("cards").get("c")!.set("futureField", { nested: [1, 2] });
    const fresh = plainToDoc(boardToPlain(doc));
    expect(readBoard(fresh)).toEqual(readBoard(doc));
    expect(boardToPlain(fresh)).toEqual(boardToPlain(doc));
    expect(fresh.getMap<Y.Map<unknown>>("cards").get("c")!.get("futureField")).toEqual({ nested: [1, 2] });
    expect(fresh.clientID).not.toBe(doc.clientID);
  });

  it("drops a card's words from the bytes; an old copy merged into the new document would bring them back", () => {
    const doc = boardWithHistory();
    expect(count(Y.encodeStateAsUpdate(doc), CANARY)).toBeGreaterThan(0);

    const state = encodePlainBoard(dropCards(["a"])(boardToPlain(doc)));
    expect(count(state, CANARY)).toBe(0);
    const back = decodePlainBoard(state);
    expect(Object.keys(back.cards).sort()).toEqual(["b", "c"]);
    expect(back.columns.wacht.name).toBe("Wachtlijst");
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, state);
    const before = readBoard(doc);
    expect(readBoard(rebuilt)).toEqual({ ...before, cards: before.cards.filter((c) => c.id !== "a") });

    // Why a client holding the old generation is refused (server/sync/ws-transport.ts):
    // its copy shares no history with the new document, so syncing it would add the card again.
    Y.applyUpdate(rebuilt, Y.encodeStateAsUpdate(doc));
    expect(readBoard(rebuilt).cards.map((c) => c.id)).toContain("a");
    expect(count(Y.encodeStateAsUpdate(rebuilt), CANARY)).toBeGreaterThan(0);
  });

  it("mapCards blanks fields and keeps the rest", () => {
    const doc = boardWithHistory();
    const plain = mapCards((id, c) => (id === "a" ? { ...c, title: "Wonen", description: "", area: "" } : c))(boardToPlain(doc));
    const state = encodePlainBoard(plain);
    expect(count(state, CANARY)).toBe(0);
    const a = decodePlainBoard(state).cards.a;
    expect(a).toMatchObject({ title: "Wonen", description: "", area: "", category: "wonen", column: "nieuw" });
  });

  it("the browser and the server mean the same close code, and the browser does not retry it", () => {
    expect(BOARD_REBUILT_CLOSE).toBe(CLOSE.rebuilt);
    expect(isTerminalClose(BOARD_REBUILT_CLOSE)).toBe(true);
  });
});
