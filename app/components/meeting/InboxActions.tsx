/**
 * "Voor ons": the organisation's open meeting actions on this board, each
 * with its due date (late ones marked), the card it is about, and "Gedaan"
 * (PATCH /api/actions/<id> { done: true }; the server then tells the
 * organisation's other screens with `inbox:changed`).
 */
import { useId, useState } from "react";
import type { MeetingAction } from "~/board/meeting";
import { isOverdue } from "~/board/meeting-time";
import { useOwnershipContext } from "~/hooks/useOwnership";
import { useLocale, useT } from "~/i18n";
import { formatDay } from "./format";

export function InboxActions({
  actions,
  canMark,
  titleOf,
  onOpenCard,
  onNotice,
}: {
  actions: MeetingAction[];
  canMark: boolean;
  titleOf: (id: string | null | undefined) => string;
  onOpenCard: (id: string) => void;
  onNotice: (message: string) => void;
}) {
  const t = useT();
  return (
    <>
      <h3 className="small-heading">{t("mtg.inbox.actions")}</h3>
      {actions.length === 0 ? (
        <p className="muted">{t("mtg.inbox.noActions")}</p>
      ) : (
        <ul className="inbox-actions" data-testid="inbox-actions">
          {actions.map((a) => (
            <InboxAction key={a.id} action={a} canMark={canMark} titleOf={titleOf} onOpenCard={onOpenCard} onNotice={onNotice} />
          ))}
        </ul>
      )}
    </>
  );
}

function InboxAction({
  action,
  canMark,
  titleOf,
  onOpenCard,
  onNotice,
}: {
  action: MeetingAction;
  canMark: boolean;
  titleOf: (id: string | null | undefined) => string;
  onOpenCard: (id: string) => void;
  onNotice: (message: string) => void;
}) {
  const t = useT();
  const locale = useLocale();
  const store = useOwnershipContext()?.store;
  const textId = useId();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const late = isOverdue(action.due, Date.now());

  const markDone = async () => {
    setBusy(true);
    setFailed(false);
    try {
      const res = await fetch(`/api/actions/${encodeURIComponent(action.id)}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ done: true }),
      });
      if (!res.ok) throw new Error(String(res.status));
      onNotice(t("mtg.inbox.doneToast", { text: action.text }));
      store?.dropAction(action.id);
    } catch {
      setFailed(true);
      setBusy(false);
    }
  };

  return (
    <li className="inbox-item inbox-action" data-testid={`inbox-action-${action.id}`}>
      <div className="inbox-item-head">
        <strong id={textId} className="inbox-title">
          {action.text}
        </strong>
        <span className={late ? "small is-late" : "muted small"}>
          {t("mtg.action.due", { date: formatDay(action.due, locale) })}
          {late ? ` · ${t("mtg.action.overdue")}` : ""}
        </span>
      </div>
      {action.requestId ? <p className="muted small">{t("mtg.card", { title: titleOf(action.requestId) })}</p> : null}
      {failed ? (
        <p className="field-error" role="alert">
          {t("mtg.inbox.failed")}
        </p>
      ) : null}
      <div className="inbox-item-actions">
        {canMark ? (
          <button
            type="button"
            className="button small"
            onClick={markDone}
            disabled={busy}
            aria-describedby={textId}
            data-testid={`inbox-action-done-${action.id}`}
          >
            {t("mtg.inbox.done")}
          </button>
        ) : null}
        {action.requestId ? (
          <button type="button" className="link-button small" onClick={() => onOpenCard(action.requestId!)} aria-describedby={textId}>
            {t("mtg.inbox.openCard")}
          </button>
        ) : null}
      </div>
    </li>
  );
}
