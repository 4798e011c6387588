/**
 * The public front door (issue 15): /hulp/<alliance-slug>. No account, no
 * JavaScript (a plain HTML form; the page loads no Remix bundle), five
 * languages. The service is app/services/front-door.server.ts.
 */
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { PublicField, PublicNotFound, PublicShell } from "~/components/front-door/PublicShell";
import type { Translate } from "~/i18n";
import {
  PUBLIC_CATALOGS,
  pageLanguageHandle,
  pickPublicLocale,
  publicTranslator,
  type PublicLocale,
  type PublicPageKey,
  type PublicTranslate,
} from "~/i18n/public-pages";
import { GuardFields } from "~/components/front-door/GuardFields";
import { GUARD_FIELDS } from "~/board/front-door-guard";
import { PUBLIC_KINDS, PUBLIC_TEXT_MAX, REACH_BY, type PublicErrors } from "~/board/front-door";
import { LIMITS } from "~/board/validate";
import { services } from "~/services/context.server";
import { formGuard, publicDoor, submitPublic } from "~/services/front-door.server";
import { clientAddress } from "~/services/limits.server";
import type { StaticPageHandle } from "~/root";
import publicCss from "~/styles/front-door.css";

export const handle: StaticPageHandle = { ...pageLanguageHandle, hydrate: false, stylesheet: publicCss };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Alliantiebord" }];

function localeOf(request: Request): PublicLocale {
  return pickPublicLocale(request.headers.get("Accept-Language"), new URL(request.url).searchParams.get("taal"));
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const locale = localeOf(request);
  const t = publicTranslator(locale);
  const door = await publicDoor(svc, params.slug ?? "");
  const base = { locale };
  if (!door) return json({ ...base, door: null, title: t("public.notFound.title"), guard: null }, { status: 404, headers: { "Cache-Control": "no-store" } });
  return json(
    {
      ...base,
      title: `${t("public.title")} · ${door.allianceName}`,
      door: { name: door.allianceName, slug: door.slug, categories: door.categories, retentionMonths: door.retentionMonths },
      guard: await formGuard(svc, door.allianceId),
    },
    { headers: { "Cache-Control": "no-store", "Content-Language": locale } },
  );
}

const FORM_FIELDS = ["kind", "organisation", "category", "text", "area", "name", "phone", "email", "reachBy", "consent"] as const;
type FormValues = Partial<Record<(typeof FORM_FIELDS)[number], string>>;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const locale = localeOf(request);
  const door = await publicDoor(svc, params.slug ?? "");
  if (!door) return json({ values: {} as FormValues, errors: {} as PublicErrors, personalData: false, refused: null as string | null, retryMinutes: 0, guard: null }, { status: 404 });
  const form = await request.formData();
  const values: FormValues = {};
  for (const f of FORM_FIELDS) {
    const v = form.get(f);
    if (typeof v === "string") values[f] = v;
  }
  const contactGiven = !!(values.name || values.phone || values.email);
  const input = {
    kind: values.kind,
    organisation: values.organisation,
    category: values.category,
    text: values.text,
    area: values.area,
    language: locale,
    reachBy: values.reachBy,
    contact: contactGiven || values.consent ? { name: values.name, phone: values.phone, email: values.email, consent: values.consent === "on" } : undefined,
  };
  const res = await submitPublic(svc, door, input, {
    address: clientAddress(request, context),
    honeypot: form.get(GUARD_FIELDS.honeypot),
    token: form.get(GUARD_FIELDS.token),
    powSolution: form.get(GUARD_FIELDS.pow),
    acknowledged: form.get("acknowledgePersonalData") === "1",
    channel: "form",
  });
  if (res.ok) return redirect(`/hulp/${door.slug}/status/${res.code}?taal=${locale}&ontvangen=1`, { headers: { "Cache-Control": "no-store" } });
  // Nothing typed is lost: the page comes back with every value and a fresh guard token (keeping the first one's time).
  const again = { values, guard: await formGuard(svc, door.allianceId, { previousToken: form.get(GUARD_FIELDS.token) }), retryMinutes: 0 };
  if ("errors" in res) return json({ ...again, errors: res.errors, personalData: false, refused: null }, { status: 422 });
  if ("personalData" in res) return json({ ...again, errors: {} as PublicErrors, personalData: true, refused: null }, { status: 422 });
  const headers: Record<string, string> = {};
  const wait = "retryAfterSeconds" in res ? (res.retryAfterSeconds ?? 0) : 0;
  if (wait) headers["Retry-After"] = String(wait);
  return json(
    { ...again, retryMinutes: wait > 60 ? Math.ceil(wait / 60) : 0, errors: {} as PublicErrors, personalData: false, refused: "guard" in res ? res.guard : "unavailable" },
    { status: res.status, headers },
  );
}

