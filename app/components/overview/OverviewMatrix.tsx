/**
 * Who does what: one table of category × holding organisation × column, with
 * the count of requests in each cell. Only organisations that hold something
 * in a category get a row there; "Nog niet opgepakt" (nobody holds it, in an
 * intake or open column) and "Zonder organisatie" (nobody holds it, in a held
 * or done column) come last.
 */
import { columnLabel, categoryLabel, safeColor } from "~/components/board/labels";
import { stageHelp, stageLabel } from "~/components/board/stageLabels";
import type { Stage } from "~/board/types";
import type { Translate } from "~/i18n";

export interface MatrixData {
  categories: string[];
  organisations: string[];
  columns: string[];
  cells: Record<string, Record<string, Record<string, number>>>;
}

export interface OrgLite {
  id: string;
  shortName: string;
  color: string;
}

export function OverviewMatrix({
  matrix,
  columns,
  categories,
  organisations,
  t,
}: {
  matrix: MatrixData;
  columns: Array<{ id: string; name: string; stage?: Stage }>;
  categories: Array<{ id: string; label: string; color: string }>;
  organisations: OrgLite[];
  t: Translate;
}) {
  const orgById = new Map(organisations.map((o) => [o.id, o]));
  const columnName = (id: string) => {
    const col = columns.find((c) => c.id === id);
    return col ? columnLabel(t, col) : id;
  };
  const catById = new Map(categories.map((c) => [c.id, c]));
  const colTotals = new Map<string, number>();
  let grand = 0;
  for (const catId of matrix.categories)
    for (const orgId of matrix.organisations)
      for (const colId of matrix.columns) {
        const n = matrix.cells[catId]?.[orgId]?.[colId] ?? 0;
        colTotals.set(colId, (colTotals.get(colId) ?? 0) + n);
        grand += n;
      }
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="ov-matrix-caption">
      <table className="ov-table ov-matrix" data-testid="overview-matrix">
        <caption id="ov-matrix-caption" className="visually-hidden">
          {t("ov.matrix.caption")}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t("ov.matrix.category")}</th>
            <th scope="col">{t("ov.matrix.organisation")}</th>
            {matrix.columns.map((id) => {
              const col = columns.find((c) => c.id === id);
              return (
                <th scope="col" key={id} className="num" title={col?.stage ? stageHelp(t, col.stage) : undefined}>
                  {col ? columnLabel(t, col) : id}
                  {col?.stage ? (
                    // The stage the column counts as (its name says the same to screen readers in the board's headers).
                    <span className="ov-col-stage" aria-hidden="true">
                      {stageLabel(t, col.stage)}
                    </span>
                  ) : null}
                </th>
              );
            })}
            <th scope="col" className="num">
              {t("ov.total")}
            </th>
          </tr>
        </thead>
        {matrix.categories.map((catId) => {
          const cat = catById.get(catId);
          const byOrg = matrix.cells[catId] ?? {};
          const rows = matrix.organisations.filter((org) => Object.values(byOrg[org] ?? {}).some((n) => n > 0));
          const catName = categoryLabel(t, cat ? { id: cat.id, label: cat.label } : undefined);
          const catHead = (span: number) => (
            <th scope="rowgroup" rowSpan={span} className="ov-cat">
              <span className="cat-swatch" style={{ background: safeColor(cat?.color) }} aria-hidden="true" />
              {catName}
            </th>
          );
          if (rows.length === 0) {
            return (
              <tbody key={catId} data-category={catId}>
                <tr>
                  {catHead(1)}
                  <td colSpan={matrix.columns.length + 2} className="muted">
                    {t("ov.matrix.empty")}
                  </td>
                </tr>
              </tbody>
            );
          }
          return (
            <tbody key={catId} data-category={catId}>
              {rows.map((orgId, i) => {
                const org = orgById.get(orgId);
                const counts = byOrg[orgId] ?? {};
                const rowTotal = matrix.columns.reduce((sum, colId) => sum + (counts[colId] ?? 0), 0);
                return (
                  <tr key={orgId} className={orgId === "none" ? "ov-unclaimed" : undefined} data-organisation={orgId}>
                    {i === 0 ? catHead(rows.length) : null}
                    <th scope="row" className="ov-org">
                      {orgId === "none" || orgId === "unheld" ? (
                        <>
                          <span className="org-swatch ov-none" aria-hidden="true" />
                          {t(orgId === "none" ? "ov.matrix.none" : "ov.matrix.unheld")}
                        </>
                      ) : (
                        <>
                          <span className="org-swatch" style={{ background: safeColor(org?.color) }} aria-hidden="true" />
                          {org?.shortName ?? "?"}
                        </>
                      )}
                    </th>
                    {matrix.columns.map((colId) => {
                      const n = counts[colId] ?? 0;
                      return (
                        <td key={colId} className={n ? "num" : "num zero"} data-label={columnName(colId)}>
                          {n}
                        </td>
                      );
                    })}
                    <td className="num ov-rowtotal" data-label={t("ov.total")}>{rowTotal}</td>
                  </tr>
                );
              })}
            </tbody>
          );
        })}
        <tfoot>
          <tr>
            <th scope="row" colSpan={2}>
              {t("ov.total")}
            </th>
            {matrix.columns.map((colId) => (
              <td key={colId} className="num" data-label={columnName(colId)}>
                {colTotals.get(colId) ?? 0}
              </td>
            ))}
            <td className="num" data-label={t("ov.total")}>{grand}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
