/**
 * The frame of the public front door's pages (issue 15): the alliance's name,
 * the language switch (plain links, `?taal=`, each in its own language) and
 * the main area. No scripts: these pages are plain HTML (root.tsx renders
 * them without the Remix bundle).
 */
import type { ReactNode } from "react";
import { PUBLIC_LOCALES, PUBLIC_LOCALE_NAMES, textDirection, type PublicLocale, type PublicTranslate } from "~/i18n/public-pages";

export function PublicShell({
  t,
  locale,
  allianceName,
  path,
  children,
}: {
  t: PublicTranslate;
  locale: PublicLocale;
  allianceName: string | null;
  /** This page's path, for the language links. */
  path: string;
  children: ReactNode;
}) {
  return (
    <>
      <header className="fd-top">
        <p className="fd-brand">{allianceName ?? "Alliantiebord"}</p>
        <nav aria-label={t("public.lang.label")} className="fd-langs">
          <ul>
            {PUBLIC_LOCALES.map((l) => (
              <li key={l}>
                <a
                  href={`${path}?taal=${l}`}
                  hrefLang={l}
                  lang={l}
                  dir={textDirection(l)}
                  aria-current={l === locale ? "true" : undefined}
                >
                  {PUBLIC_LOCALE_NAMES[l]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" className="fd-main">
        {children}
      </main>
    </>
  );
}

/** A labelled field with its hint and error, tied together for screen readers. */
export function PublicField({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (describedBy: string | undefined, invalid: boolean) => ReactNode;
}) {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={error ? "fd-field fd-invalid" : "fd-field"}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="fd-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="fd-error">
          {error}
        </p>
      ) : null}
      {children(ids, !!error)}
    </div>
  );
}

/** The page both public routes show for a door that is off or unknown (their loaders answer 404). */
export function PublicNotFound({ t, locale }: { t: PublicTranslate; locale: PublicLocale }) {
  return (
    <PublicShell t={t} locale={locale} allianceName={null} path="">
      <h1>{t("public.notFound.title")}</h1>
      <p>{t("public.notFound.text")}</p>
    </PublicShell>
  );
}
