import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { methodNotAllowed } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { personalExport, personalExportFilename } from "~/services/personal-export.server";

/**
 * GET /api/me/export: what the system holds about the person of this session
 * (AVG art. 15), as a JSON file (Content-Disposition: attachment); 429 past
 * 10 an hour. "Download mijn gegevens" on /account links here.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const body = await personalExport(svc, user);
  return json(body, {
    headers: {
      "Cache-Control": "private, no-store",
      "Content-Disposition": `attachment; filename="${personalExportFilename(svc.now())}"`,
    },
  });
}

export function action(_: ActionFunctionArgs) {
  return methodNotAllowed("GET");
}
