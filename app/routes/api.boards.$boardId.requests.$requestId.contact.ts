import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError, methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { readContact, removeContact, writeContact, type ContactRead } from "~/services/contacts.server";
import { services } from "~/services/context.server";

const NO_STORE = { "Cache-Control": "private, no-store" };

function answer(result: ContactRead) {
  if (!result.ok) return apiError(result.status, result.error, result.message, result.errors ? { errors: result.errors } : {});
  return json({ ...result.contact, stored: result.stored, updatedAt: result.updatedAt, available: result.available }, { headers: NO_STORE });
}

/**
 * GET /api/boards/:boardId/requests/:requestId/contact: the sealed contact
 * details, opened: 200 { name, phone, email, address, note, consent, stored,
 * updatedAt, available } (empty values when none are stored). Only the
 * organisation that holds the request (or entered it, while nobody holds it);
 * every read is logged. 403 for everyone else (`no_consent` for a holder the
 * person did not consent to), 404 for another alliance's ids.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  return answer(await readContact(svc, user, board, params.requestId!));
}

/**
 * PUT …/contact { name?, phone?, email?, address?, note?, consent? }: store
 * them sealed (all empty removes them; so does DELETE). 200 as GET; 422
 * { errors } per field; 409 on an archived board; 503 `data_key_missing`
 * without DATA_KEY.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "PUT" && request.method !== "DELETE") return methodNotAllowed("GET, PUT, DELETE");
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  if (request.method === "DELETE") return answer(await removeContact(svc, user, board, params.requestId!));
  const body = await readBody(request);
  return answer(await writeContact(svc, user, board, params.requestId!, body));
}
