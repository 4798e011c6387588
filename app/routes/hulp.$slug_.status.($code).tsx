/**
 * The person's status page (issue 15): /hulp/<slug>/status/<code> shows only
 * the stage of what they sent ("ontvangen", "iemand pakt het op",
 * "afgerond") in their language; nothing else (no title, no organisation).
 * /hulp/<slug>/status?code=… (the page's own form) goes there. Lookups are
 * counted per address (app/services/front-door.server.ts).
 */
import { json, redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { PublicNotFound, PublicShell } from "~/components/front-door/PublicShell";
import { formatCode, normaliseCode } from "~/board/front-door";
import { pageLanguageHandle, pickPublicLocale, publicTranslator, type PublicLocale } from "~/i18n/public-pages";
import { services } from "~/services/context.server";
import { publicDoor, publicStatus } from "~/services/front-door.server";
import { clientAddress } from "~/services/limits.server";
import type { StaticPageHandle } from "~/root";
import publicCss from "~/styles/front-door.css";

export const handle: StaticPageHandle = { ...pageLanguageHandle, hydrate: false, stylesheet: publicCss };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Alliantiebord" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const url = new URL(request.url);
  const locale = pickPublicLocale(request.headers.get("Accept-Language"), url.searchParams.get("taal"));
  const t = publicTranslator(locale);
  const base = { locale };
  const noStore = { "Cache-Control": "no-store" };
  const door = await publicDoor(svc, params.slug ?? "");
  if (!door) return json({ ...base, title: t("public.notFound.title"), door: null, code: null, stage: null, problem: null, received: false }, { status: 404, headers: noStore });
  const shown = { name: door.allianceName, slug: door.slug };
  const asked = params.code ?? url.searchParams.get("code");
  if (!params.code && asked) {
    const code = normaliseCode(asked);
    if (code) return redirect(`/hulp/${door.slug}/status/${code}?taal=${locale}`, { headers: noStore });
  }
  if (!asked) return json({ ...base, title: t("public.status.title"), door: shown, code: null, stage: null, problem: null, received: false }, { headers: noStore });
  const res = await publicStatus(svc, door, asked, clientAddress(request, context));
  const title = t("public.status.title");
  if (!res.ok) {
    const headers: Record<string, string> = { ...noStore };
    if (res.retryAfterSeconds) headers["Retry-After"] = String(res.retryAfterSeconds);
    return json(
      { ...base, title, door: shown, code: null, stage: null, problem: res.reason, received: false },
      { status: res.reason === "limited" ? 429 : 404, headers },
    );
  }
  const code = normaliseCode(asked)!;
  return json(
    { ...base, title, door: shown, code: formatCode(code), stage: res.stage, problem: null, received: url.searchParams.get("ontvangen") === "1" },
    { headers: noStore },
  );
}

export default function PublicStatus() {
  const data = useLoaderData<typeof loader>();
  const locale = data.locale as PublicLocale;
  const t = publicTranslator(locale);
  const door = data.door;
  if (!door) return <PublicNotFound t={t} locale={locale} />;
  const statusPath = `/hulp/${door.slug}/status`;
  return (
    <PublicShell t={t} locale={locale} allianceName={door.name} path={data.code ? `${statusPath}/${data.code.replace(/-/g, "")}` : statusPath}>
      {data.received && data.code ? (
        <>
          <h1>{t("public.receipt.title")}</h1>
          <div className="fd-receipt">
            <p>{t("public.receipt.code")}</p>
            <p className="fd-code" dir="ltr" data-testid="fd-code">
              {data.code}
            </p>
          </div>
          <p>{t("public.receipt.keep")}</p>
          <p>{t("public.receipt.next")}</p>
          <p>
            {t("public.status.stage")} <strong data-testid="fd-stage">{t(`public.status.${data.stage!}`)}</strong>
          </p>
          <p>
            <a href={`${statusPath}/${data.code.replace(/-/g, "")}?taal=${locale}`}>{t("public.receipt.statusLink")}</a>
          </p>
        </>
      ) : (
        <>
          <h1>{t("public.status.title")}</h1>
          {data.stage ? (
            <p className="fd-stage">
              {t("public.status.stage")} <strong data-testid="fd-stage">{t(`public.status.${data.stage}`)}</strong>
            </p>
          ) : null}
          {data.problem ? (
            <div className="fd-alert fd-alert-error" role="alert" data-testid="fd-status-problem">
              <p>{t(data.problem === "limited" ? "public.status.limited" : "public.status.unknown")}</p>
            </div>
          ) : null}
          <form method="get" action={statusPath} className="fd-form">
            <input type="hidden" name="taal" value={locale} />
            <div className="fd-field">
              <label htmlFor="fd-code-input">{t("public.status.codeLabel")}</label>
              <p id="fd-code-hint" className="fd-hint">
                {t("public.status.intro")}
              </p>
              <input id="fd-code-input" name="code" type="text" dir="ltr" autoComplete="off" autoCapitalize="characters" spellCheck={false} maxLength={20} defaultValue={data.code ?? ""} aria-describedby="fd-code-hint" />
            </div>
            <button type="submit" className="fd-primary">
              {t("public.status.show")}
            </button>
          </form>
        </>
      )}
      <p>
        <a href={`/hulp/${door.slug}?taal=${locale}`}>{t("public.back")}</a>
      </p>
    </PublicShell>
  );
}
