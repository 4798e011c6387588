/**
 * The page of one meeting (routes/boards.$boardId_.vergaderingen.$meetingId._index.tsx):
 * planned — the agenda to edit and "Vergadering starten"; running — the
 * current item with its timer, decisions, actions and who is there, live;
 * ended — the record with its summary and the actions still tracked.
 */
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef, type ReactNode } from "react";
import { MEETING_LIMITS, type AgendaItem, type MeetingAction, type MeetingRecord } from "~/board/meeting";
import { amsterdamWallTime } from "~/board/meeting-time";
import { Field } from "~/components/board/Field";
import { useToast } from "~/components/toast/ToastProvider";
import { RealtimeProvider } from "~/hooks/useRealtime";
import { SinceSummary } from "~/components/meeting/SinceSummary";
import type { SinceSummary as SinceSummaryData } from "~/board/summary";
import { useLocale, useT, type MessageKey } from "~/i18n";
import { MeetingLive } from "./MeetingLive";
import { ActionList, DecisionList, ItemTimer, MeetingSection, PresentList, boardViewHref, groupByItem } from "./MeetingParts";
import { formatMeetingAt, meetingFieldError } from "./format";

export interface MeetingPageData {
  board: { id: string; name: string; archived: boolean };
  meeting: MeetingRecord;
  cards: { id: string; title: string; archived: boolean }[];
  categories: { id: string; label: string; color: string }[];
  organisations: { id: string; name: string; shortName: string; color: string }[];
  /** "Since the last meeting", when the agenda has that item. */
  since: SinceSummaryData | null;
  user: { id: string; role: string; organisationId: string };
  now: number;
}

export interface MeetingActionResult {
  intent: string;
  ok: boolean;
  /** The item, action… the answer is about. */
  target?: string;
  error?: string;
  errors?: Record<string, string>;
  values?: Record<string, string>;
}

const KIND_KEYS: Record<AgendaItem["kind"], MessageKey> = {
  since: "mtg.kind.since",
  actions: "mtg.kind.actions",
  unclaimed: "mtg.kind.unclaimed",
  duplicates: "mtg.kind.duplicates",
  referrals: "mtg.kind.referrals",
  category: "mtg.kind.category",
  free: "mtg.kind.free",
};

function useResult() {
  return useActionData() as MeetingActionResult | undefined;
}

/** Field errors of the last answer, for one form (by intent, and target when given). */
function useErrors(intent: string, target?: string) {
  const t = useT();
  const r = useResult();
  const mine = r && !r.ok && r.intent === intent && (target === undefined || r.target === target) ? r : undefined;
  return {
    error: (field: string) => meetingFieldError(t, mine?.errors?.[field]),
    value: (field: string) => mine?.values?.[field],
    failed: !!mine,
  };
}

/** A form that clears itself after the server accepted it (with scripts; without, the page comes back empty anyway). */
function ResettingForm({ intent, children, className, testId }: { intent: string; children: ReactNode; className?: string; testId?: string }) {
  const ref = useRef<HTMLFormElement>(null);
  const r = useResult();
  const nav = useNavigation();
  useEffect(() => {
    if (nav.state === "idle" && r?.ok && r.intent === intent) ref.current?.reset();
  }, [r, nav.state, intent]);
  return (
    <Form method="post" ref={ref} noValidate className={className} data-testid={testId}>
      <input type="hidden" name="intent" value={intent} />
      {children}
    </Form>
  );
}

