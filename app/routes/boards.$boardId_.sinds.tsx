/**
 * /boards/<boardId>/sinds — "Sinds de vorige vergadering": what happened on
 * the board since a stored moment (?since=<momentId>; by default the end of
 * the last meeting, else the oldest moment, else the board's beginning),
 * every count a link to the board showing exactly those cards. Anyone who
 * may open the board; counts and card ids only (no references, no text).
 * Works without scripts (a plain GET form chooses the moment).
 *
 * (`$boardId_`: not nested in the board route's layout.)
 */
import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { SinceSummary } from "~/components/meeting/SinceSummary";
import { localeTag, useLocale, useT, type Locale, type MessageKey } from "~/i18n";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { defaultSince, staleDaysParam, summaryFor, summaryLabels } from "~/services/summary.server";
import overviewCss from "~/styles/overview.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: overviewCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Sinds de vorige vergadering · ${data.board.name} · Alliantiebord` : "Sinds de vorige vergadering · Alliantiebord" },
];

/** The top bar's language switch posts from every page: a switch the server never answered leaves this page as it is, where loading its data again would fail the same way and show the error page (app/lib/unanswered.ts). */
export { revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const url = new URL(request.url);
  const asked = url.searchParams.get("since") || null;
  const summary = await summaryFor(svc, user, board.id, asked, { staleDays: staleDaysParam(url.searchParams.get("ouderDan")) });
  if (!summary) throw new Response("Not found", { status: 404 });
  const { categories, organisations, moments } = await summaryLabels(svc, user, board);
  // What "the default" is here: the end of the last meeting only once a meeting has ended.
  const defaultKind = (await defaultSince(svc, board.id)).kind;
  return json(
    { board: { id: board.id, name: board.name }, summary, asked, defaultKind, moments, categories, organisations },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

function formatMoment(ms: number, locale: Locale): string {
  return new Intl.DateTimeFormat(localeTag(locale), { dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Amsterdam" }).format(new Date(ms));
}

const REASON_KEYS: Record<string, MessageKey> = {
  meeting_start: "summary.reason.meeting_start",
  meeting_end: "summary.reason.meeting_end",
  daily: "summary.reason.daily",
  manual: "summary.reason.manual",
};

export default function SincePage() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const nav = useNavigation();
  const { board, summary } = data;
  const reason = (r: string) => (REASON_KEYS[r] ? t(REASON_KEYS[r]) : r);

  return (
    <main id="main" className="page overview-page since-page" data-testid="since-page">
      <nav className="ov-crumbs" aria-label={t("ov.nav")}>
        <Link to={`/boards/${board.id}`}>← {t("ov.backToBoard", { board: board.name })}</Link>
        <Link to={`/boards/${board.id}/overzicht`}>{t("ov.link")}</Link>
      </nav>
      <h1>{t("summary.pageTitle", { board: board.name })}</h1>
      <p className="muted">{t("summary.intro")}</p>

      <Form method="get" className="card-panel rep-period" data-testid="since-form">
        <div className="field">
          <label htmlFor="since-moment">{t("summary.since.choose")}</label>
          <select id="since-moment" name="since" defaultValue={data.asked ?? ""} key={data.asked ?? ""}>
            <option value="">{t(data.defaultKind === "meeting_end" ? "summary.since.default" : "summary.since.defaultOldest")}</option>
            {data.moments.map((m) => (
              <option key={m.id} value={m.id}>
                {formatMoment(m.at, locale)} · {reason(m.reason)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button" disabled={nav.state === "loading"}>
          {t("summary.show")}
        </button>
      </Form>

      <h2 className="rep-period-line since-line" data-testid="since-line">
        {summary.since
          ? t("summary.since.at", { at: `${formatMoment(summary.since.at, locale)} (${reason(summary.since.reason)})` })
          : t("summary.since.none")}
      </h2>

      <SinceSummary boardId={board.id} summary={summary} categories={data.categories} organisations={data.organisations} />
    </main>
  );
}
