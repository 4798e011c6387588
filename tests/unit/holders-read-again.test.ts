/**
 * When the room reads holders from SQL again before judging a member's
 * update (asynchronous holders: memory follows other servers' claims a
 * moment late): only when the verdict refuses or undoes something, or a
 * changed card stands in a column its holder in memory does not fit. An
 * ordinary edit reads nothing.
 */
import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { addCard, initBoard } from "~/board/domain";
import type { Actor } from "~/board/stages";
import { holdersToReadAgain, type Holders, type RequestVerdict } from "../../server/sync/request-rules";

function board(column: string): Y.Doc {
  const doc = new Y.Doc();
  initBoard(doc, "server");
  addCard(doc, { id: "r1", title: "Verzoek", category: "taal", description: "", area: "", urgency: "normaal", createdAt: 1, createdByOrg: "o1", column });
  return doc;
}

const memory = (holder: string | null): Holders => ({
  holderOf: () => holder,
  everHeld: () => false,
  claim: () => ({ won: false, holder }),
  release: () => false,
});
const member = (orgId: string): Actor => ({ role: "member", orgId });
const edit = new Map([["r1", new Map<string, unknown>([["description", "nieuw"]])]]);
const clean: RequestVerdict = { claims: [], releases: [], reverts: [] };

describe("holdersToReadAgain", () => {
  it("an edit whose card fits its holder in memory reads nothing", () => {
    expect(holdersToReadAgain(board("open"), member("o1"), edit, clean, memory(null))).toEqual([]);
    expect(holdersToReadAgain(board("opgepakt"), member("o2"), edit, clean, memory("o2"))).toEqual([]);
  });

  it("a card in a held column that memory says nobody holds (the move is here, the holder's answer not yet): read again", () => {
    expect(holdersToReadAgain(board("opgepakt"), member("o1"), edit, clean, memory(null))).toEqual(["r1"]);
  });

  it("a card in an open column that memory says is held: read again", () => {
    expect(holdersToReadAgain(board("open"), member("o1"), edit, clean, memory("o2"))).toEqual(["r1"]);
  });

  it("a refusal or an undo: read again before it stands", () => {
    expect(holdersToReadAgain(board("open"), member("o2"), edit, "a request of another organisation", memory(null))).toEqual(["r1"]);
    const undone: RequestVerdict = { ...clean, reverts: [{ id: "r1", values: new Map(), heldBy: null }] };
    expect(holdersToReadAgain(board("open"), member("o2"), edit, undone, memory(null))).toEqual(["r1"]);
  });

  it("coordinators and viewers never (their verdict does not depend on the holder)", () => {
    expect(holdersToReadAgain(board("opgepakt"), { role: "coordinator", orgId: "o3" }, edit, clean, memory(null))).toEqual([]);
    expect(holdersToReadAgain(board("opgepakt"), { role: "viewer", orgId: "o3" }, edit, "viewers read the board, they do not change it", memory(null))).toEqual([]);
  });

  it("an update that changes no card reads nothing", () => {
    expect(holdersToReadAgain(board("opgepakt"), member("o1"), new Map(), "refused", memory(null))).toEqual([]);
  });
});
