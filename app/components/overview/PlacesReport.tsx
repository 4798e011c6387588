/**
 * The report's volunteer places (issue 15): offered, filled and used per
 * month and category, and matches per local team. Tables that become
 * labelled lists on a phone, like the report's others.
 */
import type { PlacesReport } from "~/board/job-report";
import { categoryLabel } from "~/components/board/labels";
import type { Translate } from "~/i18n";
import { DataTable, Panel } from "./Panel";

/** "2026-03" as the person reads it ("maart 2026", "March 2026"): an ICU date in the catalog; the middle of the month, so no time zone moves it. */
export function monthLabel(t: Translate, month: string): string {
  return t("rep.places.monthName", { month: new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 15, 12)) });
}

export function PlacesSection({ places, t }: { places: PlacesReport; t: Translate }) {
  return (
    <>
      <Panel id="rep-places" title={t("rep.places.title")} help={t("rep.places.help")}>
        {places.rows.length ? (
          <DataTable testId="report-places" caption={t("rep.places.title")}>
            <thead>
              <tr>
                <th scope="col">{t("rep.places.month")}</th>
                <th scope="col">{t("rep.places.category")}</th>
                <th scope="col" className="num">
                  {t("rep.places.offered")}
                </th>
                <th scope="col" className="num">
                  {t("rep.places.filled")}
                </th>
                <th scope="col" className="num">
                  {t("rep.places.used")}
                </th>
              </tr>
            </thead>
            <tbody>
              {places.rows.map((r) => (
                <tr key={`${r.month}-${r.category}`} data-testid={`places-${r.month}-${r.category}`}>
                  <th scope="row">{monthLabel(t, r.month)}</th>
                  <td data-label={t("rep.places.category")}>{categoryLabel(t, { id: r.category, label: r.label })}</td>
                  <td className="num" data-label={t("rep.places.offered")}>
                    {r.offered}
                  </td>
                  <td className={r.filled ? "num" : "num zero"} data-label={t("rep.places.filled")}>
                    {r.filled}
                  </td>
                  <td className={r.used ? "num" : "num zero"} data-label={t("rep.places.used")}>
                    {r.used}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  {t("ov.total")}
                </th>
                <td className="num" data-label={t("rep.places.offered")}>
                  {places.totals.offered}
                </td>
                <td className="num" data-label={t("rep.places.filled")}>
                  {places.totals.filled}
                </td>
                <td className="num" data-label={t("rep.places.used")}>
                  {places.totals.used}
                </td>
              </tr>
            </tfoot>
          </DataTable>
        ) : (
          <p className="muted" data-testid="report-places-none">
            {t("rep.places.none")}
          </p>
        )}
      </Panel>

      <Panel id="rep-teams" title={t("rep.teams.title")} help={t("rep.teams.help")}>
        {places.teams.length ? (
          <DataTable testId="report-teams" caption={t("rep.teams.title")}>
            <thead>
              <tr>
                <th scope="col">{t("rep.teams.team")}</th>
                <th scope="col" className="num">
                  {t("rep.teams.filled")}
                </th>
                <th scope="col" className="num">
                  {t("rep.teams.used")}
                </th>
              </tr>
            </thead>
            <tbody>
              {places.teams.map((x) => (
                <tr key={x.teamId} data-testid={`report-team-${x.team}`}>
                  <th scope="row">{x.team}</th>
                  <td className={x.filled ? "num" : "num zero"} data-label={t("rep.teams.filled")}>
                    {x.filled}
                  </td>
                  <td className={x.used ? "num" : "num zero"} data-label={t("rep.teams.used")}>
                    {x.used}
                  </td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        ) : (
          <p className="muted">{t("rep.teams.none")}</p>
        )}
      </Panel>
    </>
  );
}
