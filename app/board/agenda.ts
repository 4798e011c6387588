/**
 * The proposed agenda of a meeting, from facts about the board: open actions
 * of earlier meetings first, then "since the last meeting", requests nobody
 * picked up for more than N days, possible duplicates, referrals without an
 * answer, and one item per category with open requests. Items with nothing
 * to discuss are left out. Each item is a saved view of the board (its
 * filter params, see app/hooks/useBoardView.ts): a list of cards is shown
 * with `kaarten=<id>,…` (at most CARD_LIST_MAX ids).
 *
 * Pure: the server gathers the facts (app/services/agenda.server.ts), the
 * titles come out in the coordinator's language through `t`.
 */
import type { Translate } from "../i18n";
import { CARD_LIST_MAX } from "./filters";
import type { AgendaKind, SavedView } from "./meeting";

export { CARD_LIST_MAX };

export interface AgendaFacts {
  /** Open actions of earlier meetings on this board, and the requests they are linked to. */
  openActions: { count: number; cardIds: string[] };
  /** Whether there is something to count from: a previous meeting's end or any stored moment. */
  hasSince: boolean;
  /** "Not picked up for more than N days": N, and those requests. */
  unclaimedDays: number;
  unclaimed: string[];
  /** Possible duplicates waiting for a decision: how many groups, and their requests. */
  duplicateGroups: number;
  duplicates: string[];
  /** Requests with a referral nobody answered yet. */
  referrals: string[];
  /** Each category (board order, label as shown) with its open requests (not done, not archived). */
  categories: Array<{ id: string; label: string; open: number }>;
}

export interface ProposedItem {
  kind: AgendaKind;
  title: string;
  view: SavedView;
}

/** The `kaarten=` value for a list of card ids: unique, capped at CARD_LIST_MAX. */
export function cardListParam(ids: readonly string[]): string {
  return [...new Set(ids.filter(Boolean))].slice(0, CARD_LIST_MAX).join(",");
}

function view(params: Record<string, string>): SavedView {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  return { query: q.toString(), cardId: null, columnId: null };
}

export function proposeAgenda(facts: AgendaFacts, t: Translate): ProposedItem[] {
  const items: ProposedItem[] = [];
  if (facts.openActions.count > 0) {
    items.push({
      kind: "actions",
      title: t("agenda.actions", { count: facts.openActions.count }),
      view: view({ kaarten: cardListParam(facts.openActions.cardIds) }),
    });
  }
  if (facts.hasSince) items.push({ kind: "since", title: t("agenda.since"), view: view({}) });
  if (facts.unclaimed.length > 0) {
    items.push({
      kind: "unclaimed",
      title: t("agenda.unclaimed", {
        count: facts.unclaimed.length,
        days: facts.unclaimedDays,
      }),
      view: view({ open: "1", ouderDan: String(facts.unclaimedDays) }),
    });
  }
  if (facts.duplicateGroups > 0) {
    items.push({
      kind: "duplicates",
      title: t("agenda.duplicates", { count: facts.duplicateGroups }),
      view: view({ kaarten: cardListParam(facts.duplicates) }),
    });
  }
  if (facts.referrals.length > 0) {
    items.push({
      kind: "referrals",
      title: t("agenda.referrals", { count: facts.referrals.length }),
      view: view({ kaarten: cardListParam(facts.referrals) }),
    });
  }
  for (const c of facts.categories) {
    if (c.open <= 0) continue;
    items.push({
      kind: "category",
      title: t("agenda.category", { label: c.label, count: c.open }),
      view: view({ categorie: c.id }),
    });
  }
  return items;
}
