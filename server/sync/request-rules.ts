/**
 * Who may change which request, applied to a client's update by the sync
 * server: the rules of app/board/stages.ts, with the holders decided in SQL
 * (through `Holders`, so this module does no IO of its own and the unit
 * tests drive it with an in-memory map).
 *
 * In order: `judgeRequests` before the update applies (refused means nothing
 * of it applies), `settleHolders` (the claims and releases its moves make,
 * exactly one winner), then the update is applied, then `undoRequests` puts
 * back what could not stand.
 *
 * On an asynchronous storage (PostgreSQL) the claims cannot be decided
 * inside that one step: `pendingHolders` names what the verdict would ask,
 * `decideHolders` awaits those claims and releases (in SQL, one winner),
 * and the same steps then run again with `decidedHolders`, whose answers
 * are the decided ones and whose holders are those the first judgement saw
 * (so the verdict is exactly the synchronous one).
 */
import * as Y from "yjs";
import { cardsMap, effectiveColumn, listColumns, readCard } from "../../app/board/domain";
import { holderChangeForMove, holderFits, mayChangeRequest, mayMove, stageOfColumn, type Actor } from "../../app/board/stages";
import type { CardChanges } from "./check-update";

/** Who holds which request, for one person on one board. */
export interface Holders {
  holderOf(requestId: string): string | null;
  /** Whether the person's organisation ever held the request (its offline edits from then are undone, not refused). */
  everHeld(requestId: string): boolean;
  /** Claim for the person's organisation: the holder afterwards and whether this claim won. */
  claim(requestId: string): { won: boolean; holder: string | null };
  /** Let go (the holder, or a coordinator for anyone). */
  release(requestId: string): boolean;
}

export interface RequestVerdict {
  claims: string[];
  releases: string[];
  /** Changes that cannot stand: the fields go back to these values once the update is in. */
  reverts: Array<{ id: string; values: Map<string, unknown>; heldBy: string | null }>;
  /**
   * Changed requests standing in a column their holder (as `Holders` told it) does not fit: a held
   * column nobody holds, or an open one somebody does. Memory of asynchronous holders that is
   * behind SQL looks like this (holdersToReadAgain).
   */
  unfit: string[];
}

/**
 * Judge an update's changes to requests before it applies: a member changes
 * the requests their organisation entered or holds, and claims one nobody
 * holds by moving it into a held column; the coordinator changes any;
 * moving between stages claims or releases. A member's move the request's
 * state does not allow (a claim that lost a race, a move made offline), or
 * an edit made while their organisation held it, is let through and undone
 * afterwards; any other change a member could never have made is refused
 * (a string: the reason).
 */
