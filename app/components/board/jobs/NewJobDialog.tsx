/**
 * "Nieuwe vacature/activiteit" (issue 15): a form posted to the board route's
 * action (intent `create-job`, the rules of `validateJob`). The dialog closes
 * when the job is saved; its card arrives through the live document.
 */
import { useEffect, useId, useRef } from "react";
import { useFetcher } from "@remix-run/react";
import { LANGUAGE_LEVELS, type CategoryView } from "~/board/types";
import { LIMITS } from "~/board/validate";
import { fieldError, translator, type Locale, type MessageKey, type Translate } from "~/i18n";
import { Field } from "../Field";
import { Modal } from "../Modal";
import { categoryLabel } from "../labels";
import { LEVEL_KEYS } from "./labels";
import type { CreateActionData } from "../NewRequestDialog";
import { UNANSWERED } from "~/lib/unanswered";

const DURATIONS = [60, 90, 120, 180, 240, 360, 480];

/** A field's error in words: the job's own texts first, then the shared ones. */
function jobError(t: Translate, field: string, code: string | undefined): string | undefined {
  if (!code) return undefined;
  if (code === "personalData") return t("job.error.personalData");
  if (field === "places" && code !== "required") return t("job.error.places");
  if (field === "at") return code === "required" ? t("job.error.atWeekly") : t("job.error.at");
  if (field === "durationMinutes") return t("job.error.durationMinutes");
  return fieldError(t, code);
}

export function NewJobDialog({
  open,
  onClose,
  onCreated,
  boardId,
  categories,
  teams,
  locale,
  offline,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (id: string) => void;
  boardId: string;
  categories: CategoryView[];
  /** The teams this person may give the job to; none: the field is not shown. */
  teams: Array<{ id: string; name: string }>;
  locale: Locale;
  offline: boolean;
}) {
  const t = translator(locale);
  const titleId = useId();
  return (
    <Modal open={open} onClose={onClose} labelledBy={titleId} testId="dialog-new-job">
      <NewJobForm titleId={titleId} boardId={boardId} categories={categories} teams={teams} offline={offline} onCancel={onClose} onCreated={onCreated} t={t} />
    </Modal>
  );
}

function NewJobForm({
  titleId,
  boardId,
  categories,
  teams,
  offline,
  onCancel,
  onCreated,
  t,
}: {
  titleId: string;
  boardId: string;
  categories: CategoryView[];
  teams: Array<{ id: string; name: string }>;
  offline: boolean;
  onCancel: () => void;
  onCreated: (id: string) => void;
  t: Translate;
}) {
  const fetcher = useFetcher<CreateActionData>();
  const data = fetcher.data;
  const errors = data && !data.ok ? (data.errors ?? {}) : {};
  const busy = fetcher.state !== "idle";
  const formRef = useRef<HTMLFormElement>(null);
  const reported = useRef<unknown>(null);
  const defaultCategory = categories.find((c) => c.id === "werk")?.id ?? categories[0]?.id ?? "";

  useEffect(() => {
    if (fetcher.state !== "idle" || !data || reported.current === data) return;
    reported.current = data;
    if (data.ok && data.id) onCreated(data.id);
    else formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [fetcher.state, data, onCreated]);

  const general =
    data && !data.ok && data.error
      ? data.error === "forbidden"
        ? t("board.create.forbidden")
        : data.error === UNANSWERED
          ? t("form.unanswered")
          : t("job.create.failed")
      : null;
  const err = (field: string) => jobError(t, field, errors[field]);

  return (
    <fetcher.Form method="post" action={`/boards/${boardId}`} noValidate ref={formRef} className="modal-form">
      <div className="modal-head">
        <h2 id={titleId}>{t("job.create.title")}</h2>
      </div>
      <div className="modal-body">
        <p className="muted small">{t("job.create.intro")}</p>
        {general ? (
          <p className="alert error" role="alert">
            {general}
          </p>
        ) : null}
        {Object.keys(errors).length ? (
          <p className="visually-hidden" role="alert">
            {t("board.form.hasErrors")}
          </p>
        ) : null}
        <input type="hidden" name="intent" value="create-job" />
        <Field label={t("job.field.title")} hint={t("job.field.titleHint")} error={err("title")}>
          <input type="text" name="title" required maxLength={LIMITS.titleMax} autoComplete="off" data-autofocus />
        </Field>
        <div className="field-row">
          <Field label={t("card.field.category")} error={err("category")}>
            <select name="category" defaultValue={defaultCategory}>
              {categories.map((c) => (
                <option key={c.id} value={c.id}>
                  {categoryLabel(t, c)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("job.field.places")} error={err("places")}>
            <input type="number" name="places" min={1} max={LIMITS.placesMax} step={1} defaultValue="6" inputMode="numeric" required />
          </Field>
        </div>
        <div className="field-row">
          <Field label={t("job.field.date")} error={err("at")}>
            <input type="date" name="date" />
          </Field>
          <Field label={t("job.field.time")}>
            <input type="time" name="time" />
          </Field>
        </div>
        <div className="field-row">
          <Field label={t("job.field.duration")} error={err("durationMinutes")}>
            <select name="durationMinutes" defaultValue="">
              <option value="">{t("job.field.durationNone")}</option>
              {DURATIONS.map((m) => (
                <option key={m} value={String(m)}>
                  {t("job.duration", { hours: m / 60 })}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("job.field.recurrence")} error={err("recurrence")}>
            <select name="recurrence" defaultValue="once">
              <option value="once">{t("job.recurrence.once")}</option>
              <option value="weekly">{t("job.recurrence.weekly")}</option>
            </select>
          </Field>
        </div>
        {teams.length ? (
          <Field label={t("job.field.team")} hint={t("job.field.teamHint")} error={err("teamId")}>
            <select name="teamId" defaultValue="">
              <option value="">{t("job.field.teamNone")}</option>
              {teams.map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field label={t("job.field.area")} error={err("area")}>
          <input type="text" name="area" maxLength={LIMITS.areaMax} />
        </Field>
        <Field label={t("job.field.description")} error={err("description")}>
          <textarea name="description" maxLength={LIMITS.descriptionMax} />
        </Field>
        <div className="field-row">
          <Field label={t("job.field.languageLevel")} error={err("languageLevel")}>
            <select name="languageLevel" defaultValue="none">
              {LANGUAGE_LEVELS.map((l) => (
                <option key={l} value={l}>
                  {t(LEVEL_KEYS[l] as MessageKey)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("job.field.asks")} hint={t("job.field.asksHint")} error={err("asks")}>
            <input type="text" name="asks" maxLength={LIMITS.asksMax} />
          </Field>
        </div>
        <div className="field checkbox-field">
          <label>
            <input type="checkbox" name="physical" value="true" /> {t("job.field.physical")}
          </label>
        </div>
      </div>
      <div className="modal-actions">
        <button type="submit" className="button" disabled={offline || busy} data-testid="new-job-submit">
          {busy ? t("job.create.saving") : t("job.create.submit")}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          {t("board.cancel")}
        </button>
      </div>
    </fetcher.Form>
  );
}
