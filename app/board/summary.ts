/**
 * "Sinds de vorige vergadering": what happened on a board between a stored
 * moment (the last meeting's end) and now, as counts with the card ids
 * behind every count, overall, per category and per organisation.
 *
 * Pure: the server feeds it the board at the moment and now (two
 * BoardSnapshots), the audit rows written since the moment, today's holders,
 * the pending duplicates and the meeting actions; the tests script all of
 * these by hand. No references, names or card text in the output: ids and
 * counts only.
 *
 * What each count means (a request is counted once per count):
 *  - new        on the board now and not at the moment (entered since; its
 *               category now, the organisation that entered it)
 *  - claimed    claimed (or given by a coordinator) since the moment and held
 *               by somebody now: a claim let go again (unclaimed, expired)
 *               does not count; by the organisation of the last claim
 *  - referrals  sent (by the sender), accepted and declined (by the
 *               recipient) since the moment
 *  - done       in a done-stage column now and not at the moment (a request
 *               moved into done and back out again does not count; one
 *               entered and finished since counts as new and done); by its
 *               holder, or the organisation that entered it
 *  - stale      still open (not archived, not in a done column) and no
 *               movement for `staleDays`: its last change on the card, its
 *               last activity in SQL and its last audit row all older; by its
 *               holder, or the organisation that entered it
 *  - duplicates possible duplicates pending now that were found since the
 *               moment; counted in groups, the ids are all their requests
 *  - actions    meeting actions not done: overdue (due before today) and due
 *               (today up to 7 days ahead); counted in actions, the ids are
 *               the requests they are linked to; by the action's organisation
 */
import { isActiveStage } from "./stages";
import type { BoardSnapshot, CardView, Stage } from "./types";

export const SUMMARY_KEYS = [
  "new",
  "claimed",
  "referralsSent",
  "referralsAccepted",
  "referralsDeclined",
  "done",
  "stale",
  "duplicates",
  "actionsOverdue",
  "actionsDue",
] as const;
export type SummaryKey = (typeof SUMMARY_KEYS)[number];

/** One count and the card ids behind it (`actionIds` for the two action counts). */
export interface Counted {
  count: number;
  ids: string[];
  actionIds?: string[];
}

export type SummaryCounts = Record<SummaryKey, Counted>;

export interface SummaryEvent {
  type: string;
  requestId: string | null;
  orgId: string | null;
  data: Record<string, unknown> | null;
  createdAt: number;
}

export interface PendingDuplicate {
  requestIds: string[];
  categories: string[];
  organisations: string[];
  /** When the group came to be (its newest request's creation). */
  foundAt: number;
}

export interface SummaryAction {
  id: string;
  orgId: string;
  requestId: string | null;
  /** Calendar day YYYY-MM-DD. */
  due: string;
  doneAt: number | null;
}

export interface SummaryInput {
  /** The board at the since-moment (empty columns and cards: the board's beginning). */
  before: BoardSnapshot;
  /** The board now. */
  after: BoardSnapshot;
  /** When the since-moment was (null: from the beginning). */
  sinceAt: number | null;
  /** The audit rows written after the moment, oldest first. */
  events: readonly SummaryEvent[];
  /** Who holds each request now (absent or null: nobody). */
  holders: ReadonlyMap<string, string | null>;
  /** Each request's last activity as SQL knows it (claims, referrals, comments), when known. */
  lastActivity?: ReadonlyMap<string, number>;
  duplicates: readonly PendingDuplicate[];
  actions: readonly SummaryAction[];
  now: number;
  staleDays: number;
}

export interface Summary {
  sinceAt: number | null;
  now: number;
  staleDays: number;
  totals: SummaryCounts;
  /** Only the categories with a count. */
  byCategory: Record<string, SummaryCounts>;
  /** Only the organisations with a count. */
  byOrganisation: Record<string, SummaryCounts>;
}

/** What the API and the pages give: the summary with the moment it counts from (null: the board's beginning). */
export interface SinceSummary extends Omit<Summary, "sinceAt"> {
  since: { id: string; at: number; reason: string } | null;
}

const DAY = 86_400_000;
/** Actions due within this many days (today included) count as "due". */
export const ACTIONS_DUE_DAYS = 7;

/** The calendar day (UTC) of a time, YYYY-MM-DD. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function stageIn(snapshot: BoardSnapshot): (card: CardView) => Stage {
  const known = new Map(snapshot.columns.map((c) => [c.id, c.stage]));
  const first = snapshot.columns[0]?.stage ?? "intake";
  // A card pointing at an unknown column stands in the first column, where the board shows it.
  return (card) => known.get(card.column) ?? first;
}

function emptyCounts(): SummaryCounts {
  return Object.fromEntries(SUMMARY_KEYS.map((k) => [k, { count: 0, ids: [] }])) as unknown as SummaryCounts;
}

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/** Builds the three tables at once: each addition lands in the totals, its category and its organisation. */
class Tally {
  readonly totals = emptyCounts();
  readonly byCategory: Record<string, SummaryCounts> = {};
  readonly byOrganisation: Record<string, SummaryCounts> = {};

