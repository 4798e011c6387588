/**
 * "Voor ons": a toolbar button with the number of referrals waiting for
 * this organisation, and a panel listing them (accept / decline with a
 * reason), this organisation's open meeting actions on the board (due
 * date, late ones marked, the card, "Gedaan") and its expired claims. A
 * claim that expires while the board is open is announced in the board's
 * polite live region.
 */
import { useEffect, useId, useRef, useState } from "react";
import type { MeetingAction } from "~/board/meeting";
import type { CardView } from "~/board/types";
import { InboxActions } from "~/components/meeting/InboxActions";
import { useLocale, useT } from "~/i18n";
import { useOptionalUser } from "~/root";
import { useInbox, useOwnershipContext } from "~/hooks/useOwnership";
import { useRealtime } from "~/hooks/useRealtime";
import { Modal } from "../Modal";
import { cardAge } from "../labels";
import { ReferralAnswer } from "./ReferralAnswer";

export function InboxButton({
  boardId,
  cardById,
  onOpenCard,
  onNotice,
}: {
  boardId: string;
  cardById: ReadonlyMap<string, CardView>;
  onOpenCard: (id: string) => void;
  onNotice: (message: string) => void;
}) {
  const t = useT();
  const user = useOptionalUser();
  const ctx = useOwnershipContext();
  const realtime = useRealtime();
  const { inbox, expired, actions } = useInbox();
  const [open, setOpen] = useState(false);
  const openAfterClose = useRef<string | null>(null);

  const titleOf = useRef((id: string | null | undefined) => (id && cardById.get(id)?.title) || t("own.unknownCard"));
  titleOf.current = (id) => (id && cardById.get(id)?.title) || t("own.unknownCard");
  const noticeRef = useRef(onNotice);
  noticeRef.current = onNotice;
  const tRef = useRef(t);
  tRef.current = t;

  // A claim of ours that expired while we look at the board.
  useEffect(() => {
    if (!realtime) return;
    return realtime.on("claim:expired", (p) => {
      if (p.boardId === boardId) noticeRef.current(tRef.current("own.expired", { title: titleOf.current(p.requestId) }));
    });
  }, [realtime, boardId]);

  if (!ctx || !user) return null;
  const count = inbox.length + actions.length;

  const onClose = () => {
    setOpen(false);
    const id = openAfterClose.current;
    openAfterClose.current = null;
    if (id) onOpenCard(id);
  };

  return (
    <>
      <button
        type="button"
        className={`button secondary inbox-button${count > 0 ? " has-items" : ""}`}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
        data-testid="inbox"
        data-count={count}
      >
        {t("own.inbox.button")}
        <span className="badge" data-testid="inbox-count" aria-hidden="true">
          {count}
        </span>
        <span className="visually-hidden">
          ({t("own.inbox.count", { count })})
        </span>
      </button>
      <InboxPanel
        open={open}
        onClose={onClose}
        onOpenCard={(id) => {
          openAfterClose.current = id;
          setOpen(false);
        }}
        orgName={user.organisationShortName ?? ""}
        canAnswer={user.role !== "viewer"}
        inbox={inbox}
        expired={expired}
        actions={actions}
        titleOf={(id) => titleOf.current(id)}
        onNotice={onNotice}
      />
    </>
  );
}

function InboxPanel({
  open,
  onClose,
  onOpenCard,
  orgName,
  canAnswer,
  inbox,
  expired,
  actions,
  titleOf,
  onNotice,
}: {
  open: boolean;
  onClose: () => void;
  onOpenCard: (id: string) => void;
  orgName: string;
  canAnswer: boolean;
  inbox: ReturnType<typeof useInbox>["inbox"];
  expired: ReturnType<typeof useInbox>["expired"];
  actions: MeetingAction[];
  titleOf: (id: string | null | undefined) => string;
  onNotice: (message: string) => void;
}) {
  const t = useT();
  const locale = useLocale();
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const now = Date.now();
  // An answered referral leaves the list: its buttons go, so keep the focus in the panel.
  const count = inbox.length + actions.length;
  const before = useRef(count);
  useEffect(() => {
    const dialog = headingRef.current?.closest("dialog");
    if (count < before.current && dialog && !dialog.contains(document.activeElement)) headingRef.current?.focus();
    before.current = count;
  }, [count]);
  return (
    <Modal open={open} onClose={onClose} labelledBy={headingId} testId="inbox-panel" className="wide">
      <div className="modal-form">
        <div className="modal-head">
          <h2 id={headingId} tabIndex={-1} data-autofocus ref={headingRef}>
            {t("own.inbox.title")}
          </h2>
        </div>
        <div className="modal-body">
          <p className="muted small">{t("own.inbox.intro", { org: orgName })}</p>
          <h3 className="small-heading">{t("own.inbox.referrals")}</h3>
          {inbox.length === 0 ? (
            <p className="muted">{t("own.inbox.empty")}</p>
          ) : (
            <ul className="inbox-list">
              {inbox.map((item) => (
                <InboxReferral
                  key={item.id}
                  requestId={item.requestId}
                  title={titleOf(item.requestId)}
                  from={item.fromOrgName ?? "?"}
                  age={cardAge(t, item.createdAt, now, locale)}
                  note={item.note}
                  canAnswer={canAnswer}
                  onOpenCard={onOpenCard}
                  onNotice={onNotice}
                />
              ))}
            </ul>
          )}
          <InboxActions actions={actions} canMark={canAnswer} titleOf={titleOf} onOpenCard={onOpenCard} onNotice={onNotice} />
          <h3 className="small-heading">{t("own.inbox.expired")}</h3>
          {expired.length === 0 ? (
            <p className="muted">{t("own.inbox.expiredEmpty")}</p>
          ) : (
            <ul className="inbox-list">
              {expired.map((e) => (
                <li key={e.id} className="inbox-expired" data-testid="inbox-expired">
                  <span>{t("own.expired", { title: titleOf(e.requestId) })}</span>
                  <span className="muted small"> · {cardAge(t, e.createdAt, now, locale)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="modal-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            {t("board.close")}
          </button>
        </div>
      </div>
    </Modal>
  );
}

function InboxReferral({
  requestId,
  title,
  from,
  age,
  note,
  canAnswer,
  onOpenCard,
  onNotice,
}: {
  requestId: string;
  title: string;
  from: string;
  age: string;
  note: string;
  canAnswer: boolean;
  onOpenCard: (id: string) => void;
  onNotice: (message: string) => void;
}) {
  const t = useT();
  const titleId = useId();
  return (
    <li className="inbox-item" data-testid={`inbox-item-${requestId}`} data-request-id={requestId}>
      <div className="inbox-item-head">
        <strong id={titleId} className="inbox-title">
          {title}
        </strong>
        <span className="muted small">
          {t("own.inbox.from", { org: from })} · {age}
        </span>
      </div>
      <p className="referral-note">{note || <span className="muted">{t("own.inbox.noNote")}</span>}</p>
      <div className="inbox-item-actions">
        {canAnswer ? (
          <ReferralAnswer requestId={requestId} title={title} describedBy={titleId} onNotice={onNotice} />
        ) : null}
        <button type="button" className="link-button small" onClick={() => onOpenCard(requestId)} aria-describedby={titleId}>
          {t("own.inbox.open")}
        </button>
      </div>
    </li>
  );
}
