import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { clearedSessionCookie, destroySession, getUser } from "~/services/auth.server";
import { services } from "~/services/context.server";

export function loader() {
  return redirect("/boards");
}

/**
 * Ends the session and closes the person's live connections. The browser's
 * offline copies go too: Clear-Site-Data asks the browser to drop this
 * site's caches and storage (the service worker, its caches, the boards'
 * IndexedDB documents; cookies stay, so the login page still knows this
 * browser), and the login page erases them itself for browsers that do not
 * know the header (app/lib/offline.ts).
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await getUser(svc, request);
  await destroySession(svc, request);
  if (user) svc.rooms.disconnectUser(user.id, "logged out");
  const headers = new Headers({ "Set-Cookie": clearedSessionCookie(svc, request), "Clear-Site-Data": '"cache", "storage"' });
  return redirect("/login?uitgelogd=1", { headers });
}
