import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { clearedSessionCookie, destroySession, getUser } from "~/services/auth.server";
import { services } from "~/services/context.server";

export function loader() {
  return redirect("/boards");
}

/** Ends the session and closes the person's live connections. The browser erases its offline copies on the login page. */
export function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = getUser(svc, request);
  destroySession(svc, request);
  if (user) svc.rooms.disconnectUser(user.id, "logged out");
  return redirect("/login?uitgelogd=1", { headers: { "Set-Cookie": clearedSessionCookie(svc, request) } });
}
