/**
 * /boards/<boardId>/verleden — the board as it was at a stored moment
 * (issue 13), rendered on the server and read only: its columns with their
 * cards as they stood then, a slider over the stored moments (`?moment=<id>`
 * in the URL, so a moment can be shared), previous/next, and what the audit
 * log recorded between this moment and the previous one.
 *
 * Nothing here changes the live board: no drag, no buttons on cards, no Yjs
 * or socket.io connection. The one action is a coordinator's "Nu een moment
 * vastleggen", through the same service as `POST /api/boards/<id>/snapshots`.
 *
 * (The file name has `$boardId_` so the page does not nest inside the board
 * route's layout: same URL, its own loader.)
 */
import { json, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useEffect, useRef, useState } from "react";
import { effectiveColumn } from "~/board/domain";
import type { CategoryView } from "~/board/types";
import { ActivityItem } from "~/components/board/activity/ActivityPanel";
import type { ActivityNames } from "~/components/board/activity/describe";
import { CardBody, NowContext } from "~/components/board/Card";
import { columnLabel, safeColor } from "~/components/board/labels";
import { stageHelp, stageLabel } from "~/components/board/stageLabels";
import { useToast } from "~/components/toast/ToastProvider";
import { localeTag, useLocale, useT, type Locale, type MessageKey, type Translate } from "~/i18n";
import { requireBoard, requireUser } from "~/services/auth.server";
import { organisationsFor } from "~/services/boards.server";
import { services } from "~/services/context.server";
import { boardMomentList, changesBetween, manualMoment, momentBoard, type MomentCard, type MomentReason } from "~/services/moments.server";
import boardCss from "~/styles/board.css";
import historyCss from "~/styles/history.css";
import liveCss from "~/styles/live.css";
import overviewCss from "~/styles/overview.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: boardCss },
  { rel: "stylesheet", href: liveCss },
  { rel: "stylesheet", href: overviewCss },
  { rel: "stylesheet", href: historyCss },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Terugkijken · ${data.board.name} · Alliantiebord` : "Terugkijken · Alliantiebord" },
];

const NO_STORE = { "Cache-Control": "private, no-store" };
/** The changes listed beside a moment (newest first); more are counted, not shown. */
const CHANGES_SHOWN = 100;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const moments = (await boardMomentList(svc, board)).map(({ id, at, reason }) => ({ id, at, reason }));
  const asked = new URL(request.url).searchParams.get("moment");
  // Without ?moment= the latest; an id that is not one of this board's moments is not found (also another board's).
  const index = asked === null ? moments.length - 1 : moments.findIndex((m) => m.id === asked);
  if (asked !== null && index < 0) throw new Response("Not found", { status: 404, headers: NO_STORE });
  const chosen = index >= 0 ? await momentBoard(svc, user, board, moments[index].id) : null;

  let past = null;
  if (chosen) {
    const visible = chosen.cards.filter((c) => !c.archived);
    past = {
      at: chosen.at,
      reason: chosen.reason,
      columns: chosen.columns.map((col) => ({
        id: col.id,
        name: col.name,
        stage: col.stage,
        cards: visible.filter((c) => effectiveColumn(c, chosen.columns) === col.id),
      })),
      categories: chosen.categories,
      archived: chosen.cards.length - visible.length,
      /** Titles of that time, for the sentences about the changes. */
      titles: Object.fromEntries(chosen.cards.map((c) => [c.id, c.title])),
    };
  }
  const between = chosen && index > 0 ? await changesBetween(svc, board, moments[index - 1].id, chosen.id, CHANGES_SHOWN) : null;

  return json(
    {
      board: { id: board.id, name: board.name, archived: board.archivedAt !== null },
      moments,
      index,
      past,
      changes: between ? { fromAt: between.from.at, events: between.events, more: between.more } : null,
      organisations: (await organisationsFor(svc, user)).map((o) => ({ id: o.id, name: o.name, shortName: o.shortName, color: o.color })),
      canTake: user.role === "coordinator" && board.archivedAt === null,
    },
    { headers: NO_STORE },
  );
}

type ActionData = { ok: false; error: "forbidden" | "board_archived" | "unknown_intent" };

/** "Nu een moment vastleggen" (coordinator); then the page shows the new moment. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const form = await request.formData();
  if (form.get("intent") !== "take") return json<ActionData>({ ok: false, error: "unknown_intent" }, { status: 400, headers: NO_STORE });
  const res = await manualMoment(svc, user, board);
  if (!res.ok) {
    const error = res.status === 403 ? "forbidden" : "board_archived";
    return json<ActionData>({ ok: false, error }, { status: res.status, headers: NO_STORE });
  }
  return redirect(`/boards/${board.id}/verleden?moment=${encodeURIComponent(res.id)}`, { headers: NO_STORE });
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

const REASON_KEYS: Record<MomentReason, MessageKey> = {
  meeting_start: "hist.reason.meeting_start",
  meeting_end: "hist.reason.meeting_end",
  daily: "hist.reason.daily",
  manual: "hist.reason.manual",
};

const formats = new Map<Locale, Intl.DateTimeFormat>();
/** A moment's date and time, the same on the server and in the browser (Dutch time). */
function formatWhen(locale: Locale, at: number): string {
  let f = formats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(localeTag(locale), { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Amsterdam" });
    formats.set(locale, f);
  }
  return f.format(new Date(at));
}

export default function HistoryPage() {
  const data = useLoaderData<typeof loader>();
  const { result: actionData, unanswered } = useAnsweredActionData<typeof action>();
  const t = useT();
  const locale = useLocale();
  const { board, moments, index, past } = data;
  const chosen = index >= 0 ? moments[index] : null;
  const href = (i: number) => `/boards/${board.id}/verleden?moment=${encodeURIComponent(moments[i].id)}`;

  return (
    <main id="main" className="page history-page" data-testid="history">
      <nav className="ov-crumbs" aria-label={t("ov.nav")}>
        <Link to={`/boards/${board.id}`} data-testid="history-back">
          ← {t("hist.backToLive")}
        </Link>
      </nav>
      <h1>{t("hist.title", { board: board.name })}</h1>

      {chosen && past ? (
        <p className="alert info hist-banner" data-testid="history-banner">
          <strong>{t("hist.banner", { when: formatWhen(locale, chosen.at) })}</strong> ({t(REASON_KEYS[chosen.reason])}).{" "}
          <Link to={`/boards/${board.id}`}>{t("hist.backToLive")}</Link>
        </p>
      ) : (
        <p className="alert info" data-testid="history-none">
          {t("hist.none")}
        </p>
      )}

      <div className="hist-top">
        <div className="hist-controls">
          {moments.length > 0 ? <MomentSlider key={board.id} moments={moments} index={index} href={href} t={t} locale={locale} /> : null}
          <TakeMoment canTake={data.canTake} archived={board.archived} error={actionData?.error} unanswered={!!unanswered} t={t} />
        </div>
        {past ? <Changes data={data} t={t} locale={locale} /> : null}
      </div>

      {past ? (
        <div className="hist-board">
          <h2 id="hist-board-heading" className="visually-hidden">
            {t("hist.board")}
          </h2>
          <NowContext.Provider value={past.at}>
            <PastColumns past={past} organisations={data.organisations} t={t} locale={locale} />
          </NowContext.Provider>
          {past.archived > 0 ? (
            <p className="muted small" data-testid="history-archived">
              {t("hist.archivedCount", { count: past.archived })}
            </p>
          ) : null}
        </div>
      ) : null}
    </main>
  );
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

/** The slider over the stored moments, with previous/next; each choice is a URL (?moment=<id>). */
function MomentSlider({
  moments,
  index,
  href,
  t,
  locale,
}: {
  moments: Data["moments"];
  index: number;
  href: (i: number) => string;
  t: Translate;
  locale: Locale;
}) {
  const navigate = useNavigate();
  const [value, setValue] = useState(index);
  useEffect(() => setValue(index), [index]);
  const shown = moments[value] ?? moments[index];
  const describe = (m: (typeof moments)[number]) => `${formatWhen(locale, m.at)}, ${t(REASON_KEYS[m.reason])}`;
  // The slider replaces the entry (holding an arrow key makes no trail of history); previous/next links add one.
  const choose = (i: number) => {
    setValue(i);
    navigate(href(i), { replace: true, preventScrollReset: true });
  };
  const last = moments.length - 1;
  return (
    <div className="hist-slider" data-testid="history-slider-group">
      <label htmlFor="hist-moment" className="hist-slider-label">
        {t("hist.slider")}
      </label>
      <div className="hist-slider-row">
        {index > 0 ? (
          <Link to={href(index - 1)} className="button secondary small" preventScrollReset data-testid="history-previous">
            ← {t("hist.previous")}
          </Link>
        ) : (
          <span className="button secondary small is-disabled" aria-disabled="true">
            ← {t("hist.previous")}
          </span>
        )}
        <input
          id="hist-moment"
          type="range"
          min={0}
          max={last}
          step={1}
          value={value}
          disabled={last === 0}
          aria-valuetext={describe(shown)}
          onChange={(e) => choose(Number(e.currentTarget.value))}
          data-testid="history-slider"
        />
        {index < last ? (
          <Link to={href(index + 1)} className="button secondary small" preventScrollReset data-testid="history-next">
            {t("hist.next")} →
          </Link>
        ) : (
          <span className="button secondary small is-disabled" aria-disabled="true">
            {t("hist.next")} →
          </span>
        )}
      </div>
      <p className="hist-chosen" data-testid="history-chosen" aria-live="polite">
        <span className="hist-position">{t("hist.position", { n: value + 1, total: moments.length })}:</span>{" "}
        <time dateTime={new Date(shown.at).toISOString()}>{formatWhen(locale, shown.at)}</time> · {t(REASON_KEYS[shown.reason])}
      </p>
    </div>
  );
}

/** "Nu een moment vastleggen" for a coordinator of a board that is not archived; a toast when it is stored. */
/** `unanswered`: the last "take" met a server that went away (said by a toast): not taken as far as anyone knows. */
function TakeMoment({ canTake, archived, error, unanswered, t }: { canTake: boolean; archived: boolean; error?: string; unanswered: boolean; t: Translate }) {
  const nav = useNavigation();
  const toast = useToast();
  const taking = nav.state !== "idle" && nav.formData?.get("intent") === "take";
  const wasTaking = useRef(false);
  useEffect(() => {
    if (wasTaking.current && !taking && !error && !unanswered) toast.success(t("hist.taken"));
    wasTaking.current = taking;
  }, [taking, error, unanswered, toast, t]);
  return (
    <div className="hist-take">
      {canTake ? (
        <Form method="post" replace>
          <input type="hidden" name="intent" value="take" />
          <button type="submit" className="button" disabled={taking} data-testid="history-take">
            {taking ? t("hist.taking") : t("hist.take")}
          </button>
        </Form>
      ) : archived ? (
        <p className="muted small">{t("hist.archived")}</p>
      ) : null}
      {error ? (
        <p className="alert error small" role="alert">
          {error === "board_archived" ? t("hist.archived") : t("hist.forbidden")}
        </p>
      ) : null}
    </div>
  );
}

/** The columns of that moment with their cards: the card's look, nothing to press or drag. */
function PastColumns({
  past,
  organisations,
  t,
  locale,
}: {
  past: NonNullable<Data["past"]>;
  organisations: Data["organisations"];
  t: Translate;
  locale: Locale;
}) {
  const categoryById = new Map<string, CategoryView>(past.categories.map((c) => [c.id, c]));
  const orgById = new Map(organisations.map((o) => [o.id, o]));
  return (
    // Scrolls sideways on a desktop with many columns: reachable by keyboard (tabIndex) and named.
    <div className="hist-columns" role="region" aria-labelledby="hist-board-heading" tabIndex={0} data-testid="history-columns">
      {past.columns.map((col) => (
        <section key={col.id} className="board-column is-active hist-column" aria-labelledby={`hist-col-${col.id}`} data-testid={`history-column-${col.id}`}>
          <div className="column-head">
            <div className="column-heading">
              <h3 id={`hist-col-${col.id}`} className="column-title">
                <span className="column-name">{columnLabel(t, col)}</span>{" "}
                <span className="column-count">
                  <span aria-hidden="true">{col.cards.length}</span>
                  <span className="visually-hidden">
                    {t("column.count", { count: col.cards.length })}
                  </span>
                </span>
              </h3>
              <span className="column-stage" data-stage={col.stage} title={stageHelp(t, col.stage)}>
                <span className="visually-hidden">{t("stage.columnLabel", { stage: "" })}</span>
                {stageLabel(t, col.stage)}
              </span>
            </div>
          </div>
          <div className="column-body">
            {col.cards.length ? (
              <ul className="card-list">
                {col.cards.map((card: MomentCard) => (
                  <li key={card.id} className="card-item">
                    <div
                      className="board-card hist-card"
                      style={{ borderLeftColor: safeColor(categoryById.get(card.category)?.color) }}
                      data-testid={`history-card-${card.id}`}
                      data-card-id={card.id}
                    >
                      <CardBody card={card} category={categoryById.get(card.category)} org={orgById.get(card.createdByOrg)} locale={locale} />
                      {card.reference ? (
                        <span className="hist-reference" data-testid="history-reference">
                          {t("hist.reference")}: {card.reference}
                        </span>
                      ) : null}
                    </div>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="column-empty">{t("column.empty")}</p>
            )}
          </div>
        </section>
      ))}
    </div>
  );
}

/** What the audit log recorded between the previous moment and this one, in sentences. */
function Changes({ data, t, locale }: { data: Data; t: Translate; locale: Locale }) {
  const past = data.past!;
  const orgs = new Map(data.organisations.map((o) => [o.id, o.shortName]));
  const names: ActivityNames = {
    cardTitle: (id) => past.titles[id],
    columns: past.columns.map((c, i) => ({ id: c.id, name: c.name, stage: c.stage, order: String(i) })),
    categoryById: new Map(past.categories.map((c) => [c.id, c])),
    orgName: (id) => orgs.get(id),
  };
  return (
    // Its list scrolls within a fixed height: reachable by keyboard (tabIndex).
    <section className="hist-changes" aria-labelledby="hist-changes-heading" tabIndex={0} data-testid="history-changes">
      <h2 id="hist-changes-heading">{t("hist.changes.title")}</h2>
      {data.changes === null ? (
        <p className="muted small">{t("hist.changes.first")}</p>
      ) : (
        <>
          <p className="muted small">
            {t("hist.changes.since", { from: formatWhen(locale, data.changes.fromAt), to: formatWhen(locale, past.at) })}
          </p>
          {data.changes.events.length === 0 ? (
            <p className="muted small">{t("hist.changes.none")}</p>
          ) : (
            <ul className="activity-list hist-change-list">
              {data.changes.events.map((e) => (
                <ActivityItem key={e.id} entry={e} names={names} t={t} locale={locale} now={past.at} />
              ))}
            </ul>
          )}
          {data.changes.more ? <p className="muted small">{t("hist.changes.more", { count: data.changes.events.length })}</p> : null}
        </>
      )}
    </section>
  );
}
