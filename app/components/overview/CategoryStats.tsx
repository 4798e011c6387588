/**
 * Per category: open requests, how many nobody holds yet, the median days
 * until someone picked a request up, and the requests waiting longest.
 */
import { categoryLabel, safeColor } from "~/components/board/labels";
import type { Translate } from "~/i18n";
import { DataTable } from "./Panel";

export interface CategoryStat {
  category: string;
  label: string;
  color: string;
  open: number;
  unclaimed: number;
  medianDaysToClaim: number | null;
  longestUnclaimed: Array<{ id: string; title: string; ageDays: number }>;
}

/** "2,5 dagen": one decimal, written the language's way by the message's plural. */
export function formatDays(t: Translate, days: number | null): string {
  if (days === null) return t("ov.noData");
  return t("ov.days", { count: Math.round(days * 10) / 10 });
}

export function CategoryStats({
  boardId,
  rows,
  staleDays,
  locale,
  t,
}: {
  boardId: string;
  rows: CategoryStat[];
  staleDays: number;
  locale: string;
  t: Translate;
}) {
  return (
    <DataTable testId="overview-categories" caption={t("ov.categories.caption")}>
      <thead>
        <tr>
          <th scope="col">{t("ov.matrix.category")}</th>
          <th scope="col" className="num">
            {t("ov.categories.open")}
          </th>
          <th scope="col" className="num">
            {t("ov.categories.unclaimed")}
          </th>
          <th scope="col" className="num">
            {t("ov.categories.median")}
          </th>
          <th scope="col">{t("ov.categories.longest")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.category} data-category={r.category}>
            <th scope="row">
              <span className="cat-swatch" style={{ background: safeColor(r.color) }} aria-hidden="true" />
              {categoryLabel(t, { id: r.category, label: r.label })}
            </th>
            <td className="num" data-label={t("ov.categories.open")}>{r.open}</td>
            <td className={r.unclaimed ? "num ov-attention" : "num"} data-label={t("ov.categories.unclaimed")}>{r.unclaimed}</td>
            <td className="num" data-label={t("ov.categories.median")}>{formatDays(t, r.medianDaysToClaim)}</td>
            <td className="ov-wide" data-label={t("ov.categories.longest")}>
              {r.longestUnclaimed.length ? (
                <ul className="ov-inline-list">
                  {r.longestUnclaimed.map((c) => (
                    <li key={c.id} className={c.ageDays >= staleDays ? "is-stale" : undefined}>
                      <a href={`/boards/${encodeURIComponent(boardId)}?kaart=${encodeURIComponent(c.id)}`}>{c.title}</a>{" "}
                      <span className="muted small">({t("ov.days", { count: c.ageDays })})</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="muted">{t("ov.categories.noneWaiting")}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}
