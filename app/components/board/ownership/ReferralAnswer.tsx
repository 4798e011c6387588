/**
 * Accept or decline (with a required reason) a referral to our organisation.
 * Used in the card dialog and in the "Voor ons" panel.
 */
import { useEffect, useId, useRef, useState } from "react";
import { useT } from "~/i18n";
import { useOwnershipRunner } from "./useOwnershipRunner";

export function ReferralAnswer({
  requestId,
  title,
  describedBy,
  onNotice,
}: {
  requestId: string;
  title: string;
  /** Id of the text naming the request (for the buttons' description). */
  describedBy?: string;
  onNotice: (message: string) => void;
}) {
  const t = useT();
  const { busy, error, setError, run } = useOwnershipRunner(requestId);
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  useEffect(() => {
    if (declining) reasonRef.current?.focus();
  }, [declining]);

  const decline = () => {
    if (!reason.trim()) {
      setInvalid(true);
      setError(t("own.error.reason_required"));
      reasonRef.current?.focus();
      return;
    }
    setInvalid(false);
    void run({ type: "decline", reason: reason.trim() }, () => onNotice(t("own.done.decline", { title })));
  };

  return (
    <div className="referral-answer">
      {error ? (
        <p className="alert error small" role="alert" data-testid="ownership-error">
          {error}
        </p>
      ) : null}
      {declining ? (
        <div className="field">
          <label htmlFor={`${id}-reason`}>{t("own.decline.reason")}</label>
          <textarea
            id={`${id}-reason`}
            ref={reasonRef}
            rows={2}
            maxLength={1000}
            value={reason}
            onChange={(e) => {
              setReason(e.target.value);
              if (invalid && e.target.value.trim()) setInvalid(false);
            }}
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? `${id}-error` : undefined}
            required
            data-testid="decline-reason"
          />
          {invalid ? (
            <span className="field-error" id={`${id}-error`}>
              {t("own.error.reason_required")}
            </span>
          ) : null}
        </div>
      ) : null}
      <div className="ownership-buttons">
        {declining ? (
          <>
            <button
              type="button"
              className="button danger small"
              onClick={decline}
              disabled={busy}
              aria-describedby={describedBy}
              data-testid="referral-decline-submit"
            >
              {busy ? t("own.busy") : t("own.decline.submit")}
            </button>
            <button
              type="button"
              className="button secondary small"
              onClick={() => {
                setDeclining(false);
                setInvalid(false);
                setError(null);
              }}
              disabled={busy}
            >
              {t("own.decline.cancel")}
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              className="button small"
              onClick={() => void run({ type: "accept" }, () => onNotice(t("own.done.accept", { title })))}
              disabled={busy}
              aria-describedby={describedBy}
              data-testid="referral-accept"
            >
              {busy ? t("own.busy") : t("own.accept")}
            </button>
            <button
              type="button"
              className="button secondary small"
              onClick={() => setDeclining(true)}
              disabled={busy}
              aria-describedby={describedBy}
              data-testid="referral-decline"
            >
              {t("own.decline")}
            </button>
          </>
        )}
      </div>
    </div>
  );
}
