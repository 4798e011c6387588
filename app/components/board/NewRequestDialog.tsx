/**
 * "Nieuwe aanvraag": a form posted to the board route's action (intent
 * `create`). With scripts it goes through a fetcher and the dialog closes on
 * success (the card arrives through the live document); without scripts it
 * is an ordinary form post and the page comes back with the errors.
 */
import { useEffect, useId, useRef, useState } from "react";
import { useFetcher } from "@remix-run/react";
import type { FieldFinding } from "~/board/personal-data";
import type { CategoryView } from "~/board/types";
import { LIMITS } from "~/board/validate";
import { fieldError, translator, type Locale, type MessageKey, type Translate } from "~/i18n";
import { CategoryUrgencyFields, ReferenceField, TitleField } from "./CardFormFields";
import { Field } from "./Field";
import { Modal } from "./Modal";
import { IntakeWarning, type IntakeWarningJson } from "./duplicates/IntakeWarning";
import { PersonalDataWarning, removeFromForm, type PersonalDataFields } from "./PersonalDataWarning";
import { useToast } from "~/components/toast/ToastProvider";
import { UNANSWERED } from "~/lib/unanswered";

export interface CreateActionData {
  intent?: string;
  ok?: boolean;
  id?: string;
  error?: string;
  errors?: Partial<Record<string, string>>;
  values?: Partial<Record<string, string>>;
  /** When saved: other organisations already working for this reference (organisation and category only). */
  duplicates?: IntakeWarningJson[];
  /** Refused for personal data (not acknowledged): which field holds which kind. */
  personalData?: FieldFinding[];
}

export function NewRequestDialog({
  open,
  onClose,
  onCreated,
  boardId,
  categories,
  locale,
  offline,
  fallback,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (id: string) => void;
  boardId: string;
  categories: CategoryView[];
  locale: Locale;
  offline: boolean;
  /** The action's answer to a form posted without scripts. */
  fallback?: CreateActionData;
}) {
  const t = translator(locale);
  const titleId = useId();
  return (
    <Modal open={open} onClose={onClose} labelledBy={titleId} testId="dialog-new-request">
      <NewRequestForm
        titleId={titleId}
        boardId={boardId}
        categories={categories}
        offline={offline}
        fallback={fallback}
        onCancel={onClose}
        onCreated={onCreated}
        t={t}
      />
    </Modal>
  );
}

/** What the form says of a refusal as a whole (the action's `error`); anything else: "could not be added". */
const REFUSAL_TEXT: Partial<Record<string, MessageKey>> = {
  forbidden: "board.create.forbidden",
  [UNANSWERED]: "board.create.unanswered",
  idempotency_in_progress: "board.create.inProgress",
  idempotency_reused: "board.create.savedBefore",
  idempotency_gone: "board.create.goneSince",
};