function errorText(t: PublicTranslate, code: string | undefined): string | undefined {
  if (!code) return undefined;
  const key = `public.error.${code}` as PublicPageKey;
  return key in PUBLIC_CATALOGS.nl ? t(key) : t("public.error.type");
}

/** The guard's refusal in the person's language ("unavailable": the server cannot seal contact details now). */
function refusalText(t: PublicTranslate, code: string): string {
  const key = `public.guard.${code}` as PublicPageKey;
  return key in PUBLIC_CATALOGS.nl ? t(key) : t("public.error.summary");
}

function categoryLabel(t: PublicTranslate, c: { id: string; label: string }): string {
  const key = `public.category.${c.id}` as PublicPageKey;
  return key in PUBLIC_CATALOGS.nl ? t(key) : c.label;
}

export default function PublicFrontDoor() {
  const data = useLoaderData<typeof loader>();
  const sent = useActionData<typeof action>();
  const locale = data.locale as PublicLocale;
  const t = publicTranslator(locale);
  const door = data.door;
  if (!door) return <PublicNotFound t={t} locale={locale} />;
  const values: FormValues = sent?.values ?? {};
  const errors: PublicErrors = sent?.errors ?? {};
  const guard = sent?.guard ?? data.guard;
  const e = (f: keyof PublicErrors) => errorText(t, errors[f]);
  const kind = values.kind ?? "";
  const hasErrors = Object.keys(errors).length > 0;
  const path = `/hulp/${door.slug}`;
  const errorOrder: Array<[keyof PublicErrors, string]> = [
    ["kind", "fd-kind-request"],
    ["organisation", "fd-organisation"],
    ["category", "fd-category"],
    ["text", "fd-text"],
    ["area", "fd-area"],
    ["contact.name", "fd-name"],
    ["contact.phone", "fd-phone"],
    ["contact.email", "fd-email"],
    ["contact.consent", "fd-consent"],
    ["reachBy", "fd-reach"],
  ];
  return (
    <PublicShell t={t} locale={locale} allianceName={door.name} path={path}>
      <h1>{t("public.title")}</h1>
      <p>{t("public.intro", { alliance: door.name })}</p>

      {hasErrors ? (
        <div className="fd-alert fd-alert-error" role="alert" data-testid="fd-errors">
          <p>{t("public.error.summary")}</p>
          <ul>
            {errorOrder
              .filter(([f]) => errors[f])
              .map(([f, id]) => (
                <li key={f}>
                  <a href={`#${id}`}>{e(f)}</a>
                </li>
              ))}
          </ul>
        </div>
      ) : null}
      {sent?.refused ? (
        <div className="fd-alert fd-alert-error" role="alert" data-testid="fd-refused">
          <p>{refusalText(t, sent.refused)}</p>
          {sent.retryMinutes ? <p>{t("public.guard.retryIn", { minutes: sent.retryMinutes })}</p> : null}
        </div>
      ) : null}

      <form method="post" action={`${path}?taal=${locale}`} className="fd-form" noValidate>
        {/* The guard's hidden fields (app/services/front-door-guard.server.ts): honeypot, token, proof of work in a flood. */}
        {guard ? <GuardFields guard={guard} t={t as unknown as Translate} /> : null}

        <fieldset className={errors.kind ? "fd-field fd-invalid" : "fd-field"} aria-describedby={errors.kind ? "fd-kind-error" : undefined}>
          <legend>{t("public.kind.legend")}</legend>
          {errors.kind ? (
            <p id="fd-kind-error" className="fd-error">
              {e("kind")}
            </p>
          ) : null}
          {PUBLIC_KINDS.map((k) => (
            <div className="fd-choice" key={k}>
              <input type="radio" id={`fd-kind-${k}`} name="kind" value={k} defaultChecked={kind === k} required />
              <label htmlFor={`fd-kind-${k}`}>{t(`public.kind.${k}`)}</label>
            </div>
          ))}
        </fieldset>

        <PublicField id="fd-organisation" label={t("public.organisation.label")} hint={t("public.organisation.hint")} error={e("organisation")}>
          {(d, invalid) => (
            <input id="fd-organisation" name="organisation" type="text" maxLength={80} autoComplete="organization" defaultValue={values.organisation ?? ""} aria-describedby={d} aria-invalid={invalid || undefined} />
          )}
        </PublicField>

        <PublicField id="fd-category" label={t("public.category.label")} error={e("category")}>
          {(d, invalid) => (
            <select id="fd-category" name="category" defaultValue={values.category ?? ""} aria-describedby={d} aria-invalid={invalid || undefined} required>
              <option value="">{t("public.category.choose")}</option>
              {door.categories.map((c) => (
                <option key={c.id} value={c.id}>
                  {categoryLabel(t, c)}
                </option>
              ))}
            </select>
          )}
        </PublicField>

        <PublicField id="fd-text" label={t("public.text.label")} hint={t("public.text.hint")} error={e("text")}>
          {(d, invalid) => (
            <textarea id="fd-text" name="text" rows={6} maxLength={PUBLIC_TEXT_MAX} defaultValue={values.text ?? ""} aria-describedby={d} aria-invalid={invalid || undefined} required />
          )}
        </PublicField>

        {sent?.personalData ? (
          <div className="fd-alert fd-alert-warn" role="alert" data-testid="fd-personal-data">
            <p>{t("public.pd.warning")}</p>
            <button type="submit" name="acknowledgePersonalData" value="1" className="fd-secondary">
              {t("public.pd.send")}
            </button>
          </div>
        ) : null}

        <PublicField id="fd-area" label={t("public.area.label")} error={e("area")}>
          {(d, invalid) => (
            <input id="fd-area" name="area" type="text" maxLength={LIMITS.areaMax} autoComplete="address-level2" defaultValue={values.area ?? ""} aria-describedby={d} aria-invalid={invalid || undefined} />
          )}
        </PublicField>

        <fieldset className="fd-group" aria-describedby="fd-contact-hint">
          <legend>{t("public.contact.legend")}</legend>
          <p id="fd-contact-hint" className="fd-hint">
            {t("public.contact.hint")}
          </p>
          <PublicField id="fd-name" label={t("public.contact.name")} error={e("contact.name")}>
            {(d, invalid) => <input id="fd-name" name="name" type="text" maxLength={120} autoComplete="name" defaultValue={values.name ?? ""} aria-describedby={d} aria-invalid={invalid || undefined} />}
          </PublicField>
          <PublicField id="fd-phone" label={t("public.contact.phone")} error={e("contact.phone")}>
            {(d, invalid) => (
              <input id="fd-phone" name="phone" type="tel" dir="ltr" maxLength={40} autoComplete="tel" defaultValue={values.phone ?? ""} aria-describedby={d} aria-invalid={invalid || undefined} />
            )}
          </PublicField>
          <PublicField id="fd-email" label={t("public.contact.email")} error={e("contact.email")}>
            {(d, invalid) => (
              <input id="fd-email" name="email" type="email" dir="ltr" maxLength={254} autoComplete="email" defaultValue={values.email ?? ""} aria-describedby={d} aria-invalid={invalid || undefined} />
            )}
          </PublicField>
          <PublicField id="fd-reach" label={t("public.contact.how")} error={e("reachBy")}>
            {(d, invalid) => (
              <select id="fd-reach" name="reachBy" defaultValue={values.reachBy ?? ""} aria-describedby={d} aria-invalid={invalid || undefined}>
                <option value="">—</option>
                {REACH_BY.map((r) => (
                  <option key={r} value={r}>
                    {t(`public.contact.how.${r}`)}
                  </option>
                ))}
              </select>
            )}
          </PublicField>
          <div className={errors["contact.consent"] ? "fd-choice fd-invalid" : "fd-choice"}>
            <input
              type="checkbox"
              id="fd-consent"
              name="consent"
              defaultChecked={values.consent === "on"}
              aria-describedby={errors["contact.consent"] ? "fd-consent-error" : undefined}
              aria-invalid={errors["contact.consent"] ? true : undefined}
            />
            <label htmlFor="fd-consent">{t("public.contact.consent")}</label>
            {errors["contact.consent"] ? (
              <p id="fd-consent-error" className="fd-error">
                {e("contact.consent")}
              </p>
            ) : null}
          </div>
        </fieldset>

        <section className="fd-privacy" aria-labelledby="fd-privacy-h">
          <h2 id="fd-privacy-h">{t("public.privacy.heading")}</h2>
          <ul>
            <li>{t("public.privacy.who", { alliance: door.name })}</li>
            <li>{t("public.privacy.keep", { months: door.retentionMonths })}</li>
            <li>{t("public.privacy.noShare")}</li>
          </ul>
        </section>

        <button type="submit" className="fd-primary">
          {t("public.submit")}
        </button>
      </form>
    </PublicShell>
  );
}
