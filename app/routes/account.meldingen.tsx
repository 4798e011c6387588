/**
 * /account/meldingen — the person's notifications (latest first; mark read,
 * mark all read) and their settings: per kind whether it also comes by
 * e-mail, and the daily digest on or off. Works without JavaScript (plain
 * forms); with it the list follows new notifications live.
 */
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { NotificationList } from "~/components/notifications/NotificationList";
import { useNotifications } from "~/components/notifications/useNotifications";
import { useT, type MessageKey } from "~/i18n";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { KINDS } from "~/components/notifications/text";
import { emailSettings, markRead, notificationsFor, updateEmailSettings } from "~/services/notifications.server";

export const meta: MetaFunction = () => [{ title: "Meldingen · Alliantiebord" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const list = await notificationsFor(svc, user);
  return json(
    { ...list, email: await emailSettings(svc, user.id), mailEnabled: svc.mail.enabled, isViewer: user.role === "viewer" },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "read") {
    const ids = form.getAll("id").filter((v): v is string => typeof v === "string");
    await markRead(svc, user, ids.length ? ids : undefined);
    return redirect("/account/meldingen");
  }
  if (intent === "settings") {
    const email = Object.fromEntries(KINDS.map((k) => [k, form.get(`email.${k}`) === "on"]));
    await updateEmailSettings(svc, user, email);
    return json({ saved: true });
  }
  return json({ saved: false }, { status: 400 });
}

/** A POST the server never answered (it went away: a restart, a crash, a proxy's 502): the page stays with what was typed, and says so (app/lib/unanswered.ts). */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export default function NotificationsPage() {
  const data = useLoaderData<typeof loader>();
  const saved = useAnsweredActionData<typeof action>().result?.saved;
  const t = useT();
  const navigation = useNavigation();
  const { unread, items, markRead: mark } = useNotifications(data.unread, { initial: data.items });
  const list = items ?? data.items;
  return (
    <main id="main" className="page notif-page">
      <div className="notif-page-head">
        <h1>{t("notif.title")}</h1>
        {unread ? (
          <Form method="post" onSubmit={(e) => (e.preventDefault(), void mark())}>
            <input type="hidden" name="intent" value="read" />
            <button type="submit" className="button secondary small">
              {t("notif.markAllRead")}
            </button>
          </Form>
        ) : null}
      </div>
      {!data.mailEnabled ? <p className="alert info">{t("notif.mailOffPerson")}</p> : null}
      {data.isViewer ? <p className="alert info">{t("notif.viewerNote")}</p> : null}
      <section className="notif-page-list" aria-label={t("notif.title")}>
        <NotificationList items={list} onRead={(ids) => void mark(ids)} />
      </section>

      <section className="card-panel notif-settings" aria-labelledby="notif-settings-h">
        <h2 id="notif-settings-h">{t("notif.settings")}</h2>
        <p className="muted">{t("notif.settingsIntro")}</p>
        <Form method="post">
          <input type="hidden" name="intent" value="settings" />
          <fieldset>
            <legend className="notif-legend">{t("notif.emailLegend")}</legend>
            {KINDS.map((k) => (
              <label key={k}>
                <input type="checkbox" name={`email.${k}`} defaultChecked={data.email[k]} data-kind={k} />
                <span>{t(`notif.kind.${k}` as MessageKey)}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("notif.save")}
          </button>
          {saved ? (
            <p role="status" className="muted" style={{ marginTop: "0.5rem" }}>
              {t("notif.saved")}
            </p>
          ) : null}
        </Form>
      </section>
    </main>
  );
}
