import { redirect, replace, type ActionFunctionArgs } from "@remix-run/node";
import { isLocale } from "~/i18n";
import { setOwnLocale } from "~/services/account.server";
import { getUser, safeRedirect } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { localeCookie } from "~/services/locale.server";

/**
 * The language switch in the top bar (root.tsx). With scripts it posts in the background (a
 * fetcher): the answer's redirect brings the same page back in the other language, in place of
 * it in the history (`replace`); without scripts a plain post and a redirect.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const locale = form.get("locale");
  const to = safeRedirect(form.get("redirectTo"), "/");
  if (!isLocale(locale)) return replace(to);
  // Logged in, the stored language wins over the cookie: the switch writes both.
  const svc = services(context);
  const user = await getUser(svc, request);
  if (user) await setOwnLocale(svc, user, locale);
  return replace(to, { headers: { "Set-Cookie": localeCookie(locale) } });
}

/** The server went away while the switch was on its way: the page stays as it is (no error page), and the top bar says so. */
export { answeredOrUnanswered as clientAction } from "~/lib/unanswered";

export function loader() {
  return redirect("/");
}
