/**
 * "Contactgegevens" in the card dialog (issue 14): the sealed contact details
 * of the person behind a request, for the organisation that holds it (or
 * entered it, while nobody holds it). First only the state ("verzegeld");
 * "Toon" reads them (GET …/contact, logged as a view); "Wijzigen" opens a form
 * (PUT …/contact) with the consent checkbox. A holder the person did not
 * consent to is told why it sees nothing; others see one line. Coordinators
 * see who looked, when and what (…/contact/status), never the content.
 *
 * A form of its own: it sits outside the card's edit form, like the comments.
 */
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { CONTACT_LIMITS, validateContact, type ContactDetails, type ContactErrors } from "~/board/contact";
import { useCardOwnership } from "~/hooks/useOwnership";
import { localeTag, fieldError, useLocale, useT, type Locale, type MessageKey } from "~/i18n";
import { Field } from "../Field";

interface StatusJson {
  stored: boolean | null;
  access: "read" | "no_consent" | "none";
  canWrite: boolean;
  available: boolean;
  log: Array<{ action: string; at: number; user: string | null; organisation: string | null }> | null;
}

function contactUrl(boardId: string, requestId: string, tail = "") {
  return `/api/boards/${encodeURIComponent(boardId)}/requests/${encodeURIComponent(requestId)}/contact${tail}`;
}

