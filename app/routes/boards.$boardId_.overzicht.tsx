/**
 * /boards/<boardId>/overzicht — the coordinator's overview, rendered on the
 * server: who does what (category × organisation × column), counted by the
 * columns' stages (open: every stage but done; not picked up: nobody holds
 * it in an intake or open column), per category the
 * open and unclaimed requests and the time to claim, demand against
 * declared capacity, requests open longer than N days (?ouderDan=, default
 * 14) and possible duplicates (merge / "geen dubbel" for coordinators).
 *
 * Card titles appear (every member of the alliance sees them on the board);
 * references never do. The page revalidates on the board's socket events and
 * every 30 s.
 *
 * (The file name has `$boardId_` so the page does not nest inside the board
 * route's layout: same URL, its own loader.)
 */
import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { getCard } from "~/board/domain";
import { CapacityChart } from "~/components/overview/CapacityChart";
import { CategoryStats } from "~/components/overview/CategoryStats";
import { DuplicateGroups, type DecisionResult, type DuplicateCard } from "~/components/overview/DuplicateGroups";
import { LiveRefresh } from "~/components/overview/LiveRefresh";
import { OverviewMatrix } from "~/components/overview/OverviewMatrix";
import { Panel } from "~/components/overview/Panel";
import { StaleList } from "~/components/overview/StaleList";
import { categoryLabel } from "~/components/board/labels";
import { RealtimeProvider } from "~/hooks/useRealtime";
import { useLocale, useT } from "~/i18n";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { dismissDuplicate, duplicateGroups, mergeDuplicate } from "~/services/duplicates.server";
import { boardOverview, staleDaysParam } from "~/services/overview.server";
import { boardOwnershipState } from "~/services/ownership.server";
import overviewCss from "~/styles/overview.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: overviewCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Overzicht · ${data.board.name} · Alliantiebord` : "Overzicht · Alliantiebord" },
];

const NO_STORE = { "Cache-Control": "private, no-store" };
/** A large board can have hundreds of candidate pairs: the page shows the most certain ones first. */
const MAX_GROUPS = 40;
const KIND_ORDER = { exact: 0, near: 1, household: 2 } as const;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const staleDays = staleDaysParam(new URL(request.url).searchParams.get("ouderDan"));
  const [data, allGroups] = await Promise.all([boardOverview(svc, user, board, staleDays), duplicateGroups(svc, user, board)]);
  const groups = [...allGroups]
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (b.score ?? 0) - (a.score ?? 0))
    .slice(0, MAX_GROUPS);

  // Titles and holders of the cards in a duplicate group (never their references).
  const ids = [...new Set(groups.flatMap((g) => g.requestIds))];
  const found = ids.length ? await svc.rooms.withDoc(board.id, (doc) => ids.map((id) => getCard(doc, id))) : [];
  const owners = ids.length ? (await boardOwnershipState(svc, user, board.id)).owners : {};
  const cards: Record<string, DuplicateCard> = {};
  for (const c of found) {
    if (!c) continue;
    cards[c.id] = {
      id: c.id,
      title: c.title,
      category: c.category,
      column: c.column,
      createdAt: c.createdAt,
      organisation: owners[c.id]?.id ?? c.createdByOrg ?? null,
    };
  }

  return json(
    {
      board: { id: board.id, name: board.name },
      staleDays,
      canDecide: user.role === "coordinator",
      overview: data.overview,
      columns: data.columns.map((c) => ({ id: c.id, name: c.name, stage: c.stage })),
      categories: data.categories.map((c) => ({ id: c.id, label: c.label, color: c.color })),
      organisations: data.organisations,
      duplicates: groups,
      duplicatesTotal: allGroups.length,
      duplicateCards: cards,
      now: svc.now(),
    },
    { headers: NO_STORE },
  );
}

/** Merge a group into the chosen card, or mark it "geen dubbel" (every pair). Coordinators only (the service checks). */
/**
 * A decision on a duplicate group posts in the background: one the server
 * never answered (it went away) is the group's "maybe not saved", not the
 * error page in place of the overview.
 */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const group = String(form.get("group") ?? "");
  const ids = [...new Set(form.getAll("ids").map(String))].slice(0, 20);
  const fail = (status: number, error: string) => json<DecisionResult>({ ok: false, group, error }, { status, headers: NO_STORE });
  if (user.role !== "coordinator") return fail(403, "forbidden");
  if (ids.length < 2) return fail(400, "bad_request");

  if (intent === "merge") {
    const into = String(form.get("into") ?? "");
    if (!ids.includes(into)) return fail(400, "choose");
    for (const from of ids.filter((id) => id !== into)) {
      const res = await mergeDuplicate(svc, user, board, into, from);
      if (!res.ok) return fail(res.status, res.error);
    }
    return json<DecisionResult>({ ok: true, group }, { headers: NO_STORE });
  }
  if (intent === "dismiss") {
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const res = await dismissDuplicate(svc, user, board, ids[i], ids[j]);
        if (!res.ok) return fail(res.status, res.error);
      }
    return json<DecisionResult>({ ok: true, group }, { headers: NO_STORE });
  }
  return fail(400, "unknown_intent");
}

