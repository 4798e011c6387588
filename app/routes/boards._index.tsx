import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useEffect, useRef } from "react";
import { useToast } from "~/components/toast/ToastProvider";
import { localeTag, useLocale, useT, type MessageKey, type Translate } from "~/i18n";
import { requireUser } from "~/services/auth.server";
import { archivedBoardsFor, boardsFor, createBoard, managedBoard, updateBoard, BOARD_NAME_MAX } from "~/services/boards.server";
import { services } from "~/services/context.server";
import boardsCss from "~/styles/boards.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: boardsCss }];

export const meta: MetaFunction = () => [{ title: "Borden · Alliantiebord" }];

const NO_STORE = { "Cache-Control": "private, no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  return json(
    {
      alliance: user.allianceName,
      boards: await boardsFor(svc, user),
      archived: await archivedBoardsFor(svc, user),
      canManage: user.role === "coordinator",
    },
    { headers: NO_STORE },
  );
}

type Intent = "create" | "rename" | "archive" | "restore";

interface ActionData {
  intent: Intent;
  ok: boolean;
  boardId?: string;
  name?: string;
  errors?: Record<string, string>;
}

/** The coordinator's forms on this page; the same services as POST/PATCH /api/boards. */
export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const form = Object.fromEntries(await request.formData());
  const intent = String(form.intent ?? "") as Intent;
  if (user.role !== "coordinator") throw new Response("Forbidden", { status: 403 });
  const answer = (data: ActionData, status = 200) => json<ActionData>(data, { status, headers: NO_STORE });

  if (intent === "create") {
    const res = await createBoard(svc, user, { name: String(form.name ?? ""), copyFrom: String(form.copyFrom ?? "") });
    if (res.ok) return answer({ intent, ok: true, boardId: res.id, name: res.board.name });
    if (res.status === 422) return answer({ intent, ok: false, errors: res.errors }, 422);
    throw new Response(null, { status: res.status });
  }
  if (intent === "rename" || intent === "archive" || intent === "restore") {
    const boardId = String(form.boardId ?? "");
    const before = await managedBoard(svc, user, boardId);
    if (!before) throw new Response("Not found", { status: 404 });
    const input =
      intent === "rename" ? { name: String(form.name ?? "") } : { archived: intent === "archive" };
    const res = await updateBoard(svc, user, boardId, input);
    if (res.ok) return answer({ intent, ok: true, boardId, name: res.board.name });
    if (res.status === 422) return answer({ intent, ok: false, boardId, errors: res.errors }, 422);
    if (res.status === 409) return answer({ intent, ok: false, boardId, errors: { name: "archived" } }, 409);
    throw new Response(null, { status: res.status });
  }
  return answer({ intent, ok: false, errors: { intent: "unknown" } }, 400);
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

function errorText(t: Translate, code: string | undefined): string | undefined {
  if (!code) return undefined;
  const key = `boards.error.${code}` as MessageKey;
  return t(key) === key ? t("boards.toast.failed") : t(key);
}

function toastFor(t: Translate, r: ActionData): string {
  const name = r.name ?? "";
  switch (r.intent) {
    case "create":
      return t("boards.toast.created", { name });
    case "rename":
      return t("boards.toast.renamed", { name });
    case "archive":
      return t("boards.toast.archived", { name });
    default:
      return t("boards.toast.restored", { name });
  }
}

