import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/services/auth.server";
import { organisationsFor } from "~/services/boards.server";
import { services } from "~/services/context.server";

/** GET /api/organisations: the organisations of the session's alliance. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  return json((await organisationsFor(svc, user)).map((o) => ({ id: o.id, name: o.name, shortName: o.shortName, color: o.color })));
}
