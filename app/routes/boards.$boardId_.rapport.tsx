/**
 * /boards/<boardId>/rapport — anonymous figures for a period (default the
 * last 90 days): requests per category and status, time to claim and to
 * done, requests per organisation, a weekly trend, volunteer places per
 * month and category with matches per team (issue 15), and downloads of the same
 * report as CSV and JSON (/api/boards/<id>/report).
 *
 * Only counts, durations, categories, columns and organisation names: no
 * reference, no card title or text, no person's name.
 *
 * (`$boardId_`: not nested in the board route's layout.)
 */
import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { listColumns } from "~/board/domain";
import { categoryLabel, columnLabel } from "~/components/board/labels";
import { formatDays } from "~/components/overview/CategoryStats";
import { DataTable, Panel } from "~/components/overview/Panel";
import { TrendChart } from "~/components/overview/TrendChart";
import { PlacesSection } from "~/components/overview/PlacesReport";
import { useT, type Translate } from "~/i18n";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { boardReport, parsePeriod } from "~/services/overview.server";
import overviewCss from "~/styles/overview.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: overviewCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Rapport · ${data.board.name} · Alliantiebord` : "Rapport · Alliantiebord" },
];

const DAY = 86400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The status the report gives archived requests (app/board/overview.ts). */
const ARCHIVED = "Gearchiveerd";