export default function OverviewPage() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const nav = useNavigation();
  const { overview, board } = data;
  const catLabel = (id: string, label: string) => categoryLabel(t, { id, label });
  const capacityRows = overview.perCategory.map((c) => ({
    category: c.category,
    label: catLabel(c.category, c.label),
    demand: c.demand,
    capacity: c.capacity,
  }));

  return (
    <RealtimeProvider boardId={board.id}>
      <LiveRefresh boardId={board.id} />
      <main id="main" className="page overview-page" data-testid="overview">
        <nav className="ov-crumbs" aria-label={t("ov.nav")}>
          <Link to={`/boards/${board.id}`}>← {t("ov.backToBoard", { board: board.name })}</Link>
          <Link to={`/boards/${board.id}/rapport`}>{t("rep.link")}</Link>
          <Link to={`/boards/${board.id}/sinds`} data-testid="since-link">{t("summary.pageLink")}</Link>
        </nav>
        <h1>{t("ov.title", { board: board.name })}</h1>
        <p className="ov-totals" data-testid="overview-totals">
          <span>
            <strong>{overview.totals.all}</strong> {t("ov.totals.all")}
          </span>
          <span>
            <strong>{overview.totals.open}</strong> {t("ov.totals.open")}
          </span>
          <span>
            <strong>{overview.totals.unclaimed}</strong> {t("ov.totals.unclaimed")}
          </span>
          <span data-testid="overview-held">
            <strong>{overview.byStage.held}</strong> {t("ov.totals.held")}
          </span>
          <span data-testid="overview-done">
            <strong>{overview.byStage.done}</strong> {t("ov.totals.done")}
          </span>
          <span className={overview.totals.stale ? "ov-attention" : undefined}>
            <strong>{overview.totals.stale}</strong> {t("ov.totals.stale", { days: data.staleDays })}
          </span>
        </p>

        <Panel id="ov-who" title={t("ov.matrix.title")} help={t("ov.matrix.help")}>
          <OverviewMatrix
            matrix={overview.matrix}
            columns={data.columns}
            categories={data.categories}
            organisations={data.organisations}
            t={t}
          />
        </Panel>

        <Panel id="ov-cap" title={t("ov.capacity.heading")} help={t("ov.capacity.help")}>
          <CapacityChart rows={capacityRows} t={t} />
        </Panel>

        <Panel id="ov-cat" title={t("ov.categories.title")}>
          <CategoryStats boardId={board.id} rows={overview.perCategory} staleDays={data.staleDays} locale={locale} t={t} />
        </Panel>

        <Panel id="ov-stale" title={t("ov.stale.title", { days: data.staleDays })}>
          <Form method="get" className="inline-row ov-stale-form" data-testid="stale-form">
            <label htmlFor="ov-ouder-dan">{t("ov.stale.label")}</label>
            <input
              id="ov-ouder-dan"
              type="number"
              name="ouderDan"
              min={1}
              max={365}
              step={1}
              defaultValue={data.staleDays}
              key={data.staleDays}
              className="ov-days-input"
            />
            <span>{t("ov.stale.unit")}</span>
            <button type="submit" className="button secondary small" disabled={nav.state === "loading"}>
              {t("ov.stale.submit")}
            </button>
          </Form>
          <StaleList
            boardId={board.id}
            items={overview.stale}
            total={overview.totals.stale}
            categories={data.categories}
            columns={data.columns}
            organisations={data.organisations}
            t={t}
          />
        </Panel>

        <Panel id="ov-dup" title={t("dup.title")} help={t("dup.help")}>
          <DuplicateGroups
            boardId={board.id}
            groups={data.duplicates}
            cards={data.duplicateCards}
            categories={data.categories}
            organisations={data.organisations}
            columns={data.columns}
            canDecide={data.canDecide}
            now={data.now}
            t={t}
          />
          {data.duplicatesTotal > data.duplicates.length ? (
            <p className="muted small">{t("dup.more", { shown: data.duplicates.length, total: data.duplicatesTotal })}</p>
          ) : null}
        </Panel>
      </main>
    </RealtimeProvider>
  );
}
