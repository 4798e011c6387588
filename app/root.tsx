import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import type { ShouldRevalidateFunction } from "@remix-run/react";
import { json } from "@remix-run/node";
import {
  Form,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useLoaderData,
  useLocation,
  useMatches,
  useFetcher,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useEffect } from "react";
import { translator, useT } from "./i18n";
import { usePageLanguage, type PageLanguageHandle } from "./i18n/page-language";
import { useNonce } from "./lib/nonce";
import { keepPageWhenUnanswered, useSayUnanswered } from "./lib/unanswered";
import { getUser, pendingDuty } from "./services/auth.server";
import { services } from "./services/context.server";
import { localeFromRequest } from "./services/locale.server";
import { ToastProvider, ToastViewport } from "./components/toast/ToastProvider";
import appCss from "./styles/app.css";
import feedbackCss from "./styles/feedback.css";
import notificationsCss from "./components/notifications/notifications.css";
import { NotificationBell } from "./components/notifications/NotificationBell";
import { unreadFor } from "./services/notifications.server";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: appCss },
  { rel: "stylesheet", href: feedbackCss },
  { rel: "stylesheet", href: notificationsCss },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Alliantiebord" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await getUser(svc, request);
  const locale = localeFromRequest(request, user);
  return json({
    locale,
    unreadNotifications: user && !pendingDuty(user) ? await unreadFor(svc, user) : 0,
    mailEnabled: svc.mail.enabled,
    user: user
      ? {
          id: user.id,
          name: user.name,
          email: user.email,
          role: user.role,
          organisationId: user.organisationId,
          organisationName: user.organisationName,
          organisationShortName: user.organisationShortName,
          organisationColor: user.organisationColor,
          allianceId: user.allianceId,
          allianceName: user.allianceName,
        }
      : null,
  });
}

/**
 * Submissions on a board page (new request, reference) change the live
 * document, not the session or the language: the root loader need not run
 * again. This also keeps the board on screen when the server goes away right
 * after a submission, instead of an error page.
 */
export const shouldRevalidate: ShouldRevalidateFunction = ({ formAction, currentUrl, nextUrl, actionResult, defaultShouldRevalidate }) => {
  if (formAction?.startsWith("/boards/") && currentUrl.pathname === nextUrl.pathname) return false;
  // A submission the server never answered (app/lib/unanswered.ts): reloading would fail the same way and show the error page.
  if (keepPageWhenUnanswered({ actionResult })) return false;
  return defaultShouldRevalidate;
};

export type RootData = ReturnType<typeof useLoaderData<typeof loader>>;

export function useOptionalUser() {
  const data = useRouteLoaderData<typeof loader>("root");
  return data?.user ?? null;
}

function Header() {
  const data = useRouteLoaderData<typeof loader>("root");
  const t = useT();
  const location = useLocation();
  const page = usePageLanguage();
  const user = data?.user;
  const staffLocale = data?.locale ?? "nl";
  const other = staffLocale === "en" ? "nl" : "en";
  // On a page in a language of its own (the front door), the bar keeps the staff language and its direction.
  const own = page && page.lang !== staffLocale ? { lang: staffLocale, dir: "ltr" as const } : {};
  // The language switch posts in the background (routes/taal.tsx): a server gone away leaves the page as it is, with a toast.
  const switcher = useFetcher();
  useSayUnanswered(switcher.data, "form.unansweredLanguage");
  return (
    <header className="topbar" {...own}>
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <Link to={user ? "/boards" : "/login"} className="brand">
        <svg aria-hidden="true" width="22" height="22" viewBox="0 0 24 24">
          <rect x="2" y="3" width="6" height="18" rx="1.5" fill="currentColor" opacity=".9" />
          <rect x="9" y="3" width="6" height="12" rx="1.5" fill="currentColor" opacity=".6" />
          <rect x="16" y="3" width="6" height="8" rx="1.5" fill="currentColor" opacity=".35" />
        </svg>
        <span>{t("app.name")}</span>
      </Link>
      {user ? (
        <span className="topbar-who">
          <span className="org-dot" style={{ background: user.organisationColor }} aria-hidden="true" />
          {user.name} · {user.organisationShortName}
        </span>
      ) : null}
      <nav className="topbar-nav">
        {user ? <Link to="/boards">{t("nav.boards")}</Link> : null}
        {user && user.role !== "viewer" ? <Link to="/aanbod">{t("offer.nav")}</Link> : null}
        {user?.role === "coordinator" ? <Link to="/beheer">{t("admin.nav")}</Link> : null}
        {user ? <Link to="/account">{t("account.nav")}</Link> : null}
        {user ? <NotificationBell unread={data?.unreadNotifications ?? 0} /> : null}
        <switcher.Form method="post" action="/taal" className="inline-form">
          <input type="hidden" name="locale" value={other} />
          <input type="hidden" name="redirectTo" value={location.pathname + location.search} />
          <button type="submit" className="link-button" lang={other} aria-label={t("lang.switchLabel")}>
            {t("lang.switch")}
          </button>
        </switcher.Form>
        {user ? (
          <Form method="post" action="/logout" className="inline-form">
            <button type="submit" className="link-button">
              {t("nav.logout")}
            </button>
          </Form>
        ) : null}
      </nav>
    </header>
  );
}

