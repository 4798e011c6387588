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
import { holdersToReadAgain, judgeRequests, type Holders, type RequestVerdict } from "../../server/sync/request-rules";

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
const clean: RequestVerdict = { claims: [], releases: [], reverts: [], unfit: [] };
/** What the room reads again for this update: judged against memory's holder, then asked. */
const readAgain = (doc: Y.Doc, actor: Actor, changes: typeof edit, holders: Holders) => holdersToReadAgain(actor, changes, judgeRequests(doc, actor, changes, holders));

describe("holdersToReadAgain", () => {
  it("an edit whose card fits its holder in memory reads nothing", () => {
    expect(readAgain(board("open"), member("o1"), edit, memory(null))).toEqual([]);
    expect(readAgain(board("opgepakt"), member("o2"), edit, memory("o2"))).toEqual([]);
  });

  it("a card in a held column that memory says nobody holds (the move is here, the holder's answer not yet): read again", () => {
    expect(readAgain(board("opgepakt"), member("o1"), edit, memory(null))).toEqual(["r1"]);
    // The judgement itself lets the edit through (o1 entered it) and names the misfit.
    expect(judgeRequests(board("opgepakt"), member("o1"), edit, memory(null))).toEqual({ ...clean, unfit: ["r1"] });
  });

  it("a card in an open column that memory says is held: read again", () => {
    expect(readAgain(board("open"), member("o1"), edit, memory("o2"))).toEqual(["r1"]);
  });

  it("a refusal or an undo: read again before it stands", () => {
    expect(holdersToReadAgain(member("o2"), edit, "a request of another organisation")).toEqual(["r1"]);
    const undone: RequestVerdict = { ...clean, reverts: [{ id: "r1", values: new Map(), heldBy: null }] };
    expect(holdersToReadAgain(member("o2"), edit, undone)).toEqual(["r1"]);
  });

  it("coordinators and viewers never (their verdict does not depend on the holder)", () => {
    expect(readAgain(board("opgepakt"), { role: "coordinator", orgId: "o3" }, edit, memory(null))).toEqual([]);
    expect(holdersToReadAgain({ role: "viewer", orgId: "o3" }, edit, "viewers read the board, they do not change it")).toEqual([]);
  });

  it("an update that changes no card reads nothing", () => {
    expect(holdersToReadAgain(member("o1"), new Map(), "refused")).toEqual([]);
  });
});
