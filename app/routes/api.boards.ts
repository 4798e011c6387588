import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { archivedBoardsFor, boardsFor, createBoard } from "~/services/boards.server";
import { services } from "~/services/context.server";

/**
 * GET /api/boards: the boards this session may open and work on, as a JSON
 * array of `{ id, name }` (archived boards left out, so clients of the first
 * release see what they saw). `?archived=1`: the archived boards instead, as
 * `{ id, name, archivedAt }`.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const archived = new URL(request.url).searchParams.get("archived");
  if (archived === "1" || archived === "true") return json(await archivedBoardsFor(svc, user), { headers: { "Cache-Control": "private, no-store" } });
  return json(await boardsFor(svc, user), { headers: { "Cache-Control": "private, no-store" } });
}

/**
 * POST /api/boards `{ name, copyFrom? }` (coordinator): a new board with the
 * default columns and categories, or those of `copyFrom` (a board of the
 * same alliance). 201 `{ id }`; 403 for anyone but a coordinator; 422
 * `{ errors: { name?: required|tooShort|tooLong|type|taken, copyFrom?: unknown } }`.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await readBody(request);
  const res = await createBoard(svc, user, { name: body.name, copyFrom: body.copyFrom });
  if (res.ok) return json({ id: res.id }, { status: 201, headers: { Location: `/api/boards/${res.id}` } });
  if (res.status === 403) return apiError(403, "forbidden", "Only a coordinator may create boards.");
  if (res.status === 422) return apiError(422, "invalid", "The board cannot be created like this.", { errors: res.errors });
  return apiError(res.status, res.error, "The board cannot be created.");
}