export function MeetingPage() {
  const data = useLoaderData() as MeetingPageData;
  const { board, meeting } = data;
  const t = useT();
  const locale = useLocale();
  const toast = useToast();
  const r = useResult();
  const nav = useNavigation();

  // Refusals that are not about a field (the state changed meanwhile, the board archived…).
  useEffect(() => {
    if (!r || r.ok || r.errors) return;
    const key = `mtg.error.${r.error}` as MessageKey;
    toast.error(t(key) === key ? t("mtg.error.failed") : t(key));
  }, [r]);

  const isCoordinator = data.user.role === "coordinator";
  const canManage = isCoordinator && !board.archived;
  const titles = new Map(data.cards.map((c) => [c.id, c.title]));
  const cardTitle = (id: string) => titles.get(id) ?? null;
  const canMark = (a: MeetingAction) =>
    !board.archived && (isCoordinator || (data.user.role === "member" && a.orgId === data.user.organisationId));
  const statusKey: Record<MeetingRecord["status"], MessageKey> = {
    planned: "mtg.status.planned",
    running: "mtg.status.running",
    ended: "mtg.status.ended",
  };
  const base = `/boards/${board.id}/vergaderingen/${meeting.id}`;

  return (
    <RealtimeProvider boardId={board.id}>
      <MeetingLive boardId={board.id} meetingId={meeting.id} />
      <main id="main" className="page mtg-page" data-testid="meeting" data-status={meeting.status}>
        <nav className="mtg-crumbs" aria-label={t("mtg.nav")}>
          <Link to={`/boards/${board.id}`}>← {t("mtg.backToBoard", { board: board.name })}</Link>
          <Link to={`/boards/${board.id}/vergaderingen`}>{t("mtg.allMeetings")}</Link>
        </nav>
        <header className="mtg-head">
          <p className={`mtg-status mtg-status-${meeting.status}`} data-testid="meeting-status">
            {t(statusKey[meeting.status])}
          </p>
          <h1>{meeting.title}</h1>
          <p className="muted">{formatMeetingAt(meeting.at, locale)}</p>
        </header>

        {meeting.status === "planned" ? (
          <Planned data={data} canManage={canManage} busy={nav.state !== "idle"} />
        ) : meeting.status === "running" ? (
          <Running data={data} canManage={canManage} cardTitle={cardTitle} canMark={canMark} base={base} />
        ) : (
          <Ended data={data} canManage={canManage} cardTitle={cardTitle} canMark={canMark} base={base} />
        )}
      </main>
    </RealtimeProvider>
  );
}

// ---------------------------------------------------------------- planned

