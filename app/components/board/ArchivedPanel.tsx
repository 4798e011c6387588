/** Archived cards, each with a restore button for editors. */
import { useId } from "react";
import type { CardView, CategoryView, ColumnView } from "~/board/types";
import type { Translate } from "~/i18n";
import { CategoryIcon } from "./Icon";
import { categoryLabel, columnLabel, inkOn, safeColor } from "./labels";

export function ArchivedPanel({
  cards,
  columns,
  categoryById,
  editable,
  onRestore,
  onOpen,
  t,
}: {
  cards: CardView[];
  columns: ColumnView[];
  categoryById: ReadonlyMap<string, CategoryView>;
  editable: boolean;
  onRestore: (id: string) => void;
  onOpen: (id: string) => void;
  t: Translate;
}) {
  const headingId = useId();
  return (
    <section className="archived-panel" aria-labelledby={headingId} data-testid="archived-panel">
      <h2 id={headingId}>{t("board.archived.title", { count: cards.length })}</h2>
      {cards.length === 0 ? (
        <p className="muted">{t("board.archived.empty")}</p>
      ) : (
        <ul className="archived-list">
          {cards.map((card) => {
            const category = categoryById.get(card.category);
            const color = safeColor(category?.color);
            const column = columns.find((c) => c.id === card.column) ?? columns[0];
            return (
              <li key={card.id} data-testid={`archived-${card.id}`} data-archived-card-id={card.id}>
                <span className="card-icon small" style={{ background: color, color: inkOn(color) }}>
                  <CategoryIcon name={category?.icon ?? "star"} size={14} />
                </span>
                <button type="button" className="link-button archived-title" onClick={() => onOpen(card.id)}>
                  {card.title}
                </button>
                <span className="muted small">
                  {categoryLabel(t, category)}
                  {column ? ` · ${columnLabel(t, column)}` : ""}
                </span>
                {editable ? (
                  <button
                    type="button"
                    className="button secondary small push-right"
                    onClick={() => onRestore(card.id)}
                    aria-label={t("card.restoreNamed", { title: card.title })}
                  >
                    {t("card.restore")}
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
