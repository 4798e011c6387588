/**
 * A card's dialog: editable for editors (fields are written to the live
 * document with updateCard; the pseudonymous reference goes to the server),
 * read-only details for viewers and for requests this person may not edit.
 *
 * Order, on a phone as on a desktop: the request's facts and fields, who
 * holds it, "Wie kan dit oppakken?", history and comments, and last the
 * actions (Save, Cancel, Archive; or Close) in a footer that stays at the
 * bottom of the dialog while it scrolls. Save submits the edit form through
 * the button's `form` attribute. Every outcome is a toast; archiving offers
 * Undo (the inverse domain operation, checked by the server like any edit).
 */
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Link, useFetcher } from "@remix-run/react";
import type * as Y from "yjs";
import { setArchived, updateCard } from "~/board/domain";
import type { CardView, CategoryView, ColumnView } from "~/board/types";
import { LIMITS, validateCardFields, validateReference } from "~/board/validate";
import { fieldError, translator, type Locale, type Translate } from "~/i18n";
import type { OrgInfo } from "./Card";
import { CategoryUrgencyFields, ReferenceField, TitleField } from "./CardFormFields";
import { Field } from "./Field";
import { CategoryIcon } from "./Icon";
import { Modal } from "./Modal";
import { CardActivity } from "./activity/CardActivity";
import { OwnershipSection } from "./ownership/OwnershipSection";
import { PersonalDataWarning, findInFields, removeFromForm, type PersonalDataFields } from "./PersonalDataWarning";
import { ContactSection } from "./contact/ContactSection";
import { SpamSection } from "./SpamSection";
import { TranslationSection } from "./TranslationSection";
import { MatchFieldsSection } from "./jobs/MatchFieldsSection";
import { useToast } from "~/components/toast/ToastProvider";
import { MatchSection } from "~/components/overview/MatchSection";
import { CardMeetingActions } from "~/components/meeting/CardMeetingActions";
import { JobSection, JoinedJobLine } from "./jobs/JobSection";
import { URGENCY_KEYS, cardAge, categoryLabel, columnLabel, inkOn, safeColor } from "./labels";
import { UNANSWERED } from "~/lib/unanswered";

interface DetailsResponse {
  id?: string;
  reference?: string | null;
  canSeeReference?: boolean;
  error?: string;
}

interface ReferenceResponse {
  ok?: boolean;
  reference?: string;
  errors?: { reference?: string };
  error?: string;
}

export interface CardDialogProps {
  card: CardView | undefined;
  onClose: () => void;
  boardId: string;
  doc: Y.Doc | null;
  categories: CategoryView[];
  categoryById: ReadonlyMap<string, CategoryView>;
  columns: ColumnView[];
  orgById: ReadonlyMap<string, OrgInfo>;
  locale: Locale;
  now: number;
  /** Editor with a live document. */
  editable: boolean;
  /**
   * May edit this request's fields and archive it (the board's per-request
   * rule, e.g. a member only for requests their organisation entered or
   * holds). Defaults to true; false shows the details, with claiming and
   * comments still there.
   */
  canEditCard?: boolean;
  offline: boolean;
  onNotice: (message: string) => void;
  /** May post comments (members and coordinators; not viewers). Defaults to `editable`. */
  canComment?: boolean;
  /** Why a member sees this request read-only (another organisation's), shown above its details. */
  readOnlyNote?: string;
  /** Coordinators: the "Vergeet deze persoon" page with this request picked. */
  forgetHref?: string;
}

