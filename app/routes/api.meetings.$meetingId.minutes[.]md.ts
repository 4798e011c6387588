import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiError } from "~/services/api.server";
import { requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { localeFromRequest } from "~/services/locale.server";
import { meetingMinutes } from "~/services/meetings.server";

/**
 * GET /api/meetings/<meetingId>/minutes.md: the minutes as Markdown (UTF-8),
 * as a download `notulen-<day>.md`, in the person's language. Anyone of the
 * alliance (archived boards too); 404 for an unknown meeting and another alliance's alike.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const minutes = await meetingMinutes(svc, user, params.meetingId!, localeFromRequest(request, user));
  if (!minutes) return apiError(404, "not_found", "No such meeting.");
  return new Response(minutes.markdown, {
    headers: {
      "Content-Type": "text/markdown; charset=utf-8",
      "Content-Disposition": `attachment; filename="${minutes.filename}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
