/**
 * In a card's dialog: the meeting actions linked to this request (what,
 * which organisation, by when, done or not). Read from
 * GET /api/boards/<id>/actions?request=<id>, again when a meeting or this
 * organisation's inbox changes. Shows nothing while there are none.
 */
import { useEffect, useId, useState } from "react";
import { MEETING_EVENTS, type MeetingAction } from "~/board/meeting";
import { isOverdue } from "~/board/meeting-time";
import { useRealtime } from "~/hooks/useRealtime";
import { useLocale, useT } from "~/i18n";
import { formatDay } from "./format";

export function CardMeetingActions({ boardId, requestId }: { boardId: string; requestId: string }) {
  const t = useT();
  const locale = useLocale();
  const realtime = useRealtime();
  const headingId = useId();
  const [actions, setActions] = useState<MeetingAction[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    fetch(`/api/boards/${encodeURIComponent(boardId)}/actions?request=${encodeURIComponent(requestId)}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: abort.signal,
    })
      .then(async (res) => {
        if (!res.ok) throw new Error(String(res.status));
        setActions((await res.json()) as MeetingAction[]);
        setFailed(false);
      })
      .catch(() => {
        if (!abort.signal.aborted) setFailed(true);
      });
    return () => abort.abort();
  }, [boardId, requestId, version]);

  useEffect(() => {
    if (!realtime) return;
    const again = (p?: { boardId?: string }) => {
      if (!p?.boardId || p.boardId === boardId) setVersion((v) => v + 1);
    };
    const offs = [realtime.on(MEETING_EVENTS.changed, again), realtime.on("inbox:changed", again)];
    return () => offs.forEach((off) => off());
  }, [realtime, boardId]);

  if (failed) return <p className="muted small">{t("mtg.cardActions.failed")}</p>;
  if (!actions || actions.length === 0) return null;
  const now = Date.now();
  return (
    <section className="card-meeting-actions" aria-labelledby={headingId} data-testid="card-actions">
      <h3 id={headingId} className="small-heading">
        {t("mtg.cardActions.title")}
      </h3>
      <ul className="card-action-list">
        {actions.map((a) => {
          const late = a.doneAt === null && isOverdue(a.due, now);
          return (
            <li key={a.id} className={a.doneAt !== null ? "card-action is-done" : "card-action"} data-testid={`card-action-${a.id}`}>
              <span className="card-action-text">{a.text}</span>
              <span className="muted small">
                {a.orgName} · {t("mtg.action.due", { date: formatDay(a.due, locale) })}
                {late ? <strong className="card-action-late"> · {t("mtg.action.overdue")}</strong> : null}
                {a.doneAt !== null ? <> · {t("mtg.action.done")}</> : null}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
