import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { isLocale } from "~/i18n";
import { setOwnLocale } from "~/services/account.server";
import { getUser, safeRedirect } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { localeCookie } from "~/services/locale.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const locale = form.get("locale");
  const to = safeRedirect(form.get("redirectTo"), "/");
  if (!isLocale(locale)) return redirect(to);
  // Logged in, the stored language wins over the cookie: the switch writes both.
  const svc = services(context);
  const user = await getUser(svc, request);
  if (user) await setOwnLocale(svc, user, locale);
  return redirect(to, { headers: { "Set-Cookie": localeCookie(locale) } });
}

export function loader() {
  return redirect("/");
}
