/**
 * The pieces of a meeting's page and its minutes: an agenda item's link to
 * the board, the item timer, decisions, actions (with "gedaan"), and who
 * was there. Forms post to the meeting page's own action (plain forms that
 * work without scripts; with scripts they submit without a reload).
 */
import { Form, useFetcher } from "@remix-run/react";
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { AgendaItem, Attendee, Decision, MeetingAction, SavedView } from "~/board/meeting";
import { isOverdue } from "~/board/meeting-time";
import { useToast } from "~/components/toast/ToastProvider";
import { useHydrated } from "~/hooks/useHydrated";
import { isUnanswered } from "~/lib/unanswered";
import { useLocale, useT } from "~/i18n";
import { formatDay, formatDuration } from "./format";

/** The board in the view an agenda item saved: its filters, and the card in focus opened. */
export function boardViewHref(boardId: string, view: SavedView): string {
  const params = new URLSearchParams(view.query);
  if (view.cardId) params.set("kaart", view.cardId);
  const q = params.toString();
  return `/boards/${boardId}${q ? `?${q}` : ""}`;
}

/** Time spent on an item: what was counted before plus, for the current item, the running stretch (ticks every second). */
export function ItemTimer({ item, now: initialNow }: { item: AgendaItem; now: number }) {
  const t = useT();
  const [now, setNow] = useState(initialNow);
  useEffect(() => {
    if (item.currentSince === null) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [item.currentSince]);
  const ms = item.spentMs + (item.currentSince !== null ? Math.max(0, now - item.currentSince) : 0);
  return (
    <span className="mtg-timer" data-testid={`timer-${item.id}`}>
      <span className="visually-hidden">{t("mtg.item.time")} </span>
      <span role="timer">{formatDuration(ms)}</span>
    </span>
  );
}

export interface CardRef {
  id: string;
  title: string;
}

export function DecisionList({
  decisions,
  cardTitle,
  canRemove,
  testId = "decisions",
}: {
  decisions: Decision[];
  cardTitle: (id: string) => string | null;
  canRemove: boolean;
  testId?: string;
}) {
  const t = useT();
  if (!decisions.length) return null;
  return (
    <ul className="mtg-decisions" data-testid={testId}>
      {decisions.map((d) => {
        const card = d.requestId ? cardTitle(d.requestId) : null;
        return (
          <li key={d.id} className="mtg-decision">
            <span className="mtg-decision-text">{d.text}</span>
            {card ? <span className="muted small"> · {t("mtg.card", { title: card })}</span> : null}
            {canRemove ? (
              <Form method="post" className="inline-form mtg-inline-remove">
                <input type="hidden" name="intent" value="decision-remove" />
                <input type="hidden" name="decisionId" value={d.id} />
                <button type="submit" className="link-button small" aria-label={t("mtg.decision.removeLabel", { text: d.text })}>
                  {t("mtg.remove")}
                </button>
              </Form>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** "Gedaan": a checkbox that saves itself with scripts, and a button beside it without. */
export function DoneToggle({ action, canMark }: { action: MeetingAction; canMark: boolean }) {
  const t = useT();
  const fetcher = useFetcher();
  const hydrated = useHydrated();
  const id = useId();
  const pending = fetcher.formData ? fetcher.formData.get("done") === "on" : null;
  const done = pending ?? action.doneAt !== null;
  // The server went away while the tick was on its way: the box shows what is saved, and says so.
  const toast = useToast();
  const told = useRef<unknown>(null);
  useEffect(() => {
    if (fetcher.state !== "idle" || !isUnanswered(fetcher.data) || told.current === fetcher.data) return;
    told.current = fetcher.data;
    toast.error(t("form.unanswered"));
  }, [fetcher.state, fetcher.data, toast, t]);
  if (!canMark) {
    return <span className={done ? "mtg-done-label is-done" : "mtg-done-label"}>{done ? t("mtg.action.done") : t("mtg.action.open")}</span>;
  }
  return (
    <fetcher.Form method="post" className="mtg-done-form">
      <input type="hidden" name="intent" value="action-done" />
      <input type="hidden" name="actionId" value={action.id} />
      {/* Without scripts the box is only ticked, and the button beside it saves. */}
      <input
        id={id}
        type="checkbox"
        name="done"
        checked={done}
        onChange={(e) => fetcher.submit(e.currentTarget.form)}
        data-testid={`action-done-${action.id}`}
      />
      <label htmlFor={id}>{t("mtg.action.done")}</label>
      {hydrated ? null : (
        <button type="submit" className="button small secondary">
          {t("mtg.save")}
        </button>
      )}
    </fetcher.Form>
  );
}

export function ActionList({
  actions,
  cardTitle,
  canMark,
  now,
  testId = "actions",
}: {
  actions: MeetingAction[];
  cardTitle: (id: string) => string | null;
  /** Whether this person may tick an action of this organisation off. */
  canMark: (a: MeetingAction) => boolean;
  now: number;
  testId?: string;
}) {
  const t = useT();
  const locale = useLocale();
  if (!actions.length) return null;
  return (
    <ul className="mtg-actions" data-testid={testId}>
      {actions.map((a) => {
        const card = a.requestId ? cardTitle(a.requestId) : null;
        const late = a.doneAt === null && isOverdue(a.due, now);
        return (
          <li key={a.id} className={a.doneAt !== null ? "mtg-action is-done" : "mtg-action"} data-testid={`action-${a.id}`}>
            <div className="mtg-action-main">
              <span className="mtg-action-text">{a.text}</span>
              <span className="mtg-action-meta small">
                <span className="mtg-org">{a.orgName}</span>
                <span className={late ? "mtg-due is-late" : "mtg-due"}>
                  {t("mtg.action.due", { date: formatDay(a.due, locale) })}
                  {late ? ` (${t("mtg.action.overdue")})` : ""}
                </span>
                {card ? (
                  <a href={`/boards/${a.boardId}?kaart=${encodeURIComponent(a.requestId!)}`}>{t("mtg.card", { title: card })}</a>
                ) : null}
              </span>
            </div>
            <DoneToggle action={a} canMark={canMark(a)} />
          </li>
        );
      })}
    </ul>
  );
}

export function PresentList({ present, canEdit }: { present: Attendee[]; canEdit: boolean }) {
  const t = useT();
  return (
    <div className="mtg-present">
      {present.length ? (
        <ul className="mtg-present-list" data-testid="present">
          {present.map((p) => (
            <li key={p.id}>
              <span>
                {p.name}
                {p.orgName ? <span className="muted small"> · {p.orgName}</span> : null}
              </span>
              {canEdit ? (
                <Form method="post" className="inline-form">
                  <input type="hidden" name="intent" value="attendee-remove" />
                  <input type="hidden" name="attendeeId" value={p.id} />
                  <button type="submit" className="link-button small" aria-label={t("mtg.present.removeLabel", { name: p.name })}>
                    {t("mtg.remove")}
                  </button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t("mtg.present.none")}</p>
      )}
    </div>
  );
}

/** A section with a heading, as the meeting page lays them out. */
export function MeetingSection({ id, title, children, className }: { id: string; title: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={className ? `card-panel mtg-panel ${className}` : "card-panel mtg-panel"} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** Decisions and actions grouped by the agenda item they were taken under; the rest under "Overig". */
export function groupByItem<T extends { itemId: string | null }>(agenda: AgendaItem[], rows: T[]): { items: Map<string, T[]>; other: T[] } {
  const known = new Set(agenda.map((i) => i.id));
  const items = new Map<string, T[]>();
  const other: T[] = [];
  for (const r of rows) {
    if (r.itemId && known.has(r.itemId)) {
      const list = items.get(r.itemId) ?? [];
      list.push(r);
      items.set(r.itemId, list);
    } else other.push(r);
  }
  return { items, other };
}
