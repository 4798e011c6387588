import { json, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { useT, type MessageKey } from "~/i18n";
import { changeOwnPassword } from "~/services/admin.server";
import { loginClient, requireUser, throttleMessage } from "~/services/auth.server";
import { services } from "~/services/context.server";

export const meta: MetaFunction = () => [{ title: "Wachtwoord · Alliantiebord" }];

/** A throttled attempt's Retry-After reaches the page's response too (a form posted without scripts). */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(services(context), request, { allowPasswordChange: true });
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request, { allowPasswordChange: true });
  const res = await changeOwnPassword(svc, user, Object.fromEntries(await request.formData()), loginClient(request, context));
  if (!res.ok && "retryAfterSeconds" in res) {
    const throttle = throttleMessage(res.retryAfterSeconds);
    return json({ errors: {}, throttle }, { status: 429, headers: { "Retry-After": String(res.retryAfterSeconds) } });
  }
  if (!res.ok) return json({ errors: res.errors }, { status: res.status });
  return redirect("/boards");
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

const FIELDS = [
  { name: "current", label: "password.current", autoComplete: "current-password" },
  { name: "password", label: "password.new", autoComplete: "new-password" },
  { name: "repeat", label: "password.repeat", autoComplete: "new-password" },
] as const;

export default function ChangePassword() {
  const t = useT();
  // The passwords typed stay in their fields after an unanswered POST (the form is not remounted); never written back from what was sent.
  const data = useAnsweredActionData<typeof action>().result;
  const errors = (data?.errors ?? {}) as Record<string, string | undefined>;
  return (
    <main id="main" className="page narrow">
      <div className="card-panel">
        <h1>{t("password.title")}</h1>
        <p className="muted">{t("password.intro")}</p>
        {data && "throttle" in data && data.throttle ? (
          <div className="alert error" role="alert">
            {t(data.throttle.key, data.throttle.vars)}
          </div>
        ) : null}
        <Form method="post" noValidate>
          {FIELDS.map((f) => (
            <div className="field" key={f.name}>
              <label htmlFor={f.name}>{t(f.label)}</label>
              <input
                id={f.name}
                name={f.name}
                type="password"
                autoComplete={f.autoComplete}
                aria-invalid={errors[f.name] ? true : undefined}
                aria-describedby={errors[f.name] ? `${f.name}-error` : undefined}
              />
              {errors[f.name] ? (
                <span id={`${f.name}-error`} className="field-error">
                  {t(`password.${errors[f.name]}` as MessageKey)}
                </span>
              ) : null}
            </div>
          ))}
          <button className="button" type="submit">
            {t("password.submit")}
          </button>
        </Form>
      </div>
    </main>
  );
}
