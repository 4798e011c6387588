/**
 * The person's notifications in the browser: the unread count (first from the
 * page, then live), the list fetched from /api/notifications when asked for
 * and whenever the server says something changed (socket.io
 * `notification:new`, which carries only ids and kinds).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { NotificationItem } from "./text";

export interface NotificationsState {
  unread: number;
  items: NotificationItem[] | null;
  failed: boolean;
  refresh(): Promise<void>;
  markRead(ids?: string[]): Promise<void>;
}

async function postJson(url: string, body: unknown) {
  return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin" });
}

export function useNotifications(initialUnread: number, opts: { live?: boolean; initial?: NotificationItem[] | null } = {}): NotificationsState {
  const [unread, setUnread] = useState(initialUnread);
  const [items, setItems] = useState<NotificationItem[] | null>(opts.initial ?? null);
  const [failed, setFailed] = useState(false);
  const loaded = useRef(opts.initial != null);

  useEffect(() => setUnread(initialUnread), [initialUnread]);

  const refresh = useCallback(async () => {
    try {
      const res = await fetch("/api/notifications", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error(String(res.status));
      const data = (await res.json()) as { unread: number; items: NotificationItem[] };
      loaded.current = true;
      setItems(data.items);
      setUnread(data.unread);
      setFailed(false);
    } catch {
      setFailed(true);
    }
  }, []);

  const markRead = useCallback(
    async (ids?: string[]) => {
      const now = Date.now();
      setItems((list) => list?.map((n) => (!ids || ids.includes(n.id) ? { ...n, readAt: n.readAt ?? now } : n)) ?? list);
      try {
        const res = await postJson("/api/notifications/read", ids ? { ids } : {});
        if (res.ok) setUnread(((await res.json()) as { unread: number }).unread);
      } catch {
        void refresh();
      }
    },
    [refresh],
  );

  useEffect(() => {
    if (opts.live === false) return;
    let closed = false;
    let socket: { disconnect(): void } | null = null;
    void import("socket.io-client").then(({ io }) => {
      if (closed) return;
      const s = io({ path: "/socket.io", transports: ["websocket"], withCredentials: true });
      s.on("notification:new", () => void refresh());
      // After a reconnect something may have come in meanwhile.
      s.io.on("reconnect", () => void refresh());
      socket = s;
    });
    return () => {
      closed = true;
      socket?.disconnect();
    };
  }, [opts.live, refresh]);

  return { unread, items, failed, refresh, markRead };
}
