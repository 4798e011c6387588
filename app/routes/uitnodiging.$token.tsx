import { json, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useT, type MessageKey } from "~/i18n";
import { PASSWORD_MIN } from "~/services/admin.server";
import { destroySession, loginClient, sessionStartHeaders } from "~/services/auth.server";
import { boardsFor } from "~/services/boards.server";
import { services } from "~/services/context.server";
import { acceptInvitation, viewLink, type LinkView } from "~/services/invitations.server";
import { getUserById } from "../../db/accounts";

export const meta: MetaFunction = () => [{ title: "Uitnodiging · Alliantiebord" }, { name: "robots", content: "noindex" }];

/** The link's page is never cached (it holds a token), and a refusal for too many attempts says when to come back. */
export const headers: HeadersFunction = ({ loaderHeaders, actionHeaders }) => {
  // The URL holds the token: not cached, and never sent on as a Referer.
  const h = new Headers({ "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });
  const retryAfter = actionHeaders.get("Retry-After") ?? loaderHeaders.get("Retry-After");
  if (retryAfter) h.set("Retry-After", retryAfter);
  return h;
};

type PageView = Exclude<LinkView, { state: "throttled" }> | { state: "throttled" } | { state: "email_taken" };

function statusOf(view: LinkView | { state: "email_taken" }): number {
  switch (view.state) {
    case "open":
      return 200;
    case "unknown":
      return 404;
    case "throttled":
      return 429;
    case "email_taken":
      return 409;
    default:
      return 410;
  }
}

function answer(view: LinkView | { state: "email_taken" }) {
  const headers: Record<string, string> = {};
  if (view.state === "throttled") headers["Retry-After"] = String(view.retryAfterSeconds);
  const page: PageView = view.state === "throttled" ? { state: "throttled" } : view;
  return json({ view: page, min: PASSWORD_MIN }, { status: statusOf(view), headers });
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  return answer(await viewLink(svc, params.token ?? "", loginClient(request, context).address));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const client = loginClient(request, context);
  const form = Object.fromEntries(await request.formData());
  const res = await acceptInvitation(svc, params.token ?? "", form, client.address);
  if (!res.ok) {
    if ("errors" in res) return json({ errors: res.errors, view: null }, { status: 400 });
    if (res.state === "throttled") return answer({ state: "throttled", retryAfterSeconds: res.retryAfterSeconds ?? 60 });
    return answer({ state: res.state });
  }
  // Logged in as the new person (a session like the login's); whoever was logged in here before is logged out.
  await destroySession(svc, request);
  const headers = await sessionStartHeaders(svc, request, client, res.userId);
  const user = await getUserById(svc.async, res.userId);
  const first = user ? (await boardsFor(svc, user))[0] : undefined;
  return redirect(first ? `/boards/${first.id}` : "/boards", { headers });
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

const GONE: Record<string, MessageKey> = {
  unknown: "invite.page.unknown",
  expired: "invite.page.expired",
  withdrawn: "invite.page.withdrawn",
  used: "invite.page.used",
  email_taken: "invite.page.emailTaken",
  throttled: "invite.page.tooMany",
};

export default function Invitation() {
  const t = useT();
  const loaded = useLoaderData<typeof loader>();
  // The passwords typed stay in their fields after an unanswered POST (the form is not remounted); never written back from what was sent.
  const acted = useAnsweredActionData<typeof action>("form.unansweredSent").result;
  const nav = useNavigation();
  const view = (acted?.view ?? loaded.view) as PageView;
  const min = loaded.min;
  const errors = (acted && "errors" in acted ? acted.errors : {}) as { password?: string; repeat?: string };

  if (view.state !== "open") {
    return (
      <main id="main" className="page narrow">
        <div className="card-panel" data-testid="invitation-gone" data-state={view.state}>
          <h1>{t("invite.page.goneTitle")}</h1>
          <p>{t(GONE[view.state])}</p>
          <Link className="button secondary" to="/login">
            {t("invite.page.toLogin")}
          </Link>
        </div>
      </main>
    );
  }
  return (
    <main id="main" className="page narrow">
      <div className="card-panel" data-testid="invitation">
        <h1>{t("invite.page.title", { alliance: view.alliance })}</h1>
        <p className="muted">{t("invite.page.intro", { alliance: view.alliance })}</p>
        <dl className="invitation-facts">
          <dt>{t("invite.page.name")}</dt>
          <dd>{view.name}</dd>
          <dt>{t("invite.page.email")}</dt>
          <dd>{view.email}</dd>
          <dt>{t("invite.page.organisation")}</dt>
          <dd>{view.organisation}</dd>
          <dt>{t("invite.page.role")}</dt>
          <dd>{t(`admin.role.${view.role}`)}</dd>
        </dl>
        <Form method="post" noValidate>
          {/* For password managers: the account's login name. */}
          <input type="email" name="username" autoComplete="username" value={view.email} readOnly hidden />
          <div className="field">
            <label htmlFor="password">{t("invite.page.password")}</label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="new-password"
              minLength={min}
              required
              aria-invalid={errors.password ? true : undefined}
              aria-describedby={errors.password ? "password-help password-error" : "password-help"}
            />
            <span id="password-help" className="hint">
              {t("invite.page.passwordHelp", { min })}
            </span>
            {errors.password ? (
              <span id="password-error" className="field-error">
                {t("invite.page.tooShort", { min })}
              </span>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor="repeat">{t("invite.page.repeat")}</label>
            <input
              id="repeat"
              name="repeat"
              type="password"
              autoComplete="new-password"
              required
              aria-invalid={errors.repeat ? true : undefined}
              aria-describedby={errors.repeat ? "repeat-error" : undefined}
            />
            {errors.repeat ? (
              <span id="repeat-error" className="field-error">
                {t("invite.page.mismatch")}
              </span>
            ) : null}
          </div>
          <button className="button" type="submit" disabled={nav.state !== "idle"}>
            {t("invite.page.submit")}
          </button>
        </Form>
      </div>
    </main>
  );
}
