import { json, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { useT, type MessageKey } from "~/i18n";
import { accountLocale } from "~/services/account.server";
import {
  checkCredentials,
  sessionStartHeaders,
  getUser,
  loginClient,
  mustChangePassword,
  safeRedirect,
  throttleMessage,
} from "~/services/auth.server";
import { services } from "~/services/context.server";
import { localeCookie } from "~/services/locale.server";

export const meta: MetaFunction = () => [{ title: "Inloggen · Alliantiebord" }];

/** A throttled attempt's Retry-After reaches the page's response too (a form posted without scripts). */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};

export function loader({ request, context }: LoaderFunctionArgs) {
  if (getUser(services(context), request)) return redirect("/boards");
  return null;
}

type LoginErrors = { email?: MessageKey; password?: MessageKey; form?: MessageKey };

export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const form = await request.formData();
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
  const userId = res.userId;
  // A one-time password is replaced first.
  const to = mustChangePassword(svc, userId) ? "/wachtwoord" : redirectTo;
  const headers = sessionStartHeaders(svc, request, client, userId);
  // The person's stored language wins over this browser's cookie from now on; keep them equal.
  headers.append("Set-Cookie", localeCookie(accountLocale(svc, userId)));
  return redirect(to, { headers });
}

export default function Login() {
  const t = useT();
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const nav = useNavigation();
  const errors: LoginErrors = data?.errors ?? {};
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
            {t(errors.form, data && "vars" in data ? (data.vars as Record<string, number>) : undefined)}
          </div>
        ) : null}
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