export function CardDialog(props: CardDialogProps) {
  const { card, onClose, locale } = props;
  const titleId = useId();
  const sections = card ? (
    <>
      {card.kind === "job" ? (
        <JobSection key={`job-${card.id}`} card={card} doc={props.doc} boardId={props.boardId} columns={props.columns} onNotice={props.onNotice} />
      ) : (
        <>
          <JoinedJobLine card={card} doc={props.doc} boardId={props.boardId} />
          {card.origin === "front-door" ? (
            <TranslationSection key={`translation-${card.id}`} card={card} doc={props.doc} editable={!!props.editable} locale={locale} />
          ) : null}
          {card.kind === "request" ? <MatchFieldsSection key={`matchfields-${card.id}`} card={card} doc={props.doc} editable={!!props.editable} locale={locale} /> : null}
          <ContactSection key={`contact-${card.id}`} boardId={props.boardId} requestId={card.id} onNotice={props.onNotice} />
          <CardMeetingActions key={`actions-${card.id}`} boardId={props.boardId} requestId={card.id} />
          <MatchSection key={`matches-${card.id}`} boardId={props.boardId} card={card} columns={props.columns} categoryById={props.categoryById} onNotice={props.onNotice} />
        </>
      )}
      {/* Outside the edit form: the comment form is a form of its own. */}
      <CardActivity
        key={`activity-${card.id}`}
        boardId={props.boardId}
        card={card}
        canComment={props.canComment ?? props.editable}
        columns={props.columns}
        categoryById={props.categoryById}
        orgById={props.orgById}
        locale={locale}
        now={props.now}
      />
      {props.editable ? <SpamSection key={`spam-${card.id}`} boardId={props.boardId} requestId={card.id} onDone={onClose} /> : null}
      {props.forgetHref && card.kind !== "job" ? (
        <p className="forget-card" data-testid="forget-card">
          <Link to={props.forgetHref}>{translator(locale)("erase.cardLink")}</Link>{" "}
          <span className="hint">{translator(locale)("erase.cardLinkHelp")}</span>
        </p>
      ) : null}
    </>
  ) : null;
  return (
    <Modal open={!!card} onClose={onClose} labelledBy={titleId} testId="dialog-card" className="wide">
      {card ? (
        props.editable && props.canEditCard !== false ? (
          <EditCardForm key={card.id} {...props} card={card} titleId={titleId} t={translator(locale)}>
            {sections}
          </EditCardForm>
        ) : (
          <CardDetails {...props} card={card} titleId={titleId} t={translator(locale)}>
            {sections}
          </CardDetails>
        )
      ) : null}
    </Modal>
  );
}

