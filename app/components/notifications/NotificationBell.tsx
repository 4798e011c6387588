/**
 * The bell in the top bar: the unread count, live; a click opens the latest
 * notifications (fetched then), with "Alles gelezen" and a link to
 * /account/meldingen. Without JavaScript the bell is a plain link to that page.
 */
import { Link, useLocation } from "@remix-run/react";
import { useEffect, useId, useRef, useState } from "react";
import { useT } from "~/i18n";
import { NotificationList } from "./NotificationList";
import { useNotifications } from "./useNotifications";

function BellIcon() {
  return (
    <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

export function NotificationBell({ unread: initialUnread }: { unread: number }) {
  const t = useT();
  const { unread, items, failed, refresh, markRead } = useNotifications(initialUnread);
  const [open, setOpen] = useState(false);
  /** Where the panel starts on a phone (fixed, full width): just below the bell, wherever the wrapped top bar put it. */
  const [top, setTop] = useState<number | null>(null);
  const [hydrated, setHydrated] = useState(false);
  const panelId = useId();
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const location = useLocation();

  useEffect(() => setHydrated(true), []);
  useEffect(() => setOpen(false), [location.pathname, location.search]);
  useEffect(() => {
    if (open) void refresh();
  }, [open, refresh]);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const label = unread ? t("notif.bellUnread", { count: unread }) : t("notif.bell");
  const badge = unread ? <span className="notif-badge" aria-hidden="true">{unread > 99 ? "99+" : unread}</span> : null;

  if (!hydrated) {
    return (
      <Link to="/account/meldingen" className="notif-bell" aria-label={label} data-testid="notification-bell" data-unread={unread}>
        <BellIcon />
        {badge}
      </Link>
    );
  }
  return (
    <div className="notif-wrap" ref={wrap}>
      <button
        ref={button}
        type="button"
        className="notif-bell"
        aria-label={label}
        aria-expanded={open}
        aria-controls={panelId}
        data-testid="notification-bell"
        data-unread={unread}
        onClick={() => {
          setTop(button.current ? Math.round(button.current.getBoundingClientRect().bottom + 6) : null);
          setOpen((o) => !o);
        }}
      >
        <BellIcon />
        {badge}
      </button>
      <div
        id={panelId}
        className="notif-panel"
        role="region"
        aria-label={t("notif.title")}
        hidden={!open}
        style={top === null ? undefined : ({ "--notif-top": `${top}px` } as React.CSSProperties)}
      >
        <div className="notif-panel-head">
          <h2>{t("notif.title")}</h2>
          {unread ? (
            <button type="button" className="link-button" onClick={() => void markRead()}>
              {t("notif.markAllRead")}
            </button>
          ) : null}
        </div>
        {failed && !items ? <p className="alert error">{t("notif.loadFailed")}</p> : null}
        {items ? <NotificationList items={items.slice(0, 10)} onRead={(ids) => void markRead(ids)} onFollow={() => setOpen(false)} /> : null}
        <p className="notif-panel-foot">
          <Link to="/account/meldingen" onClick={() => setOpen(false)}>
            {t("notif.allPage")}
          </Link>
        </p>
      </div>
    </div>
  );
}
