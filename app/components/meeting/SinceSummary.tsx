/**
 * "Sinds de vorige vergadering": the counts of app/board/summary.ts as three
 * tables (totals, per category, per organisation), each count a link to the
 * board filtered to exactly its cards (`?kaarten=`, at most CARD_LIST_MAX
 * ids; a footnote says when a count has more). Used by /boards/<id>/sinds
 * and by the meeting page's "since" agenda item; the page links
 * app/styles/overview.css for the tables.
 *
 *   <SinceSummary boardId={id} summary={summary} categories={categories} organisations={organisations} />
 */
import { Fragment, useId } from "react";
import { Link } from "@remix-run/react";
import { cardListParam, CARD_LIST_MAX } from "~/board/agenda";
import { SUMMARY_KEYS, type Counted, type SinceSummary as SinceSummaryData, type SummaryCounts, type SummaryKey } from "~/board/summary";
import { categoryLabel } from "~/components/board/labels";
import { DataTable } from "~/components/overview/Panel";
import { useT, type MessageKey, type Translate } from "~/i18n";

export interface SinceSummaryProps {
  boardId: string;
  summary: SinceSummaryData;
  /** The board's categories in board order (labels as stored; default ones are translated here). */
  categories: ReadonlyArray<{ id: string; label: string }>;
  organisations: ReadonlyArray<{ id: string; name: string; shortName?: string }>;
}

const KEY_LABELS: Record<SummaryKey, MessageKey> = {
  new: "summary.key.new",
  claimed: "summary.key.claimed",
  referralsSent: "summary.key.referralsSent",
  referralsAccepted: "summary.key.referralsAccepted",
  referralsDeclined: "summary.key.referralsDeclined",
  done: "summary.key.done",
  stale: "summary.key.stale",
  duplicates: "summary.key.duplicates",
  actionsOverdue: "summary.key.actionsOverdue",
  actionsDue: "summary.key.actionsDue",
};

export function summaryKeyLabel(t: Translate, key: SummaryKey, staleDays: number): string {
  return t(KEY_LABELS[key], { days: staleDays });
}

/** The board filtered to a count's cards. */
export function cardsHref(boardId: string, ids: readonly string[]): string {
  return `/boards/${encodeURIComponent(boardId)}?kaarten=${cardListParam(ids)}`;
}

function CountCell({ boardId, c, what, where, t }: { boardId: string; c: Counted; what: string; where: string; t: Translate }) {
  if (c.count === 0) return <span className="zero">0</span>;
  // Actions without a linked request have no cards to show.
  if (c.ids.length === 0) return <span>{c.count}</span>;
  return (
    <>
      <Link to={cardsHref(boardId, c.ids)} aria-label={t("summary.link", { what, where, count: c.count })} data-testid="since-count-link">
        {c.count}
      </Link>
      {c.ids.length > CARD_LIST_MAX ? <span aria-hidden="true">*</span> : null}
    </>
  );
}

function Breakdown({
  boardId,
  testId,
  caption,
  heading,
  rows,
  keys,
  staleDays,
  t,
}: {
  boardId: string;
  testId: string;
  caption: string;
  heading: string;
  rows: Array<{ id: string; label: string; counts: SummaryCounts }>;
  keys: readonly SummaryKey[];
  staleDays: number;
  t: Translate;
}) {
  return (
    <DataTable testId={testId} caption={caption}>
      <thead>
        <tr>
          <th scope="col">{heading}</th>
          {keys.map((k) => (
            <th scope="col" className="num" key={k}>
              {summaryKeyLabel(t, k, staleDays)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-row={r.id}>
            <th scope="row">{r.label}</th>
            {keys.map((k) => (
              <td className="num" key={k} data-key={k} data-label={summaryKeyLabel(t, k, staleDays)}>
                <CountCell boardId={boardId} c={r.counts[k]} what={summaryKeyLabel(t, k, staleDays)} where={r.label} t={t} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}

export function SinceSummary({ boardId, summary, categories, organisations }: SinceSummaryProps) {
  const t = useT();
  const idBase = useId();
  const { totals, staleDays } = summary;
  const keys = SUMMARY_KEYS.filter((k) => totals[k].count > 0);
  const capped = SUMMARY_KEYS.some((k) => totals[k].ids.length > CARD_LIST_MAX);

  const known = new Set(categories.map((c) => c.id));
  const categoryRows = [
    ...categories.filter((c) => summary.byCategory[c.id]).map((c) => ({ id: c.id, label: categoryLabel(t, c), counts: summary.byCategory[c.id] })),
    ...Object.keys(summary.byCategory)
      .filter((id) => !known.has(id))
      .map((id) => ({ id, label: t("category.unknown"), counts: summary.byCategory[id] })),
  ];
  const orgName = new Map(organisations.map((o) => [o.id, o.name]));
  const organisationRows = Object.keys(summary.byOrganisation)
    .map((id) => ({ id, label: orgName.get(id) ?? t("summary.unknownOrganisation"), counts: summary.byOrganisation[id] }))
    .sort((a, b) => a.label.localeCompare(b.label, "nl"));

  return (
    <div className="since-summary" data-testid="since-summary">
      <h3 id={`${idBase}-total`}>{t("summary.total")}</h3>
      <dl className="since-totals" data-testid="since-totals" aria-labelledby={`${idBase}-total`}>
        {SUMMARY_KEYS.map((k) => (
          <div key={k} data-key={k} className="since-total">
            <dt>{summaryKeyLabel(t, k, staleDays)}</dt>
            <dd>
              <CountCell boardId={boardId} c={totals[k]} what={summaryKeyLabel(t, k, staleDays)} where={t("summary.total")} t={t} />
            </dd>
          </div>
        ))}
      </dl>
      {keys.length === 0 ? (
        <p className="muted" data-testid="since-nothing">
          {t("summary.nothing")}
        </p>
      ) : (
        [
          { testId: "since-categories", title: t("summary.byCategory"), heading: t("filter.category"), rows: categoryRows },
          { testId: "since-organisations", title: t("summary.byOrganisation"), heading: t("filter.organisation"), rows: organisationRows },
        ].map((b) => (
          <Fragment key={b.testId}>
            <h3>{b.title}</h3>
            <Breakdown boardId={boardId} testId={b.testId} caption={b.title} heading={b.heading} rows={b.rows} keys={keys} staleDays={staleDays} t={t} />
          </Fragment>
        ))
      )}
      {capped ? <p className="muted small">* {t("summary.capped", { max: CARD_LIST_MAX })}</p> : null}
    </div>
  );
}
