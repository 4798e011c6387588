/**
 * A polite live region that reads out other people's moves and new requests
 * on this board ("Fatima (Taalhuis) zette ‘Taalmaatje gezocht’ naar
 * Opgepakt"), from the activity entries the server sends ('activity:new',
 * with the person's name and organisation). At most one announcement every
 * 2 s; a burst is merged ("3 wijzigingen door anderen"). One's own changes
 * are never read out. `AnnounceSwitch` (in the activity panel) turns it
 * off; the choice is remembered in localStorage.
 */
import { useEffect, useRef, useState } from "react";
import type { BoardView } from "~/hooks/board-store";
import { useRealtime } from "~/hooks/useRealtime";
import { translator, type Locale } from "~/i18n";
import type { OrgInfo } from "../Card";
import { useActivityNames } from "../activity/ActivityPanel";
import { AnnounceThrottle, announcementText, isAnnounced } from "./announce";
import { useAnnounceOthers } from "./AnnounceSwitch";

// ---------------------------------------------------------------- the live region

const SPOKEN_MS = 10_000;

export function OthersAnnouncer({
  boardId,
  view,
  orgById,
  locale,
  userId,
}: {
  boardId: string;
  view: BoardView;
  orgById: ReadonlyMap<string, OrgInfo>;
  locale: Locale;
  userId: string | null | undefined;
}) {
  const realtime = useRealtime();
  const [enabled] = useAnnounceOthers();
  const names = useActivityNames(view, orgById);
  const [spoken, setSpoken] = useState<Array<{ id: number; text: string }>>([]);
  const latest = useRef({ names, t: translator(locale), enabled, userId });
  latest.current = { names, t: translator(locale), enabled, userId };
  const throttle = useRef(new AnnounceThrottle());
  const flushTimer = useRef<number>();
  const seq = useRef(0);

  useEffect(() => {
    if (!enabled) {
      throttle.current.clear();
      window.clearTimeout(flushTimer.current);
    }
  }, [enabled]);

  useEffect(() => {
    if (!realtime) return;
    const say = (text: string) => {
      const id = ++seq.current;
      setSpoken((list) => [...list.slice(-3), { id, text }]);
      window.setTimeout(() => setSpoken((list) => list.filter((s) => s.id !== id)), SPOKEN_MS);
    };
    const schedule = () => {
      const due = throttle.current.due();
      if (due === null) return;
      window.clearTimeout(flushTimer.current);
      flushTimer.current = window.setTimeout(() => {
        const { t } = latest.current;
        const text = throttle.current.flush(Date.now(), (count) => t("ann.many", { count }));
        if (text) say(text);
        schedule();
      }, Math.max(0, due - Date.now()));
    };
    const off = realtime.on("activity:new", (rows) => {
      const { names, t, enabled: on, userId: self } = latest.current;
      if (!on) return;
      // Oldest first, as they happened.
      for (const entry of [...rows].sort((a, b) => a.id - b.id)) {
        if (!isAnnounced(entry, self, boardId)) continue;
        const now = throttle.current.push(announcementText(t, entry, names), Date.now());
        if (now) say(now);
      }
      schedule();
    });
    return () => {
      off();
      window.clearTimeout(flushTimer.current);
    };
  }, [realtime, boardId]);

  return (
    <div aria-live="polite" className="visually-hidden" data-testid="others-live">
      {spoken.map((s) => (
        <p key={s.id}>{s.text}</p>
      ))}
    </div>
  );
}
