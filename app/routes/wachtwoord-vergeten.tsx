import { json, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useEffect, useRef } from "react";
import { useT } from "~/i18n";
import { services } from "~/services/context.server";
import { clientAddress } from "~/services/limits.server";
import { requestPasswordReset } from "~/services/password-reset.server";

export const meta: MetaFunction = () => [{ title: "Wachtwoord vergeten · Alliantiebord" }];

export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};

export function loader({ context }: LoaderFunctionArgs) {
  return json({ mailEnabled: services(context).mail.enabled });
}

/** The same answer for every well-formed address, known or not (app/services/password-reset.server.ts). */
export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const form = await request.formData();
  const email = String(form.get("email") ?? "");
  const res = await requestPasswordReset(svc, email, clientAddress(request, context));
  if (res.status === "invalid") return json({ result: res.status, email, minutes: 0 }, { status: 400 });
  if (res.status === "throttled") {
    return json(
      { result: res.status, email, minutes: Math.max(1, Math.ceil(res.retryAfterSeconds / 60)) },
      { status: 429, headers: { "Retry-After": String(res.retryAfterSeconds) } },
    );
  }
  return json({ result: res.status, email: "", minutes: 0 });
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export default function ForgotPassword() {
  const t = useT();
  const { mailEnabled } = useLoaderData<typeof loader>();
  const data = useAnsweredActionData<typeof action>("form.unansweredSent").result;
  const nav = useNavigation();
  const statusRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (data) statusRef.current?.focus();
  }, [data]);
  const mailOff = !mailEnabled || data?.result === "mailOff";
  return (
    <main id="main" className="page narrow">
      <div className="card-panel">
        <h1>{t("reset.title")}</h1>
        {mailOff ? (
          <div className="alert info" role="status" data-testid="reset-mail-off">
            {t("reset.mailOff")}
          </div>
        ) : data?.result === "sent" ? (
          <div className="alert info" role="status" tabIndex={-1} ref={statusRef} data-testid="reset-sent">
            {t("reset.sent")}
          </div>
        ) : (
          <>
            <p className="muted">{t("reset.intro")}</p>
            {data?.result === "throttled" ? (
              <div className="alert error" role="alert" tabIndex={-1} ref={statusRef}>
                {t("reset.tooMany", { n: data.minutes })}
              </div>
            ) : null}
            <Form method="post" noValidate>
              <div className="field">
                <label htmlFor="email">{t("reset.email")}</label>
                <input
                  id="email"
                  name="email"
                  type="email"
                  autoComplete="username"
                  required
                  defaultValue={data?.email ?? ""}
                  aria-invalid={data?.result === "invalid" ? true : undefined}
                  aria-describedby={data?.result === "invalid" ? "email-error" : undefined}
                />
                {data?.result === "invalid" ? (
                  <span id="email-error" className="field-error">
                    {t("reset.invalidEmail")}
                  </span>
                ) : null}
              </div>
              <button type="submit" className="button" disabled={nav.state !== "idle"}>
                {t("reset.submit")}
              </button>
            </Form>
          </>
        )}
        <p style={{ marginTop: "1.25rem" }}>
          <Link to="/login">{t("reset.back")}</Link>
        </p>
      </div>
    </main>
  );
}
