/**
 * Reading out other people's changes to screen-reader users: which activity
 * entries are said, in which words, and how a burst is thinned out. Pure (no
 * React, no timers): `OthersAnnouncer` feeds it and keeps the clock.
 * Unit-tested in tests/unit/announce.test.ts.
 */
import type { Translate } from "~/i18n";
import type { ActivityEntry } from "~/lib/sync-client";
import { columnLabel } from "../labels";
import { quoteTitle, type ActivityNames } from "../activity/describe";

/** At most one announcement per this many milliseconds; what comes in between is merged. */
export const ANNOUNCE_INTERVAL_MS = 2000;

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/**
 * Said aloud: another person's move of a request to another column, and a
 * new request. Never one's own (in any tab), never a reorder within a column.
 */
export function isAnnounced(entry: ActivityEntry, selfUserId: string | null | undefined, boardId: string): boolean {
  if (entry.boardId !== boardId) return false;
  if (selfUserId && entry.userId === selfUserId) return false;
  if (entry.type === "created") return true;
  if (entry.type === "moved") {
    const data = entry.data ?? {};
    return !!str(data.to) && str(data.from) !== str(data.to);
  }
  return false;
}

/** "Fatima (Taalhuis) zette ‘Taalmaatje gezocht’ naar Opgepakt". */
export function announcementText(t: Translate, entry: ActivityEntry, names: ActivityNames): string {
  const data = entry.data ?? {};
  const who = entry.userName
    ? entry.orgName
      ? t("act.who", { name: entry.userName, org: entry.orgName })
      : entry.userName
    : entry.orgName ?? t("act.someone");
  const title = (entry.requestId ? names.cardTitle(entry.requestId) : undefined) ?? str(data.title);
  const card = title ? quoteTitle(title) : t("act.aRequest");
  if (entry.type === "created") return t("ann.created", { who, card });
  const to = names.columns.find((c) => c.id === str(data.to));
  return t("ann.moved", { who, card, to: to ? columnLabel(t, to) : str(data.to) });
}

/**
 * Thins a burst out: the first announcement goes at once; what follows
 * within the interval waits, and is said together when the interval is over
 * (one sentence as it is, several as "3 wijzigingen door anderen").
 */
export class AnnounceThrottle {
  private last = Number.NEGATIVE_INFINITY;
  private waiting: string[] = [];

  constructor(private readonly interval = ANNOUNCE_INTERVAL_MS) {}

  /** Returns the words to say now, or null when they wait for `flush`. */
  push(text: string, now: number): string | null {
    if (this.waiting.length === 0 && now - this.last >= this.interval) {
      this.last = now;
      return text;
    }
    this.waiting.push(text);
    return null;
  }

  /** When `flush` has something to say (null: nothing waits). */
  due(): number | null {
    return this.waiting.length ? this.last + this.interval : null;
  }

  /** What waited, said as one: the sentence itself when it is one, else `merge(count)`. */
  flush(now: number, merge: (count: number) => string): string | null {
    if (this.waiting.length === 0 || now < this.last + this.interval) return null;
    const out = this.waiting.length === 1 ? this.waiting[0] : merge(this.waiting.length);
    this.waiting = [];
    this.last = now;
    return out;
  }

  /** Forget what waits (the switch was turned off). */
  clear() {
    this.waiting = [];
  }
}
