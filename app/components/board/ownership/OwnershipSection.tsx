/**
 * "Wie pakt dit op?" in the card dialog: the owner as the server knows it,
 * and the actions this person may take (claim, release, assign, refer,
 * answer or withdraw a referral). Every action is decided by the server;
 * a refusal is explained in role="alert". Viewers see the owner only.
 *
 * Contains no <form> (it sits inside the card's edit form) and no named
 * fields: nothing of it is submitted with the card.
 */
import { isWorkingOrganisation } from "~/board/front-door";
import { useId, useRef, useState } from "react";
import { useLocale, useT } from "~/i18n";
import { useOptionalUser } from "~/root";
import { useCardOwnership, useOwnershipContext } from "~/hooks/useOwnership";
import { cardAge, safeColor } from "../labels";
import { ReferralAnswer } from "./ReferralAnswer";
import { useOwnershipRunner } from "./useOwnershipRunner";

export function OwnershipSection({
  requestId,
  title,
  onNotice,
}: {
  requestId: string;
  title: string;
  onNotice: (message: string) => void;
}) {
  const t = useT();
  const locale = useLocale();
  const user = useOptionalUser();
  const ctx = useOwnershipContext();
  const { owner, claimedAt, pending } = useCardOwnership(requestId);
  const { busy, error, run } = useOwnershipRunner(requestId);
  const headingId = useId();
  const fieldId = useId();
  const statusRef = useRef<HTMLParagraphElement>(null);
  const [reassignTo, setReassignTo] = useState("");
  const [referTo, setReferTo] = useState("");
  const [note, setNote] = useState("");

  if (!ctx || !user) return null;
  const orgs = ctx.organisations;
  const orgName = (id: string | null | undefined, fallback = "?") =>
    (id ? ctx.orgById.get(id)?.shortName : undefined) ?? fallback;
  const myOrg = user.organisationId;
  const isViewer = user.role === "viewer" || ctx.readOnly;
  const isCoordinator = user.role === "coordinator" && !ctx.readOnly;
  const isHolder = !!owner && owner.id === myOrg;
  const ownerOrg = owner ? ctx.orgById.get(owner.id) : undefined;

  /** After an action the button that was pressed may be gone: keep the focus in the section. */
  const done = (message: string) => () => {
    onNotice(message);
    requestAnimationFrame(() => statusRef.current?.focus());
  };

  // The front door's organisation only brings requests in: nothing is referred or handed to it.
  const referTargets = orgs.filter((o) => o.id !== myOrg && isWorkingOrganisation(o));
  const reassignTargets = orgs.filter((o) => o.id !== owner?.id && isWorkingOrganisation(o));

  return (
    <section className="ownership" aria-labelledby={headingId} data-testid="ownership">
      <h3 id={headingId} className="small-heading">
        {t("own.section")}
      </h3>
      <p className="ownership-status" data-testid="owner-status" tabIndex={-1} ref={statusRef}>
        {owner ? (
          <>
            <span className="org-swatch" style={{ background: safeColor(ownerOrg?.color) }} aria-hidden="true" />{" "}
            {t("own.status.owned", { org: ownerOrg?.name ?? owner.name })}
            {claimedAt ? (
              <span className="muted" suppressHydrationWarning>
                {" "}
                · {cardAge(t, claimedAt, Date.now(), locale)}
              </span>
            ) : null}
          </>
        ) : (
          <span className="muted">{t("own.status.unowned")}</span>
        )}
      </p>
      {pending ? (
        <div className="ownership-pending" data-testid="referral-pending">
          <p>
            {pending.toOrgId === myOrg
              ? t("own.pending.toUs", { org: orgName(pending.fromOrgId) })
              : pending.fromOrgId === myOrg
                ? t("own.pending.fromUs", { org: orgName(pending.toOrgId) })
                : t("own.pending.other", { from: orgName(pending.fromOrgId), to: orgName(pending.toOrgId) })}
          </p>
          {pending.note ? <p className="referral-note">{t("own.pending.note", { note: pending.note })}</p> : null}
        </div>
      ) : null}

      {error ? (
        <p className="alert error small" role="alert" data-testid="ownership-error">
          {error}
        </p>
      ) : null}

      {isViewer ? (
        <p className="muted small">{t("own.viewerNote")}</p>
      ) : (
        <>
          {pending && pending.toOrgId === myOrg ? (
            <ReferralAnswer requestId={requestId} title={title} describedBy={headingId} onNotice={onNotice} />
          ) : null}

          <div className="ownership-buttons">
            {!owner ? (
              <button
                type="button"
                className="button"
                disabled={busy}
                onClick={() =>
                  void run(
                    { type: "claim" },
                    done(t("own.done.claim", { title, org: user.organisationShortName ?? "" })),
                  )
                }
                data-testid="claim"
              >
                {busy ? t("own.busy") : t("own.claim", { org: user.organisationShortName ?? "" })}
              </button>
            ) : null}
            {owner && (isHolder || isCoordinator) ? (
              <button
                type="button"
                className="button secondary"
                disabled={busy}
                onClick={() => void run({ type: "unclaim" }, done(t("own.done.unclaim", { title })))}
                data-testid="unclaim"
              >
                {t("own.unclaim")}
              </button>
            ) : null}
            {pending && pending.fromOrgId === myOrg ? (
              <button
                type="button"
                className="button secondary"
                disabled={busy}
                onClick={() => void run({ type: "revoke" }, done(t("own.done.revoke", { title })))}
                data-testid="referral-revoke"
              >
                {t("own.revoke")}
              </button>
            ) : null}
          </div>

          {isCoordinator ? (
            <div className="ownership-row">
              <OrgSelect
                id={`${fieldId}-reassign`}
                label={t("own.reassign.label")}
                choose={t("own.refer.choose")}
                options={reassignTargets}
                value={reassignTo}
                onChange={setReassignTo}
                testId="reassign-org"
              />
              <button
                type="button"
                className="button secondary"
                disabled={busy}
                onClick={() => {
                  const to = reassignTo;
                  void run(
                    { type: "reassign", to },
                    done(t("own.done.reassign", { title, org: orgName(to) })),
                  ).then((ack) => ack.ok && setReassignTo(""));
                }}
                data-testid="reassign"
              >
                {t("own.reassign.submit")}
              </button>
            </div>
          ) : null}

          {isHolder && !pending ? (
            <fieldset className="ownership-refer">
              <legend>{t("own.refer.heading")}</legend>
              <OrgSelect
                id={`${fieldId}-refer`}
                label={t("own.refer.org")}
                choose={t("own.refer.choose")}
                options={referTargets}
                value={referTo}
                onChange={setReferTo}
                testId="refer-org"
              />
              <div className="field">
                <label htmlFor={`${fieldId}-note`}>{t("own.refer.note")}</label>
                <span className="hint" id={`${fieldId}-note-hint`}>
                  {t("own.refer.noteHint")}
                </span>
                <textarea
                  id={`${fieldId}-note`}
                  rows={2}
                  maxLength={1000}
                  value={note}
                  onChange={(e) => setNote(e.target.value)}
                  aria-describedby={`${fieldId}-note-hint`}
                  data-testid="refer-note"
                />
              </div>
              <button
                type="button"
                className="button secondary"
                disabled={busy}
                onClick={() => {
                  const to = referTo;
                  void run(
                    { type: "refer", to, note: note.trim() },
                    done(t("own.done.refer", { title, org: orgName(to) })),
                  ).then((ack) => {
                    if (ack.ok) {
                      setReferTo("");
                      setNote("");
                    }
                  });
                }}
                data-testid="refer"
              >
                {t("own.refer.submit")}
              </button>
            </fieldset>
          ) : null}
        </>
      )}
    </section>
  );
}

/** A labelled organisation picker with an empty "choose" option first. */
function OrgSelect({
  id,
  label,
  choose,
  options,
  value,
  onChange,
  testId,
}: {
  id: string;
  label: string;
  choose: string;
  options: readonly { id: string; name: string }[];
  value: string;
  onChange: (value: string) => void;
  testId: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">{choose}</option>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </div>
  );
}