/** The request's server-side details (the reference only for the organisation that may see it). */
function useReference(boardId: string, cardId: string) {
  const [data, setData] = useState<DetailsResponse | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    setData(null);
    fetch(`/api/boards/${encodeURIComponent(boardId)}/requests/${encodeURIComponent(cardId)}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: abort.signal,
    })
      .then(async (res) => {
        const body = (await res.json().catch(() => ({}))) as DetailsResponse;
        setData(res.ok ? body : { error: body.error ?? String(res.status) });
      })
      .catch(() => {
        if (!abort.signal.aborted) setData({ error: "network" });
      });
    return () => abort.abort();
  }, [boardId, cardId]);
  return {
    loading: data === null,
    canSee: !!data && data.canSeeReference === true,
    reference: data?.reference ?? "",
    missing: !!data && !!data.error,
  };
}

type Props = CardDialogProps & { card: CardView; titleId: string; t: Translate; children?: ReactNode };

function CardSummary({ card, categoryById, columns, orgById, now, locale, t }: Props) {
  const category = categoryById.get(card.category);
  const color = safeColor(category?.color);
  const column = columns.find((c) => c.id === card.column) ?? columns[0];
  const org = orgById.get(card.createdByOrg);
  return (
    <dl className="card-facts">
      <div>
        <dt>{t("card.field.category")}</dt>
        <dd>
          <span className="card-icon small" style={{ background: color, color: inkOn(color) }}>
            <CategoryIcon name={category?.icon ?? "star"} size={14} />
          </span>{" "}
          {categoryLabel(t, category)}
        </dd>
      </div>
      {column ? (
        <div>
          <dt>{t("card.column")}</dt>
          <dd>{card.archived ? t("card.archivedIn", { column: columnLabel(t, column) }) : columnLabel(t, column)}</dd>
        </div>
      ) : null}
      <div>
        <dt>{t("card.enteredBy")}</dt>
        <dd>
          {org ? (
            <>
              <span className="org-swatch" style={{ background: safeColor(org.color) }} aria-hidden="true" /> {org.name}
            </>
          ) : (
            t("card.unknownOrg")
          )}
          {card.createdAt > 0 ? <span className="muted"> · {cardAge(t, card.createdAt, now, locale)}</span> : null}
        </dd>
      </div>
    </dl>
  );
}

function CardDetails(props: Props) {
  const { card, t, titleId, onClose, boardId, children } = props;
  const ref = useReference(boardId, card.id);
  return (
    <>
    <div className="modal-form">
      <div className="modal-head">
        <h2 id={titleId}>{card.title}</h2>
      </div>
      <div className="modal-body">
        <CardSummary {...props} />
        {props.readOnlyNote ? <p className="small muted" data-testid="card-read-only">{props.readOnlyNote}</p> : null}
        <OwnershipSection requestId={props.card.id} title={props.card.title} onNotice={props.onNotice} />
        <dl className="card-facts">
          <div>
            <dt>{t("card.field.urgency")}</dt>
            <dd>{t(URGENCY_KEYS[card.urgency])}</dd>
          </div>
          {card.area ? (
            <div>
              <dt>{t("card.field.area")}</dt>
              <dd>{card.area}</dd>
            </div>
          ) : null}
          {ref.canSee ? (
            <div>
              <dt>{t("card.field.reference")}</dt>
              <dd>{ref.reference || t("card.noReference")}</dd>
            </div>
          ) : null}
        </dl>
        {card.description ? (
          <>
            <h3 className="small-heading">{t("card.field.description")}</h3>
            <p className="card-description">{card.description}</p>
          </>
        ) : null}
        <p className="muted small">{t("card.readOnly")}</p>
      </div>
    </div>
    {children}
    <div className="modal-actions card-dialog-actions">
      <button type="button" className="button secondary" onClick={onClose} data-autofocus>
        {t("board.close")}
      </button>
    </div>
    </>
  );
}

function EditCardForm(props: Props) {
  const { card, t, titleId, onClose, boardId, doc, categories, offline, onNotice, children } = props;
  const toast = useToast();
  const formId = useId();
  const ref = useReference(boardId, card.id);
  const saveRef = useFetcher<ReferenceResponse>();
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [waiting, setWaiting] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  /** The changed texts that hold personal data, while the warning asks what to do. */
  const [pdFields, setPdFields] = useState<PersonalDataFields | null>(null);

  // The reference goes through the server: close once it answered.
  useEffect(() => {
    if (!waiting || saveRef.state !== "idle" || !saveRef.data) return;
    setWaiting(false);
    const d = saveRef.data;
    if (d.ok) {
      onNotice(t("card.saved", { title: card.title }));
      onClose();
    } else if (d.errors?.reference) {
      setErrors((e) => ({ ...e, reference: d.errors!.reference }));
    } else {
      // Unanswered: the server went away while the reference was on its way (it may or may not be saved).
      const message = d.error === UNANSWERED ? t("card.referenceUnanswered") : t("card.referenceFailed");
      setGeneral(message);
      // Said by the form's role="alert"; the toast is for the eyes.
      toast.error(message, { silent: true });
    }
  }, [waiting, saveRef.state, saveRef.data, onClose, onNotice, t, card.title, toast]);

  useEffect(() => {
    if (Object.keys(errors).length) formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [errors]);

  /** The form's values checked as the board checks them; null (errors shown) when they are not valid. */
  const readForm = () => {
    const form = formRef.current;
    if (!form) return null;
    const input = Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, typeof v === "string" ? v : ""]));
    const fields = validateCardFields(input, categories.map((c) => c.id));
    const next: Partial<Record<string, string>> = fields.ok ? {} : { ...fields.errors };
    let reference: string | null = null;
    if (ref.canSee && typeof input.reference === "string") {
      const r = validateReference(input.reference);
      if (!r.ok) next.reference = r.errors.reference;
      else if (r.value !== (ref.reference ?? "")) reference = r.value;
    }
    setErrors(next);
    if (!fields.ok || next.reference) return null;
    // Only what changes is checked: text saved earlier after the warning does not ask again.
    const changed: PersonalDataFields = {};
    for (const k of ["title", "description", "area"] as const) if (fields.value[k] !== card[k]) changed[k] = fields.value[k];
    if (reference !== null) changed.reference = reference;
    return { fields: fields.value, reference, changed };
  };

  const saveReference = (reference: string, acknowledge: boolean) => {
    saveRef.submit(
      { intent: "reference", requestId: card.id, reference, ...(acknowledge ? { acknowledgePersonalData: "1" } : {}) },
      { method: "post", action: `/boards/${encodeURIComponent(boardId)}` },
    );
    setWaiting(true);
  };

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!doc) return;
    setGeneral(null);
    const read = readForm();
    if (!read) return;
    // Personal data in what changed: nothing is written; the warning offers to remove it or to save anyway.
    if (findInFields(read.changed).found.length) {
      setPdFields(read.changed);
      return;
    }
    setPdFields(null);
    try {
      updateCard(doc, card.id, read.fields, Date.now());
    } catch {
      setGeneral(t("card.saveFailed"));
      toast.error(t("card.saveFailed"), { silent: true });
      return;
    }
    if (read.reference !== null) return saveReference(read.reference, false);
    onNotice(t("card.saved", { title: read.fields.title }));
    onClose();
  };

  const removePersonal = () => {
    const form = formRef.current;
    if (!form || !pdFields) return;
    const first = removeFromForm(form, Object.keys(pdFields));
    setPdFields(null);
    toast.success(t("pd.removed"));
    (first ?? form.querySelector<HTMLElement>("input,textarea"))?.focus();
  };

  /**
   * "Toch opslaan": through the JSON API (PATCH with acknowledgePersonalData),
   * so the server checks the same text and records the acknowledgement; the
   * card arrives through the live document as any change does.
   */
  const saveAnyway = async () => {
    const read = readForm();
    if (!read) return;
    setWaiting(true);
    const { title, description, area, urgency, category } = read.fields;
    const res = await fetch(`/api/boards/${encodeURIComponent(boardId)}/requests/${encodeURIComponent(card.id)}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ title, description, area, urgency, category, acknowledgePersonalData: true }),
    }).catch(() => null);
    if (!res || !res.ok) {
      setWaiting(false);
      setGeneral(t("card.saveFailed"));
      toast.error(t("card.saveFailed"), { silent: true });
      return;
    }
    setPdFields(null);
    if (read.reference !== null) return saveReference(read.reference, true);
    setWaiting(false);
    onNotice(t("card.saved", { title }));
    onClose();
  };

  const toggleArchived = () => {
    if (!doc) return;
    const { id, title } = card;
    try {
      setArchived(doc, id, !card.archived, Date.now());
    } catch {
      setGeneral(t("card.saveFailed"));
      toast.error(t("card.saveFailed"), { silent: true });
      return;
    }
    if (card.archived) onNotice(t("card.restored", { title }));
    else {
      // Undo: restore it, as "Terugzetten" does, unless it came back meanwhile.
      const undo = () => {
        try {
          if (!setArchived(doc, id, false, Date.now())) throw new Error("not archived");
          toast.success(t("toast.undone.archive", { title }));
        } catch {
          toast.error(t("toast.undoFailed"));
        }
      };
      toast.success(t("card.archived", { title }), { action: { label: t("toast.undo"), onAction: undo } });
    }
    onClose();
  };

  return (
    <>
    <form id={formId} className="modal-form" onSubmit={onSubmit} noValidate ref={formRef} data-card-id={card.id}>
      <div className="modal-head">
        <h2 id={titleId}>{t(card.kind === "job" ? "card.editJobTitle" : "card.editTitle")}</h2>
        {card.archived ? <span className="badge">{t("card.isArchived")}</span> : null}
      </div>
      <div className="modal-body">
        <CardSummary {...props} />
        <OwnershipSection requestId={props.card.id} title={props.card.title} onNotice={props.onNotice} />
        {general ? (
          <p className="alert error" role="alert">
            {general}
          </p>
        ) : null}
        <TitleField t={t} errors={errors} defaultValue={card.title} />
        <CategoryUrgencyFields
          t={t}
          errors={errors}
          categories={categories}
          category={card.category}
          urgency={card.urgency}
        />
        <Field label={t("card.field.description")} error={fieldError(t, errors.description)}>
          <textarea name="description" maxLength={LIMITS.descriptionMax} defaultValue={card.description} />
        </Field>
        <div className="field-row">
          {ref.loading ? (
            <p className="muted small reference-slot">{t("card.referenceLoading")}</p>
          ) : ref.canSee ? (
            <ReferenceField
              t={t}
              errors={errors}
              hint={offline ? t("card.referenceOffline") : t("card.field.referenceHint")}
              defaultValue={ref.reference ?? ""}
              readOnly={offline}
            />
          ) : (
            <p className="muted small reference-slot">{t("card.referenceHidden")}</p>
          )}
          <Field label={t("card.field.area")} error={fieldError(t, errors.area)}>
            <input type="text" name="area" maxLength={LIMITS.areaMax} defaultValue={card.area} />
          </Field>
        </div>
        {pdFields ? (
          <PersonalDataWarning
            t={t}
            fields={pdFields}
            onRemove={removePersonal}
            saveAnyway={
              <button type="button" className="button secondary" onClick={() => void saveAnyway()} disabled={waiting || offline} data-testid="pd-save-anyway">
                {t("pd.saveAnyway")}
              </button>
            }
          />
        ) : null}
      </div>
    </form>
    {children}
    <div className="modal-actions card-dialog-actions">
      <button type="submit" form={formId} className="button" disabled={waiting} data-testid="card-save">
        {waiting ? t("board.saving") : t("board.save")}
      </button>
      <button type="button" className="button secondary" onClick={onClose}>
        {t("board.cancel")}
      </button>
      <button type="button" className="button secondary push-right" onClick={toggleArchived} data-testid="card-archive">
        {card.archived ? t("card.restore") : t("card.archive")}
      </button>
    </div>
    </>
  );
}