function when(at: number, locale: Locale): string {
  return new Intl.DateTimeFormat(localeTag(locale), { dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Amsterdam" }).format(at);
}

const LOG_TEXT: Record<string, MessageKey> = {
  view: "contact.log.view",
  edit: "contact.log.edit",
  clear: "contact.log.clear",
  handover: "contact.log.handover",
  withheld: "contact.log.withheld",
};

export function ContactSection({ boardId, requestId, onNotice }: { boardId: string; requestId: string; onNotice: (message: string) => void }) {
  const t = useT();
  const locale = useLocale();
  const headingId = useId();
  const { owner } = useCardOwnership(requestId);
  const [status, setStatus] = useState<StatusJson | null>(null);
  const [contact, setContact] = useState<ContactDetails | null>(null);
  const [mode, setMode] = useState<"closed" | "shown" | "editing">("closed");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ContactErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const statusRef = useRef<HTMLParagraphElement>(null);

  const loadStatus = useCallback(
    (signal?: AbortSignal) =>
      fetch(contactUrl(boardId, requestId, "/status"), { headers: { Accept: "application/json" }, credentials: "same-origin", signal })
        .then(async (res) => (res.ok ? ((await res.json()) as StatusJson) : null))
        .then((s) => {
          if (!signal?.aborted) setStatus(s);
        })
        .catch(() => {
          /* offline: the section stays closed */
        }),
    [boardId, requestId],
  );

  // Again when the holder changes (a referral accepted, a claim released): who may see them changes with it.
  useEffect(() => {
    const abort = new AbortController();
    setContact(null);
    setMode("closed");
    void loadStatus(abort.signal);
    return () => abort.abort();
  }, [loadStatus, owner?.id]);

  useEffect(() => {
    if (Object.keys(errors).length) formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [errors]);

  if (!status) return null;
  const coordinatorLog = status.log ? <ContactLog log={status.log} locale={locale} /> : null;

  // Not readable here: one line that says why, and for coordinators who looked.
  if (status.access !== "read") {
    const none = status.access === "none";
    return (
      <section className="contact-section" aria-labelledby={headingId} data-testid={none ? "contact-hidden" : "contact-no-consent"}>
        <h3 id={headingId} className="small-heading">
          {t("contact.section")}
        </h3>
        <p className={none ? "muted small" : "small"}>{none ? t("contact.hidden") : t("contact.noConsent")}</p>
        {coordinatorLog}
      </section>
    );
  }

  const read = async (): Promise<ContactDetails | null> => {
    setBusy(true);
    setProblem(null);
    try {
      const res = await fetch(contactUrl(boardId, requestId), { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!res.ok) throw new Error(String(res.status));
      const body = (await res.json()) as ContactDetails;
      setContact(body);
      return body;
    } catch {
      setProblem(t("contact.failed"));
      return null;
    } finally {
      setBusy(false);
      void loadStatus();
    }
  };

  const show = async () => {
    if (await read()) setMode("shown");
  };
  const edit = async () => {
    if (!status.stored || contact || (await read())) setMode("editing");
  };

  const save = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const input: Record<string, unknown> = {};
    for (const f of ["name", "phone", "email", "address", "note"] as const) input[f] = String(form.get(f) ?? "");
    input.consent = form.get("consent") === "on";
    const checked = validateContact(input);
    if (!checked.ok) {
      setErrors(checked.errors);
      setProblem(t("contact.error"));
      return;
    }
    setErrors({});
    setProblem(null);
    setBusy(true);
    try {
      const res = await fetch(contactUrl(boardId, requestId), {
        method: "PUT",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(checked.value),
      });
      const body = (await res.json().catch(() => ({}))) as ContactDetails & { stored?: boolean; errors?: ContactErrors };
      if (res.status === 422 && body.errors) {
        setErrors(body.errors);
        setProblem(t("contact.error"));
        return;
      }
      if (!res.ok) throw new Error(String(res.status));
      setContact(body);
      setMode(body.stored ? "shown" : "closed");
      onNotice(body.stored ? t("contact.saved") : t("contact.cleared"));
      await loadStatus();
      requestAnimationFrame(() => statusRef.current?.focus());
    } catch {
      setProblem(t("contact.failed"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="contact-section" aria-labelledby={headingId} data-testid="contact-section">
      <h3 id={headingId} className="small-heading">
        {t("contact.section")}
      </h3>
      <p className="small contact-state" tabIndex={-1} ref={statusRef} data-testid="contact-state">
        {status.stored ? (
          <>
            <span className="badge contact-sealed">{t("contact.sealedBadge")}</span>{" "}
            {t("contact.sealed")}
          </>
        ) : (
          <span className="muted">{t("contact.none")}</span>
        )}
      </p>
      {!status.available ? (
        <p className="alert small" data-testid="contact-no-key">
          {t("contact.noKey")}
        </p>
      ) : null}
      {problem ? (
        <p className="alert error small" role="alert">
          {problem}
        </p>
      ) : null}

      {mode === "shown" && contact ? (
        <dl className="card-facts contact-details" data-testid="contact-details">
          {(["name", "phone", "email", "address", "note"] as const).map((f) =>
            contact[f] ? (
              <div key={f}>
                <dt>{t(`contact.field.${f}`)}</dt>
                <dd>{contact[f]}</dd>
              </div>
            ) : null,
          )}
          <div>
            <dt className="visually-hidden">{t("contact.section")}</dt>
            <dd className="small">{contact.consent ? t("contact.consent.yes") : t("contact.consent.no")}</dd>
          </div>
        </dl>
      ) : null}

      {mode === "editing" ? (
        <form ref={formRef} onSubmit={save} noValidate className="contact-form" data-testid="contact-form">
          <div className="field-row">
            <Field label={t("contact.field.name")} error={fieldError(t, errors.name)}>
              <input type="text" name="name" autoComplete="off" maxLength={CONTACT_LIMITS.name} defaultValue={contact?.name ?? ""} />
            </Field>
            <Field label={t("contact.field.phone")} error={fieldError(t, errors.phone)}>
              <input type="tel" name="phone" autoComplete="off" maxLength={CONTACT_LIMITS.phone} defaultValue={contact?.phone ?? ""} />
            </Field>
          </div>
          <div className="field-row">
            <Field label={t("contact.field.email")} error={fieldError(t, errors.email)}>
              <input type="email" name="email" autoComplete="off" maxLength={CONTACT_LIMITS.email} defaultValue={contact?.email ?? ""} />
            </Field>
            <Field label={t("contact.field.address")} error={fieldError(t, errors.address)}>
              <input type="text" name="address" autoComplete="off" maxLength={CONTACT_LIMITS.address} defaultValue={contact?.address ?? ""} />
            </Field>
          </div>
          <Field label={t("contact.field.note")} error={fieldError(t, errors.note)}>
            <textarea name="note" rows={2} maxLength={CONTACT_LIMITS.note} defaultValue={contact?.note ?? ""} />
          </Field>
          <div className="field contact-consent">
            <label>
              <input type="checkbox" name="consent" defaultChecked={contact?.consent ?? false} /> {t("contact.field.consent")}
            </label>
          </div>
          {status.stored ? <p className="hint small">{t("contact.clearHint")}</p> : null}
          <div className="contact-buttons">
            <button type="submit" className="button" disabled={busy} data-testid="contact-save">
              {busy ? t("contact.saving") : t("contact.save")}
            </button>
            <button type="button" className="button secondary" onClick={() => setMode(contact && status.stored ? "shown" : "closed")}>
              {t("contact.cancel")}
            </button>
          </div>
        </form>
      ) : (
        <div className="contact-buttons">
          {status.stored ? (
            mode === "shown" ? (
              <button type="button" className="button secondary" onClick={() => setMode("closed")} data-testid="contact-hide">
                {t("contact.hide")}
              </button>
            ) : (
              <button type="button" className="button secondary" disabled={busy} onClick={() => void show()} data-testid="contact-show">
                {t("contact.show")}
              </button>
            )
          ) : null}
          {status.canWrite ? (
            <button type="button" className="button secondary" disabled={busy} onClick={() => void edit()} data-testid="contact-edit">
              {status.stored ? t("contact.edit") : t("contact.add")}
            </button>
          ) : null}
        </div>
      )}
      {coordinatorLog}
    </section>
  );
}

function ContactLog({ log, locale }: { log: NonNullable<StatusJson["log"]>; locale: Locale }) {
  const t = useT();
  const headingId = useId();
  return (
    <div className="contact-log" data-testid="contact-log">
      <h4 id={headingId} className="small-heading">
        {t("contact.log")}
      </h4>
      {log.length === 0 ? (
        <p className="muted small">{t("contact.log.empty")}</p>
      ) : (
        <ul aria-labelledby={headingId} className="contact-log-list small">
          {[...log].reverse().map((l, i) => (
            <li key={`${l.at}-${i}`}>
              <time dateTime={new Date(l.at).toISOString()}>{when(l.at, locale)}</time>{" "}
              {t("contact.log.entry", {
                who: l.user ?? t("contact.log.unknown"),
                org: l.organisation ?? t("contact.log.unknown"),
                what: LOG_TEXT[l.action] ? t(LOG_TEXT[l.action]) : l.action,
              })}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
