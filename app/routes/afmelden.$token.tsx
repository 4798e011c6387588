/**
 * /afmelden/<token> — the unsubscribe link of every notification mail, no
 * login needed. GET only shows the question with a button (mail programs and
 * link scanners fetch links in mails: a GET must change nothing); the POST
 * turns that kind of mail off for the token's person. Mail programs that
 * offer "unsubscribe" themselves POST here directly (RFC 8058
 * List-Unsubscribe-Post; server/http/guard.ts lets this path through without
 * an Origin: the random token is the only authority, and all it can do is this).
 */
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { isLocale, translator, useLocale, type MessageKey } from "~/i18n";
import { services } from "~/services/context.server";
import { chosenLocale } from "~/services/locale.server";
import { unsubscribe, unsubscribeInfo } from "~/services/notifications.server";

export const meta: MetaFunction = () => [{ title: "Afmelden · Alliantiebord" }, { name: "robots", content: "noindex" }];

const NO_STORE = { "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer" };

/** The address shown half hidden (a@…), enough to recognise it, not to harvest it. */
function hint(email: string): string {
  const [local, domain] = email.split("@");
  return `${local.slice(0, 2)}…@${domain ?? ""}`;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const target = await unsubscribeInfo(svc, params.token ?? "");
  if (!target) return json({ valid: false as const }, { status: 404, headers: NO_STORE });
  // In the person's own language: the link is opened from the mail, often in a browser that never chose one.
  // A browser that chose (the header's switch, a login) gets the page in its choice, as the header.
  const own = chosenLocale(request) === null && isLocale(target.locale) ? target.locale : null;
  return json({ valid: true as const, kind: target.kind, email: hint(target.email), locale: own }, { headers: NO_STORE });
}

export async function action({ params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const target = await unsubscribe(svc, params.token ?? "");
  if (!target) return json({ done: false as const }, { status: 404, headers: NO_STORE });
  return json({ done: true as const, kind: target.kind, email: hint(target.email) }, { headers: NO_STORE });
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export default function Unsubscribe() {
  const data = useLoaderData<typeof loader>();
  const personLocale = data.valid && data.locale ? data.locale : undefined;
  // The toast of a POST the server never answered speaks the page's language too.
  const done = useAnsweredActionData<typeof action>(undefined, personLocale).result;
  const pageLocale = useLocale();
  const t = translator(personLocale ?? pageLocale);
  return (
    <main id="main" className="page narrow" lang={personLocale}>
      <div className="card-panel">
        <h1>{t("unsub.title")}</h1>
        {!data.valid || (done && !done.done) ? (
          <p role="alert">{t("unsub.invalid")}</p>
        ) : done?.done ? (
          <>
            <p role="status" data-testid="unsubscribed">
              {t("unsub.done", { email: done.email, kind: t(`notif.kind.${done.kind}` as MessageKey) })}
            </p>
            <p>
              <Link to="/account/meldingen">{t("unsub.settingsLink")}</Link>
            </p>
          </>
        ) : (
          <Form method="post">
            <p>{t("unsub.question", { email: data.email, kind: t(`notif.kind.${data.kind}` as MessageKey) })}</p>
            <p className="muted">{t("unsub.explain")}</p>
            <button type="submit" className="button">
              {t("unsub.confirm")}
            </button>
          </Form>
        )}
      </div>
    </main>
  );
}