  private static put(c: Counted, cardId: string | null, actionId?: string) {
    if (actionId !== undefined) {
      c.actionIds ??= [];
      if (c.actionIds.includes(actionId)) return;
      c.actionIds.push(actionId);
      c.count++;
      if (cardId && !c.ids.includes(cardId)) c.ids.push(cardId);
      return;
    }
    if (!cardId || c.ids.includes(cardId)) return;
    c.ids.push(cardId);
    c.count++;
  }

  add(key: SummaryKey, cardId: string | null, category: string | null, orgs: readonly (string | null)[], actionId?: string) {
    Tally.put(this.totals[key], cardId, actionId);
    if (category) Tally.put((this.byCategory[category] ??= emptyCounts())[key], cardId, actionId);
    for (const org of new Set(orgs)) if (org) Tally.put((this.byOrganisation[org] ??= emptyCounts())[key], cardId, actionId);
  }

  /** Duplicates count groups, not requests. */
  addGroup(d: PendingDuplicate) {
    const into = (c: Counted) => {
      c.count++;
      for (const id of d.requestIds) if (!c.ids.includes(id)) c.ids.push(id);
    };
    into(this.totals.duplicates);
    for (const cat of new Set(d.categories)) into((this.byCategory[cat] ??= emptyCounts()).duplicates);
    for (const org of new Set(d.organisations)) into((this.byOrganisation[org] ??= emptyCounts()).duplicates);
  }
}

export function summariseSince(input: SummaryInput): Summary {
  const beforeCards = new Map(input.before.cards.map((c) => [c.id, c]));
  const afterCards = new Map(input.after.cards.map((c) => [c.id, c]));
  const stageBefore = stageIn(input.before);
  const stageAfter = stageIn(input.after);
  const holderOf = (id: string) => input.holders.get(id) ?? null;
  const categoryOf = (id: string | null) => (id ? (afterCards.get(id) ?? beforeCards.get(id))?.category ?? null : null);
  const t = new Tally();

  // New: on the board now, not at the moment.
  for (const card of input.after.cards) {
    if (!beforeCards.has(card.id)) t.add("new", card.id, card.category, [card.createdByOrg]);
  }

  // Claims, referrals and the last audit row of each request, from the log since the moment.
  const lastClaimBy = new Map<string, string>();
  const lastEvent = new Map<string, number>();
  for (const e of input.events) {
    const id = e.requestId;
    if (!id) continue;
    lastEvent.set(id, Math.max(lastEvent.get(id) ?? 0, e.createdAt));
    const d = e.data ?? {};
    switch (e.type) {
      case "claimed": {
        const org = str(d.org) ?? e.orgId;
        if (org) lastClaimBy.set(id, org);
        break;
      }
      case "reassigned": {
        const org = str(d.to);
        if (org) lastClaimBy.set(id, org);
        break;
      }
      case "referred":
        t.add("referralsSent", id, categoryOf(id), [str(d.from) ?? e.orgId]);
        break;
      case "referral_accepted":
        t.add("referralsAccepted", id, categoryOf(id), [str(d.to) ?? e.orgId]);
        break;
      case "referral_declined":
        t.add("referralsDeclined", id, categoryOf(id), [str(d.to) ?? e.orgId]);
        break;
    }
  }
  for (const [id, org] of lastClaimBy) {
    // Let go again since (unclaimed, expired): not picked up after all.
    if (holderOf(id) === null) continue;
    t.add("claimed", id, categoryOf(id), [org]);
  }

  const staleCutoff = input.now - input.staleDays * DAY;
  for (const card of input.after.cards) {
    const stage = stageAfter(card);
    const responsible = holderOf(card.id) ?? card.createdByOrg;
    // Done: in a done column now, not at the moment.
    const was = beforeCards.get(card.id);
    if (stage === "done" && (!was || stageBefore(was) !== "done")) t.add("done", card.id, card.category, [responsible]);
    // Stale: still to do, and nothing moved for staleDays.
    if (!card.archived && isActiveStage(stage)) {
      const last = Math.max(card.createdAt, card.updatedAt, input.lastActivity?.get(card.id) ?? 0, lastEvent.get(card.id) ?? 0);
      if (last < staleCutoff) t.add("stale", card.id, card.category, [responsible]);
    }
  }

  // Duplicates found since the moment and still waiting for a decision.
  for (const d of input.duplicates) {
    if (input.sinceAt === null || d.foundAt > input.sinceAt) t.addGroup(d);
  }

  // Actions not done: overdue, or due within the week.
  const today = dayOf(input.now);
  const horizon = dayOf(input.now + ACTIONS_DUE_DAYS * DAY);
  for (const a of input.actions) {
    if (a.doneAt !== null) continue;
    const key: SummaryKey | null = a.due < today ? "actionsOverdue" : a.due <= horizon ? "actionsDue" : null;
    if (key) t.add(key, a.requestId, categoryOf(a.requestId), [a.orgId], a.id);
  }

  return {
    sinceAt: input.sinceAt,
    now: input.now,
    staleDays: input.staleDays,
    totals: t.totals,
    byCategory: t.byCategory,
    byOrganisation: t.byOrganisation,
  };
}

/** The board before anything was on it: "since" counts from the board's beginning. */
export const EMPTY_BOARD: BoardSnapshot = { columns: [], categories: [], cards: [] };