export function judgeRequests(doc: Y.Doc, actor: Actor, changes: CardChanges, holders: Holders): RequestVerdict | string {
  const verdict: RequestVerdict = { claims: [], releases: [], reverts: [], unfit: [] };
  if (changes.size === 0) return verdict;
  const columns = listColumns(doc);
  const cards = cardsMap(doc);
  for (const [id, fields] of changes) {
    const m = cards.get(id);
    if (!m) continue;
    const before = readCard(m);
    const holder = holders.holderOf(id);
    const from = stageOfColumn(columns, effectiveColumn(before, columns));
    // Named even when the update changes nothing of the card: its memory is read again all the same.
    if (!holderFits(from, holder)) verdict.unfit.push(id);
    const changed = [...fields].filter(([k, v]) => m.get(k) !== v).map(([k]) => k);
    if (changed.length === 0) continue;
    const toColumn = changed.includes("column") ? columns.find((c) => c.id === fields.get("column")) : undefined;
    const to = toColumn ? toColumn.stage : from;
    const moveOnly = changed.every((k) => k === "column" || k === "order" || k === "updatedAt");
    const allowed = moveOnly ? mayMove(actor, before, holder, from, to) : mayChangeRequest(actor, before, holder);
    const revert = () => verdict.reverts.push({ id, values: new Map(changed.map((k) => [k, m.get(k)])), heldBy: holder });
    if (!allowed) {
      if (actor.role === "viewer") return "viewers read the board, they do not change it";
      // A move the request's state no longer allows: another organisation took it between this
      // person's view and their move (a claim that lost the race), or it moved on meanwhile (a
      // claim of a request that was finished in the meantime). An honest client can meet this,
      // so the move is undone (nothing of it stays) and its author told, never refused. Field
      // edits are another matter: only an organisation that entered or once held the request
      // could have made them honestly.
      if ((moveOnly && actor.role === "member") || (actor.role === "member" && holders.everHeld(id))) {
        if (moveOnly && holder && from !== "held" && to === "held") {
          // Lost to another organisation whose move has not reached this copy yet (made on another
          // server: BoardRoom.applyDecided waited for it a while). Putting back the open column would
          // be a write concurrent with the winner's move that Yjs may let win, leaving a held request
          // in an open column; this move puts it in a held column, where it belongs. Told, not undone.
          verdict.reverts.push({ id, values: new Map(), heldBy: holder });
          continue;
        }
        revert();
        continue;
      }
      return `a request of another organisation (${id.slice(0, 40)}: ${changed.join(", ")})`;
    }
    if (!toColumn || to === from) continue;
    const change = holderChangeForMove(from, to, holder, actor);
    if (change.kind === "claim") verdict.claims.push(id);
    else if (change.kind === "release") {
      // Only the holder, or a coordinator, lets go: the organisation that entered it may not take it from another.
      if (actor.role !== "coordinator" && holder !== actor.orgId) revert();
      else verdict.releases.push(id);
    }
  }
  return verdict;
}

/** The claims and releases of the update's moves, decided (in SQL) before the update applies; a lost one is undone. */
export function settleHolders(doc: Y.Doc, actor: Actor, verdict: RequestVerdict, holders: Holders): void {
  const cards = cardsMap(doc);
  const undoMove = (id: string, heldBy: string | null) => {
    const m = cards.get(id)!;
    verdict.reverts.push({ id, values: new Map([["column", m.get("column")], ["order", m.get("order")]]), heldBy });
  };
  const columns = listColumns(doc);
  verdict.claims = verdict.claims.filter((id) => {
    const res = holders.claim(id);
    if (res.won || res.holder === actor.orgId) return res.won;
    // Held by another organisation. Its move is here already (the card stands in a held column):
    // back to it. Not yet (the winner is on another server, its move on the way through the relay):
    // putting back the open column this copy still shows would be a write concurrent with the
    // winner's move that Yjs may let win, leaving a held request in an open column. The card then
    // stays in the held column this move chose (right stage, right holder); the mover is told.
    if (res.holder && stageOfColumn(columns, effectiveColumn(readCard(cards.get(id)!), columns)) !== "held") {
      verdict.reverts.push({ id, values: new Map(), heldBy: res.holder });
      return false;
    }
    undoMove(id, res.holder);
    return false;
  });
  verdict.releases = verdict.releases.filter((id) => {
    if (holders.release(id)) return true;
    undoMove(id, holders.holderOf(id));
    return false;
  });
}

/** After the update applied: put back what could not stand (one transaction). Returns the notes for its author. */
export function undoRequests(doc: Y.Doc, verdict: RequestVerdict, origin: unknown): string[] {
  if (verdict.reverts.length === 0) return [];
  const cards = cardsMap(doc);
  const notes: string[] = [];
  Y.transact(
    doc,
    () => {
      for (const r of verdict.reverts) {
        const m = cards.get(r.id);
        if (!m) continue;
        for (const [k, v] of r.values) if (m.get(k) !== v) m.set(k, v);
        notes.push(r.heldBy ? `held-by:${r.heldBy}:${r.id}` : `reverted:request:${r.id}`);
      }
    },
    origin,
  );
  return notes;
}

