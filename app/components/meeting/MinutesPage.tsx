/**
 * The minutes of a meeting as a printable page (routes/…$meetingId.verslag.tsx).
 * Plain document structure (headings, lists), so it prints cleanly on A4 and
 * reads well aloud; the print rules live in styles/meetings.css
 * (`@media print`): no top bar, links or buttons, items kept whole.
 */
import { Link, useLoaderData } from "@remix-run/react";
import type { MeetingAction, MeetingRecord } from "~/board/meeting";
import { isOverdue } from "~/board/meeting-time";
import { SinceSummary } from "~/components/meeting/SinceSummary";
import type { SinceSummary as SinceSummaryData } from "~/board/summary";
import { useLocale, useT } from "~/i18n";
import { groupByItem } from "./MeetingParts";
import { formatDay, formatDuration, formatMeetingAt } from "./format";

export interface MinutesData {
  board: { id: string; name: string };
  meeting: MeetingRecord;
  /** Card titles by id. */
  cards: Record<string, string>;
  categories: { id: string; label: string; color: string }[];
  organisations: { id: string; name: string; shortName: string; color: string }[];
  since: SinceSummaryData | null;
  openElsewhere: MeetingAction[];
  now: number;
}

function ActionLines({ actions, cards, now, testId }: { actions: MeetingAction[]; cards: Record<string, string>; now: number; testId?: string }) {
  const t = useT();
  const locale = useLocale();
  if (!actions.length) return null;
  return (
    <ul className="min-actions" data-testid={testId}>
      {actions.map((a) => {
        const late = a.doneAt === null && isOverdue(a.due, now);
        return (
          <li key={a.id}>
            <strong>{t("mtg.minutes.actionLabel")}:</strong> {a.text} — {a.orgName}, {t("mtg.action.due", { date: formatDay(a.due, locale) })}
            {a.requestId && cards[a.requestId] ? <> ({t("mtg.card", { title: cards[a.requestId] })})</> : null}
            {a.doneAt !== null ? <> · {t("mtg.action.done")}</> : late ? <> · {t("mtg.action.overdue")}</> : null}
          </li>
        );
      })}
    </ul>
  );
}

export function MinutesPage() {
  const data = useLoaderData() as MinutesData;
  const { meeting, board, cards } = data;
  const t = useT();
  const locale = useLocale();
  const decisionsBy = groupByItem(meeting.agenda, meeting.decisions);
  const actionsBy = groupByItem(meeting.agenda, meeting.actions);
  const cardOf = (id: string | null) => (id && cards[id] ? ` (${t("mtg.card", { title: cards[id] })})` : "");
  return (
    <main id="main" className="page min-page" data-testid="minutes">
      <nav className="min-tools" aria-label={t("mtg.nav")}>
        <Link to={`/boards/${board.id}/vergaderingen/${meeting.id}`}>← {t("mtg.minutes.back")}</Link>
        <button type="button" className="button" onClick={() => window.print()} data-testid="print">
          {t("mtg.minutes.printButton")}
        </button>
        <a href={`/api/meetings/${meeting.id}/minutes.md`} download className="button secondary">
          {t("mtg.minutes.markdown")}
        </a>
      </nav>

      <article className="min-doc">
        <header>
          <p className="min-board">{board.name}</p>
          <h1>{t("mtg.minutes.title", { title: meeting.title })}</h1>
          <p>
            {formatMeetingAt(meeting.startedAt ?? meeting.at, locale)}
            {meeting.startedAt && meeting.endedAt ? <> · {t("mtg.minutes.duration", { time: formatDuration(meeting.endedAt - meeting.startedAt) })}</> : null}
            {meeting.status !== "ended" ? <> · {t(meeting.status === "running" ? "mtg.status.running" : "mtg.status.planned")}</> : null}
          </p>
        </header>

        <section className="min-block" aria-labelledby="min-present">
          <h2 id="min-present">{t("mtg.present", { count: meeting.present.length })}</h2>
          {meeting.present.length ? (
            <p data-testid="minutes-present">{meeting.present.map((p) => (p.orgName ? `${p.name} (${p.orgName})` : p.name)).join(", ")}</p>
          ) : (
            <p>{t("mtg.present.none")}</p>
          )}
        </section>

        <section className="min-block" aria-labelledby="min-summary">
          <h2 id="min-summary">{t("mtg.summary")}</h2>
          <p className="min-summary">{meeting.summary || t("mtg.summary.none")}</p>
        </section>

        {data.since ? (
          <section className="min-block" aria-labelledby="min-since">
            <h2 id="min-since">{t("mtg.kind.since")}</h2>
            <SinceSummary boardId={board.id} summary={data.since} categories={data.categories} organisations={data.organisations} />
          </section>
        ) : null}

        <section className="min-block" aria-labelledby="min-items">
          <h2 id="min-items">{t("mtg.agenda")}</h2>
          <ol className="min-items">
            {meeting.agenda.map((item) => {
              const decisions = decisionsBy.items.get(item.id) ?? [];
              const actions = actionsBy.items.get(item.id) ?? [];
              return (
                <li key={item.id} className="min-item">
                  <h3>
                    {item.title}
                    {item.spentMs > 0 ? <span className="min-time"> · {formatDuration(item.spentMs)}</span> : null}
                  </h3>
                  {item.notes ? <p className="min-notes">{item.notes}</p> : null}
                  {decisions.length ? (
                    <ul className="min-decisions">
                      {decisions.map((d) => (
                        <li key={d.id}>
                          <strong>{t("mtg.minutes.decisionLabel")}:</strong> {d.text}
                          {cardOf(d.requestId)}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                  <ActionLines actions={actions} cards={cards} now={data.now} />
                  {!decisions.length && !actions.length && !item.notes ? <p className="min-empty">{t("mtg.minutes.nothing")}</p> : null}
                </li>
              );
            })}
          </ol>
          {decisionsBy.other.length || actionsBy.other.length ? (
            <div className="min-item">
              <h3>{t("mtg.other")}</h3>
              <ul className="min-decisions">
                {decisionsBy.other.map((d) => (
                  <li key={d.id}>
                    <strong>{t("mtg.minutes.decisionLabel")}:</strong> {d.text}
                    {cardOf(d.requestId)}
                  </li>
                ))}
              </ul>
              <ActionLines actions={actionsBy.other} cards={cards} now={data.now} />
            </div>
          ) : null}
        </section>

        <section className="min-block" aria-labelledby="min-open">
          <h2 id="min-open">{t("mtg.minutes.openActions")}</h2>
          {data.openElsewhere.length ? (
            <ActionLines actions={data.openElsewhere} cards={cards} now={data.now} testId="minutes-open-actions" />
          ) : (
            <p>{t("mtg.minutes.noOpenActions")}</p>
          )}
        </section>
      </article>
    </main>
  );
}

