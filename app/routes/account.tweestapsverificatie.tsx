import { json, type ActionFunctionArgs, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useEffect, useRef } from "react";
import { RecoveryCodes } from "~/components/two-factor/RecoveryCodes";
import { useT, type MessageKey } from "~/i18n";
import { loginClient, requireUser, sessionKeyFromCookieHeader } from "~/services/auth.server";
import { endSessionsAfterTwoFactorOn } from "~/services/account.server";
import { services } from "~/services/context.server";
import { confirmSetup, setupSecret, twoFactorStatus, type SetupPage } from "~/services/two-factor.server";
import accountCss from "~/styles/account.css";
import twoFactorCss from "~/styles/two-factor.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: accountCss },
  { rel: "stylesheet", href: twoFactorCss },
];
export const meta: MetaFunction = () => [{ title: "Tweestapsverificatie · Alliantiebord" }];
/** The secret is on this page: never kept by a cache. */
export const headers: HeadersFunction = () => ({ "Cache-Control": "private, no-store" });

/**
 * Turning two-factor login on: the QR code (SVG drawn on the server) and the
 * secret as text, then a code from the app to confirm; then the recovery
 * codes, once. A person whose alliance requires it and who has not set it up
 * is sent here from every page (requireUser) and can only do this or log out.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request, { allowTwoFactorSetup: true });
  const status = await twoFactorStatus(svc, user);
  let setup: SetupPage | null = null;
  if (!status.enabled && status.available) {
    const r = await setupSecret(svc, user);
    if (r.ok) setup = r.setup;
  }
  return json({ status, setup, forced: status.required && !status.enabled }, { headers: { "Cache-Control": "private, no-store" } });
}

type Result = { ok: true; recoveryCodes: string[]; endedSessions: number } | { ok: false; error: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request, { allowTwoFactorSetup: true });
  const form = await request.formData();
  const code = String(form.get("code") ?? "").trim();
  if (!code) return json({ ok: false, error: "codeRequired" } as Result, { status: 422 });
  const r = await confirmSetup(svc, user, code);
  if (!r.ok) return json({ ok: false, error: r.error } as Result, { status: r.error === "code" ? 422 : 409 });
  // Sessions opened with the password alone end now (this one stays).
  const { ended } = await endSessionsAfterTwoFactorOn(svc, user, sessionKeyFromCookieHeader(request.headers.get("Cookie")), loginClient(request, context));
  return json({ ok: true, recoveryCodes: r.recoveryCodes, endedSessions: ended } as Result, { headers: { "Cache-Control": "private, no-store" } });
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export default function TwoFactorSetup() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  // The code typed stays in its field after an unanswered POST (the form is not remounted); it is never written back from what was sent.
  const result = useAnsweredActionData<typeof action>().result as Result | undefined;
  const nav = useNavigation();
  const codeRef = useRef<HTMLInputElement>(null);
  const error = result && !result.ok ? result.error : null;
  useEffect(() => {
    if (error) codeRef.current?.focus();
  }, [result]);

  if (result?.ok) {
    return (
      <main id="main" className="page account">
        <h1>{t("twofactor.setup.title")}</h1>
        <div className="card-panel account-section">
          <RecoveryCodes codes={result.recoveryCodes} intro="twofactor.codes.enabled">
            {result.endedSessions > 0 ? (
              <p data-testid="two-factor-ended-sessions">{t("twofactor.endedSessions", { count: result.endedSessions })}</p>
            ) : null}
            <p>
              <Link className="button" to="/boards" data-testid="recovery-done">
                {t("twofactor.codes.done")}
              </Link>
            </p>
          </RecoveryCodes>
        </div>
      </main>
    );
  }

  const { status, setup, forced } = data;
  return (
    <main id="main" className="page account">
      <h1>{t("twofactor.setup.title")}</h1>
      {forced ? (
        <div className="alert info" role="status" data-testid="two-factor-required">
          {t("twofactor.setup.requiredIntro")}
        </div>
      ) : null}
      <div className="card-panel account-section">
        {status.enabled ? (
          <p data-testid="two-factor-already">{t("twofactor.setup.already")}</p>
        ) : !status.available || !setup ? (
          <p className="alert error" role="alert">
            {t("twofactor.account.unavailable")}
          </p>
        ) : (
          <div className="twofactor-steps">
            <p>{t("twofactor.account.help")}</p>
            <p>{t("twofactor.setup.step1")}</p>
            <p>{t("twofactor.setup.step2")}</p>
            <div className="qr-code" role="img" aria-label={t("twofactor.setup.qrLabel")} data-testid="qr-code" dangerouslySetInnerHTML={{ __html: setup.svg }} />
            <p id="secret-help">
              {t("twofactor.setup.manual")}{" "}
              <code className="twofactor-secret" aria-label={t("twofactor.setup.secretLabel")} data-testid="totp-secret">
                {setup.secretGrouped}
              </code>
            </p>
            <p>{t("twofactor.setup.step3")}</p>
            <Form method="post" className="account-form" noValidate>
              <div className="field">
                <label htmlFor="setup-code">{t("twofactor.setup.code")}</label>
                <input
                  ref={codeRef}
                  id="setup-code"
                  name="code"
                  type="text"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9 ]*"
                  maxLength={10}
                  required
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? "setup-code-error" : undefined}
                />
                {error ? (
                  <span id="setup-code-error" className="field-error">
                    {t(`twofactor.error.${error}` as MessageKey)}
                  </span>
                ) : null}
              </div>
              <button type="submit" className="button" disabled={nav.state !== "idle"}>
                {t("twofactor.setup.submit")}
              </button>
            </Form>
          </div>
        )}
      </div>
      <div>
        {forced ? (
          <Form method="post" action="/logout">
            <button type="submit" className="button secondary">
              {t("twofactor.setup.logout")}
            </button>
          </Form>
        ) : (
          <Link to="/account">{t("twofactor.setup.back")}</Link>
        )}
      </div>
    </main>
  );
}
