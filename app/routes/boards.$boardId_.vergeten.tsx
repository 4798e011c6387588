/**
 * /boards/<boardId>/vergeten — "Vergeet deze persoon" (coordinator): enter a
 * reference (or come from a card: ?kaart=<id>), see what will go, then
 * confirm in a deliberate second step. Both steps are POSTs, so a reference
 * never sits in a URL. The work is app/services/forget.server.ts, the same
 * as POST /api/boards/<id>/forget. Also on an archived board.
 */
import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useEffect, useRef } from "react";
import { getCard } from "~/board/domain";
import { fieldError, useT, type MessageKey, type Translate } from "~/i18n";
import { canOpenBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { forgetPerson, type ForgetCounts } from "~/services/forget.server";
import overviewCss from "~/styles/overview.css";
import { getBoard } from "../../db/accounts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: overviewCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Vergeet deze persoon · ${data.board.name} · Alliantiebord` : "Alliantiebord" }];

const NO_STORE = { "Cache-Control": "private, no-store" };

const COUNT_KEYS: ReadonlyArray<keyof ForgetCounts> = [
  "requests",
  "cards",
  "comments",
  "referrals",
  "contacts",
  "contactViews",
  "duplicateMarks",
  "notifications",
  "mails",
  "meetingActions",
  "meetingDecisions",
  "auditTexts",
  "moments",
];

async function boardFor(svc: ReturnType<typeof services>, request: Request, boardId: string) {
  const user = await requireUser(svc, request);
  const board = await getBoard(svc.async, boardId);
  if (!canOpenBoard(user, board)) throw new Response("Not found", { status: 404 });
  if (user.role !== "coordinator") throw new Response("Forbidden", { status: 403 });
  return { user, board };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const { board } = await boardFor(svc, request, params.boardId!);
  const picked = new URL(request.url).searchParams.get("kaart");
  const card = picked ? await svc.rooms.readDoc(board.id, (doc) => getCard(doc, picked)) : null;
  return json(
    { board: { id: board.id, name: board.name }, picked: card ? { id: card.id, title: card.title } : null },
    { headers: NO_STORE },
  );
}

type ActionData =
  | { step: "preview"; by: { reference?: string; requestId?: string }; counts: ForgetCounts; cards: Array<{ id: string; title: string }> }
  | { step: "done"; counts: ForgetCounts }
  | { step: "error"; by: { reference?: string; requestId?: string }; errors?: Record<string, string>; error?: "forbidden" | "notFound" | "confirm"; counts?: ForgetCounts; cards?: Array<{ id: string; title: string }> };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const { user, board } = await boardFor(svc, request, params.boardId!);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const by: { reference?: string; requestId?: string } = {};
  const reference = String(form.get("reference") ?? "");
  const requestId = String(form.get("requestId") ?? "");
  if (requestId) by.requestId = requestId;
  else by.reference = reference;
  const fail = (status: number, data: Omit<Extract<ActionData, { step: "error" }>, "step" | "by">) =>
    json<ActionData>({ step: "error", by, ...data }, { status, headers: NO_STORE });

  const preview = await forgetPerson(svc, user, board, { ...by, dryRun: true });
  if (!preview.ok) {
    if (preview.status === 403) return fail(403, { error: "forbidden" });
    if (preview.status === 404) return fail(404, { error: "notFound" });
    return fail(422, { errors: preview.errors });
  }
  if (intent !== "forget" || preview.counts.requests === 0) {
    return json<ActionData>({ step: "preview", by, counts: preview.counts, cards: preview.cards }, { headers: NO_STORE });
  }
  // The deliberate second step: without the tick nothing goes, and the preview stays.
  if (form.get("confirm") !== "on") return fail(422, { error: "confirm", counts: preview.counts, cards: preview.cards });
  const done = await forgetPerson(svc, user, board, by);
  if (!done.ok) return fail(done.status, done.status === 422 ? { errors: done.errors } : { error: done.status === 403 ? "forbidden" : "notFound" });
  return json<ActionData>({ step: "done", counts: done.counts }, { headers: NO_STORE });
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

function Counts({ counts, t }: { counts: ForgetCounts; t: Translate }) {
  return (
    <dl className="erase-counts" data-testid="forget-counts">
      {COUNT_KEYS.map((k) => (
        <div key={k} className="erase-count">
          <dt>{t(`erase.count.${k}` as MessageKey)}</dt>
          <dd data-count={k}>{counts[k]}</dd>
        </div>
      ))}
    </dl>
  );
}

export default function ForgetPage() {
  const { board, picked } = useLoaderData<typeof loader>();
  const data = useAnsweredActionData<typeof action>().result;
  const nav = useNavigation();
  const t = useT();
  const busy = nav.state !== "idle";
  const resultRef = useRef<HTMLHeadingElement>(null);
  const by = data && data.step !== "done" ? data.by : picked ? { requestId: picked.id } : { reference: "" };
  const usesRequest = !!by.requestId;
  const refError = data?.step === "error" ? data.errors?.reference : undefined;
  const errKey = refError === "required" || refError === "oneOf" ? (`erase.err.${refError}` as MessageKey) : null;
  const refMessage = refError ? (errKey ? t(errKey) : fieldError(t, refError)) : undefined;
  const shown = data && (data.step === "preview" || (data.step === "error" && data.counts)) ? data : null;
  const counts = shown?.counts;
  const cards = shown && "cards" in shown ? shown.cards ?? [] : [];

  // After each step the focus goes to what the step says (screen readers hear it).
  useEffect(() => {
    if (data) resultRef.current?.focus();
  }, [data]);

  return (
    <main id="main" className="page overview-page erase-page" data-testid="forget-page">
      <nav className="ov-crumbs" aria-label={t("ov.nav")}>
        <Link to={`/boards/${board.id}`}>← {t("ov.backToBoard", { board: board.name })}</Link>
      </nav>
      <h1>{t("erase.heading")}</h1>
      <p>{t("erase.intro")}</p>
      <p className="muted">{t("erase.scope")}</p>
      <p className="alert info small">{t("erase.backups")}</p>

      {data?.step === "done" ? (
        <section className="card-panel" aria-labelledby="erase-done">
          <h2 id="erase-done" ref={resultRef} tabIndex={-1} role="status" data-testid="forget-done">
            {t("erase.done", { requests: data.counts.requests })}
          </h2>
          <Counts counts={data.counts} t={t} />
          <p>
            <Link to={`/boards/${board.id}`} className="button">
              {t("ov.backToBoard", { board: board.name })}
            </Link>
          </p>
        </section>
      ) : (
        <>
          <Form method="post" className="card-panel" noValidate>
            <input type="hidden" name="intent" value="preview" />
            {usesRequest ? (
              <>
                <input type="hidden" name="requestId" value={by.requestId} />
                <p data-testid="forget-picked">{t("erase.picked", { title: picked && picked.id === by.requestId ? picked.title : (cards[0]?.title ?? "") })}</p>
                <p className="muted small">{t("erase.pickedHelp")}</p>
              </>
            ) : (
              <div className="field">
                <label htmlFor="forget-reference">{t("erase.reference")}</label>
                <input
                  id="forget-reference"
                  name="reference"
                  defaultValue={by.reference ?? ""}
                  key={by.reference ?? ""}
                  autoComplete="off"
                  spellCheck={false}
                  maxLength={60}
                  aria-invalid={refMessage ? true : undefined}
                  aria-describedby={refMessage ? "forget-reference-help forget-reference-error" : "forget-reference-help"}
                />
                <p id="forget-reference-help" className="muted small">{t("erase.referenceHelp")}</p>
                {refMessage ? (
                  <p id="forget-reference-error" className="field-error" role="alert">
                    {refMessage}
                  </p>
                ) : null}
              </div>
            )}
            <button type="submit" className="button secondary" disabled={busy} data-testid="forget-preview">
              {t("erase.preview")}
            </button>
          </Form>

          {data?.step === "error" && data.error && data.error !== "confirm" ? (
            <p className="alert error" role="alert">
              {t(data.error === "forbidden" ? "erase.forbidden" : "erase.notFound")}
            </p>
          ) : null}

          {counts ? (
            <section className="card-panel" aria-labelledby="erase-preview">
              <h2 id="erase-preview" ref={resultRef} tabIndex={-1}>
                {counts.requests === 0 ? t("erase.none") : t("erase.previewHeading")}
              </h2>
              {counts.requests > 0 ? (
                <>
                  <Counts counts={counts} t={t} />
                  {cards.length ? (
                    <>
                      <h3>{t("erase.cards")}</h3>
                      <ul data-testid="forget-cards">
                        {cards.map((c) => (
                          <li key={c.id}>{c.title}</li>
                        ))}
                      </ul>
                    </>
                  ) : null}
                  <Form method="post" noValidate>
                    <input type="hidden" name="intent" value="forget" />
                    {by.requestId ? <input type="hidden" name="requestId" value={by.requestId} /> : <input type="hidden" name="reference" value={by.reference ?? ""} />}
                    <div className="field">
                      <label className="checkbox">
                        <input
                          type="checkbox"
                          name="confirm"
                          data-testid="forget-confirm"
                          aria-invalid={data?.step === "error" && data.error === "confirm" ? true : undefined}
                          aria-describedby={data?.step === "error" && data.error === "confirm" ? "forget-confirm-error" : undefined}
                        />{" "}
                        {t("erase.confirm")}
                      </label>
                      {data?.step === "error" && data.error === "confirm" ? (
                        <p id="forget-confirm-error" className="field-error" role="alert">
                          {t("erase.confirmRequired")}
                        </p>
                      ) : null}
                    </div>
                    <button type="submit" className="button danger" disabled={busy} data-testid="forget-submit">
                      {t("erase.submit")}
                    </button>{" "}
                    <Link to={`/boards/${board.id}`}>{t("erase.cancel")}</Link>
                  </Form>
                </>
              ) : null}
            </section>
          ) : null}
        </>
      )}
    </main>
  );
}
