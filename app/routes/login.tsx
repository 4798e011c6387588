import { json, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useEffect, useRef } from "react";
import { useT, type MessageKey } from "~/i18n";
import { checkCredentials, getUser, loginClient, safeRedirect, throttleMessage } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { abandonSecondStep, completeSecondStep, hasLoginChallenge, passwordAccepted } from "~/services/two-factor.server";

export const meta: MetaFunction = () => [{ title: "Inloggen · Alliantiebord" }];

/** A throttled attempt's Retry-After reaches the page's response too (a form posted without scripts). */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};

/**
 * `?stap=code`: the second step of a login with two-factor login, while this
 * browser holds a live challenge (app/services/two-factor.server.ts); without
 * one the password form again, saying the attempt expired.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  if (await getUser(svc, request)) return redirect("/boards");
  const wantsCode = new URL(request.url).searchParams.get("stap") === "code";
  if (!wantsCode) return json({ step: "password" as const, expired: false });
  const live = await hasLoginChallenge(svc, request);
  return json({ step: live ? ("code" as const) : ("password" as const), expired: !live });
}

type LoginErrors = { email?: MessageKey; password?: MessageKey; code?: MessageKey; form?: MessageKey };

export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (intent === "cancel") return redirect("/login", { headers: { "Set-Cookie": await abandonSecondStep(svc, request) } });
  if (intent === "code") {
    const code = String(form.get("code") ?? "").trim();
    if (!code) return json({ step: "code" as const, errors: { code: "twofactor.login.codeRequired" } as LoginErrors }, { status: 400 });
    const r = await completeSecondStep(svc, request, loginClient(request, context), code);
    switch (r.kind) {
      case "done":
        return r.response;
      case "throttled": {
        const msg = throttleMessage(r.retryAfterSeconds);
        return json(
          { step: "code" as const, errors: { form: msg.key } as LoginErrors, vars: msg.vars },
          { status: 429, headers: { "Retry-After": String(r.retryAfterSeconds) } },
        );
      }
      case "wrong":
        return json(
          { step: "code" as const, errors: { code: "twofactor.login.wrong" } as LoginErrors, vars: { n: r.left } },
          { status: 401 },
        );
      case "locked":
      case "expired":
        return json(
          { step: "password" as const, errors: { form: r.kind === "locked" ? "twofactor.login.locked" : "twofactor.login.expired" } as LoginErrors },
          { status: 401, headers: { "Set-Cookie": r.clear } },
        );
    }
  }
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  const redirectTo = safeRedirect(form.get("redirectTo"));
  const errors: LoginErrors = {};
  if (!email) errors.email = "login.emailRequired";
  if (!password) errors.password = "login.passwordRequired";
  if (errors.email || errors.password) return json({ errors, email }, { status: 400 });
  const client = loginClient(request, context);
  const res = await checkCredentials(svc, email, password, client);
  if (!res.ok && res.reason === "throttled") {
    const msg = throttleMessage(res.retryAfterSeconds);
    return json(
      { errors: { form: msg.key } as LoginErrors, vars: msg.vars, email },
      { status: 429, headers: { "Retry-After": String(res.retryAfterSeconds) } },
    );
  }
  if (!res.ok) return json({ errors: { form: "login.invalid" } as LoginErrors, email }, { status: 401 });
  // The session, or first the second step for an account with two-factor login.
  return passwordAccepted(svc, request, client, res.userId, redirectTo);
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

type ActionData = { step?: "password" | "code"; errors?: LoginErrors; vars?: Record<string, number>; email?: string };

export default function Login() {
  const t = useT();
  const loaded = useLoaderData<typeof loader>();
  // After an unanswered POST the typed e-mail address, password and code stay in their inputs (the form is not remounted);
  // nothing is written back from what was sent.
  const data = useAnsweredActionData<typeof action>("form.unansweredSent").result as ActionData | undefined;
  const [params] = useSearchParams();
  const nav = useNavigation();
  const errors: LoginErrors = data?.errors ?? (loaded.expired ? { form: "twofactor.login.expired" } : {});
  const step = data?.step ?? loaded.step;
  const alertRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors.form) alertRef.current?.focus();
  }, [errors.form]);
  const loggedOut = params.get("uitgelogd") === "1";
  useEffect(() => {
    // After logout, erase this browser's offline copies of boards and the service worker's caches (shared computers).
    if (loggedOut) void import("~/lib/offline").then((m) => m.eraseOffline());
  }, [loggedOut]);
  return (
    <main id="main" className="page narrow">
      <div className="card-panel">
        <h1>{t("login.title")}</h1>
        <p className="muted">{t("app.tagline")}</p>
        {loggedOut && !errors.form ? <div className="alert info" role="status">{t("login.loggedOut")}</div> : null}
        {errors.form ? (
          <div className="alert error" role="alert" tabIndex={-1} ref={alertRef}>
            {t(errors.form, data?.vars)}
          </div>
        ) : null}
        {step === "code" ? (
          <SecondStep errors={errors} vars={data?.vars} busy={nav.state !== "idle"} />
        ) : (
          <Form method="post" noValidate>
            <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/boards"} />
            <div className="field">
              <label htmlFor="email">{t("login.email")}</label>
              <input
                id="email"
                name="email"
                type="email"
                autoComplete="username"
                required
                defaultValue={data?.email ?? ""}
                aria-invalid={errors.email ? true : undefined}
                aria-describedby={errors.email ? "email-error" : undefined}
              />
              {errors.email ? (
                <span id="email-error" className="field-error">
                  {t(errors.email)}
                </span>
              ) : null}
            </div>
            <div className="field">
              <label htmlFor="password">{t("login.password")}</label>
              <input
                id="password"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                aria-invalid={errors.password ? true : undefined}
                aria-describedby={errors.password ? "password-error" : undefined}
              />
              {errors.password ? (
                <span id="password-error" className="field-error">
                  {t(errors.password)}
                </span>
              ) : null}
            </div>
            <button type="submit" className="button" disabled={nav.state !== "idle"}>
              {t("login.submit")}
            </button>
          </Form>
        )}
        <p style={{ marginTop: "1rem" }}>
          <Link to="/wachtwoord-vergeten">{t("reset.link")}</Link>
        </p>
        <p className="muted" style={{ marginTop: "1.25rem", fontSize: "0.9rem" }}>
          {t("login.privacy")}
        </p>
      </div>
    </main>
  );
}

/** The second step: the code from the app, or a recovery code. */
function SecondStep({ errors, vars, busy }: { errors: LoginErrors; vars?: Record<string, number>; busy: boolean }) {
  const t = useT();
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!errors.form) inputRef.current?.focus();
  }, [errors.code, errors.form]);
  return (
    <section aria-labelledby="code-h" data-testid="login-code-step">
      <h2 id="code-h">{t("twofactor.login.title")}</h2>
      <p>{t("twofactor.login.help")}</p>
      <Form method="post" noValidate>
        <input type="hidden" name="intent" value="code" />
        <div className="field">
          <label htmlFor="code">{t("twofactor.login.code")}</label>
          <input
            ref={inputRef}
            id="code"
            name="code"
            type="text"
            inputMode="text"
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={40}
            required
            aria-invalid={errors.code ? true : undefined}
            aria-describedby={errors.code ? "code-hint code-error" : "code-hint"}
          />
          <span id="code-hint" className="hint">
            {t("twofactor.login.codeHint")}
          </span>
          {errors.code ? (
            <span id="code-error" className="field-error">
              {t(errors.code, vars)}
            </span>
          ) : null}
        </div>
        <button type="submit" className="button" disabled={busy}>
          {t("twofactor.login.submit")}
        </button>
      </Form>
      <Form method="post" className="login-cancel">
        <input type="hidden" name="intent" value="cancel" />
        <button type="submit" className="button secondary small" disabled={busy}>
          {t("twofactor.login.cancel")}
        </button>
      </Form>
    </section>
  );
}