/** 128 random bits as hex (getRandomValues: crypto.randomUUID needs a secure context, and a board may be served over plain http on a LAN). */
function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function NewRequestForm({
  titleId,
  boardId,
  categories,
  offline,
  fallback,
  onCancel,
  onCreated,
  t,
}: {
  titleId: string;
  boardId: string;
  categories: CategoryView[];
  offline: boolean;
  fallback?: CreateActionData;
  onCancel: () => void;
  onCreated: (id: string) => void;
  t: Translate;
}) {
  const fetcher = useFetcher<CreateActionData>();
  const data = fetcher.data ?? fallback;
  const errors = data && !data.ok ? (data.errors ?? {}) : {};
  const values = fallback?.values ?? {};
  const busy = fetcher.state !== "idle";
  const offlineNoteId = useId();
  const reported = useRef<unknown>(null);
  const formRef = useRef<HTMLFormElement>(null);

  // One key per request being entered: the same through every retry of this form, a new one once it is made.
  // Made in the browser only (a dialog rendered open on the server would otherwise hydrate with another key).
  const [idempotencyKey, setIdempotencyKey] = useState("");
  useEffect(() => setIdempotencyKey(newIdempotencyKey()), []);
  useEffect(() => {
    const d = fetcher.data;
    if (fetcher.state === "idle" && d && d.ok && d.id && reported.current !== d) {
      reported.current = d;
      setIdempotencyKey(newIdempotencyKey());
      onCreated(d.id);
    }
  }, [fetcher.state, fetcher.data, onCreated]);

  // Personal data found by the server (not acknowledged): the warning, until removed or saved anyway.
  const [pdFields, setPdFields] = useState<PersonalDataFields | null>(null);
  useEffect(() => {
    const d = fetcher.data ?? fallback;
    if (!d || d.ok || !d.personalData?.length || !d.values) return;
    const v = d.values;
    setPdFields({ title: v.title ?? "", description: v.description ?? "", area: v.area ?? "", reference: v.reference ?? "" });
  }, [fetcher.data, fallback]);
  const removePersonal = () => {
    const form = formRef.current;
    if (!form) return;
    const first = removeFromForm(form, ["title", "description", "area", "reference"]);
    setPdFields(null);
    toast.success(t("pd.removed"));
    (first ?? form.querySelector<HTMLElement>("button[type=submit]"))?.focus();
  };

  // Enter in a field sends the form through its own button: the browser would take the first submit button in
  // the form, which while the personal-data warning shows is "Toch opslaan" (an acknowledgement never clicked).
  const mainSubmit = useRef<HTMLButtonElement>(null);
  const submitOnEnter = (e: React.KeyboardEvent<HTMLFormElement>) => {
    if (e.key !== "Enter" || e.defaultPrevented || e.nativeEvent.isComposing || !(e.target instanceof HTMLInputElement)) return;
    e.preventDefault();
    const button = mainSubmit.current;
    if (button && !button.disabled) formRef.current?.requestSubmit(button);
  };

  // After a failed submit, move focus to the first field with an error.
  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data || fetcher.data.ok) return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [fetcher.state, fetcher.data]);

  // Over the organisation's hourly quota (the fields themselves are fine): one message, with the limit and the wait.
  const quota =
    errors.quota === "quota_exceeded"
      ? t("board.create.quota", { limit: errors.quotaLimit ?? "", minutes: errors.quotaMinutes ?? "" })
      : null;
  const general = quota ?? (data && !data.ok && data.error ? t(REFUSAL_TEXT[data.error] ?? "board.create.failed") : null);

  // A refusal as a whole (quota, rights, the server) is a toast too; its role="alert" in the form already speaks.
  const toast = useToast();
  const toasted = useRef<unknown>(null);
  // This form's last refusal: a newer one replaces it (on a phone two would cover the form).
  const lastToast = useRef<number | null>(null);
  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data || fetcher.data.ok || !general || toasted.current === fetcher.data) return;
    toasted.current = fetcher.data;
    if (lastToast.current !== null) toast.dismiss(lastToast.current);
    lastToast.current = toast.error(general, { silent: true });
  }, [fetcher.state, fetcher.data, general, toast]);

  return (
    <fetcher.Form method="post" action={`/boards/${boardId}`} noValidate ref={formRef} className="modal-form" onKeyDown={submitOnEnter}>
      <div className="modal-head">
        <h2 id={titleId}>{t("board.create.title")}</h2>
      </div>
      <div className="modal-body">
        <p className="muted small">{t("board.create.privacy")}</p>
        {general ? (
          <p className="alert error" role="alert">
            {general}
          </p>
        ) : null}
        {Object.keys(errors).length && !quota ? (
          <p className="visually-hidden" role="alert">
            {t("board.form.hasErrors")}
          </p>
        ) : null}
        <input type="hidden" name="intent" value="create" />
        {/* Sent again after no answer, the same key: the server makes the request once (requests.server.ts). */}
        <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
        <TitleField t={t} errors={errors} defaultValue={values.title ?? ""} />
        <CategoryUrgencyFields
          t={t}
          errors={errors}
          categories={categories}
          category={values.category ?? categories[0]?.id ?? ""}
          urgency={values.urgency ?? "normaal"}
          categoryRequired
        />
        <Field
          label={t("card.field.description")}
          hint={t("card.field.descriptionHint")}
          error={fieldError(t, errors.description)}
        >
          <textarea name="description" maxLength={LIMITS.descriptionMax} defaultValue={values.description ?? ""} />
        </Field>
        <div className="field-row">
          <ReferenceField
            t={t}
            errors={errors}
            hint={t("card.field.referenceHint")}
            defaultValue={values.reference ?? ""}
          />
          <Field label={t("card.field.area")} error={fieldError(t, errors.area)}>
            <input type="text" name="area" maxLength={LIMITS.areaMax} defaultValue={values.area ?? ""} />
          </Field>
        </div>
        <IntakeWarning boardId={boardId} formRef={formRef} categories={categories} created={fetcher.data} t={t} />
        {pdFields ? (
          <PersonalDataWarning
            t={t}
            fields={pdFields}
            onRemove={removePersonal}
            saveAnyway={
              <button type="submit" name="acknowledgePersonalData" value="1" className="button secondary" disabled={busy} data-testid="pd-save-anyway">
                {t("pd.saveAnyway")}
              </button>
            }
          />
        ) : null}
        {offline ? (
          <p className="alert info" id={offlineNoteId}>
            {t("board.create.offline")}
          </p>
        ) : null}
      </div>
      <div className="modal-actions">
        <button
          ref={mainSubmit}
          type="submit"
          className="button"
          disabled={offline || busy}
          aria-describedby={offline ? offlineNoteId : undefined}
        >
          {busy ? t("board.create.saving") : t("board.create.submit")}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          {t("board.cancel")}
        </button>
      </div>
    </fetcher.Form>
  );
}