/** The top bar's language switch posts from every page: a switch the server never answered leaves this page as it is, where loading its data again would fail the same way and show the error page (app/lib/unanswered.ts). */
export { revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const url = new URL(request.url);
  const now = svc.now();
  const defaults = { from: iso(now - 90 * DAY), to: iso(now) };
  const fromRaw = url.searchParams.get("from") || defaults.from;
  const toRaw = url.searchParams.get("to") || defaults.to;
  let period = parsePeriod(fromRaw, toRaw, now);
  const invalid = !period;
  const asked = period ? { from: fromRaw, to: toRaw } : defaults;
  if (!period) period = parsePeriod(defaults.from, defaults.to, now)!;
  const [report, columns] = await Promise.all([
    boardReport(svc, user, board, period),
    svc.rooms.withDoc(board.id, (doc) => listColumns(doc).map((c) => ({ id: c.id, name: c.name }))),
  ]);
  return json(
    { board: { id: board.id, name: board.name }, report, columns, period: asked, invalid },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

/** The report names a status by its column's name (or "Gearchiveerd"): shown translated where the board still uses a default name. */
function statusLabel(t: Translate, s: string, columns: Array<{ id: string; name: string }>) {
  if (s === ARCHIVED) return t("rep.archived");
  const col = columns.find((c) => c.name === s);
  return col ? columnLabel(t, col) : s;
}

export default function ReportPage() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const nav = useNavigation();
  const { report: r, board } = data;
  const api = `/api/boards/${encodeURIComponent(board.id)}/report?from=${encodeURIComponent(r.period.from)}&to=${encodeURIComponent(r.period.to)}`;

  // Statuses in the board's column order (every column, also when empty), then any other, archived last.
  const statuses: string[] = data.columns.map((c) => c.name);
  for (const c of r.byCategory) for (const s of Object.keys(c.byStatus)) if (!statuses.includes(s)) statuses.push(s);
  statuses.sort((a, b) => Number(a === ARCHIVED) - Number(b === ARCHIVED));
  const statusTotals = statuses.map((s) => r.byCategory.reduce((n, c) => n + (c.byStatus[s] ?? 0), 0));

  return (
    <main id="main" className="page overview-page report-page" data-testid="report">
      <nav className="ov-crumbs" aria-label={t("ov.nav")}>
        <Link to={`/boards/${board.id}`}>← {t("ov.backToBoard", { board: board.name })}</Link>
        <Link to={`/boards/${board.id}/overzicht`}>{t("ov.link")}</Link>
      </nav>
      <h1>{t("rep.title", { board: board.name })}</h1>
      <p className="muted">{t("rep.privacy")}</p>

      <Form method="get" className="card-panel rep-period" data-testid="report-period">
        <div className="field">
          <label htmlFor="rep-from">{t("rep.from")}</label>
          <input id="rep-from" type="date" name="from" defaultValue={data.period.from} key={`f${data.period.from}`} required />
        </div>
        <div className="field">
          <label htmlFor="rep-to">{t("rep.to")}</label>
          <input id="rep-to" type="date" name="to" defaultValue={data.period.to} key={`t${data.period.to}`} required />
        </div>
        <button type="submit" className="button" disabled={nav.state === "loading"}>
          {t("rep.show")}
        </button>
      </Form>
      {data.invalid ? (
        <p className="alert error" role="alert">
          {t("rep.invalid")}
        </p>
      ) : null}

      <p className="rep-period-line">
        {t("rep.period", { from: r.period.from, to: r.period.to })}
      </p>

      <div className="rep-downloads" data-testid="report-downloads">
        <a className="button secondary" href={`${api}&format=csv`} download data-testid="report-csv">
          {t("rep.downloadCsv")}
        </a>
        <a className="button secondary" href={`${api}&format=json&download=1`} download data-testid="report-json">
          {t("rep.downloadJson")}
        </a>
      </div>

      <dl className="rep-kpis" data-testid="report-kpis">
        <div>
          <dt>{t("rep.created")}</dt>
          <dd>{r.created}</dd>
        </div>
        <div>
          <dt>{t("rep.timeToClaim")}</dt>
          <dd>
            {formatDays(t, r.timeToClaim.medianDays)}
            <span className="muted small"> {t("rep.basedOn", { count: r.timeToClaim.count })}</span>
          </dd>
        </div>
        <div>
          <dt>{t("rep.timeToDone")}</dt>
          <dd>
            {formatDays(t, r.timeToDone.medianDays)}
            <span className="muted small"> {t("rep.basedOn", { count: r.timeToDone.count })}</span>
          </dd>
        </div>
      </dl>
      <p className="muted small" data-testid="report-kpi-help">
        {t("rep.kpiHelp")}
      </p>

      <Panel id="rep-cat" title={t("rep.byCategory")}>
        <DataTable testId="report-categories" caption={t("rep.byCategory")}>
          <thead>
            <tr>
              <th scope="col">{t("ov.matrix.category")}</th>
              {statuses.map((s) => (
                <th key={s} scope="col" className="num">
                  {statusLabel(t, s, data.columns)}
                </th>
              ))}
              <th scope="col" className="num">
                {t("ov.total")}
              </th>
            </tr>
          </thead>
          <tbody>
            {r.byCategory.map((c) => (
              <tr key={c.category}>
                <th scope="row">{categoryLabel(t, { id: c.category, label: c.label })}</th>
                {statuses.map((s) => (
                  <td key={s} className={c.byStatus[s] ? "num" : "num zero"} data-label={statusLabel(t, s, data.columns)}>
                    {c.byStatus[s] ?? 0}
                  </td>
                ))}
                <td className="num" data-label={t("ov.total")}>{c.total}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t("ov.total")}</th>
              {statusTotals.map((n, i) => (
                <td key={statuses[i]} className="num" data-label={statusLabel(t, statuses[i], data.columns)}>
                  {n}
                </td>
              ))}
              <td className="num" data-label={t("ov.total")}>{r.created}</td>
            </tr>
          </tfoot>
        </DataTable>
      </Panel>

      <Panel id="rep-org" title={t("rep.byOrganisation")}>
        <DataTable testId="report-organisations" caption={t("rep.byOrganisation")}>
          <thead>
            <tr>
              <th scope="col">{t("ov.matrix.organisation")}</th>
              <th scope="col" className="num">
                {t("rep.entered")}
              </th>
              <th scope="col" className="num">
                {t("rep.holding")}
              </th>
            </tr>
          </thead>
          <tbody>
            {r.byOrganisation.map((o) => (
              <tr key={o.organisation}>
                <th scope="row">{o.organisation}</th>
                <td className={o.entered ? "num" : "num zero"} data-label={t("rep.entered")}>{o.entered}</td>
                <td className={o.holding ? "num" : "num zero"} data-label={t("rep.holding")}>{o.holding}</td>
              </tr>
            ))}
          </tbody>
        </DataTable>
        <p className="muted small">{t("rep.organisationsHelp")}</p>
      </Panel>

      <Panel id="rep-trend" title={t("rep.trend.title")}>
        <TrendChart weeks={r.trend} t={t} />
      </Panel>

      <PlacesSection places={r.places} t={t} />
    </main>
  );
}