/** Who holds which request, read from memory, with the claims and releases awaited (asynchronous storage). */
export interface AsyncHolders {
  holderOf(requestId: string): string | null;
  everHeld(requestId: string): boolean;
  claim(requestId: string): Promise<{ won: boolean; holder: string | null }>;
  release(requestId: string): Promise<boolean>;
  /** Read these requests' holders from SQL again (memory may be behind another server's claim). */
  refresh(requestIds: readonly string[]): Promise<void>;
}

/**
 * Claims and releases already decided in SQL for one update; the holder
 * each request had when it was judged (`before`), and after a claim or
 * release that lost (`after`: who holds it then).
 */
export interface Decided {
  claims: Map<string, { won: boolean; holder: string | null }>;
  releases: Map<string, boolean>;
  before: Map<string, string | null>;
  after: Map<string, string | null>;
}

export function noneDecided(): Decided {
  return { claims: new Map(), releases: new Map(), before: new Map(), after: new Map() };
}

/**
 * The requests of an update whose holders in memory may be behind SQL, to
 * read again before the update is judged for good (asynchronous holders).
 * Memory follows another server's claim or release through the relay's
 * control stream, and the card's move through the document's: they arrive
 * in either order, and the read after the control message takes a moment.
 * Judged against memory that is behind, an honest edit by the new holder
 * would be refused (its connection closed) and its move undone. So, for a
 * member's update only, when the verdict refuses or undoes something, or a
 * changed card stands in a column its holder in memory does not fit (the
 * card's move is here, the holder's answer not yet): every changed request
 * of the update. Nothing otherwise (the usual edit reads no SQL).
 */
export function holdersToReadAgain(actor: Actor, changes: CardChanges, verdict: RequestVerdict | string): string[] {
  if (actor.role !== "member" || changes.size === 0) return [];
  if (typeof verdict === "string" || verdict.reverts.length > 0 || verdict.unfit.length > 0) return [...changes.keys()];
  return [];
}

/** The claims and releases a verdict asks that are not decided yet (nothing: settle and apply now). */
export function pendingHolders(verdict: RequestVerdict, decided: Decided): { claims: string[]; releases: string[] } | null {
  const claims = verdict.claims.filter((id) => !decided.claims.has(id));
  const releases = verdict.releases.filter((id) => !decided.releases.has(id));
  return claims.length || releases.length ? { claims, releases } : null;
}

/** Decide them in SQL, one after the other, in the verdict's order (as settleHolders does). */
export async function decideHolders(pending: { claims: string[]; releases: string[] }, holders: AsyncHolders, decided: Decided): Promise<void> {
  for (const id of [...pending.claims, ...pending.releases]) if (!decided.before.has(id)) decided.before.set(id, holders.holderOf(id));
  for (const id of pending.claims) {
    const res = await holders.claim(id);
    decided.claims.set(id, res);
    if (!res.won) decided.after.set(id, res.holder);
  }
  for (const id of pending.releases) {
    const ok = await holders.release(id);
    decided.releases.set(id, ok);
    if (!ok) decided.after.set(id, holders.holderOf(id));
  }
}

/**
 * The `Holders` of the judgement after the decision: claims and releases
 * answered as decided; a request whose claim or release won is judged with
 * the holder it had before (so the verdict asks it again and gets the won
 * answer), one that lost with its holder now (refused or undone as the
 * synchronous path does when it reads the holder after a rival's claim).
 */
export function decidedHolders(holders: AsyncHolders, decided: Decided): Holders {
  return {
    holderOf: (id) => (decided.after.has(id) ? decided.after.get(id)! : decided.before.has(id) ? decided.before.get(id)! : holders.holderOf(id)),
    everHeld: (id) => holders.everHeld(id),
    claim: (id) => {
      const res = decided.claims.get(id);
      if (!res) throw new Error(`claim of ${id} not decided`);
      return res;
    },
    release: (id) => {
      const res = decided.releases.get(id);
      if (res === undefined) throw new Error(`release of ${id} not decided`);
      return res;
    },
  };
}
