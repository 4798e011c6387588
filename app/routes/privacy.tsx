import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useT, type MessageKey } from "~/i18n";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { localeFromRequest } from "~/services/locale.server";
import { privacyFacts, registerRows } from "~/services/privacy.server";
import { translator } from "~/i18n";
import { REGISTER_COLUMNS } from "~/board/privacy-register";
import privacyCss from "~/styles/privacy.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: privacyCss }];
export const meta: MetaFunction = () => [{ title: "Privacy · Alliantiebord" }];

/** The top bar's language switch posts from every page: a switch the server never answered leaves this page as it is, where loading its data again would fail the same way and show the error page (app/lib/unanswered.ts). */
export { revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

/**
 * /privacy: what is stored where, who sees what, how long, how anonymising
 * and forgetting work, and the measures taken, with this alliance's own
 * settings; ready to copy into a DPIA. Everyone of the alliance may read
 * it; a coordinator also gets the processing register as CSV.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const facts = await privacyFacts(svc, user);
  const rows = registerRows(translator(localeFromRequest(request, user)), facts);
  return json({ alliance: user.allianceName, coordinator: user.role === "coordinator", facts, rows }, { headers: { "Cache-Control": "private, no-store" } });
}

const MEASURES: MessageKey[] = [
  "privacy.measure.sealed",
  "privacy.measure.passwords",
  "privacy.measure.limits",
  "privacy.measure.web",
  "privacy.measure.free",
  "privacy.measure.isolation",
  "privacy.measure.erase",
  "privacy.measure.organisational",
];

export default function Privacy() {
  const t = useT();
  const { alliance, coordinator, facts, rows } = useLoaderData<typeof loader>();
  return (
    <main id="main" className="page privacy">
      <h1>{t("privacy.title", { alliance })}</h1>
      <p className="privacy-intro">{t("privacy.intro")}</p>
      {coordinator ? (
        <p className="privacy-register">
          <a className="button secondary" href="/api/alliance/processing-register.csv" download aria-describedby="register-help">
            {t("privacy.registerLink")}
          </a>{" "}
          <span id="register-help" className="muted small">
            {t("privacy.registerHelp")}
          </span>
        </p>
      ) : null}

      <section aria-labelledby="activities-h" className="card-panel privacy-section">
        <h2 id="activities-h">{t("privacy.activities")}</h2>
        <table className="admin-table privacy-table" data-testid="privacy-register">
          <thead>
            <tr>
              {REGISTER_COLUMNS.map((c) => (
                <th scope="col" key={c}>
                  {t(`privacy.col.${c}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.activity}>
                <th scope="row">{r.activity}</th>
                {REGISTER_COLUMNS.filter((c) => c !== "activity").map((c) => (
                  <td key={c} data-label={t(`privacy.col.${c}`)}>
                    {r[c]}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="who-h" className="card-panel privacy-section">
        <h2 id="who-h">{t("privacy.who")}</h2>
        <p>{t("privacy.who.text")}</p>
      </section>

      <section aria-labelledby="retention-h" className="card-panel privacy-section">
        <h2 id="retention-h">{t("privacy.retention")}</h2>
        <p>{t("privacy.retention.boards")}</p>
        <ul data-testid="privacy-boards">
          {facts.boards.map((b) => (
            <li key={b.name}>
              {t(b.archived ? "privacy.retention.boardArchived" : "privacy.retention.board", { board: b.name, months: b.retentionMonths })}
            </li>
          ))}
        </ul>
        <ul>
          <li>{t("privacy.retention.sessions", { days: facts.sessionDays })}</li>
          <li>{facts.backups.on ? t("privacy.retention.backupsOn", { keep: facts.backups.keep }) : t("privacy.retention.backupsOff")}</li>
          <li>{t("privacy.retention.mail")}</li>
          <li>{t("privacy.retention.audit")}</li>
          <li>{t("privacy.retention.other")}</li>
        </ul>
      </section>

      <section aria-labelledby="erasure-h" className="card-panel privacy-section">
        <h2 id="erasure-h">{t("privacy.erasure")}</h2>
        <p>{t("privacy.erasure.retention")}</p>
        <p>{t("privacy.erasure.forget")}</p>
        <p>{t("privacy.erasure.browser")}</p>
      </section>

      <section aria-labelledby="measures-h" className="card-panel privacy-section">
        <h2 id="measures-h">{t("privacy.measures")}</h2>
        <ul>
          {MEASURES.map((k) => (
            <li key={k}>{t(k)}</li>
          ))}
          <li>{t("privacy.measure.twoFactor", { policy: t(`privacy.measure.twoFactor.${facts.twoFactorPolicy}`) })}</li>
        </ul>
      </section>
      <p className="muted small">{t("privacy.docsNote")}</p>
    </main>
  );
}
