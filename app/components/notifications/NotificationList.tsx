import { Link } from "@remix-run/react";
import { useLocale, useT } from "~/i18n";
import { notificationText, notificationTime, type NotificationItem } from "./text";

/** The notifications, latest first: each a link to its card (or board), unread ones marked, with "Gelezen". */
export function NotificationList({
  items,
  onRead,
  onFollow,
}: {
  items: NotificationItem[];
  onRead(ids: string[]): void;
  onFollow?(): void;
}) {
  const t = useT();
  const locale = useLocale();
  if (!items.length) return <p className="muted notif-empty">{t("notif.empty")}</p>;
  return (
    <ul className="notif-list">
      {items.map((n) => {
        const text = notificationText(t, n, locale);
        const unread = n.readAt === null;
        return (
          <li key={n.id} className={unread ? "notif-item unread" : "notif-item"} data-kind={n.kind}>
            <div className="notif-main">
              {unread ? <span className="visually-hidden">{t("notif.unread")}: </span> : null}
              {n.href ? (
                <Link
                  to={n.href}
                  onClick={() => {
                    if (unread) onRead([n.id]);
                    onFollow?.();
                  }}
                >
                  {text}
                </Link>
              ) : (
                <span>{text}</span>
              )}
              <time className="notif-time" dateTime={new Date(n.createdAt).toISOString()}>
                {notificationTime(n.createdAt, locale)}
              </time>
            </div>
            {unread ? (
              <button type="button" className="link-button notif-read" onClick={() => onRead([n.id])}>
                {t("notif.markRead")}
              </button>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
