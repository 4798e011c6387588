import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/services/auth.server";
import { boardsFor } from "~/services/boards.server";
import { services } from "~/services/context.server";

/** GET /api/boards: the boards this session may open, as a JSON array of { id, name }. */
export function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = requireUser(svc, request);
  return json(boardsFor(svc, user));
}
