import { createContext, memo, useContext, type KeyboardEvent } from "react";
import { languageName } from "./language-name";
import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import type { CardView, CategoryView } from "~/board/types";
import { translator, type Locale } from "~/i18n";
import { CategoryIcon } from "./Icon";
import { CardPresence } from "./presence/CardPresence";
import { OwnerBadge } from "./ownership/OwnerBadge";
import { DuplicateBadge } from "./duplicates/DuplicatesProvider";
import { useIsMeetingFocus } from "~/components/meeting/focusStore";
import { URGENCY_KEYS, cardAge, categoryLabel, inkOn, safeColor } from "./labels";
import { jobWhen, placesText } from "./jobs/labels";

export interface OrgInfo {
  id: string;
  name: string;
  shortName: string;
  color: string;
  /** organisations.kind: the front door's organisation takes no referrals (isWorkingOrganisation). */
  kind?: string;
}

interface CardBodyProps {
  card: CardView;
  category: CategoryView | undefined;
  org: OrgInfo | undefined;
  locale: Locale;
}

/**
 * The board's clock. Only the age labels read it, so the ticking clock
 * re-renders those labels and not the (memoised) cards around them.
 */
export const NowContext = createContext(0);

function Age({ createdAt, locale }: { createdAt: number; locale: Locale }) {
  const now = useContext(NowContext);
  return (
    <span className="card-age" suppressHydrationWarning>
      {cardAge(translator(locale), createdAt, now, locale)}
    </span>
  );
}

/** What a card shows; shared by the card in its column and the drag overlay. */
export function CardBody({ card, category, org, locale }: CardBodyProps) {
  const t = translator(locale);
  const color = safeColor(category?.color);
  const urgent = card.urgency === "hoog" || card.urgency === "spoed";
  const isJob = card.kind === "job";
  return (
    <>
      {isJob ? <span className="card-kind">{t("job.kind")}</span> : null}
      <span className="card-title">{card.title}</span>
      {isJob ? (
        <span className="job-places" data-testid="job-places">
          <progress max={Math.max(1, card.places)} value={Math.min(card.filled, card.places)} aria-hidden="true" />
          <span className="job-places-text">{placesText(t, card)}</span>
          {card.at ? <span className="job-when">{jobWhen(t, locale, card)}</span> : null}
        </span>
      ) : null}
      <span className="card-tags">
        <span className="card-icon" style={{ background: color, color: inkOn(color) }}>
          <CategoryIcon name={category?.icon ?? "star"} size={14} />
        </span>
        <span className="card-category">{categoryLabel(t, category)}</span>
        {urgent ? (
          <span className={`urgency urgency-${card.urgency}`}>
            {card.urgency === "spoed" ? (
              <svg aria-hidden="true" focusable="false" width="12" height="12" viewBox="0 0 24 24">
                <path d="M12 2 1 21h22z" fill="currentColor" />
              </svg>
            ) : null}
            {t(URGENCY_KEYS[card.urgency])}
          </span>
        ) : null}
      </span>
      <span className="card-meta">
        {org ? (
          <span className="card-org" title={org.name}>
            <span className="org-swatch" style={{ background: safeColor(org.color) }} aria-hidden="true" />
            <span className="visually-hidden">{t("card.enteredBy")} </span>
            {org.shortName}
          </span>
        ) : null}
        {card.area ? (
          <span className="card-area">
            <span className="visually-hidden">{t("card.area")}: </span>
            {card.area}
          </span>
        ) : null}
        {card.createdAt > 0 ? <Age createdAt={card.createdAt} locale={locale} /> : null}
      </span>
      {card.job && !isJob ? (
        <span className="job-badge" data-testid="job-badge">
          {t("job.joinedBadge")}
        </span>
      ) : null}
      {card.origin === "front-door" ? (
        <span className="front-door-badge" data-testid="front-door-badge">
          {card.language ? t("frontDoor.markLanguage", { language: languageName(card.language, locale) }) : t("frontDoor.mark")}
        </span>
      ) : null}
      <OwnerBadge requestId={card.id} locale={locale} />
      <DuplicateBadge requestId={card.id} locale={locale} />
    </>
  );
}

interface SortableCardProps extends CardBodyProps {
  /** May be dragged (editor, live document). */
  draggable: boolean;
  onOpen: (id: string) => void;
}

export const SortableCard = memo(function SortableCard(props: SortableCardProps) {
  const { card, category, draggable, onOpen, locale } = props;
  const t = translator(locale);
  // The card under discussion in a running meeting: outlined and labelled for everyone.
  const discussed = useIsMeetingFocus(card.id);
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
    id: card.id,
    disabled: !draggable,
    attributes: { roleDescription: t("dnd.roleDescription") },
  });
  const style = {
    transform: CSS.Translate.toString(transform),
    transition,
    borderLeftColor: safeColor(category?.color),
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    listeners?.onKeyDown?.(e);
    if (e.defaultPrevented || isDragging || e.target !== e.currentTarget) return;
    if (e.key === "Enter" || (!draggable && e.key === " ")) {
      e.preventDefault();
      onOpen(card.id);
    }
  };
  return (
    <div
      ref={setNodeRef}
      {...attributes}
      {...listeners}
      // A card that cannot be dragged is still a button that opens its details.
      aria-disabled={undefined}
      aria-roledescription={draggable ? attributes["aria-roledescription"] : undefined}
      aria-describedby={draggable ? attributes["aria-describedby"] : undefined}
      onKeyDown={onKeyDown}
      onClick={() => onOpen(card.id)}
      className={`board-card${card.kind === "job" ? " is-job" : ""}${isDragging ? " is-placeholder" : ""}${draggable ? " is-draggable" : ""}${discussed ? " is-discussed" : ""}`}
      style={style}
      data-testid={`card-${card.id}`}
      data-card-id={card.id}
      data-urgency={card.urgency}
      data-kind={card.kind}
      data-discussed={discussed ? "true" : undefined}
    >
      {discussed ? <span className="card-discussed">{t("follow.card.discussed")}</span> : null}
      <CardBody {...props} />
      <CardPresence cardId={card.id} locale={locale} />
    </div>
  );
});