/**
 * A route whose handle says `hydrate: false` (the public front door) is a
 * plain HTML page: no Remix scripts, no app header, only its own style sheet,
 * in the language it declares (PageLanguageHandle).
 */
export interface StaticPageHandle extends PageLanguageHandle {
  hydrate: false;
  stylesheet: string;
}

function useStaticPage(): { stylesheet: string } | null {
  const matches = useMatches();
  const m = matches.find((x) => (x.handle as Partial<StaticPageHandle> | undefined)?.hydrate === false);
  return m ? { stylesheet: (m.handle as StaticPageHandle).stylesheet } : null;
}

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  // The CSP lets inline scripts run only with this request's nonce (app/entry.server.tsx).
  const nonce = useNonce();
  // A page may declare its own language (app/i18n/page-language.ts: the front door's ar/ti/uk); staff pages are nl/en, left to right.
  const page = usePageLanguage();
  const plain = useStaticPage();
  if (plain) {
    return (
      <html lang={page?.lang ?? "nl"} dir={page?.dir ?? "ltr"}>
        <head>
          <meta charSet="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <Meta />
          <link rel="stylesheet" href={plain.stylesheet} />
          <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        </head>
        <body>{children}</body>
      </html>
    );
  }
  return (
    <html lang={page?.lang ?? data?.locale ?? "nl"} dir={page?.dir ?? "ltr"}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <ToastProvider>
          <Header />
          <ToastViewport />
          {children}
        </ToastProvider>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  const user = useOptionalUser();
  const userId = user?.id;
  const { pathname } = useLocation();
  // The offline copy (service worker, app/lib/offline.ts), per person; loaded apart so pages without a person do not carry it.
  useEffect(() => {
    if (userId) void import("./lib/offline").then((m) => m.keepOffline(userId));
  }, [userId, pathname]);
  // The page's scripts have taken over (React hydrated it): from now on its forms go through Remix
  // (app/lib/unanswered.ts and the rest), where before a press was the browser's own form post.
  // The end-to-end tests wait for it (tests/e2e/helpers.ts `hydrated`) before a press that must go that way.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "";
  }, []);
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const data = useRouteLoaderData<typeof loader>("root");
  const t = translator(data?.locale ?? "nl");
  const status = isRouteErrorResponse(error) ? error.status : 500;
  // A page the browser could not fetch offline (the service worker keeps board pages only: app/lib/offline.ts).
  const offline =
    (typeof navigator !== "undefined" && navigator.onLine === false) ||
    (error instanceof TypeError && /fetch|network|load failed/i.test(error.message));
  const message = offline ? t("error.offline") : status === 404 ? t("error.notFound") : status === 403 ? t("error.forbidden") : t("error.title");
  return (
    <main id="main" className="page narrow">
      <h1>{t("error.title")}</h1>
      <p>{message}</p>
      <p>
        <Link to="/boards">{t("error.back")}</Link>
      </p>
    </main>
  );
}
