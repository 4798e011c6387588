import { json, type ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, readBody } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { intakeWarnings } from "~/services/duplicates.server";

export const loader = () => methodNotAllowed("POST");

/** POST { reference, category }: before saving, which organisations already work for this person (organisation and category only). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = requireUser(svc, request);
  const board = requireBoard(svc, request, user, params.boardId!);
  const body = await readBody(request);
  return json({ duplicates: await intakeWarnings(svc, user, board, body) });
}