function Planned({ data, canManage, busy }: { data: MeetingPageData; canManage: boolean; busy: boolean }) {
  const t = useT();
  const { board, meeting } = data;
  const add = useErrors("item-add");
  return (
    <>
      {canManage ? <MeetingDetails meeting={meeting} busy={busy} /> : null}
      <MeetingSection id="mtg-agenda-h" title={t("mtg.agenda.proposed")}>
        <p className="muted small">{t("mtg.agenda.intro")}</p>
        {meeting.agenda.length ? (
          <ol className="mtg-agenda" data-testid="agenda">
            {meeting.agenda.map((item, i) => (
              <li key={item.id} className="mtg-item" data-testid={`item-${item.id}`} data-kind={item.kind}>
                <AgendaItemHead item={item} boardId={board.id} />
                {item.notes ? <p className="mtg-notes">{item.notes}</p> : null}
                {item.kind === "since" ? <SinceBlock data={data} folded /> : null}
                {canManage ? <ItemEditor item={item} first={i === 0} last={i === meeting.agenda.length - 1} busy={busy} /> : null}
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">{t("mtg.agenda.empty")}</p>
        )}
        {canManage ? (
          <ResettingForm intent="item-add" className="mtg-add-item" testId="item-add">
            <Field label={t("mtg.agenda.add")} error={add.error("title")}>
              <input type="text" name="title" maxLength={MEETING_LIMITS.titleMax} defaultValue={add.value("title")} />
            </Field>
            <button type="submit" className="button secondary">
              {t("mtg.agenda.addSubmit")}
            </button>
          </ResettingForm>
        ) : null}
      </MeetingSection>
      {canManage ? (
        <Form method="post" className="mtg-start">
          <input type="hidden" name="intent" value="start" />
          <p className="muted small">{t("mtg.start.help")}</p>
          <button type="submit" className="button" data-testid="meeting-start" disabled={busy}>
            {t("mtg.start")}
          </button>
        </Form>
      ) : null}
    </>
  );
}

/** A planned meeting's title, date and time, changed by a coordinator (the plan form's fields and errors). */
function MeetingDetails({ meeting, busy }: { meeting: MeetingRecord; busy: boolean }) {
  const t = useT();
  const toast = useToast();
  const r = useResult();
  const nav = useNavigation();
  const f = useErrors("meeting");
  const wall = amsterdamWallTime(meeting.at);
  useEffect(() => {
    if (nav.state === "idle" && r?.ok && r.intent === "meeting") toast.success(t("mtg.details.saved"));
  }, [r, nav.state]);
  return (
    <MeetingSection id="mtg-details-h" title={t("mtg.details.title")}>
      {/* Keyed on what is stored: after a save the fields show it; after a refusal they keep what was typed. */}
      <Form method="post" noValidate className="mtg-plan-form" data-testid="meeting-details" key={`${meeting.title}|${meeting.at}`}>
        <input type="hidden" name="intent" value="meeting" />
        <Field label={t("mtg.plan.field.title")} error={f.error("title")}>
          <input type="text" name="title" required maxLength={MEETING_LIMITS.titleMax} defaultValue={f.value("title") ?? meeting.title} />
        </Field>
        <div className="mtg-field-row">
          <Field label={t("mtg.plan.field.date")} error={f.error("date")}>
            <input type="date" name="date" required defaultValue={f.value("date") ?? wall.date} />
          </Field>
          <Field label={t("mtg.plan.field.time")} error={f.error("time")} hint={t("mtg.plan.field.timeHint")}>
            <input type="time" name="time" required defaultValue={f.value("time") ?? wall.time} />
          </Field>
        </div>
        <button type="submit" className="button secondary" disabled={busy} data-testid="meeting-details-save">
          {t("mtg.details.save")}
        </button>
      </Form>
    </MeetingSection>
  );
}

function AgendaItemHead({ item, boardId, children }: { item: AgendaItem; boardId: string; children?: ReactNode }) {
  const t = useT();
  return (
    <div className="mtg-item-head">
      <h3 className="mtg-item-title">{item.title}</h3>
      {t(KIND_KEYS[item.kind]) !== item.title ? <span className="mtg-kind small">{t(KIND_KEYS[item.kind])}</span> : null}
      {children}
      <a href={boardViewHref(boardId, item.view)} className="mtg-view-link small" aria-label={t("mtg.item.viewLabel", { title: item.title })}>
        {t("mtg.item.view")}
      </a>
    </div>
  );
}

/** The counts of "since the last meeting"; folded in the agenda (long on a phone), open as the current item. */
function SinceBlock({ data, folded = false }: { data: MeetingPageData; folded?: boolean }) {
  const t = useT();
  if (!data.since) return null;
  const counts = (
    <SinceSummary boardId={data.board.id} summary={data.since} categories={data.categories} organisations={data.organisations} />
  );
  return folded ? (
    <details className="mtg-since">
      <summary>{t("mtg.since.show")}</summary>
      {counts}
    </details>
  ) : (
    <div className="mtg-since">{counts}</div>
  );
}

function ItemEditor({ item, first, last, busy }: { item: AgendaItem; first: boolean; last: boolean; busy: boolean }) {
  const t = useT();
  const edit = useErrors("item-edit", item.id);
  return (
    <div className="mtg-item-tools">
      {/* Keyed by what it edits: after a save it closes, after a refusal it stays open with the message. */}
      <details key={`${item.title}\n${item.notes}`} className="mtg-item-edit" open={edit.failed ? true : undefined}>
        <summary className="button small secondary">{t("mtg.item.edit")}</summary>
        <Form method="post" noValidate className="mtg-item-form">
          <input type="hidden" name="intent" value="item-edit" />
          <input type="hidden" name="itemId" value={item.id} />
          <Field label={t("mtg.item.title")} error={edit.error("title")}>
            <input type="text" name="title" maxLength={MEETING_LIMITS.titleMax} defaultValue={edit.value("title") ?? item.title} />
          </Field>
          <Field label={t("mtg.item.notes")} error={edit.error("notes")}>
            <textarea name="notes" maxLength={MEETING_LIMITS.notesMax} defaultValue={edit.value("notes") ?? item.notes} />
          </Field>
          <button type="submit" className="button small" data-testid={`item-save-${item.id}`}>
            {t("mtg.save")}
          </button>
        </Form>
      </details>
      <Form method="post" className="mtg-item-move">
        <input type="hidden" name="itemId" value={item.id} />
        <button type="submit" name="intent" value="item-up" className="button small secondary" disabled={first || busy} aria-label={t("mtg.item.upLabel", { title: item.title })}>
          ↑ {t("mtg.item.up")}
        </button>
        <button type="submit" name="intent" value="item-down" className="button small secondary" disabled={last || busy} aria-label={t("mtg.item.downLabel", { title: item.title })}>
          ↓ {t("mtg.item.down")}
        </button>
        <button type="submit" name="intent" value="item-remove" className="button small secondary" disabled={busy} aria-label={t("mtg.item.removeLabel", { title: item.title })}>
          {t("mtg.remove")}
        </button>
      </Form>
    </div>
  );
}

// ---------------------------------------------------------------- running

interface RecordProps {
  data: MeetingPageData;
  canManage: boolean;
  cardTitle: (id: string) => string | null;
  canMark: (a: MeetingAction) => boolean;
  base: string;
}

function Running({ data, canManage, cardTitle, canMark, base }: RecordProps) {
  const t = useT();
  const { board, meeting } = data;
  const current = meeting.agenda.find((i) => i.id === meeting.currentItemId) ?? null;
  const decisionsBy = groupByItem(meeting.agenda, meeting.decisions);
  const actionsBy = groupByItem(meeting.agenda, meeting.actions);
  const isFacilitator = meeting.facilitatorUserId === data.user.id;
  return (
    <>
      <div className="mtg-buttons" data-testid="running-links">
        <Link to={`/boards/${board.id}`} className="button" data-testid="open-board">
          {t("mtg.openBoard")}
        </Link>
        <Link to={`${base}/scherm`} className="button secondary" data-testid="presenter-link">
          {t("mtg.presenter")}
        </Link>
        {canManage && !isFacilitator ? (
          <Form method="post" className="inline-form">
            <input type="hidden" name="intent" value="take-over" />
            <button type="submit" className="button secondary">
              {t("mtg.takeOver")}
            </button>
          </Form>
        ) : null}
      </div>

      {current ? (
        <section className="card-panel mtg-current" aria-labelledby="mtg-current-h" data-testid="current-item">
          <p className="mtg-current-label">{t("mtg.current")}</p>
          <div className="mtg-item-head">
            <h2 id="mtg-current-h" className="mtg-item-title">
              {current.title}
            </h2>
            <ItemTimer item={current} now={data.now} />
          </div>
          {current.notes ? <p className="mtg-notes">{current.notes}</p> : null}
          {current.kind === "since" ? <SinceBlock data={data} /> : null}
          <a href={boardViewHref(board.id, current.view)} className="mtg-view-link">
            {t("mtg.item.view")}
          </a>
        </section>
      ) : null}

      <div className="mtg-columns">
        <MeetingSection id="mtg-agenda-h" title={t("mtg.agenda")}>
          <ol className="mtg-agenda" data-testid="agenda">
            {meeting.agenda.map((item) => {
              const isCurrent = item.id === meeting.currentItemId;
              return (
                <li
                  key={item.id}
                  className={isCurrent ? "mtg-item is-current" : "mtg-item"}
                  data-testid={`item-${item.id}`}
                  aria-current={isCurrent ? "step" : undefined}
                >
                  <AgendaItemHead item={item} boardId={board.id}>
                    {isCurrent || item.spentMs > 0 ? <ItemTimer item={item} now={data.now} /> : null}
                  </AgendaItemHead>
                  <DecisionList decisions={decisionsBy.items.get(item.id) ?? []} cardTitle={cardTitle} canRemove={canManage} testId={`decisions-${item.id}`} />
                  <ActionList actions={actionsBy.items.get(item.id) ?? []} cardTitle={cardTitle} canMark={canMark} now={data.now} testId={`actions-${item.id}`} />
                  {canManage && !isCurrent ? (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="intent" value="item-current" />
                      <input type="hidden" name="itemId" value={item.id} />
                      <button type="submit" className="button small secondary" aria-label={t("mtg.item.makeCurrentLabel", { title: item.title })}>
                        {t("mtg.item.makeCurrent")}
                      </button>
                    </Form>
                  ) : null}
                </li>
              );
            })}
          </ol>
          {decisionsBy.other.length || actionsBy.other.length ? (
            <>
              <h3 className="small-heading">{t("mtg.other")}</h3>
              <DecisionList decisions={decisionsBy.other} cardTitle={cardTitle} canRemove={canManage} testId="decisions-other" />
              <ActionList actions={actionsBy.other} cardTitle={cardTitle} canMark={canMark} now={data.now} testId="actions-other" />
            </>
          ) : null}
        </MeetingSection>

        <div className="mtg-side">
          {canManage ? (
            <>
              <DecisionForm data={data} currentItemId={current?.id ?? null} />
              <ActionForm data={data} currentItemId={current?.id ?? null} />
            </>
          ) : null}
          <MeetingSection id="mtg-present-h" title={t("mtg.present", { count: meeting.present.length })}>
            <PresentList present={meeting.present} canEdit={canManage} />
            {canManage ? <AttendeeForm /> : null}
          </MeetingSection>
        </div>
      </div>

      {canManage ? (
        <Form method="post" className="mtg-end">
          <input type="hidden" name="intent" value="end" />
          <p className="muted small">{t("mtg.end.help")}</p>
          <button type="submit" className="button danger" data-testid="meeting-end">
            {t("mtg.end")}
          </button>
        </Form>
      ) : null}
    </>
  );
}

/** Field hands its label's id and the error's description to the select (cloneElement): passed on here. */
type SelectAttrs = { id?: string; "aria-invalid"?: boolean; "aria-describedby"?: string };

function ItemSelect({ data, currentItemId, value, ...attrs }: { data: MeetingPageData; currentItemId: string | null; value?: string } & SelectAttrs) {
  const t = useT();
  return (
    <select name="itemId" defaultValue={value ?? currentItemId ?? ""} {...attrs}>
      <option value="">{t("mtg.form.noItem")}</option>
      {data.meeting.agenda.map((i) => (
        <option key={i.id} value={i.id}>
          {i.title}
        </option>
      ))}
    </select>
  );
}

function CardSelect({ data, value, ...attrs }: { data: MeetingPageData; value?: string } & SelectAttrs) {
  const t = useT();
  return (
    <select name="requestId" defaultValue={value ?? ""} data-testid="card-select" {...attrs}>
      <option value="">{t("mtg.form.noCard")}</option>
      {data.cards
        .filter((c) => !c.archived)
        .map((c) => (
          <option key={c.id} value={c.id}>
            {c.title}
          </option>
        ))}
    </select>
  );
}

function DecisionForm({ data, currentItemId }: { data: MeetingPageData; currentItemId: string | null }) {
  const t = useT();
  const e = useErrors("decision-add");
  return (
    <MeetingSection id="mtg-decision-h" title={t("mtg.decision.add")}>
      <ResettingForm intent="decision-add" testId="decision-form">
        <Field label={t("mtg.decision.text")} error={e.error("text")}>
          <textarea name="text" maxLength={MEETING_LIMITS.decisionMax} required defaultValue={e.value("text")} />
        </Field>
        <Field label={t("mtg.form.item")} error={e.error("itemId")}>
          <ItemSelect data={data} currentItemId={currentItemId} value={e.value("itemId")} />
        </Field>
        <button type="submit" className="button" data-testid="decision-submit">
          {t("mtg.decision.submit")}
        </button>
      </ResettingForm>
    </MeetingSection>
  );
}

function ActionForm({ data, currentItemId }: { data: MeetingPageData; currentItemId: string | null }) {
  const t = useT();
  const e = useErrors("action-add");
  // A week from today as the suggested due date.
  const suggested = amsterdamWallTime(data.now + 7 * 86400_000).date;
  return (
    <MeetingSection id="mtg-action-h" title={t("mtg.action.add")}>
      <ResettingForm intent="action-add" testId="action-form">
        <Field label={t("mtg.action.text")} error={e.error("text")}>
          <textarea name="text" maxLength={MEETING_LIMITS.actionMax} required defaultValue={e.value("text")} />
        </Field>
        <Field label={t("mtg.action.org")} error={e.error("orgId")}>
          <select name="orgId" defaultValue={e.value("orgId") ?? ""} required data-testid="action-org">
            <option value="">{t("mtg.action.chooseOrg")}</option>
            {data.organisations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("mtg.action.dueField")} error={e.error("due")}>
          <input type="date" name="due" required defaultValue={e.value("due") ?? suggested} />
        </Field>
        <Field label={t("mtg.form.card")} error={e.error("requestId")}>
          <CardSelect data={data} value={e.value("requestId")} />
        </Field>
        <Field label={t("mtg.form.item")} error={e.error("itemId")}>
          <ItemSelect data={data} currentItemId={currentItemId} value={e.value("itemId")} />
        </Field>
        <button type="submit" className="button" data-testid="action-submit">
          {t("mtg.action.submit")}
        </button>
      </ResettingForm>
    </MeetingSection>
  );
}

function AttendeeForm() {
  const t = useT();
  const e = useErrors("attendee-add");
  return (
    <ResettingForm intent="attendee-add" className="mtg-attendee-form" testId="attendee-form">
      <Field label={t("mtg.present.add")} error={e.error("name")}>
        <input type="text" name="name" maxLength={MEETING_LIMITS.nameMax} defaultValue={e.value("name")} />
      </Field>
      <button type="submit" className="button small secondary">
        {t("mtg.present.addSubmit")}
      </button>
    </ResettingForm>
  );
}

// ---------------------------------------------------------------- ended

function Ended({ data, canManage, cardTitle, canMark, base }: RecordProps) {
  const t = useT();
  const { meeting } = data;
  const e = useErrors("summary");
  const decisionsBy = groupByItem(meeting.agenda, meeting.decisions);
  const actionsBy = groupByItem(meeting.agenda, meeting.actions);
  return (
    <>
      <div className="mtg-buttons">
        <Link to={`${base}/verslag`} className="button" data-testid="minutes-link">
          {t("mtg.minutes.print")}
        </Link>
        <a href={`/api/meetings/${meeting.id}/minutes.md`} className="button secondary" download data-testid="minutes-md">
          {t("mtg.minutes.markdown")}
        </a>
      </div>

      <MeetingSection id="mtg-present-h" title={t("mtg.present", { count: meeting.present.length })}>
        <PresentList present={meeting.present} canEdit={canManage} />
        {canManage ? <AttendeeForm /> : null}
      </MeetingSection>

      <MeetingSection id="mtg-summary-h" title={t("mtg.summary")}>
        {canManage ? (
          <Form method="post" noValidate className="mtg-summary-form" data-testid="summary-form">
            <input type="hidden" name="intent" value="summary" />
            <Field label={t("mtg.summary.label")} error={e.error("summary")}>
              <textarea name="summary" maxLength={MEETING_LIMITS.summaryMax} defaultValue={e.value("summary") ?? meeting.summary} className="mtg-summary-input" />
            </Field>
            <button type="submit" className="button small">
              {t("mtg.save")}
            </button>
          </Form>
        ) : meeting.summary ? (
          <p className="mtg-summary">{meeting.summary}</p>
        ) : (
          <p className="muted">{t("mtg.summary.none")}</p>
        )}
      </MeetingSection>

      <MeetingSection id="mtg-record-h" title={t("mtg.record")}>
        <ol className="mtg-agenda" data-testid="agenda">
          {meeting.agenda.map((item) => (
            <li key={item.id} className="mtg-item" data-testid={`item-${item.id}`}>
              <AgendaItemHead item={item} boardId={data.board.id}>
                {item.spentMs > 0 ? <ItemTimer item={item} now={data.now} /> : null}
              </AgendaItemHead>
              {item.notes ? <p className="mtg-notes">{item.notes}</p> : null}
              <DecisionList decisions={decisionsBy.items.get(item.id) ?? []} cardTitle={cardTitle} canRemove={false} testId={`decisions-${item.id}`} />
              <ActionList actions={actionsBy.items.get(item.id) ?? []} cardTitle={cardTitle} canMark={canMark} now={data.now} testId={`actions-${item.id}`} />
            </li>
          ))}
        </ol>
        {decisionsBy.other.length || actionsBy.other.length ? (
          <>
            <h3 className="small-heading">{t("mtg.other")}</h3>
            <DecisionList decisions={decisionsBy.other} cardTitle={cardTitle} canRemove={false} testId="decisions-other" />
            <ActionList actions={actionsBy.other} cardTitle={cardTitle} canMark={canMark} now={data.now} testId="actions-other" />
          </>
        ) : null}
      </MeetingSection>
    </>
  );
}
