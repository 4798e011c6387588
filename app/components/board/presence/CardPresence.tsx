/**
 * The marker on a card that someone else is dragging or editing:
 * "Wordt bewerkt door Fenna Dijkstra". Reads only its own card's list from
 * the presence store, so a change on one card re-renders one marker.
 */
import { memo } from "react";
import { useCardPresence } from "~/hooks/usePresence";
import { translator, type Locale } from "~/i18n";
import { safeColor } from "../labels";

export const CardPresence = memo(function CardPresence({ cardId, locale }: { cardId: string; locale: Locale }) {
  const people = useCardPresence(cardId);
  if (people.length === 0) return null;
  const t = translator(locale);
  const names = people.map((p) => p.name).join(", ");
  return (
    <span className="card-presence" data-testid="card-presence" title={people.map((p) => `${p.name} (${p.orgName})`).join(", ")}>
      <span className="presence-dot" style={{ background: safeColor(people[0].color) }} aria-hidden="true" />
      {t("pres.editing", { name: names })}
    </span>
  );
});
