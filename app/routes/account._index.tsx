import { json, redirect, type ActionFunctionArgs, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useAnsweredActionData, useAnswerNumber } from "~/lib/unanswered";
import { useEffect } from "react";
import { useToast } from "~/components/toast/ToastProvider";
import { localeTag, formatAge, useLocale, useT, type MessageKey, type Translate } from "~/i18n";
import {
  changePassword,
  listSessions,
  logoutOtherSessions,
  logoutSession,
  profileOf,
  updateProfile,
  type SessionInfo,
} from "~/services/account.server";
import { clearedSessionCookie, loginClient, requireUser, sessionKeyFromCookieHeader, throttleMessage } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { localeCookie } from "~/services/locale.server";
import { disableWithProof, renewRecoveryCodes, twoFactorStatus } from "~/services/two-factor.server";
import { RecoveryCodes } from "~/components/two-factor/RecoveryCodes";
import accountCss from "~/styles/account.css";
import twoFactorCss from "~/styles/two-factor.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: accountCss },
  { rel: "stylesheet", href: twoFactorCss },
];
export const meta: MetaFunction = () => [{ title: "Mijn account · Alliantiebord" }];

export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const current = sessionKeyFromCookieHeader(request.headers.get("Cookie"));
  return json({
    profile: profileOf(user),
    sessions: await listSessions(svc, user, current),
    mailEnabled: svc.mail.enabled,
    twoFactor: await twoFactorStatus(svc, user),
    now: svc.now(),
  });
}

type Errors = Record<string, string | undefined>;
type Result = {
  intent: string;
  ok?: boolean;
  errors?: Errors;
  ended?: number;
  wait?: { key: MessageKey; vars: { n: number } };
  /** New recovery codes, shown once. */
  recoveryCodes?: string[];
  /** The profile as stored by this save: the form shows it before the page's data has loaded again. */
  saved?: { name: string; email: string };
};

export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const current = sessionKeyFromCookieHeader(request.headers.get("Cookie"));
  const form = Object.fromEntries(await request.formData());
  const intent = String(form.intent ?? "");
  const answer = (r: Result, status = 200, headers?: HeadersInit) => json(r, { status, headers });
  switch (intent) {
    case "profile": {
      const r = await updateProfile(
        svc,
        user,
        { name: form.name, email: form.email, currentPassword: form.currentPassword },
        loginClient(request, context),
      );
      if (r.ok) return answer({ intent, ok: true, saved: { name: r.profile.name, email: r.profile.email } });
      if (r.retryAfterSeconds) return answer({ intent, errors: r.errors, wait: throttleMessage(r.retryAfterSeconds) }, 429, { "Retry-After": String(r.retryAfterSeconds) });
      return answer({ intent, errors: r.errors }, r.status);
    }
    case "locale": {
      const r = await updateProfile(svc, user, { locale: form.locale });
      if (!r.ok) return answer({ intent, errors: r.errors }, r.status);
      // The page comes back in the new language (root reads the stored one); the cookie follows for after logout.
      return redirect("/account?taal=1", { headers: { "Set-Cookie": localeCookie(r.profile.locale) } });
    }
    case "password": {
      const r = await changePassword(svc, user, current, form, loginClient(request, context));
      if (r.ok) return answer({ intent, ok: true, ended: r.endedSessions });
      if (r.retryAfterSeconds) return answer({ intent, errors: r.errors, wait: throttleMessage(r.retryAfterSeconds) }, 429, { "Retry-After": String(r.retryAfterSeconds) });
      return answer({ intent, errors: r.errors }, r.status);
    }
    case "logout-others": {
      const r = await logoutOtherSessions(svc, user, current, loginClient(request, context));
      return answer({ intent, ok: true, ended: r.ended });
    }
    case "logout-session": {
      const r = await logoutSession(svc, user, form.session, current);
      if (!r.ok) return answer({ intent, errors: r.errors }, r.status);
      if (r.current) {
        return redirect("/login?uitgelogd=1", {
          headers: { "Set-Cookie": clearedSessionCookie(svc, request), "Clear-Site-Data": '"cache", "storage"' },
        });
      }
      return answer({ intent, ok: true });
    }
    case "2fa-renew":
    case "2fa-off": {
      const client = loginClient(request, context);
      const r = intent === "2fa-off" ? await disableWithProof(svc, user, { password: form.password, code: form.code }, client) : await renewRecoveryCodes(svc, user, { code: form.code }, client);
      if (r.ok) return answer({ intent, ok: true, recoveryCodes: "recoveryCodes" in r ? (r.recoveryCodes as string[]) : undefined }, 200, { "Cache-Control": "private, no-store" });
      if (r.error === "throttled") {
        return answer({ intent, errors: {}, wait: throttleMessage(r.retryAfterSeconds ?? 1) }, 429, { "Retry-After": String(r.retryAfterSeconds ?? 1) });
      }
      return answer({ intent, errors: r.field ? { [r.field]: r.error } : { form: r.error } }, r.error === "required" ? 403 : 422);
    }
    default:
      return answer({ intent, errors: { form: "unknown" } }, 400);
  }
}

