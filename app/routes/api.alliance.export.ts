import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { allianceExport, attachment } from "~/services/export.server";

/**
 * GET /api/alliance/export (coordinator): the alliance as one JSON file
 * (alliance, organisations, people without password hashes or tokens, boards
 * with columns, categories and cards, requests with owner, referrals,
 * comments and audit, offers); references only where the coordinator's
 * organisation entered or holds the request. 403 for everyone else.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const data = await allianceExport(svc, user);
  if (!data) return apiError(403, "forbidden", "Only a coordinator may export the alliance.");
  return json(data, {
    headers: {
      "Content-Disposition": attachment(data.alliance.name, "json", svc.now()),
      "Cache-Control": "private, no-store",
    },
  });
}
