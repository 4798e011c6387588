import { json, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useT, type MessageKey } from "~/i18n";
import { loginClient } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { completePasswordReset, resetLinkState } from "~/services/password-reset.server";
import { passwordAccepted } from "~/services/two-factor.server";

export const meta: MetaFunction = () => [{ title: "Nieuw wachtwoord · Alliantiebord" }];

/** The link's token is in the URL: never kept by a cache, never sent on as a Referer. */
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });

export async function loader({ params, context }: LoaderFunctionArgs) {
  return json({ state: await resetLinkState(services(context), params.token) });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const form = await request.formData();
  const res = await completePasswordReset(svc, params.token, { password: form.get("password"), repeat: form.get("repeat") });
  if (!res.ok) {
    if (res.state !== "valid") return json({ state: res.state, errors: {} as Record<string, string> }, { status: 410 });
    return json({ state: res.state, errors: res.errors }, { status: 400 });
  }
  // Every earlier session ended with the reset; this browser starts a fresh
  // one, after the second step for an account with two-factor login (a reset
  // link proves the mailbox, not the phone).
  return passwordAccepted(svc, request, loginClient(request, context), res.userId, "/boards");
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export default function ResetPassword() {
  const t = useT();
  const loaded = useLoaderData<typeof loader>();
  // The passwords typed stay in their fields after an unanswered POST (the form is not remounted); never written back from what was sent.
  const data = useAnsweredActionData<typeof action>("form.unansweredSent").result;
  const nav = useNavigation();
  const state = data?.state ?? loaded.state;
  const errors = data?.errors ?? {};
  if (state !== "valid") {
    return (
      <main id="main" className="page narrow">
        <div className="card-panel" data-testid={`reset-${state}`}>
          <h1>{t(`reset.state.${state}.title` as MessageKey)}</h1>
          <p>{t(`reset.state.${state}.body` as MessageKey)}</p>
          <p>
            <Link className="button" to="/wachtwoord-vergeten">
              {t("reset.again")}
            </Link>
          </p>
          <p>
            <Link to="/login">{t("reset.back")}</Link>
          </p>
        </div>
      </main>
    );
  }
  const fields = [
    { name: "password", label: "reset.choose.password" },
    { name: "repeat", label: "reset.choose.repeat" },
  ] as const;
  return (
    <main id="main" className="page narrow">
      <div className="card-panel">
        <h1>{t("reset.choose.title")}</h1>
        <p className="muted">{t("reset.choose.intro")}</p>
        <Form method="post" noValidate>
          {fields.map((f) => (
            <div className="field" key={f.name}>
              <label htmlFor={f.name}>{t(f.label)}</label>
              <input
                id={f.name}
                name={f.name}
                type="password"
                autoComplete="new-password"
                required
                minLength={10}
                aria-invalid={errors[f.name] ? true : undefined}
                aria-describedby={errors[f.name] ? `${f.name}-error` : undefined}
              />
              {errors[f.name] ? (
                <span id={`${f.name}-error`} className="field-error">
                  {t(`reset.error.${errors[f.name]}` as MessageKey)}
                </span>
              ) : null}
            </div>
          ))}
          <button type="submit" className="button" disabled={nav.state !== "idle"}>
            {t("reset.choose.submit")}
          </button>
        </Form>
      </div>
    </main>
  );
}