function errorText(t: Translate, code: string | undefined, intent?: string): string | undefined {
  if (!code) return undefined;
  // The password form's codes are those of /wachtwoord (changeOwnPassword), with its texts.
  if (intent === "password" && code !== "tooMany") return t(`password.${code}` as MessageKey);
  if (intent?.startsWith("2fa-")) return t(`twofactor.error.${code}` as MessageKey);
  return t(`account.error.${code}` as MessageKey);
}

function deviceName(t: Translate, s: Pick<SessionInfo, "browser" | "os">): string {
  if (!s.browser && !s.os) return t("account.session.unknownBrowser");
  return t("account.session.device", { browser: s.browser ?? t("account.session.unknownBrowser"), os: s.os ?? t("account.session.unknownOs") });
}

function successMessage(t: Translate, r: Result): string | null {
  if (!r.ok) return null;
  switch (r.intent) {
    case "profile":
      return t("account.saved");
    case "password":
      return t("account.passwordChanged");
    case "logout-others":
      return t("account.sessions.ended", { n: r.ended ?? 0 });
    case "logout-session":
      return t("account.session.ended");
    case "2fa-off":
      return t("twofactor.account.disabled");
    default:
      return null;
  }
}

function Field(props: {
  id: string;
  name: string;
  label: string;
  type: string;
  autoComplete: string;
  defaultValue?: string;
  error?: string;
  hint?: string;
}) {
  const described = [props.hint ? `${props.id}-hint` : null, props.error ? `${props.id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name}
        type={props.type}
        autoComplete={props.autoComplete}
        defaultValue={props.defaultValue}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={described || undefined}
      />
      {props.hint ? (
        <span id={`${props.id}-hint`} className="hint">
          {props.hint}
        </span>
      ) : null}
      {props.error ? (
        <span id={`${props.id}-error`} className="field-error">
          {props.error}
        </span>
      ) : null}
    </div>
  );
}

/** A form the server never answered (it went away mid-request): the page stays with what was typed, and says so. */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export default function Account() {
  const t = useT();
  const locale = useLocale();
  const data = useLoaderData<typeof loader>();
  const result = useAnsweredActionData<typeof action>().result as Result | undefined;
  const nav = useNavigation();
  const toast = useToast();
  const [params] = useSearchParams();
  const busy = nav.state !== "idle";
  useEffect(() => {
    if (!result) return;
    const message = successMessage(t, result);
    if (message) toast.success(message);
    // Once per answer of the server.
  }, [result]);
  const err = (intent: string, field: string) => (result?.intent === intent ? errorText(t, result.errors?.[field], intent) : undefined);
  const { profile, sessions } = data;
  const others = sessions.filter((s) => !s.current);
  // The form keys change once per saved answer, so the fields show what was stored; not when the
  // page's data comes in after it, which would drop what was typed since (useAnswerNumber).
  const answerNumber = useAnswerNumber(result);
  const formKey = result?.ok ? `${result.intent}-${answerNumber}` : "form";
  const shown = result?.ok && result.intent === "profile" && result.saved ? result.saved : profile;
  return (
    <main id="main" className="page account">
      <h1>{t("account.title")}</h1>
      <p className="muted">{t("account.who", { organisation: profile.organisation.name, alliance: profile.alliance.name })}</p>
      <p>
        <Link to="/privacy">{t("privacy.pageLink")}</Link>
      </p>

      <section aria-labelledby="profile-h" className="card-panel account-section">
        <h2 id="profile-h">{t("account.profile")}</h2>
        {result?.intent === "profile" && result.wait ? (
          <div className="alert error" role="alert">
            {t(result.wait.key, result.wait.vars)}
          </div>
        ) : null}
        <Form method="post" className="account-form" noValidate key={`profile-${formKey}`}>
          <input type="hidden" name="intent" value="profile" />
          <Field id="name" name="name" label={t("account.name")} type="text" autoComplete="name" defaultValue={shown.name} error={err("profile", "name")} />
          <Field
            id="email"
            name="email"
            label={t("account.email")}
            type="email"
            autoComplete="email"
            defaultValue={shown.email}
            error={err("profile", "email")}
            hint={data.mailEnabled ? t("account.emailHelpMail") : t("account.emailHelpNoMail")}
          />
          <Field
            id="email-password"
            name="currentPassword"
            label={t("account.currentPassword")}
            type="password"
            autoComplete="current-password"
            error={err("profile", "currentPassword")}
          />
          <button type="submit" className="button" disabled={busy}>
            {t("account.save")}
          </button>
        </Form>
      </section>

      <section aria-labelledby="lang-h" className="card-panel account-section">
        <h2 id="lang-h">{t("account.language")}</h2>
        {params.get("taal") === "1" && !result ? (
          <div className="alert info" role="status" data-testid="locale-saved">
            {t("account.languageSaved")}
          </div>
        ) : null}
        <Form method="post" key={`locale-${locale}`}>
          <input type="hidden" name="intent" value="locale" />
          <fieldset className="account-lang" aria-describedby="lang-help">
            <legend className="visually-hidden">{t("account.language")}</legend>
            {(["nl", "en"] as const).map((l) => (
              <label key={l} lang={l}>
                <input type="radio" name="locale" value={l} defaultChecked={profile.locale === l} />
                {t(`account.lang.${l}`)}
              </label>
            ))}
          </fieldset>
          <p id="lang-help" className="muted">
            {t("account.languageHelp")}
          </p>
          <button type="submit" className="button secondary" disabled={busy}>
            {t("account.save")}
          </button>
        </Form>
      </section>

      <section aria-labelledby="password-h" className="card-panel account-section">
        <h2 id="password-h">{t("account.password")}</h2>
        <p className="muted">{t("account.passwordHelp")}</p>
        {result?.intent === "password" && result.wait ? (
          <div className="alert error" role="alert">
            {t(result.wait.key, result.wait.vars)}
          </div>
        ) : null}
        <Form method="post" className="account-form" noValidate key={`password-${formKey}`}>
          <input type="hidden" name="intent" value="password" />
          <Field id="pw-current" name="current" label={t("account.passwordCurrent")} type="password" autoComplete="current-password" error={err("password", "current")} />
          <Field id="pw-new" name="password" label={t("account.passwordNew")} type="password" autoComplete="new-password" error={err("password", "password")} />
          <Field id="pw-repeat" name="repeat" label={t("account.passwordRepeat")} type="password" autoComplete="new-password" error={err("password", "repeat")} />
          <button type="submit" className="button secondary" disabled={busy}>
            {t("account.passwordSubmit")}
          </button>
        </Form>
      </section>

      <section aria-labelledby="sessions-h" className="card-panel account-section">
        <h2 id="sessions-h">{t("account.sessions")}</h2>
        <p className="muted">{t("account.sessionsHelp")}</p>
        <ul className="session-list" data-testid="sessions">
          {sessions.map((s) => {
            const device = deviceName(t, s);
            const ago = (ms: number) => (data.now - ms < 60_000 ? t("account.session.justNow") : formatAge(ms, data.now, locale));
            const lastSeen = ago(s.lastSeenAt);
            return (
              <li key={s.id} className={`session-item${s.current ? " current" : ""}`} data-testid={s.current ? "session-current" : "session-other"}>
                <div>
                  <span className="session-what">{device}</span>
                  {s.current ? <span className="session-badge">{t("account.session.current")}</span> : null}
                  <div className="session-when">
                    {t("account.session.created")} {ago(s.createdAt)} · {t("account.session.lastSeen")} {lastSeen}
                  </div>
                </div>
                {s.current ? null : (
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="intent" value="logout-session" />
                    <input type="hidden" name="session" value={s.id} />
                    <button type="submit" className="button small secondary" disabled={busy} aria-label={t("account.session.logoutLabel", { device, lastSeen })}>
                      {t("account.session.logout")}
                    </button>
                  </Form>
                )}
              </li>
            );
          })}
        </ul>
        {others.length ? (
          <Form method="post">
            <input type="hidden" name="intent" value="logout-others" />
            <button type="submit" className="button danger" disabled={busy} aria-describedby="logout-others-help">
              {t("account.sessions.logoutOthers")}
            </button>
            <p id="logout-others-help" className="muted">
              {t("account.sessions.logoutOthersHelp")}
            </p>
          </Form>
        ) : (
          <p className="muted" data-testid="no-other-sessions">
            {t("account.sessions.none")}
          </p>
        )}
      </section>

      <TwoFactorSection status={data.twoFactor} result={result} busy={busy} err={err} locale={locale} />

      <section aria-labelledby="notifications-h" className="card-panel account-section">
        <h2 id="notifications-h">{t("account.notifications")}</h2>
        <p className="muted">{t("account.notificationsHelp")}</p>
        <p>
          <Link to="/account/meldingen">{t("account.notificationsLink")}</Link>
        </p>
      </section>

      <section aria-labelledby="mydata-h" className="card-panel account-section">
        <h2 id="mydata-h">{t("mydata.title")}</h2>
        <p className="muted">{t("mydata.help")}</p>
        <p>
          {/* A plain link: the browser saves the file (Content-Disposition), no script needed. */}
          <a className="button secondary" href="/api/me/export" download data-testid="my-data-download">
            {t("mydata.download")}
          </a>
        </p>
      </section>
    </main>
  );
}

type TwoFactorInfo = ReturnType<typeof useLoaderData<typeof loader>>["twoFactor"];

/** "Tweestapsverificatie": on or off, the way to turn it on, new recovery codes, turning it off (password and a code). */
function TwoFactorSection(props: {
  status: TwoFactorInfo;
  result: Result | undefined;
  busy: boolean;
  err: (intent: string, field: string) => string | undefined;
  locale: string;
}) {
  const t = useT();
  const { status, result, busy, err } = props;
  const date = (ms: number) => new Date(ms).toLocaleDateString(localeTag(props.locale), { day: "numeric", month: "long", year: "numeric", timeZone: "Europe/Amsterdam" });
  const formError = (intent: string) => (result?.intent === intent ? err(intent, "form") : undefined);
  const wait = (intent: string) =>
    result?.intent === intent && result.wait ? (
      <div className="alert error" role="alert">
        {t(result.wait.key, result.wait.vars)}
      </div>
    ) : null;
  if (result?.intent === "2fa-renew" && result.ok && result.recoveryCodes) {
    return (
      <section aria-labelledby="twofactor-h" className="card-panel account-section">
        <h2 id="twofactor-h">{t("twofactor.account.title")}</h2>
        <RecoveryCodes codes={result.recoveryCodes} intro="twofactor.codes.renewed" />
      </section>
    );
  }
  return (
    <section aria-labelledby="twofactor-h" className="card-panel account-section" data-testid="two-factor-section">
      <h2 id="twofactor-h">{t("twofactor.account.title")}</h2>
      <p className="muted">{t("twofactor.account.help")}</p>
      <p data-testid="two-factor-state">
        {status.enabled && status.enabledAt
          ? t("twofactor.account.on", { date: date(status.enabledAt) })
          : status.disabledAt
            ? t("twofactor.account.offSince", { date: date(status.disabledAt) })
            : t("twofactor.account.off")}{" "}
        {status.required ? t(status.enabled ? "twofactor.account.requiredCannotOff" : "twofactor.account.required") : null}
      </p>
      {!status.enabled ? (
        status.available ? (
          <p>
            <Link className="button" to="/account/tweestapsverificatie" data-testid="two-factor-enable">
              {t("twofactor.account.enable")}
            </Link>
          </p>
        ) : (
          <p className="alert info">{t("twofactor.account.unavailable")}</p>
        )
      ) : (
        <div className="twofactor-forms">
          <p>
            {status.recoveryCodesLeft === 0
              ? t("twofactor.account.recoveryNone")
              : t("twofactor.account.recoveryLeft", { n: status.recoveryCodesLeft })}
          </p>
          <Form method="post" className="account-form" noValidate aria-labelledby="renew-h">
            <h3 id="renew-h">{t("twofactor.account.renew")}</h3>
            <p className="muted">{t("twofactor.account.renewHelp")}</p>
            {wait("2fa-renew")}
            {formError("2fa-renew") ? (
              <div className="alert error" role="alert">
                {formError("2fa-renew")}
              </div>
            ) : null}
            <input type="hidden" name="intent" value="2fa-renew" />
            <Field id="renew-code" name="code" label={t("twofactor.account.code")} type="text" autoComplete="one-time-code" error={err("2fa-renew", "code")} />
            <button type="submit" className="button secondary" disabled={busy}>
              {t("twofactor.account.renewSubmit")}
            </button>
          </Form>
          {status.required ? null : (
            <Form method="post" className="account-form" noValidate aria-labelledby="off-h">
              <h3 id="off-h">{t("twofactor.account.disable")}</h3>
              <p className="muted">{t("twofactor.account.disableHelp")}</p>
              {wait("2fa-off")}
              {formError("2fa-off") ? (
                <div className="alert error" role="alert">
                  {formError("2fa-off")}
                </div>
              ) : null}
              <input type="hidden" name="intent" value="2fa-off" />
              <Field id="off-password" name="password" label={t("twofactor.account.password")} type="password" autoComplete="current-password" error={err("2fa-off", "password")} />
              <Field id="off-code" name="code" label={t("twofactor.account.code")} type="text" autoComplete="one-time-code" error={err("2fa-off", "code")} />
              <button type="submit" className="button danger" disabled={busy}>
                {t("twofactor.account.disableSubmit")}
              </button>
            </Form>
          )}
        </div>
      )}
    </section>
  );
}
