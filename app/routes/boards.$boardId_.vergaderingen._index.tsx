/**
 * /boards/<boardId>/vergaderingen — the board's meetings: the running one
 * first (to the board, or join its page), then the planned ones, then the
 * ended ones with their minutes; a coordinator plans one here (title, date,
 * time in Amsterdam time) and lands on its page with the proposed agenda.
 * Works without scripts; updates when a meeting of the board changes.
 */
import { json, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { MEETING_LIMITS, type MeetingSummary } from "~/board/meeting";
import { amsterdamWallTime } from "~/board/meeting-time";
import { Field } from "~/components/board/Field";
import { MeetingLive } from "~/components/meeting/MeetingLive";
import { formatMeetingAt, meetingFieldError } from "~/components/meeting/format";
import { RealtimeProvider } from "~/hooks/useRealtime";
import { translator, useLocale, useT } from "~/i18n";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { localeFromRequest } from "~/services/locale.server";
import { readMeetingWhen, whenFieldErrors } from "~/services/meeting-pages.server";
import { createMeeting, listMeetings } from "~/services/meetings.server";
import meetingsCss from "~/styles/meetings.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: meetingsCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Vergaderingen · ${data.board.name} · Alliantiebord` : "Vergaderingen · Alliantiebord" },
];

const NO_STORE = { "Cache-Control": "private, no-store" };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const now = svc.now();
  // A week ahead at 19:30 as the form's suggestion.
  const suggested = amsterdamWallTime(now + 7 * 86400_000);
  return json(
    {
      board: { id: board.id, name: board.name, archived: board.archivedAt !== null },
      meetings: await listMeetings(svc, user, board.id) ?? [],
      canPlan: user.role === "coordinator" && board.archivedAt === null,
      suggested: { date: suggested.date, time: "19:30" },
    },
    { headers: NO_STORE },
  );
}

interface PlanResult {
  ok: false;
  errors: Record<string, string>;
  values: { title: string; date: string; time: string };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  if (user.role !== "coordinator") throw new Response("Forbidden", { status: 403 });
  const { values, errors, at } = readMeetingWhen(await request.formData());
  if (Object.keys(errors).length) return json<PlanResult>({ ok: false, errors, values }, { status: 422, headers: NO_STORE });
  const t = translator(localeFromRequest(request, user));
  const res = await createMeeting(svc, user, board.id, { title: values.title, at }, t);
  if (res.ok) return redirect(`/boards/${board.id}/vergaderingen/${res.id}`, { headers: NO_STORE });
  if (res.status !== 422 || !res.errors) throw new Response(res.error, { status: res.status });
  return json<PlanResult>({ ok: false, errors: whenFieldErrors(res.errors), values }, { status: 422, headers: NO_STORE });
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

function MeetingRow({ m, boardId, ended }: { m: MeetingSummary; boardId: string; ended?: boolean }) {
  const t = useT();
  const locale = useLocale();
  return (
    <li className="mtg-row" data-testid={`meeting-${m.id}`}>
      <Link to={`/boards/${boardId}/vergaderingen/${m.id}`} className="mtg-row-title">
        {m.title}
      </Link>
      <span className="muted">{formatMeetingAt(m.at, locale)}</span>
      {ended ? (
        <Link to={`/boards/${boardId}/vergaderingen/${m.id}/verslag`} className="mtg-row-minutes">
          {t("mtg.list.minutes")}
        </Link>
      ) : null}
    </li>
  );
}

export default function MeetingsPage() {
  const { board, meetings, canPlan, suggested } = useLoaderData<typeof loader>();
  const result = useAnsweredActionData<typeof action>().result as PlanResult | undefined;
  const nav = useNavigation();
  const t = useT();
  const locale = useLocale();
  const running = meetings.filter((m) => m.status === "running");
  const planned = meetings.filter((m) => m.status === "planned").sort((a, b) => a.at - b.at);
  const ended = meetings.filter((m) => m.status === "ended");
  const err = (field: string) => meetingFieldError(t, result?.errors?.[field]);

  return (
    <RealtimeProvider boardId={board.id}>
      <MeetingLive boardId={board.id} />
      <main id="main" className="page mtg-page" data-testid="meetings">
        <nav className="mtg-crumbs" aria-label={t("mtg.nav")}>
          <Link to={`/boards/${board.id}`}>← {t("mtg.backToBoard", { board: board.name })}</Link>
        </nav>
        <h1>{t("mtg.list.title", { board: board.name })}</h1>
        <p className="muted">{t("mtg.list.intro")}</p>

        {running.map((m) => (
          <section key={m.id} className="card-panel mtg-running" aria-labelledby={`running-${m.id}`} data-testid="meeting-running">
            <p className="mtg-live-badge">{t("mtg.status.running")}</p>
            <h2 id={`running-${m.id}`}>{m.title}</h2>
            <p className="muted">{t("mtg.list.runningSince", { at: formatMeetingAt(m.startedAt ?? m.at, locale) })}</p>
            <div className="mtg-buttons">
              <Link to={`/boards/${board.id}`} className="button">
                {t("mtg.toBoard")}
              </Link>
              <Link to={`/boards/${board.id}/vergaderingen/${m.id}`} className="button secondary" data-testid="meeting-join">
                {t("mtg.join")}
              </Link>
            </div>
          </section>
        ))}

        <section className="mtg-section" aria-labelledby="mtg-planned-h">
          <h2 id="mtg-planned-h">{t("mtg.list.planned")}</h2>
          {planned.length ? (
            <ul className="mtg-list" data-testid="meetings-planned">
              {planned.map((m) => (
                <MeetingRow key={m.id} m={m} boardId={board.id} />
              ))}
            </ul>
          ) : (
            <p className="muted">{t("mtg.list.noPlanned")}</p>
          )}
        </section>

        {canPlan ? (
          <section className="card-panel mtg-plan" aria-labelledby="mtg-plan-h">
            <h2 id="mtg-plan-h">{t("mtg.plan.title")}</h2>
            <p className="muted small">{t("mtg.plan.intro")}</p>
            <Form method="post" noValidate className="mtg-plan-form" data-testid="plan-form">
              <Field label={t("mtg.plan.field.title")} error={err("title")}>
                <input type="text" name="title" required maxLength={MEETING_LIMITS.titleMax} defaultValue={result?.values.title ?? t("mtg.plan.defaultTitle")} />
              </Field>
              <div className="mtg-field-row">
                <Field label={t("mtg.plan.field.date")} error={err("date")}>
                  <input type="date" name="date" required defaultValue={result?.values.date ?? suggested.date} />
                </Field>
                <Field label={t("mtg.plan.field.time")} error={err("time")} hint={t("mtg.plan.field.timeHint")}>
                  <input type="time" name="time" required defaultValue={result?.values.time ?? suggested.time} />
                </Field>
              </div>
              <button type="submit" className="button" disabled={nav.state !== "idle"} data-testid="plan-submit">
                {t("mtg.plan.submit")}
              </button>
            </Form>
          </section>
        ) : null}

        <section className="mtg-section" aria-labelledby="mtg-ended-h">
          <h2 id="mtg-ended-h">{t("mtg.list.ended")}</h2>
          {ended.length ? (
            <ul className="mtg-list" data-testid="meetings-ended">
              {ended.map((m) => (
                <MeetingRow key={m.id} m={m} boardId={board.id} ended />
              ))}
            </ul>
          ) : (
            <p className="muted">{t("mtg.list.noEnded")}</p>
          )}
        </section>
      </main>
    </RealtimeProvider>
  );
}
