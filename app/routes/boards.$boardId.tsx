import {
  json,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Link, isRouteErrorResponse, useActionData, useLoaderData, useRevalidator, useRouteError, useRouteLoaderData } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { readBoard } from "~/board/domain";
import type { BoardSnapshot } from "~/board/types";
import { BoardPage } from "~/components/board/BoardPage";
import type { CreateActionData } from "~/components/board/NewRequestDialog";
import { DuplicatesProvider } from "~/components/board/duplicates/DuplicatesProvider";
import { OwnershipProvider } from "~/hooks/useOwnership";
import { onlyFilterParamsChanged } from "~/hooks/useBoardView";
import { RealtimeProvider, useJoinedBoard, useRealtime, type JoinedBoard } from "~/hooks/useRealtime";
import { isLocale, translator } from "~/i18n";
import type { ActivityEntry } from "~/lib/sync-client";
import { keepPageWhenUnanswered } from "~/lib/unanswered";
import { boardActivity } from "~/services/activity.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { organisationsFor } from "~/services/boards.server";
import { gettingStarted } from "~/services/getting-started.server";
import { services } from "~/services/context.server";
import { teamsForJobs } from "~/services/teams.server";
import { boardOwnershipState } from "~/services/ownership.server";
import { canEdit, createRequest, IDEMPOTENCY_FIELD, updateReference } from "~/services/requests.server";
import { createJob } from "~/services/jobs.server";
import boardCss from "~/styles/board.css";
import liveCss from "~/styles/live.css";
import ownershipCss from "~/styles/ownership.css";
import overviewCss from "~/styles/overview.css";
import followCss from "~/styles/follow.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: boardCss },
  { rel: "stylesheet", href: ownershipCss },
  { rel: "stylesheet", href: liveCss },
  { rel: "stylesheet", href: overviewCss },
  { rel: "stylesheet", href: followCss },
];

/**
 * The board is live through Yjs and socket.io: a submission on this page
 * (new request, reference) needs no reload of the loader, and a reload that
 * fails because the server just went away must not replace the board by an
 * error page.
 */