export default function Boards() {
  const t = useT();
  const locale = useLocale();
  const { alliance, boards, archived, canManage } = useLoaderData<typeof loader>();
  const result = useAnsweredActionData<typeof action>().result as ActionData | undefined;
  const nav = useNavigation();
  const toast = useToast();
  const createRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!result) return;
    if (result.ok) {
      toast.success(toastFor(t, result));
      if (result.intent === "create") createRef.current?.reset();
    } else toast.error(errorText(t, result.errors?.name ?? result.errors?.copyFrom) ?? t("boards.toast.failed"));
    // Once per answer of the server.
  }, [result]);

  const busy = nav.state !== "idle";
  const err = (intent: Intent, field: string, boardId?: string) =>
    result && !result.ok && result.intent === intent && (boardId === undefined || result.boardId === boardId)
      ? errorText(t, result.errors?.[field])
      : undefined;
  const createNameError = err("create", "name");
  const copyError = err("create", "copyFrom");
  const dateFormat = new Intl.DateTimeFormat(localeTag(locale), { dateStyle: "long", timeZone: "Europe/Amsterdam" });
  const sources = [...boards, ...archived];

  return (
    <main id="main" className="page boards-page">
      <h1>{t("boards.title", { alliance })}</h1>
      {boards.length === 0 ? (
        <p>{t("boards.empty")}</p>
      ) : (
        <ul className="boards-grid" data-testid="boards">
          {boards.map((b) => {
            const renameError = err("rename", "name", b.id);
            return (
              <li key={b.id} className="board-tile" data-testid={`board-${b.id}`}>
                <Link to={`/boards/${b.id}`} className="board-open">
                  <strong>{b.name}</strong>
                  <span className="muted">{t("boards.open")} →</span>
                </Link>
                {canManage ? (
                  <div className="board-manage" role="group" aria-label={t("boards.manageLabel", { name: b.name })}>
                    {/* Keyed by name: after a rename the form closes, after a refusal it stays open with the message. */}
                    <details key={b.name} className="board-rename" open={renameError ? true : undefined}>
                      <summary className="button small secondary">{t("boards.rename")}</summary>
                      <Form method="post" className="board-rename-form" noValidate>
                        <input type="hidden" name="intent" value="rename" />
                        <input type="hidden" name="boardId" value={b.id} />
                        <label htmlFor={`rename-${b.id}`}>{t("boards.rename.label", { name: b.name })}</label>
                        <input
                          id={`rename-${b.id}`}
                          name="name"
                          type="text"
                          required
                          maxLength={BOARD_NAME_MAX}
                          defaultValue={b.name}
                          aria-invalid={renameError ? true : undefined}
                          aria-describedby={renameError ? `rename-${b.id}-e` : undefined}
                        />
                        {renameError ? (
                          <span id={`rename-${b.id}-e`} className="field-error">
                            {renameError}
                          </span>
                        ) : null}
                        <button className="button small" type="submit" disabled={busy}>
                          {t("boards.save")}
                        </button>
                      </Form>
                    </details>
                    <Form method="post">
                      <input type="hidden" name="intent" value="archive" />
                      <input type="hidden" name="boardId" value={b.id} />
                      <button className="button small secondary" type="submit" disabled={busy} aria-label={t("boards.archive.label", { name: b.name })}>
                        {t("boards.archive")}
                      </button>
                    </Form>
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      {canManage && boards.length > 0 ? <p className="muted small">{t("boards.archive.hint")}</p> : null}

      {archived.length > 0 ? (
        <details className="boards-archived" data-testid="boards-archived" open={result?.intent === "archive" && result.ok ? true : undefined}>
          <summary>
            <h2>{t("boards.archived.title", { count: archived.length })}</h2>
          </summary>
          <ul className="archived-list">
            {archived.map((b) => (
              <li key={b.id} data-testid={`archived-${b.id}`}>
                <span className="archived-name">
                  <Link to={`/boards/${b.id}`}>{b.name}</Link>{" "}
                  <span className="muted small">{t("boards.archived.since", { date: dateFormat.format(b.archivedAt) })}</span>
                </span>
                {canManage ? (
                  <Form method="post">
                    <input type="hidden" name="intent" value="restore" />
                    <input type="hidden" name="boardId" value={b.id} />
                    <button className="button small secondary" type="submit" disabled={busy} aria-label={t("boards.restore.label", { name: b.name })}>
                      {t("boards.restore")}
                    </button>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      {canManage ? (
        <section className="card-panel boards-new" aria-labelledby="boards-new-h">
          <h2 id="boards-new-h">{t("boards.new")}</h2>
          <p className="muted">{t("boards.new.intro")}</p>
          <Form method="post" ref={createRef} className="boards-new-form" noValidate>
            <input type="hidden" name="intent" value="create" />
            <div className="field">
              <label htmlFor="board-name">{t("boards.field.name")}</label>
              <input
                id="board-name"
                name="name"
                type="text"
                required
                maxLength={BOARD_NAME_MAX}
                aria-invalid={createNameError ? true : undefined}
                aria-describedby={createNameError ? "board-name-e" : undefined}
              />
              {createNameError ? (
                <span id="board-name-e" className="field-error">
                  {createNameError}
                </span>
              ) : null}
            </div>
            <div className="field">
              <label htmlFor="board-copy">{t("boards.field.copyFrom")}</label>
              <select
                id="board-copy"
                name="copyFrom"
                defaultValue=""
                aria-invalid={copyError ? true : undefined}
                aria-describedby={copyError ? "board-copy-hint board-copy-e" : "board-copy-hint"}
              >
                <option value="">{t("boards.copy.default")}</option>
                {sources.map((b) => (
                  <option key={b.id} value={b.id}>
                    {t("boards.copy.from", { name: b.name })}
                  </option>
                ))}
              </select>
              <span id="board-copy-hint" className="hint">
                {t("boards.copy.hint")}
              </span>
              {copyError ? (
                <span id="board-copy-e" className="field-error">
                  {copyError}
                </span>
              ) : null}
            </div>
            <button className="button" type="submit" disabled={busy}>
              {t("boards.create")}
            </button>
          </Form>
        </section>
      ) : null}

    </main>
  );
}
