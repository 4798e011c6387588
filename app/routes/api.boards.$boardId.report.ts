import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { reportCsv } from "~/board/overview";
import { apiError } from "~/services/api.server";
import { requireBoard, requireUser } from "~/services/auth.server";
import { services } from "~/services/context.server";
import { boardReport, parsePeriod } from "~/services/overview.server";

/**
 * GET /api/boards/<boardId>/report?from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|json:
 * anonymous counts and durations for a period (both dates included). No
 * reference, name or free text.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const url = new URL(request.url);
  const period = parsePeriod(url.searchParams.get("from"), url.searchParams.get("to"), svc.now());
  if (!period) return apiError(400, "bad_period", "Give from and to as YYYY-MM-DD, from before to, at most three years apart.");
  const format = url.searchParams.get("format") ?? "json";
  if (format !== "json" && format !== "csv") return apiError(400, "bad_format", "format is csv or json.");
  const r = await boardReport(svc, user, board, period);
  const name = `alliantiebord-rapport-${r.period.from}-${r.period.to}`;
  if (format === "csv") {
    return new Response(reportCsv(r), {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}.csv"`,
        "Cache-Control": "private, no-store",
      },
    });
  }
  const download = url.searchParams.get("download") === "1";
  return json(r, {
    headers: {
      "Cache-Control": "private, no-store",
      ...(download ? { "Content-Disposition": `attachment; filename="${name}.json"` } : {}),
    },
  });
}