export function shouldRevalidate({
  formAction,
  currentUrl,
  nextUrl,
  actionResult,
  defaultShouldRevalidate,
}: {
  formAction?: string;
  currentUrl: URL;
  nextUrl: URL;
  actionResult?: unknown;
  defaultShouldRevalidate: boolean;
}) {
  if (keepPageWhenUnanswered({ actionResult })) return false;
  if (formAction && currentUrl.pathname === nextUrl.pathname && formAction.startsWith(currentUrl.pathname)) return false;
  // Filters and swimlanes live in the URL but only rearrange what the page already has.
  if (!formAction && onlyFilterParamsChanged(currentUrl, nextUrl)) return false;
  return defaultShouldRevalidate;
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.board.name} · Alliantiebord` : "Alliantiebord" },
];

const NO_STORE = { "Cache-Control": "private, no-store" };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const snapshot: BoardSnapshot = await svc.rooms.withDoc(board.id, (doc) => readBoard(doc));
  const organisations = (await organisationsFor(svc, user)).map((o) => ({
    id: o.id,
    name: o.name,
    shortName: o.shortName,
    color: o.color,
    kind: o.kind,
  }));
  // An archived board is read-only for everyone, coordinators too.
  const archived = board.archivedAt !== null;
  return json(
    {
      board: { id: board.id, name: board.name, archived, generation: board.docGeneration },
      organisations,
      canEdit: canEdit(user) && !archived,
      canManage: user.role === "coordinator" && !archived,
      jobTeams: canEdit(user) && !archived ? await teamsForJobs(svc, user) : [],
      snapshot,
      activity: await boardActivity(svc, user, board, { limit: 50 }),
      ownership: await boardOwnershipState(svc, user, board.id),
      gettingStarted: await gettingStarted(svc, user, { id: board.id, cards: snapshot.cards.length, archived }),
      now: svc.now(),
    },
    { headers: NO_STORE },
  );
}

/** The fields of the "new request" form, sent back with errors so a form posted without scripts keeps its input. */
const CREATE_FIELDS = ["title", "category", "description", "reference", "area", "urgency"] as const;

/** The fields of the "new job" form, sent back with errors. */
const JOB_FIELDS = ["title", "category", "places", "date", "time", "durationMinutes", "recurrence", "area", "description", "languageLevel", "physical", "asks", "teamId"] as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");

  if (intent === "create") {
    const input: Record<string, string> = {};
    for (const [k, v] of form) if (typeof v === "string") input[k] = v;
    const result = await createRequest(svc, user, board, input, { idempotencyKey: input[IDEMPOTENCY_FIELD] || null });
    if (result.ok) return json<ActionData>({ intent, ok: true, id: result.card.id, duplicates: result.duplicates }, { headers: NO_STORE });
    if ("forbidden" in result) return json<ActionData>({ intent, ok: false, error: "forbidden" }, { status: 403 });
    const values: Record<string, string> = {};
    for (const f of CREATE_FIELDS) values[f] = input[f] ?? "";
    // Sent again with the form's key: being made right now (409), or made before with other text or since merged (422, 409).
    if ("idempotency" in result) {
      const status = result.idempotency === "reused" || result.idempotency === "invalid" ? 422 : 409;
      return json<ActionData>({ intent, ok: false, error: `idempotency_${result.idempotency}`, values }, { status, headers: NO_STORE });
    }
    // Personal data found and not acknowledged: the form shows where, with "remove" and "Toch opslaan".
    if ("personalData" in result) return json<ActionData>({ intent, ok: false, personalData: result.personalData, values }, { status: 422, headers: NO_STORE });
    if ("quota" in result) {
      // Over the organisation's hourly quota: 429 with when to try again, the form keeps its input.
      const retryAfter = String(Math.max(1, Math.ceil(result.quota.retryAfterMs / 1000)));
      return json<ActionData>({ intent, ok: false, errors: result.errors, values }, { status: 429, headers: { ...NO_STORE, "Retry-After": retryAfter } });
    }
    return json<ActionData>({ intent, ok: false, errors: result.errors, values }, { status: 400, headers: NO_STORE });
  }

  if (intent === "create-job") {
    // A volunteer job (issue 15): the same rules as POST /api/boards/<id>/jobs.
    const input: Record<string, string> = {};
    for (const [k, v] of form) if (typeof v === "string") input[k] = v;
    const result = await createJob(svc, user, board, input);
    const values: Record<string, string> = {};
    for (const f of JOB_FIELDS) values[f] = input[f] ?? "";
    if (result.ok) return json<ActionData>({ intent, ok: true, id: result.card.id }, { headers: NO_STORE });
    if (result.error === "personal_data") {
      const errors = Object.fromEntries(result.found.map((f) => [f.field, "personalData"]));
      return json<ActionData>({ intent, ok: false, errors, values }, { status: 422, headers: NO_STORE });
    }
    if (result.error === "invalid") return json<ActionData>({ intent, ok: false, errors: result.errors, values }, { status: 400, headers: NO_STORE });
    return json<ActionData>({ intent, ok: false, error: result.error, values }, { status: result.status, headers: NO_STORE });
  }

  if (intent === "reference") {
    const requestId = String(form.get("requestId") ?? "");
    const result = await updateReference(svc, user, board, requestId, form.get("reference") ?? "", form.get("acknowledgePersonalData"));
    if (result.ok) return json<ActionData>({ intent, ok: true, reference: result.reference }, { headers: NO_STORE });
    if ("forbidden" in result) return json<ActionData>({ intent, ok: false, error: "forbidden" }, { status: 403 });
    if ("notFound" in result) return json<ActionData>({ intent, ok: false, error: "not_found" }, { status: 404 });
    if ("personalData" in result) return json<ActionData>({ intent, ok: false, personalData: result.personalData }, { status: 422, headers: NO_STORE });
    return json<ActionData>({ intent, ok: false, errors: result.errors }, { status: 400 });
  }

  return json<ActionData>({ intent, ok: false, error: "unknown_intent" }, { status: 400 });
}

/**
 * The forms of this page post in the background (new request, new job, a
 * card's reference): a POST the server never answered (it went away) is the
 * form's "maybe not saved", not the error page in place of the live board.
 */
export { answeredOrUnanswered as clientAction } from "~/lib/unanswered";

export interface ActionData extends CreateActionData {
  intent: string;
  ok: boolean;
  reference?: string;
}

/**
 * A coordinator renamed, archived or put back this board: load its state
 * again (the page turns read-only, or writable). Told by `board:changed`, or,
 * when that came before the socket joined (or while it was away), by the
 * join's answer not matching what the page shows.
 */
function BoardChangeWatcher({ board }: { board: { id: string; name: string; archived: boolean } }) {
  const realtime = useRealtime();
  const joined = useJoinedBoard();
  const { revalidate } = useRevalidator();
  const boardId = board.id;
  useEffect(() => realtime?.on("board:changed", (p) => (p.boardId === boardId ? revalidate() : undefined)), [realtime, boardId, revalidate]);
  // Once per join: a later change is told by its own event, and the page's
  // data may be newer than a join's answer (a rename heard after joining).
  const checked = useRef<JoinedBoard | null>(null);
  useEffect(() => {
    if (!joined || checked.current === joined) return;
    checked.current = joined;
    if (joined.name !== board.name || joined.archived !== board.archived) revalidate();
  }, [joined, board.name, board.archived, revalidate]);
  return null;
}

export default function BoardRoute() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <RealtimeProvider boardId={data.board.id}>
      <BoardChangeWatcher board={data.board} />
      <OwnershipProvider boardId={data.board.id} initial={data.ownership} organisations={data.organisations} readOnly={data.board.archived}>
        <DuplicatesProvider boardId={data.board.id}>
        <BoardPage
          board={data.board}
          organisations={data.organisations}
          canEdit={data.canEdit}
          canManage={data.canManage}
          snapshot={data.snapshot as BoardSnapshot}
          activity={data.activity as ActivityEntry[]}
          serverNow={data.now}
          actionData={actionData as CreateActionData | undefined}
          gettingStarted={data.gettingStarted}
          jobTeams={data.jobTeams}
        />
        </DuplicatesProvider>
      </OwnershipProvider>
    </RealtimeProvider>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const root = useRouteLoaderData("root") as { locale?: unknown } | undefined;
  const t = translator(isLocale(root?.locale) ? root!.locale : "nl");
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message =
    status === 404 ? t("board.error.notFound") : status === 403 ? t("board.error.forbidden") : t("board.error.other");
  return (
    <main id="main" className="page narrow">
      <h1>{t("error.title")}</h1>
      <p>{message}</p>
      <p>
        <Link to="/boards">{t("error.back")}</Link>
      </p>
    </main>
  );
}
