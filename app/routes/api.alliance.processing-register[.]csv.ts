import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiError, fromAnotherSite } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { attachment } from "~/services/export.server";
import { localeFromRequest } from "~/services/locale.server";
import { processingRegisterCsv } from "~/services/privacy.server";

/**
 * GET /api/alliance/processing-register.csv (coordinator): the alliance's
 * processing register (AVG art. 30) as CSV for Excel, one row per processing
 * activity (purpose, data subjects, personal data, recipients, retention,
 * security measures, where stored), filled with the alliance's settings, in
 * the person's language. 403 for everyone else and for a request from
 * another site.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  if (fromAnotherSite(request, svc.env.ALLOWED_ORIGINS)) return apiError(403, "forbidden_origin", "This file is only handed to the app's own pages.");
  const csv = await processingRegisterCsv(svc, user, localeFromRequest(request, user));
  if (csv === null) return apiError(403, "forbidden", "Only a coordinator may download the processing register.");
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": attachment("verwerkingsregister", "csv", svc.now()),
      "Cache-Control": "private, no-store",
    },
  });
}
