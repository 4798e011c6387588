/** Open requests older than N days, oldest first, highlighted; the first 25. */
import { categoryLabel, columnLabel, safeColor } from "~/components/board/labels";
import type { Translate } from "~/i18n";
import type { OrgLite } from "./OverviewMatrix";
import { DataTable } from "./Panel";

export interface StaleItem {
  id: string;
  title: string;
  category: string;
  column: string;
  ageDays: number;
  holder: string | null;
  /** Nobody holds it and it waits in an intake or open column. */
  unclaimed: boolean;
}

export function StaleList({
  boardId,
  items,
  total,
  categories,
  columns,
  organisations,
  t,
}: {
  boardId: string;
  items: StaleItem[];
  total: number;
  categories: Array<{ id: string; label: string }>;
  columns: Array<{ id: string; name: string }>;
  organisations: OrgLite[];
  t: Translate;
}) {
  if (items.length === 0) {
    return (
      <p className="muted" data-testid="stale-list">
        {t("ov.stale.none")}
      </p>
    );
  }
  const orgById = new Map(organisations.map((o) => [o.id, o]));
  return (
    <>
      <DataTable testId="stale-list" caption={t("ov.stale.caption")} className="ov-stale">
        <thead>
          <tr>
            <th scope="col">{t("ov.stale.request")}</th>
            <th scope="col">{t("ov.matrix.category")}</th>
            <th scope="col">{t("ov.stale.column")}</th>
            <th scope="col">{t("ov.stale.holder")}</th>
            <th scope="col" className="num">
              {t("ov.stale.age")}
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => {
            const col = columns.find((c) => c.id === s.column);
            const org = s.holder ? orgById.get(s.holder) : undefined;
            return (
              <tr key={s.id} className={s.unclaimed ? "is-stale is-unclaimed" : "is-stale"} data-request-id={s.id}>
                <th scope="row">
                  <a href={`/boards/${encodeURIComponent(boardId)}?kaart=${encodeURIComponent(s.id)}`}>{s.title}</a>
                </th>
                <td data-label={t("ov.matrix.category")}>{categoryLabel(t, categories.find((c) => c.id === s.category))}</td>
                <td data-label={t("ov.stale.column")}>{col ? columnLabel(t, col) : s.column}</td>
                <td data-label={t("ov.stale.holder")}>
                  {org ? (
                    <>
                      <span className="org-swatch" style={{ background: safeColor(org.color) }} aria-hidden="true" /> {org.shortName}
                    </>
                  ) : s.unclaimed ? (
                    <strong>{t("ov.matrix.none")}</strong>
                  ) : (
                    t("ov.matrix.unheld")
                  )}
                </td>
                <td className="num" data-label={t("ov.stale.age")}>{t("ov.days", { count: s.ageDays })}</td>
              </tr>
            );
          })}
        </tbody>
      </DataTable>
      {total > items.length ? <p className="muted small">{t("ov.stale.more", { shown: items.length, total })}</p> : null}
    </>
  );
}
