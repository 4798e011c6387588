/**
 * The meeting bar above the board's filters, while a meeting runs:
 * "Vergadering: <title> — nu: <agenda item>", the item's timer, links to the
 * meeting page and the presenter view; for the facilitator previous/next and
 * a select of the agenda; for everyone else "Volg de voorzitter", and while
 * looking around "Je kijkt zelf rond — Weer volgen". Renders nothing when no
 * meeting runs. The logic lives in useMeetingFollow and app/board/follow.ts.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { Link } from "@remix-run/react";
import { formatClock, itemElapsed } from "~/board/follow";
import type { Translate } from "~/i18n";
import { useMeetingFollow } from "./useMeetingFollow";

export interface MeetingBarProps {
  boardId: string;
  userId: string | null | undefined;
  openCardId: string | null;
  onOpenCard: (id: string) => void;
  onCloseCard: () => void;
  /** The board's cards, for the card's title when it is announced. */
  cardById: ReadonlyMap<string, { title: string; column: string }>;
  t: Translate;
}

/** Ticks once a second while shown. */
function useSecondClock(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [active]);
  return now;
}

export function MeetingBar({ boardId, userId, openCardId, onOpenCard, onCloseCard, cardById, t }: MeetingBarProps) {
  const cardsRef = useRef(cardById);
  cardsRef.current = cardById;
  const cardTitle = useCallback((id: string) => cardsRef.current.get(id)?.title ?? null, []);
  const cardColumn = useCallback((id: string) => cardsRef.current.get(id)?.column ?? null, []);
  const announce = {
    item: (title: string) => t("follow.announce.item", { item: title }),
    card: (title: string) => t("follow.announce.card", { title }),
  };
  const m = useMeetingFollow({ boardId, userId, openCardId, onOpenCard, onCloseCard, cardTitle, cardColumn, announce });
  const meeting = m.meeting;
  const now = useSecondClock(!!meeting);
  const agenda = meeting?.agenda ?? [];
  const index = agenda.findIndex((i) => i.id === m.itemId);
  const item = index >= 0 ? agenda[index] : null;
  const { chooseItem } = m;
  const onSelect = useCallback((e: React.ChangeEvent<HTMLSelectElement>) => chooseItem(e.target.value), [chooseItem]);

  if (!meeting) return null;

  // The record knows the timing of the item it calls current; an item chosen since counts from when it was chosen here.
  const elapsed = item
    ? meeting.currentItemId === item.id && item.currentSince !== null
      ? itemElapsed(item, now)
      : itemElapsed({ spentMs: item.spentMs, currentSince: m.itemSince }, now)
    : 0;
  const base = `/boards/${boardId}/vergaderingen/${meeting.id}`;

  return (
    <section className="meeting-bar" aria-label={t("follow.bar.label")} data-testid="meeting-bar" data-following={m.following ? "true" : "false"}>
      <div className="meeting-bar-main">
        <p className="meeting-bar-title">
          <strong>{t("follow.bar.title", { title: meeting.title })}</strong>
          <span aria-hidden="true"> — </span>
          <span data-testid="meeting-bar-item">{item ? t("follow.bar.now", { item: item.title }) : t("follow.bar.noItem")}</span>
        </p>
        {item ? (
          <span className="meeting-bar-timer" data-testid="meeting-bar-timer">
            <span className="visually-hidden">{t("follow.bar.timer")}: </span>
            <time aria-hidden="false">{formatClock(elapsed)}</time>
          </span>
        ) : null}
        <Link to={base} className="meeting-bar-link">
          {t("follow.bar.meetingLink")}
        </Link>
        <Link to={`${base}/scherm`} className="meeting-bar-link" data-testid="meeting-screen-link">
          {t("follow.bar.screenLink")}
        </Link>
      </div>

      {m.isFacilitator ? (
        <div className="meeting-bar-controls">
          <button type="button" className="button secondary small" disabled={index <= 0} onClick={() => chooseItem(agenda[index - 1].id)} data-testid="meeting-prev">
            {t("follow.prev")}
          </button>
          <label className="meeting-bar-select">
            <span className="visually-hidden">{t("follow.item.select")}</span>
            <select value={item?.id ?? ""} onChange={onSelect} data-testid="meeting-item-select">
              {item ? null : <option value="">{t("follow.bar.noItem")}</option>}
              {agenda.map((i, n) => (
                <option key={i.id} value={i.id}>
                  {`${n + 1}. ${i.title}`}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="button secondary small"
            disabled={index >= agenda.length - 1}
            onClick={() => chooseItem(agenda[index + 1].id)}
            data-testid="meeting-next"
          >
            {t("follow.next")}
          </button>
          <span className="muted small">{t("follow.bar.facilitator")}</span>
          {m.sendError ? (
            <span className="meeting-bar-error" role="status">
              {t("follow.sendFailed", { error: m.sendError })}
            </span>
          ) : null}
        </div>
      ) : (
        <div className="meeting-bar-controls">
          {m.following ? (
            <>
              <span className="meeting-bar-state" data-testid="meeting-following">
                {t("follow.following")}
              </span>
              <button type="button" className="button secondary small" onClick={m.unfollow} data-testid="meeting-unfollow">
                {t("follow.stop")}
              </button>
            </>
          ) : m.away ? (
            <>
              <span className="meeting-bar-state" data-testid="meeting-away">
                {t("follow.away")}
              </span>
              <button type="button" className="button small" onClick={m.follow} data-testid="meeting-rejoin">
                {t("follow.rejoin")}
              </button>
            </>
          ) : (
            <button type="button" className="button small" onClick={m.follow} data-testid="meeting-follow">
              {t("follow.follow")}
            </button>
          )}
        </div>
      )}
      <p className="visually-hidden" aria-live="polite" data-testid="meeting-announcer">
        {m.announcement}
      </p>
    </section>
  );
}
